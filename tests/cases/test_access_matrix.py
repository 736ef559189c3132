"""Evidence downloads against every role across a parent region and two siblings, and what lists and logs show.

Every other staff route is driven, as every role, department and region and with
its effect checked, by test_route_rules.py (generated from the URL map). The case
and the junk-tray tip live in Haidian (110108). Beijing (110000) is its parent
and sees it; Chaoyang (110105) is its sibling and must not even learn that it
exists (404). Within what a user sees, the role decides (403 when the role may not).
"""

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from cases.models import CaseTask
from tests.cases.conftest import BEIJING, CHAOYANG, HAIDIAN, prefixed, sign_in
from tests.cases.routes import guarded_routes
from tests.conftest import csrf_token
from tests.tipline import images
from tipline.evidence.models import Evidence
from tipline.extensions import db
from tipline.timeutil import utcnow

ROLES = ["intake", "officer", "supervisor", "admin"]
REGIONS = {"parent": BEIJING, "same": HAIDIAN, "sibling": CHAOYANG}
TRAY = {"intake", "supervisor", "admin"}


def expect(visible_codes, role_ok):
    """The expected status: 404 outside the region tree, else `visible_codes` if the role may, else 403."""

    def decide(role, where):
        if where == "sibling":
            return 404
        return visible_codes if role_ok(role) else 403

    return decide


ANY = lambda role: True  # noqa: E731

# (name, method, path template, form data, expected(role, where), changes data?)
ROUTES = [
    ("thumbnail", "GET", "/staff/evidence/{evidence}/thumbnail", None, expect(200, ANY), False),
    ("download", "GET", "/staff/evidence/{evidence}/download", None, expect(200, ANY), False),
    # Evidence of a tip in the junk tray: only the tray's people know it exists.
    (
        "junk_evidence",
        "GET",
        "/staff/evidence/{junk_evidence}/download",
        None,
        lambda role, where: 200 if role in TRAY and where != "sibling" else 404,
        False,
    ),
]


@pytest.fixture
def world(make_staff, make_platform, file_tip, app):
    """Staff of every role in the three regions, and a function that makes fresh case data in Haidian."""
    users = {
        (role, where): make_staff(role, "cyberspace", region) for role in ROLES for where, region in REGIONS.items()
    }
    haidian_user = make_staff("officer", "education", HAIDIAN)
    haidian_cyber = make_staff("officer", "cyberspace", HAIDIAN)

    def fresh():
        platform = make_platform(region_code=HAIDIAN)
        tip = file_tip(platform, "game_ads", contact={"email": "parent@example.com"})
        second = file_tip(platform, "game_ads")
        other = file_tip(platform, "vulgar")
        junk = file_tip(platform, "game_ads", description="https://spam.example/x")
        assert junk.junk_status == "suspected"
        from tipline.evidence.files import clean_upload
        from tipline.reports.service import add_to_tip

        photo = clean_upload(images.photo_with_gps(), "p.jpg", 10**8)
        add_to_tip(tip, "截图", [photo])
        add_to_tip(junk, "", [clean_upload(images.png_image(), "j.png", 10**8)])
        task = CaseTask(case=tip.case, department="cyberspace", title="调取直播回放", created_by_id=haidian_user.id)
        db.session.add(task)
        db.session.commit()
        from cases.actions.service import decide_action, propose_action

        approver = make_staff("supervisor", "cyberspace", HAIDIAN)
        proposed = propose_action(tip.case, haidian_cyber, "suspend_updates", "依据", public_reason="公开理由")
        in_force = propose_action(
            tip.case,
            haidian_cyber,
            "rectification",
            "依据",
            deadline_on=utcnow().date() + timedelta(days=30),
            public_reason="公开理由",
        )
        decide_action(in_force, approver, approve=True)
        db.session.commit()
        evidence = db.session.scalars(select(Evidence).where(Evidence.tip_id == tip.id)).one()
        junk_evidence = db.session.scalars(select(Evidence).where(Evidence.tip_id == junk.id)).one()
        assert second.case_id == tip.case_id
        return {
            "case": tip.case_id,
            "tip": tip.id,
            "other_case": other.case_id,
            "junk": junk.id,
            "evidence": evidence.id,
            "junk_evidence": junk_evidence.id,
            "task": task.id,
            "haidian_user": haidian_user.id,
            "proposed_action": proposed.id,
            "action_in_force": in_force.id,
            "platform": platform.id,
        }

    return users, fresh


