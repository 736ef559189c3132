"""The rules around organisations that a page alone would not show: weights, invitations, sign-out, the list's SQL."""

import io

from sqlalchemy import select

from cases import states
from cases.operations import close_case, triage
from tests.cases.conftest import sign_in as staff_sign_in
from tests.conftest import csrf_token
from tests.organisations.helpers import (
    CODE,
    PASSWORD,
    add_member,
    mailed_link,
    make_org,
    member_client,
    post_form,
    sign_in_member,
    valid_code,
)
from tests.tipline.images import video_with_location
from tipline.extensions import db
from tipline.organisations import tips as org_tips
from tipline.organisations.models import COLLECTED, OrgLink, OrgMember
from tipline.organisations.service import decide
from tipline.reports.models import Tip
from tipline.reports.service import TipSubmission, submit_tip
from tipline.tracking.status import PUBLIC_STATUSES, public_status

OTHER_CODE = valid_code("91110108MA01ABCDE")


def tip_for(organisation=None, platform_name="快乐学习网", category="game_ads", client="10.1.1.1", text=None):
    tip, code = submit_tip(
        TipSubmission(
            platform_name=platform_name,
            category=category,
            location="popup",
            description=text or f"课程页面弹出游戏广告，诱导孩子充值。{platform_name}{category}",
            reporter_type=organisation.kind if organisation else "parent",
            locale="zh_Hans",
            client=client,
            organisation_id=organisation.id if organisation else None,
        ),
        [],
    )
    db.session.commit()
    return tip, code


def test_the_status_filter_says_what_the_status_shown_says(app, make_staff):
    """Catches the list's SQL status filter and the status a tip shows drifting apart (one rule, two spellings)."""
    organisation = make_org()
    intake = make_staff("intake", "cyberspace", "110000")
    received, _c = tip_for(platform_name="甲平台", client="10.1.1.2")
    handled, _c = tip_for(platform_name="乙平台", client="10.1.1.3")
    closed, _c = tip_for(platform_name="丙平台", client="10.1.1.4")
    junk, _c = tip_for(platform_name="丁平台", client="10.1.1.5", text="https://spam.example/x")
    confirmed, _c = tip_for(platform_name="戊平台", client="10.1.1.6", text="https://spam.example/y")
    triage(handled.case, intake, handled.case.lead_department, handled.case.co_department, None)
    close_case(closed.case, states.CLOSED_UNFOUNDED, intake, "经核查，未发现所述问题。", True)
    confirmed.junk_status = "confirmed"
    tips = [received, handled, closed, junk, confirmed]
    for tip in tips:
        org_tips.add_to_list(organisation.id, tip, COLLECTED)
    db.session.commit()
    assert junk.junk_status == "suspected"
    for code in PUBLIC_STATUSES:
        filters = org_tips.read_filters({"status": code})
        found = {tip.id for _row, tip in db.session.execute(org_tips.filtered_rows(organisation.id, filters))}
        assert found == {tip.id for tip in tips if public_status(tip) == code}, code


def test_verifying_or_suspending_reweighs_the_open_cases_at_once(app, make_staff):
    """Catches an organisation's weight that follows its status only when some later tip arrives."""
    organisation = make_org(verified=False)
    organisation.email_confirmed_at = organisation.created_at
    db.session.commit()
    tip, _code = tip_for(organisation)
    case = tip.case
    assert not case.organisation_reported
    before = case.priority
    intake = make_staff("intake", "cyberspace", "110000")
    decide(organisation, "verify", intake)
    db.session.commit()
    assert case.organisation_reported and case.priority < before
    assert ["organisation", 1] in case.priority_reasons
    decide(organisation, "suspend", intake, "多次提交不实举报")
    db.session.commit()
    assert not case.organisation_reported and case.priority == before


def test_suspending_withdraws_invitations_and_nobody_joins(smtp_server, app, make_staff):
    """Catches a suspended organisation still taking members through an invitation sent before."""
    organisation = make_org()
    admin = member_client(app)
    post_form(admin, "/org/members", "/org/members/invite", {"invite-email": "late@example.org"})
    token = mailed_link(smtp_server.to("late@example.org")[0])[1]
    decide(organisation, "suspend", make_staff("intake", "cyberspace", "110000"), "多次提交不实举报")
    db.session.commit()
    client = app.test_client()
    page = client.get(f"/org/join/{token}")
    assert page.status_code == 410 and "withdrawn" in page.get_data(as_text=True)
    assert db.session.query(OrgMember).count() == 1


def test_an_invitation_never_tells_who_reports_elsewhere(smtp_server, app):
    """Catches the invite form answering differently for an address another organisation uses."""
    make_org()
    other = make_org(name="别的学校", email="b@other.example", code=OTHER_CODE, kind="school")
    add_member(other, "busy@example.org")
    admin = member_client(app)
    taken = post_form(admin, "/org/members", "/org/members/invite", {"invite-email": "busy@example.org"})
    free = post_form(admin, "/org/members", "/org/members/invite", {"invite-email": "free@example.org"})
    assert taken.status_code == free.status_code == 303
    assert admin.get(taken.headers["Location"]).status_code == 200
    [told] = smtp_server.to("busy@example.org")
    assert "/org/join/" not in told.get_body(("plain",)).get_content()
    assert db.session.scalars(select(OrgLink.email)).all() == ["free@example.org"]
    own = post_form(admin, "/org/members", "/org/members/invite", {"invite-email": "jwh@school.example"})
    assert own.status_code == 400 and "member already" in own.get_data(as_text=True)


