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
    supervisor = make_staff("supervisor", "cyberspace", "110000")
    client = staff_client(supervisor)
    post_form(
        client, f"/staff/cases/{tip.case_id}", f"/staff/cases/{tip.case_id}/assign", {"assignee": str(officer.id)}
    )
    notice = db.session.scalars(select(Notice).where(Notice.user_id == officer.id)).one()
    assert notice.kind == "assigned" and notice.case_id == tip.case_id
    [mail] = smtp_server.to(officer.email)
    assert f"/staff/cases/{tip.case_id}" in mail.get_content()
    # Who did it is said: in the mail and on the notices page.
    assert supervisor.display_name in mail.get_content()
    page = staff_client(officer).get("/staff/notices", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f"(by {supervisor.display_name})" in page


def test_opening_the_case_reads_its_notices_and_no_others(make_platform, file_tip, make_staff, staff_client):
    """Catches: notices left "New" after the user has opened the case they tell of (dealt with, still nagging)."""
    platform = make_platform(region_code=HAIDIAN)
    first, second = (file_tip(platform, category) for category in ("game_ads", "vulgar"))
    officer = make_staff("officer", "cyberspace", HAIDIAN)
    db.session.add_all([Notice(user_id=officer.id, kind="assigned", case_id=t.case_id) for t in (first, second)])
    db.session.commit()
    staff_client(officer).get(f"/staff/cases/{first.case_id}")
    read = {n.case_id: n.read_at is not None for n in db.session.scalars(select(Notice)).all()}
    assert read == {first.case_id: True, second.case_id: False}


def test_approval_requests_reach_the_deciders_only(smtp_server, make_platform, file_tip, make_staff):
    tip = file_tip(make_platform(region_code=HAIDIAN), "game_ads")
    officer = make_staff("officer", "cyberspace", HAIDIAN)
    decider = make_staff("supervisor", "cyberspace", "110000")
    other_department = make_staff("supervisor", "education", "110000")
    sibling = make_staff("supervisor", "cyberspace", "110105")
    action = propose_action(tip.case, officer, rules.SUSPEND_UPDATES, "依据", public_reason="公开理由")
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


def _notices(user, kind):
    from cases.notices import Notice

    return db.session.scalars(select(Notice).where(Notice.user_id == user.id, Notice.kind == kind)).all()


def test_a_task_tells_the_department_it_is_for(make_platform, file_tip, make_staff):
    """Catches: a task for a department that nobody in it hears of."""
    from cases.operations import add_task

    tip = file_tip(make_platform(region_code=HAIDIAN), "game_ads")
    setter = make_staff("officer", "cyberspace")
    education, cyber_colleague = make_staff("officer", "education"), make_staff("officer", "cyberspace")
    elsewhere = make_staff("officer", "education", "310000")  # Shanghai: not this case's region tree
    add_task(db.session.get(Case, tip.case_id), setter, "education", "核实教师资格")
    db.session.commit()
    notice = _notices(education, "task")
    assert notice and f"{setter.display_name} set your department a task" in notice[0].text()
    assert not _notices(cyber_colleague, "task") and not _notices(elsewhere, "task") and not _notices(setter, "task")


def test_a_reporters_answer_tells_the_assignee(make_platform, file_tip, make_staff, client):
    """Catches: a reporter's answer landing in the history unseen by the person working the case."""
    from cases.operations import assign
    from tests.tipline.test_tracking import add, look_up

    tip = file_tip(make_platform(region_code=HAIDIAN), "game_ads")
    officer, supervisor = make_staff("officer", "cyberspace"), make_staff("supervisor")
    assign(db.session.get(Case, tip.case_id), supervisor, officer)
    db.session.commit()
    look_up(client, tip.receipt_code)
    assert add(client, "老师说下周还会有这个广告").status_code == 302
    assert _notices(officer, "reporter_added") and not _notices(supervisor, "reporter_added")


def test_a_mention_in_a_note_tells_that_colleague(make_platform, file_tip, make_staff):
    """Catches: "@name" in a note that notifies nobody, or notifies someone who cannot see the case."""
    from cases.operations import add_note

    tip = file_tip(make_platform(region_code=HAIDIAN), "game_ads")
    author, named = make_staff("officer", "cyberspace"), make_staff("officer", "education", email="wang.li@example.com")
    far = make_staff("officer", "education", "310000", email="far.away@example.com")
    add_note(db.session.get(Case, tip.case_id), author, "请 @wang.li 核实教师资格，@far.away 也看看。")
    db.session.commit()
    assert _notices(named, "mentioned") and not _notices(far, "mentioned")
    assert f"{author.display_name} mentioned you" in _notices(named, "mentioned")[0].text()
