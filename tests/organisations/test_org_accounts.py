"""Organisations register, confirm their address by mail, sign in apart from staff, and manage their members."""

import io
from datetime import timedelta

from sqlalchemy import select

from tests.cases.conftest import sign_in as staff_sign_in
from tests.conftest import csrf_token
from tests.organisations.helpers import (
    CODE,
    HAIDIAN,
    PASSWORD,
    add_member,
    mailed_link,
    make_org,
    member_client,
    post_form,
    sign_in_member,
    valid_code,
)
from tests.tipline.images import photo_with_gps
from tipline.evidence.models import Evidence
from tipline.extensions import db
from tipline.organisations.models import ADMIN, MEMBER, PENDING, Organisation, OrgLink, OrgMember
from tipline.timeutil import utcnow

FORM = {
    "name": "朝阳区第一中学",
    "kind": "school",
    "credit_code": CODE,
    "region": HAIDIAN,
    "contact_name": "王老师",
    "email": "office@school.example",
    "phone": "010-6123 4567",
    "password": PASSWORD,
}


def register(client, **changes):
    data = {**FORM, **changes}
    return post_form(
        client, "/org/register", "/org/register", data, {"proof": (io.BytesIO(photo_with_gps()), "licence.jpg")}
    )


def test_registering_mails_a_link_that_confirms_the_address_once(smtp_server, app, client):
    """Catches: a link that works twice, an address confirmed without the link, or the mail never sent."""
    response = register(client)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    organisation = db.session.scalars(select(Organisation)).one()
    assert (organisation.status, organisation.email_confirmed_at) == (PENDING, None)
    proof = db.session.get(Evidence, organisation.proof_evidence_id)
    assert proof.tip_id is None and proof.state == "ready"  # cleaned and checked by the job, like a tip's file
    [mail] = smtp_server.to("office@school.example")
    assert "朝阳区第一中学" in mail["Subject"]
    kind, token = mailed_link(mail)
    assert kind == "confirm"
    assert db.session.scalars(select(OrgLink.token_hash)).one() != token  # only its hash is kept
    page = client.get(f"/org/confirm/{token}")
    assert page.status_code == 200 and db.session.get(Organisation, organisation.id).email_confirmed_at is None
    confirmed = client.post(f"/org/confirm/{token}", data={"csrf_token": csrf_token(client, f"/org/confirm/{token}")})
    assert confirmed.status_code == 303
    assert db.session.get(Organisation, organisation.id).email_confirmed_at is not None
    again = client.get(f"/org/confirm/{token}")
    assert again.status_code == 410 and "used already" in again.get_data(as_text=True)


def test_a_second_registration_with_the_same_code_or_address_gets_an_answer_not_an_organisation(client):
    """Catches: a duplicate credit code or address that makes a second organisation, or a 500 on the unique key."""
    make_org(email="office@school.example", verified=False)
    same_code = register(client, email="other@school.example", credit_code=CODE.lower())
    assert same_code.status_code == 400
    assert "credit code is registered already" in same_code.get_data(as_text=True)
    same_address = register(client, credit_code=valid_code("91110108MA01ABCDE"), email="OFFICE@school.example")
    assert same_address.status_code == 400
    assert "belongs to a registered organisation" in same_address.get_data(as_text=True)
    assert db.session.query(Organisation).count() == 1


def test_a_wrong_check_character_is_refused_and_the_form_keeps_what_was_typed(client):
    """Catches: the GB 32100 check skipped on the form, or the typed values lost with the error."""
    response = register(client, credit_code=CODE[:-1] + ("0" if CODE[-1] != "0" else "1"))
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "last character does not match" in text and "朝阳区第一中学" in text and "王老师" in text
    assert "Please attach it again" in text  # the file is not kept: the page says so
    assert db.session.query(Organisation).count() == 0


def test_a_registration_without_proof_is_refused(client):
    """Catches: an organisation that staff must verify with nothing to look at."""
    response = post_form(client, "/org/register", "/org/register", FORM)
    assert response.status_code == 400 and "proof document" in response.get_data(as_text=True)
    assert db.session.query(Organisation).count() == 0