@pytest.mark.parametrize("name, method, path, data, expected, changes", ROUTES, ids=[r[0] for r in ROUTES])
def test_route_against_every_role_and_region(app, world, name, method, path, data, expected, changes):
    users, fresh = world
    ids = fresh()
    outcomes = {}
    for (role, where), user in users.items():
        if changes:
            ids = fresh()
        client = app.test_client()
        assert sign_in(client, user).status_code == 302
        url = path.format(**ids)
        if method == "GET":
            response = client.get(url)
        else:
            form = prefixed(url, {k: v.format(**ids) for k, v in data.items()})
            form["csrf_token"] = csrf_token(client, "/staff/account")
            response = client.post(url, data=form)
        outcomes[(role, where)] = response.status_code
    wanted = {(role, where): expected(role, where) for (role, where) in users}
    assert outcomes == wanted


def test_every_staff_route_sends_strangers_to_sign_in(app):
    """Catches a staff or organisation route, a new one too, that answers without a signed-in user."""
    client = app.test_client()
    for endpoint, method, rule in guarded_routes(app):
        if endpoint == "staff.login":
            continue
        url = re.sub(r"<[^>]+>", "1", rule)
        if method == "GET":
            response = client.get(url)
        else:  # a fresh token each time: signing out clears the session, and the token with it
            response = client.post(url, data={"csrf_token": csrf_token(client, "/track")})
        assert response.status_code == 302, (method, rule, response.status_code)
        assert "/staff/login" in response.headers["Location"], (method, rule)


def test_changing_the_id_never_reveals_a_sibling_case(app, world):
    users, fresh = world
    ids = fresh()
    client = app.test_client()
    sign_in(client, users[("supervisor", "sibling")])
    for case_id in (ids["case"], ids["other_case"], 999999):
        response = client.get(f"/staff/cases/{case_id}")
        assert response.status_code == 404
    queue = client.get("/staff/").get_data(as_text=True)
    assert f"#{ids['case']}<" not in queue


def test_evidence_download_is_an_attachment(app, world):
    users, fresh = world
    ids = fresh()
    client = app.test_client()
    sign_in(client, users[("officer", "same")])
    response = client.get(f"/staff/evidence/{ids['evidence']}/download")
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert io.BytesIO(response.data).read(2) == b"\xff\xd8"


def test_lists_show_only_what_lies_in_the_users_regions(app, world, make_staff):
    """The junk tray and the audit log list only their regions' items (status codes alone would not show it)."""
    users, fresh = world
    ids = fresh()
    officer = app.test_client()
    sign_in(officer, users[("officer", "same")])
    officer.post(f"/staff/tips/{ids['tip']}/contact", data={"csrf_token": csrf_token(officer, "/staff/account")})
    for where, sees in (("same", True), ("parent", True), ("sibling", False)):
        client = app.test_client()
        sign_in(client, users[("supervisor", where)])
        tray = client.get("/staff/junk").get_data(as_text=True)
        audit_log = client.get("/staff/admin/audit").get_data(as_text=True)
        assert (f'id="tip-{ids["junk"]}"' in tray) is sees, where
        assert ('data-kind="tip.contact_viewed"' in audit_log) is sees, where


def test_audit_entries_stay_with_the_region_of_what_was_done(app, world):
    from cases.accounts.models import StaffUser

    users, fresh = world
    ids = fresh()
    actor = users[("officer", "same")]
    client = app.test_client()
    sign_in(client, actor)
    client.post(f"/staff/tips/{ids['tip']}/contact", data={"csrf_token": csrf_token(client, "/staff/account")})
    db.session.get(StaffUser, actor.id).region_code = CHAOYANG  # the officer moves to the sibling district
    db.session.commit()
    sibling = app.test_client()
    sign_in(sibling, users[("supervisor", "sibling")])
    assert 'data-kind="tip.contact_viewed"' not in sibling.get("/staff/admin/audit").get_data(as_text=True)
