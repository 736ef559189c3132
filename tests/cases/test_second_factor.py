"""The second factor: codes in ASCII digits only, and required for supervisors and admins on every staff route."""

import pyotp
import pytest
from sqlalchemy import select

from cases.accounts.models import StaffUser
from cases.accounts.service import totp_step
from cases.actions import rules
from cases.actions.models import Action
from cases.actions.service import propose_action
from tests.cases.conftest import HAIDIAN, PASSWORD, post_form, sign_in
from tests.conftest import csrf_token
from tipline.extensions import db

FOREIGN_DIGITS = ["١٢٣٤٥٦", "１２３４５６", "۱۲۳۴۵۶", "१२३४५६"]


@pytest.mark.parametrize("code", FOREIGN_DIGITS)
def test_non_ascii_digits_are_no_code(code):
    """Catches: str.isdigit() taking Arabic-Indic or full-width digits to hmac.compare_digest, which raises."""
    assert totp_step(pyotp.random_base32(), code) is None


@pytest.mark.parametrize("code", FOREIGN_DIGITS)
def test_non_ascii_digits_at_account_setup_are_a_clear_400(make_staff, staff_client, code):
    """Catches: a 500 when the second-factor setup form gets '١٢٣٤٥٦' (\\d in the form's pattern takes it)."""
    client = staff_client(make_staff())
    client.set_cookie("lang", "en")
    response = post_form(client, "/staff/account", "/staff/account", {"code": code})
    assert response.status_code == 400
    assert "Enter the six digits." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalars(select(StaffUser)).one().totp_secret_encrypted is None


@pytest.mark.parametrize("code", FOREIGN_DIGITS)
def test_non_ascii_digits_at_sign_in_are_a_clear_400(app, client, make_staff, code):
    """Catches: a 500 when /staff/login/code gets '１２３４５６'."""
    user = make_staff("officer", totp=True)
    client.set_cookie("lang", "en")
    step = client.post(
        "/staff/login",
        data={"csrf_token": csrf_token(client, "/staff/login"), "email": user.email, "password": PASSWORD},
    )
    assert "/staff/login/code" in step.headers["Location"]
    response = client.post(
        step.headers["Location"], data={"csrf_token": csrf_token(client, "/staff/login/code"), "code": code}
    )
    assert response.status_code == 400
    assert "Enter the six digits." in response.get_data(as_text=True)
    assert client.get("/staff/").status_code == 302


@pytest.fixture
def proposal(make_platform, file_tip, make_staff):
    """An action awaiting a supervisor's decision, and the officer who proposed it."""
    tip = file_tip(make_platform(region_code=HAIDIAN), "game_ads")
    officer = make_staff("officer", "cyberspace", HAIDIAN)
    action = propose_action(tip.case, officer, rules.SUSPEND_UPDATES, "依据", public_reason="公开理由")
    db.session.commit()
    return action


def _state(action_id):
    db.session.expire_all()
    return db.session.get(Action, action_id).state


def test_a_supervisor_without_a_second_factor_can_only_enrol(app, make_staff, proposal):
    """Catches: supervisors working without a second factor (it was optional for every role)."""
    supervisor = make_staff("supervisor", "cyberspace", "110000", totp=False)
    client = app.test_client()
    client.set_cookie("lang", "en")
    assert sign_in(client, supervisor).status_code == 302
    for page in ("/staff/", f"/staff/cases/{proposal.case_id}", "/staff/notices", "/staff/admin/audit"):
        response = client.get(page)
        assert response.status_code == 302 and response.headers["Location"].endswith("/staff/account"), page
    told = client.get("/staff/account").get_data(as_text=True)
    assert "must turn on the second factor" in told
    state = _state(proposal.id)
    crafted = post_form(client, "/staff/account", f"/staff/actions/{proposal.id}/decide", {"decision": "approve"})
    assert crafted.status_code == 403
    assert _state(proposal.id) == state == rules.PROPOSED

    # Enrolling opens the workspace.
    secret = told.split("<code>")[1].split("</code>")[0]
    enrolled = post_form(client, "/staff/account", "/staff/account", {"code": pyotp.TOTP(secret).now()})
    assert enrolled.status_code == 302
    assert client.get("/staff/").status_code == 200
    assert client.get(f"/staff/cases/{proposal.case_id}").status_code == 200
    decided = post_form(
        client, f"/staff/cases/{proposal.case_id}", f"/staff/actions/{proposal.id}/decide", {"decision": "approve"}
    )
    assert decided.status_code == 302
    assert _state(proposal.id) != rules.PROPOSED