def test_a_removed_member_can_be_invited_again(smtp_server, app):
    """Catches a removed member's address blocked for ever by its old account."""
    organisation = make_org()
    gone = add_member(organisation, "back@example.org")
    admin = member_client(app)
    post_form(admin, "/org/members", f"/org/members/{gone.id}/remove", {})
    post_form(admin, "/org/members", "/org/members/invite", {"invite-email": "back@example.org"})
    token = mailed_link(smtp_server.to("back@example.org")[0])[1]
    again = app.test_client()
    data = {"name": "回来了", "password": "bright otters fold paper"}
    assert post_form(again, f"/org/join/{token}", f"/org/join/{token}", data).status_code == 303
    db.session.expire_all()
    member = db.session.get(OrgMember, gone.id)
    assert member.active and member.name == "回来了"
    assert sign_in_member(app.test_client(), "back@example.org", PASSWORD).status_code == 401  # the old password


def test_signing_out_of_organisations_leaves_a_staff_sign_in_alone(app, make_staff):
    """Catches /org/logout emptying a browser's staff session (its server-side session left live)."""
    staff = make_staff("intake", "cyberspace", "110000")
    client = app.test_client()
    staff_sign_in(client, staff)
    client.post("/org/logout", data={"csrf_token": csrf_token(client, "/staff/account")})
    assert client.get("/staff/").status_code == 200


def test_a_locked_member_is_mailed_once(smtp_server, app):
    """Catches the member lock-out happening silently, or a mail for every attempt after it."""
    app.config.update(LOGIN_MAX_FAILURES=2)
    make_org()
    client = app.test_client()
    for _ in range(5):
        sign_in_member(client, "jwh@school.example", "wrong password entirely")
    [mail] = smtp_server.to("jwh@school.example")
    assert "paused" in mail["Subject"] or "暂停" in mail["Subject"]


def test_nul_in_a_filter_is_refused_not_a_server_error(app):
    """Catches a NUL typed into the search reaching PostgreSQL (a 500)."""
    make_org()
    client = member_client(app)
    for query in ("q=a%00b", "platform=%00"):
        assert client.get(f"/org/?{query}").status_code == 400
        assert client.get(f"/org/tips.csv?{query}").status_code == 400


def test_an_organisations_answer_is_told_apart_from_the_reporters(app, make_staff):
    """Catches staff and the parent reading the committee's words as the parent's own."""
    organisation = make_org()
    tip, code = tip_for()
    org_tips.add_to_list(organisation.id, tip, COLLECTED)
    db.session.commit()
    client = member_client(app)
    post_form(client, f"/org/tips/{tip.id}", f"/org/tips/{tip.id}", {"text": "家委会补充：截图已上传。"})
    parent = app.test_client()
    parent.post("/track", data={"csrf_token": csrf_token(parent, "/track"), "code": code})
    page = parent.get("/track/tip", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f"{organisation.name}, which follows the report, added information." in page
    officer = make_staff("intake", "cyberspace", "100000")  # a platform not in the registry: a national case
    staff = app.test_client()
    staff_sign_in(staff, officer)
    case_page = staff.get(f"/staff/cases/{tip.case_id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f"{organisation.name}, which follows report #{tip.id}, added information or answered." in case_page


def test_the_operators_command_makes_a_school_without_a_code(runner):
    """Catches SPEC 6's command (no --credit-code) refused for anything but a parent committee."""
    args = ["create-organisation", "--name", "星光学校", "--type", "school", "--region", "110108"]
    result = runner.invoke(args=args + ["--email", "office@star.example", "--password", PASSWORD])
    assert result.exit_code == 0, result.output


def test_a_video_is_no_proof_document(client):
    """Catches a registration taking a video (or anything but a photo or PDF) as its proof."""
    from tipline.organisations.models import Organisation

    data = {
        "name": "星光学校",
        "kind": "school",
        "credit_code": CODE,
        "region": "110108",
        "contact_name": "王老师",
        "email": "office@star.example",
        "phone": "010-6123 4567",
        "password": PASSWORD,
    }
    response = post_form(
        client, "/org/register", "/org/register", data, {"proof": (io.BytesIO(video_with_location()), "p.mp4")}
    )
    assert response.status_code == 400 and db.session.query(Organisation).count() == 0


def test_a_batch_tip_never_counts_twice_for_a_collected_tip(app):
    """Catches collecting a tip the organisation filed itself turning it into a second line of its list."""
    organisation = make_org()
    tip, code = tip_for(organisation)
    org_tips.add_to_list(organisation.id, tip, "filed")
    db.session.commit()
    client = member_client(app)
    response = post_form(client, "/org/", "/org/collect", {"collect-code": code})
    assert response.status_code == 400
    assert db.session.scalar(select(Tip.id).where(Tip.id == tip.id)) == tip.id