def test_a_member_session_never_opens_staff_pages_and_a_staff_session_never_opens_the_organisations(app, make_staff):
    """Catches: one kind of sign-in taken for the other (a member reaching /staff, or staff reaching /org)."""
    make_org()
    member_browser = app.test_client()
    assert sign_in_member(member_browser, "jwh@school.example").status_code == 303
    assert member_browser.get("/org/").status_code == 200
    response = member_browser.get("/staff/")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    staff = make_staff(role="intake")
    staff_client = app.test_client()
    staff_sign_in(staff_client, staff)
    assert staff_client.get("/staff/").status_code == 200
    response = staff_client.get("/org/")
    assert response.status_code == 302 and "/org/login" in response.headers["Location"]
    # Signing in as a member in the staff browser ends the staff sign-in there.
    assert sign_in_member(staff_client, "jwh@school.example").status_code == 303
    assert staff_client.get("/staff/").status_code == 302


def test_member_sign_in_locks_like_staff_and_counts_apart(app, make_staff):
    """Catches: organisation sign-in without the lock-out, or staff failures locking a member with the same address."""
    app.config["LOGIN_MAX_FAILURES"] = 3
    make_org(email="same@example.org")
    staff = make_staff(email="same@example.org")
    client = app.test_client()
    for _ in range(3):
        staff_sign_in(client, staff, password="wrong password here")
    assert sign_in_member(client, "same@example.org").status_code == 303
    client = app.test_client()
    for _ in range(3):
        assert sign_in_member(client, "same@example.org", "wrong password here").status_code == 401
    locked = sign_in_member(client, "same@example.org")
    assert locked.status_code == 429
    member = db.session.scalars(select(OrgMember)).one()
    assert member.failed_logins == 3


def test_a_member_with_a_second_factor_needs_the_code(app):
    """Catches: a member's TOTP set up but never asked for."""
    import pyotp

    make_org()
    client = app.test_client()
    sign_in_member(client, "jwh@school.example")
    page = client.get("/org/account").get_data(as_text=True)
    import re

    secret = re.search(r"<code>([A-Z2-7]{32})</code>", page).group(1)
    response = post_form(
        client,
        "/org/account",
        "/org/account/second-factor",
        {"code": pyotp.TOTP(secret).now()},
    )
    assert response.status_code == 303
    fresh = app.test_client()
    response = sign_in_member(fresh, "jwh@school.example")
    assert response.status_code == 303 and "/org/login/code" in response.headers["Location"]
    assert fresh.get("/org/").status_code == 302  # not signed in before the code
    member = db.session.scalars(select(OrgMember)).one()
    code = pyotp.TOTP(secret).at(utcnow().timestamp() + 30)  # the next step: the last one was spent
    response = post_form(fresh, "/org/login/code", "/org/login/code", {"code": code})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    assert fresh.get("/org/").status_code == 200
    assert member.id


def test_an_invitation_works_once_and_makes_a_member(smtp_server, app):
    """Catches: an invitation link that works twice, or a member joining another organisation than invited to."""
    organisation = make_org()
    admin = member_client(app)
    response = post_form(admin, "/org/members", "/org/members/invite", {"invite-email": "parent@example.org"})
    assert response.status_code == 303
    [mail] = smtp_server.to("parent@example.org")
    kind, token = mailed_link(mail)
    assert kind == "join"
    newcomer = app.test_client()
    joined = post_form(newcomer, f"/org/join/{token}", f"/org/join/{token}", {"name": "李家长", "password": PASSWORD})
    assert joined.status_code == 303
    member = db.session.scalars(select(OrgMember).where(OrgMember.email == "parent@example.org")).one()
    assert (member.organisation_id, member.role) == (organisation.id, MEMBER)
    assert newcomer.get("/org/").status_code == 200  # signed in straight away
    reused = app.test_client().get(f"/org/join/{token}")
    assert reused.status_code == 410 and "used already" in reused.get_data(as_text=True)