def test_an_admin_without_a_second_factor_cannot_manage_accounts(app, make_staff):
    """Catches: the enrolment rule applying to supervisors only, or only to pages (not to posts)."""
    admin = make_staff("admin", "cyberspace", "110000", totp=False)
    client = app.test_client()
    sign_in(client, admin)
    assert client.get("/staff/admin/users").status_code == 302
    created = post_form(
        client,
        "/staff/account",
        "/staff/admin/users/new",
        {
            "email": "new.person@example.com",
            "password": "velvet-harbor-kite-orbit",
            "role": "officer",
            "department": "cyberspace",
            "region": HAIDIAN,
        },
    )
    assert created.status_code == 403
    assert db.session.scalars(select(StaffUser).where(StaffUser.email == "new.person@example.com")).first() is None
    post_form(client, "/staff/account", "/staff/logout", {})
    assert client.get("/staff/account").status_code == 302  # signing out works too


def test_promotion_to_supervisor_asks_for_a_second_factor_at_next_sign_in(app, make_staff, staff_client):
    """Catches: a newly promoted supervisor keeping their officer session, or working without a second factor."""
    admin = make_staff("admin", "cyberspace", "110000")
    officer = make_staff("officer", "cyberspace", HAIDIAN)
    old = staff_client(officer)
    assert old.get("/staff/").status_code == 200
    saved = post_form(
        staff_client(admin),
        f"/staff/admin/users/{officer.id}",
        f"/staff/admin/users/{officer.id}",
        {"name": "", "role": "supervisor", "department": "cyberspace", "region": HAIDIAN, "active": "y"},
    )
    assert saved.status_code == 302
    assert old.get("/staff/").status_code == 302 and "/staff/login" in old.get("/staff/").headers["Location"]
    again = app.test_client()
    assert sign_in(again, officer).status_code == 302
    response = again.get("/staff/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/staff/account")


def test_a_stolen_password_cannot_quietly_take_over_an_account_waiting_to_enrol(app, make_staff):
    """Catches: the enrolment-only session changing the password (locking the owner out), and a second
    factor set up or turned off without a word to the account's owner."""
    from cases.accounts.service import disable_totp
    from cases.notices import Notice

    supervisor = make_staff("supervisor", "cyberspace", "110000", totp=False)
    thief = app.test_client()
    assert sign_in(thief, supervisor).status_code == 302
    hash_before = supervisor.password_hash
    changed = post_form(
        thief,
        "/staff/account",
        "/staff/account/password",
        {"password-current": PASSWORD, "password-new": "orbit velvet harbour kite 77"},
    )
    assert changed.status_code == 403
    db.session.expire_all()
    assert db.session.get(StaffUser, supervisor.id).password_hash == hash_before

    told = thief.get("/staff/account").get_data(as_text=True)
    assert "/staff/account/password" not in told  # not offered either
    secret = told.split("<code>")[1].split("</code>")[0]
    assert post_form(thief, "/staff/account", "/staff/account", {"code": pyotp.TOTP(secret).now()}).status_code == 302
    kinds = lambda: db.session.scalars(select(Notice.kind).where(Notice.user_id == supervisor.id)).all()  # noqa: E731
    assert kinds() == ["totp_enabled"]  # the owner hears of it (in the app and by mail)

    version = db.session.get(StaffUser, supervisor.id).session_version
    disable_totp(db.session.get(StaffUser, supervisor.id), make_staff("admin", "cyberspace", "100000"))
    db.session.commit()
    assert kinds() == ["totp_enabled", "totp_disabled"]
    assert db.session.get(StaffUser, supervisor.id).session_version == version + 1
    assert thief.get("/staff/").status_code == 302  # the session of the old factor is over
