"""Notices and mail: staff learn of assignments and approvals, reporters of status changes, through real SMTP."""

from sqlalchemy import select

from cases import states
from cases.actions import rules
from cases.actions.service import decide_action, propose_action
from cases.models import Case
from cases.notices import Notice
from cases.operations import change_state
from tests.cases.conftest import HAIDIAN, post_form
from tipline.extensions import db
from tipline.jobs.models import OutboxJob
from tipline.jobs.runner import run_outbox_job


def test_assignment_is_a_notice_and_a_mail(smtp_server, make_platform, file_tip, make_staff, staff_client):
    tip = file_tip(make_platform(region_code=HAIDIAN), "game_ads")
    officer = make_staff("officer", "cyberspace", HAIDIAN)
    client = staff_client(make_staff("supervisor", "cyberspace", "110000"))
    post_form(
        client, f"/staff/cases/{tip.case_id}", f"/staff/cases/{tip.case_id}/assign", {"assignee": str(officer.id)}
    )
    notice = db.session.scalars(select(Notice).where(Notice.user_id == officer.id)).one()
    assert notice.kind == "assigned" and notice.case_id == tip.case_id
    [mail] = smtp_server.to(officer.email)
    assert f"/staff/cases/{tip.case_id}" in mail.get_content()


def test_approval_requests_reach_the_deciders_only(smtp_server, make_platform, file_tip, make_staff):
    tip = file_tip(make_platform(region_code=HAIDIAN), "game_ads")
    officer = make_staff("officer", "cyberspace", HAIDIAN)
    decider = make_staff("supervisor", "cyberspace", "110000")
    other_department = make_staff("supervisor", "education", "110000")
    sibling = make_staff("supervisor", "cyberspace", "110105")
    action = propose_action(tip.case, officer, rules.SUSPEND_UPDATES, "依据")
    db.session.commit()
    assert len(smtp_server.to(decider.email)) == 1
    assert not smtp_server.to(other_department.email) and not smtp_server.to(sibling.email)
    decide_action(action, decider, approve=True)
    db.session.commit()
    assert len(smtp_server.to(officer.email)) == 1


def test_reporters_are_mailed_status_changes_in_their_language_without_internals(
    smtp_server, make_platform, file_tip, make_staff
):
    platform = make_platform(region_code=HAIDIAN)
    zh = file_tip(platform, "game_ads", contact={"email": "zh.parent@example.com"})
    en = file_tip(platform, "game_ads", contact={"email": "en.parent@example.com"}, locale="en")
    assert en.case_id == zh.case_id
    supervisor = make_staff("supervisor", "cyberspace", "110000")
    case = db.session.get(Case, zh.case_id)
    change_state(case, states.TRIAGED, supervisor, reason="内部理由：不要告诉举报人")
    db.session.commit()
    [zh_mail] = smtp_server.to("zh.parent@example.com")
    [en_mail] = smtp_server.to("en.parent@example.com")
    assert "处理中" in zh_mail["Subject"] and "Being handled" in en_mail["Subject"]
    for mail in (zh_mail, en_mail):
        body = mail.get_content()
        assert "内部理由" not in body and supervisor.email not in body and "/track" in body


def test_a_mail_job_run_twice_sends_once(smtp_server, make_platform, file_tip, make_staff):
    tip = file_tip(make_platform(region_code=HAIDIAN), "game_ads", contact={"email": "parent@example.com"})
    change_state(tip.case, states.TRIAGED, make_staff("supervisor", "cyberspace", "110000"))
    db.session.commit()
    job = db.session.scalars(select(OutboxJob).where(OutboxJob.name == "mail.reporter_status")).one()
    job.state = "pending"  # as if the queue handed it over again
    db.session.commit()
    assert run_outbox_job(job.id) == "done"
    assert len(smtp_server.to("parent@example.com")) == 1


def test_anonymous_reporters_get_no_mail(smtp_server, make_platform, file_tip, make_staff):
    tip = file_tip(make_platform(region_code=HAIDIAN), "game_ads")
    change_state(tip.case, states.TRIAGED, make_staff("supervisor", "cyberspace", "110000"))
    db.session.commit()
    assert smtp_server.messages == []
    assert not db.session.scalars(select(OutboxJob).where(OutboxJob.name == "mail.reporter_status")).all()


def _assigned_notices(make_platform, file_tip, make_staff, count=2):
    """An officer with `count` unread notices (assignments of as many cases), and those cases."""
    from cases.operations import assign

    officer = make_staff("officer", "cyberspace", HAIDIAN)
    supervisor = make_staff("supervisor", "cyberspace", "110000")
    tips = [file_tip(make_platform(region_code=HAIDIAN), "game_ads") for _ in range(count)]
    for tip in tips:
        assign(tip.case, supervisor, officer)
    db.session.commit()
    return officer, tips


def _unread(user):
    return db.session.scalars(select(Notice.id).where(Notice.user_id == user.id, Notice.read_at.is_(None))).all()


def test_opening_the_notices_page_changes_nothing(make_platform, file_tip, make_staff, staff_client):
    """Catches: GET /staff/notices marking every notice read (a prefetch or a link would read them)."""
    officer, tips = _assigned_notices(make_platform, file_tip, make_staff)
    client = staff_client(officer)
    page = client.get("/staff/notices").get_data(as_text=True)
    assert all(f"/staff/cases/{tip.case_id}" in page for tip in tips)
    assert len(_unread(officer)) == 2
    assert 'class="badge p1">2<' in client.get("/staff/").get_data(as_text=True)


def test_marking_one_notice_read_is_a_post(make_platform, file_tip, make_staff, staff_client):
    """Catches: reading a notice not being a POST of its own (or marking the others with it)."""
    officer, _tips = _assigned_notices(make_platform, file_tip, make_staff)
    first, second = sorted(_unread(officer))
    client = staff_client(officer)
    response = post_form(client, "/staff/notices", f"/staff/notices/{first}/read", {})
    assert response.status_code == 303 and response.headers["Location"].endswith("/staff/notices")
    assert _unread(officer) == [second]
    assert client.get(f"/staff/notices/{second}/read").status_code == 405


def test_marking_all_notices_read(make_platform, file_tip, make_staff, staff_client):
    """Catches: "mark all as read" leaving notices unread, or needing no CSRF token."""
    officer, _tips = _assigned_notices(make_platform, file_tip, make_staff)
    client = staff_client(officer)
    assert client.post("/staff/notices/read").status_code == 400  # no CSRF token: nothing read
    assert len(_unread(officer)) == 2
    assert post_form(client, "/staff/notices", "/staff/notices/read", {}).status_code == 303
    assert _unread(officer) == []
    assert 'class="badge p1">' not in client.get("/staff/").get_data(as_text=True)


def test_no_one_marks_anothers_notice_read(make_platform, file_tip, make_staff, staff_client):
    """Catches: a notice id of another member of staff being accepted."""
    officer, _tips = _assigned_notices(make_platform, file_tip, make_staff, count=1)
    [notice_id] = _unread(officer)
    other = staff_client(make_staff("officer", "cyberspace", HAIDIAN))
    assert post_form(other, "/staff/notices", f"/staff/notices/{notice_id}/read", {}).status_code == 404
    assert post_form(other, "/staff/notices", "/staff/notices/read", {}).status_code == 303
    assert _unread(officer) == [notice_id]