def test_an_expired_or_withdrawn_invitation_makes_no_member(smtp_server, app):
    """Catches: an expiry never checked, or a withdrawn invitation still accepted."""
    make_org()
    admin = member_client(app)
    post_form(admin, "/org/members", "/org/members/invite", {"invite-email": "late@example.org"})
    post_form(admin, "/org/members", "/org/members/invite", {"invite-email": "gone@example.org"})
    late = mailed_link(smtp_server.to("late@example.org")[0])[1]
    gone = mailed_link(smtp_server.to("gone@example.org")[0])[1]
    link = db.session.scalars(select(OrgLink).where(OrgLink.email == "late@example.org")).one()
    link.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    withdrawn = db.session.scalars(select(OrgLink).where(OrgLink.email == "gone@example.org")).one()
    assert post_form(admin, "/org/members", f"/org/members/invitations/{withdrawn.id}/withdraw", {}).status_code == 303
    client = app.test_client()
    token = csrf_token(client, "/org/login")  # the expired link's page shows no form to take one from
    expired = client.post(f"/org/join/{late}", data={"name": "x", "password": PASSWORD, "csrf_token": token})
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)
    assert client.get(f"/org/join/{gone}").status_code == 410
    assert db.session.query(OrgMember).count() == 1


def test_a_weak_password_on_joining_keeps_the_invitation_usable(smtp_server, app):
    """Catches: the link spent before the password was checked, leaving the invitee locked out."""
    make_org()
    admin = member_client(app)
    post_form(admin, "/org/members", "/org/members/invite", {"invite-email": "p@example.org"})
    token = mailed_link(smtp_server.to("p@example.org")[0])[1]
    client = app.test_client()
    weak = post_form(client, f"/org/join/{token}", f"/org/join/{token}", {"name": "李", "password": "password1234"})
    assert weak.status_code == 400
    assert (
        post_form(client, f"/org/join/{token}", f"/org/join/{token}", {"name": "李", "password": PASSWORD}).status_code
        == 303
    )


def test_removing_a_member_signs_them_out_and_only_the_administrator_may(app):
    """Catches: a removed member's session living on, or a plain member removing others by a crafted POST."""
    organisation = make_org()
    one = add_member(organisation, "one@example.org")
    two = add_member(organisation, "two@example.org")
    one_client = member_client(app, "one@example.org")
    refused = post_form(one_client, "/org/members", f"/org/members/{two.id}/remove", {})
    assert refused.status_code == 403
    admin = member_client(app)
    assert post_form(admin, "/org/members", f"/org/members/{one.id}/remove", {}).status_code == 303
    assert one_client.get("/org/").status_code == 302
    assert sign_in_member(app.test_client(), "one@example.org").status_code == 401
    assert db.session.get(OrgMember, two.id).active


def test_handing_over_the_administrator_role(app):
    """Catches: two administrators after a hand-over, or the old one keeping the rights."""
    organisation = make_org()
    other = add_member(organisation, "next@example.org")
    admin = member_client(app)
    assert post_form(admin, "/org/members", f"/org/members/{other.id}/make-admin", {}).status_code == 303
    roles = dict(db.session.execute(select(OrgMember.email, OrgMember.role)).all())
    assert roles == {"jwh@school.example": MEMBER, "next@example.org": ADMIN}
    response = post_form(admin, "/org/members", "/org/members/invite", {"invite-email": "x@example.org"})
    assert response.status_code == 403


def test_another_organisations_member_is_never_reached(app):
    """Catches: an administrator removing a member of another organisation by changing the id."""
    make_org()
    other_org = make_org(name="别的学校", email="b@other.example", code=valid_code("91110108MA01ABCDE"), kind="school")
    stranger = add_member(other_org, "s@other.example")
    admin = member_client(app)
    assert post_form(admin, "/org/members", f"/org/members/{stranger.id}/remove", {}).status_code == 404
    assert db.session.get(OrgMember, stranger.id).active


def test_changing_the_password_signs_out_other_devices(app):
    """Catches: a password change that leaves a stolen session open elsewhere."""
    make_org()
    here, there = member_client(app), member_client(app)
    new = "quiet harbour lamps eleven"
    response = post_form(
        here, "/org/account", "/org/account/password", {"password-current": PASSWORD, "password-new": new}
    )
    assert response.status_code == 303
    assert here.get("/org/").status_code == 200
    assert there.get("/org/").status_code == 302
    assert sign_in_member(app.test_client(), "jwh@school.example", new).status_code == 303
