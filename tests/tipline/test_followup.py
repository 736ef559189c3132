"""Is it fixed? Reporters of a case closed founded are asked some weeks later; "still there" from two reopens it."""

from datetime import timedelta

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from cases import states
from cases.actions import rules
from cases.actions.models import Action
from cases.actions.service import decide_action, propose_action, propose_lift
from cases.audit import AuditEntry
from cases.models import Case, CaseEvent
from cases.notices import Notice
from cases.operations import change_state, close_case
from tests.cases.conftest import HAIDIAN, file_tip, staff_client  # noqa: F401  (fixtures)
from tests.conftest import csrf_token
from tests.organisations.helpers import make_org, member_client, valid_code
from tipline.extensions import db
from tipline.followup import service
from tipline.followup.models import FIXED, STILL_THERE, FixCheck
from tipline.jobs.outbox import record_job
from tipline.organisations.models import COLLECTED
from tipline.organisations.tips import add_to_list
from tipline.reports.models import Tip, TipEvent
from tipline.timeutil import utcnow

DAYS = 28  # FOLLOWUP_AFTER_DAYS


@pytest.fixture
def people(make_staff):
    return {
        "officer": make_staff("officer", "cyberspace", HAIDIAN),
        "supervisor": make_staff("supervisor", "cyberspace", "110000"),
    }


@pytest.fixture
def founded(make_platform, file_tip, people):  # noqa: F811
    """Factory: a case closed founded `days` ago with the tips given (client, contact, locale) and an action
    of the given type approved in it (None: no action)."""

    def make(reporters=(("198.51.100.1", {}, "zh"),), days=DAYS + 1, action=rules.SUSPEND_UPDATES, platform=None):
        platform = platform or make_platform(region_code=HAIDIAN)
        tips = [
            file_tip(platform, "game_ads", client=client, contact=contact, locale=locale)
            for client, contact, locale in reporters
        ]
        case = db.session.get(Case, tips[0].case_id)
        case.state = states.INVESTIGATING
        if action is not None:
            decide_action(
                propose_action(case, people["officer"], action, "《未成年人保护法》", public_reason="弹窗游戏广告"),
                people["supervisor"],
                True,
            )
        close_case(case, states.CLOSED_FOUNDED, people["supervisor"], "平台已整改弹窗广告。", confirmed=True)
        case.closed_at = utcnow() - timedelta(days=days)
        db.session.commit()
        return case, tips

    return make


def asked_tips(case):
    return db.session.scalars(
        select(FixCheck.tip_id).where(FixCheck.case_id == case.id).order_by(FixCheck.tip_id)
    ).all()


def kinds(tip):
    return [e.kind for e in db.session.scalars(select(TipEvent).where(TipEvent.tip_id == tip.id).order_by(TipEvent.id))]


def check_of(tip):
    return db.session.scalars(select(FixCheck).where(FixCheck.tip_id == tip.id)).one()


def answer(tip, given, comment="", organisation=None):
    result = service.answer(check_of(tip), given, comment, organisation)
    db.session.commit()
    return result


def case_events(case, kind):
    return db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == kind)).all()


# --- asking -----------------------------------------------------------------------------------


def test_asked_once_after_the_period_and_not_before(app, founded):
    """Catches: reporters asked before FOLLOWUP_AFTER_DAYS, or asked again on every scan."""
    early, _tips = founded(reporters=[("198.51.100.1", {}, "zh")], days=DAYS - 1)
    due, tips = founded(reporters=[("198.51.100.2", {}, "zh"), ("198.51.100.3", {}, "zh")])
    assert [c.id for c in service.ask_due(utcnow())] == [due.id]
    db.session.commit()
    assert [c.id for c in service.ask_due(utcnow())] == []  # the second run asks no one
    db.session.commit()
    assert asked_tips(early) == [] and db.session.get(Case, early.id).fix_asked_at is None
    assert asked_tips(due) == [t.id for t in tips] and db.session.get(Case, due.id).fix_asked_at is not None
    assert [kinds(t).count(service.QUESTION_EVENT) for t in tips] == [1, 1]
    assert len(case_events(due, service.ASKED)) == 1


def test_a_case_asked_already_is_not_asked_again_even_without_checks(app, founded):
    """Catches: the scan reading "no FixCheck yet" instead of the case's fix_asked_at (asked again after a merge)."""
    case, tips = founded()
    case.fix_asked_at = utcnow() - timedelta(days=1)
    db.session.commit()
    assert service.ask_due(utcnow()) == [] and asked_tips(case) == []


def test_a_case_another_run_asked_meanwhile_is_skipped(app, founded, monkeypatch):
    """Catches: two workers scanning at once both asking (the claim not checking fix_asked_at again)."""
    case, tips = founded()
    stale = service.due_cases(utcnow())  # what a second worker read before the first one committed
    service.ask_due(utcnow())
    db.session.commit()
    monkeypatch.setattr(service, "due_cases", lambda now: stale)
    assert service.ask_due(utcnow()) == []
    db.session.commit()
    assert len(case_events(case, service.ASKED)) == 1 and kinds(tips[0]).count(service.QUESTION_EVENT) == 1


def test_only_cases_with_an_action_of_theirs_in_force_are_asked(app, founded, people, make_platform):
    """Catches: asking about a case whose action was only an interview (done at once) or was lifted, or about
    a case closed long before the feature's window (the scan would grow with years of closed cases)."""
    interview, _t1 = founded(reporters=[("198.51.100.1", {}, "zh")], action=rules.INTERVIEW)
    nothing, _t2 = founded(reporters=[("198.51.100.2", {}, "zh")], action=None)
    lifted, _t3 = founded(reporters=[("198.51.100.3", {}, "zh")])
    in_force = db.session.scalars(select(Action).where(Action.case_id == lifted.id)).one()
    decide_action(
        propose_lift(in_force, people["officer"], "整改完成", public_reason="整改完成"), people["supervisor"], True
    )
    old, _t4 = founded(reporters=[("198.51.100.4", {}, "zh")], days=DAYS + service.LATE_DAYS + 1)
    asked, _t5 = founded(reporters=[("198.51.100.5", {}, "zh")])
    db.session.commit()
    assert [c.id for c in service.ask_due(utcnow())] == [asked.id]
    for case in (interview, nothing, lifted, old):
        assert db.session.get(Case, case.id).fix_asked_at is None  # nothing written: not applicable


def test_the_periodic_job_asks(app, founded):
    """Catches: no job registered under "followup.ask" (the worker records it and it fails every hour)."""
    case, tips = founded()
    record_job("followup.ask")
    db.session.commit()  # runs the job in this test's sync mode
    db.session.expire_all()
    assert asked_tips(case) == [tips[0].id]


# --- mail -------------------------------------------------------------------------------------


def test_reporters_with_an_address_are_mailed_in_their_language_without_the_code(smtp_server, app, founded):
    """Catches: the question mailed to anonymous reporters (no address: a crash), in the wrong language,
    or carrying the receipt code."""
    case, tips = founded(
        reporters=[
            ("198.51.100.1", {"email": "mother@example.com"}, "en"),
            ("198.51.100.2", {"email": "father@example.com"}, "zh"),
            ("198.51.100.3", {}, "zh"),
        ]
    )
    smtp_server.messages.clear()  # the status mails of the closing
    service.ask_due(utcnow())
    db.session.commit()  # the mail jobs run (sync mode)
    english, chinese = smtp_server.to("mother@example.com"), smtp_server.to("father@example.com")
    assert len(english) == len(chinese) == 1 and len(smtp_server.messages) == 2
    with force_locale("zh_Hans"):
        subject_zh = _("Your report: is the problem gone?")
    assert english[0]["Subject"] == "Your report: is the problem gone?"
    assert chinese[0]["Subject"] == subject_zh
    for message, tip in zip((english[0], chinese[0]), tips, strict=False):
        body = message.get_body(("plain",)).get_content()
        assert "/track" in body
        compact = body.replace("-", "").replace(" ", "").upper()
        assert tip.receipt_code.replace("-", "") not in compact
        assert f"#{case.id}" not in body and "平台已整改" not in body  # nothing internal


# --- the tracking page ------------------------------------------------------------------------


def follow(client, tip):
    response = client.post("/track", data={"csrf_token": csrf_token(client, "/track"), "code": tip.receipt_code})
    assert response.status_code == 302


def post_answer(client, given, comment=""):
    token = csrf_token(client, "/track/tip")
    return client.post("/track/fixed", data={"csrf_token": token, "fix-answer": given, "fix-comment": comment})


def test_the_reporter_answers_on_the_tracking_page_without_javascript(app, founded):
    """Catches: the question missing from the tracking page, a form without its CSRF token, or the answer
    not recorded (or not shown back)."""
    case, tips = founded()
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    follow(client, tips[0])
    assert "Is the problem gone?" not in client.get("/track/tip").get_data(as_text=True)  # not asked yet
    service.ask_due(utcnow())
    db.session.commit()
    page = client.get("/track/tip").get_data(as_text=True)
    assert "Is the problem gone?" in page and 'value="still_there"' in page and 'value="fixed"' in page
    assert "We asked whether the problem is gone." in page
    response = post_answer(client, STILL_THERE, "弹窗广告还在，只是换了位置。")
    assert response.status_code == 303
    check = check_of(tips[0])
    assert (check.answer, check.comment, check.answered_by_organisation_id) == (
        STILL_THERE,
        "弹窗广告还在，只是换了位置。",
        None,
    )
    page = client.get("/track/tip").get_data(as_text=True)
    assert "Thank you for your answer." in page and "Your answer: the problem is still there." in page
    assert "You answered: the problem is still there." in page and "弹窗广告还在" in page
    # One reporter only: nothing is taken up yet, so she may change her mind.
    assert post_answer(client, FIXED).status_code == 303
    assert check_of(tips[0]).answer == FIXED
    assert db.session.get(Case, case.id).state == states.CLOSED_FOUNDED


@pytest.mark.parametrize(
    ("given", "comment", "language", "message"),
    [
        ("maybe", "还有弹窗", "en", "Choose one of the two answers."),
        ("", "还有弹窗", "en", "Choose one of the two answers."),
        (STILL_THERE, "还有弹窗" + "长" * 1000, "zh-CN", "最多填写 1000 个字符。"),
        (STILL_THERE, "还有弹窗\x00", "en", "control characters"),
    ],
)
def test_a_bad_answer_is_refused_in_the_page_language_keeping_the_comment(
    app, founded, given, comment, language, message
):
    """Catches: an unknown answer stored (the evaluation would count it), a 500 on NUL or a long comment,
    or the comment lost with the refusal."""
    case, tips = founded()
    service.ask_due(utcnow())
    db.session.commit()
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    follow(client, tips[0])
    response = post_answer(client, given, comment)
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and message in body
    assert "还有弹窗" in body  # kept as typed
    assert check_of(tips[0]).answer is None


def test_no_question_no_answer(app, founded):
    """Catches: an answer stored (or a 500) for a tip that was never asked."""
    case, tips = founded()
    client = app.test_client()
    follow(client, tips[0])
    response = post_answer(client, STILL_THERE)
    assert response.status_code == 303
    assert db.session.scalar(select(func.count(FixCheck.id))) == 0


# --- organisations ----------------------------------------------------------------------------


def test_an_organisation_answers_for_a_tip_in_its_list_and_no_other(app, founded):
    """Catches: the answer not marked as the organisation's, another organisation answering by changing
    the number in the address, or a suspended one still answering."""
    organisation = make_org()
    other = make_org(name="别的学校", email="b@other.example", code=valid_code("91110108MA01ABCDE"), kind="school")
    case, tips = founded(reporters=[("198.51.100.1", {}, "zh"), ("198.51.100.2", {}, "zh")])
    add_to_list(organisation.id, tips[0], COLLECTED)
    add_to_list(other.id, tips[1], COLLECTED)
    service.ask_due(utcnow())
    db.session.commit()
    client = member_client(app)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    listing = client.get("/org/").get_data(as_text=True)
    assert listing.count("Asked: is it fixed?") == 1
    page = f"/org/tips/{tips[0].id}"
    assert "Is the problem gone?" in client.get(page).get_data(as_text=True)

    def post(tip_id, given):
        token = csrf_token(client, page)
        return client.post(f"/org/tips/{tip_id}/fixed", data={"csrf_token": token, "fix-answer": given})

    assert post(tips[1].id, STILL_THERE).status_code == 404  # the other organisation's tip
    assert check_of(tips[1]).answer is None
    assert post(tips[0].id, STILL_THERE).status_code == 303
    check = check_of(tips[0])
    assert (check.answer, check.answered_by_organisation_id) == (STILL_THERE, organisation.id)
    assert "Asked: is it fixed?" not in client.get("/org/").get_data(as_text=True)
    assert "Answer from" in client.get(page).get_data(as_text=True)

    organisation.status = "suspended"
    db.session.commit()
    refused = post(tips[0].id, FIXED)
    assert refused.status_code == 403 and "cannot answer" in refused.get_data(as_text=True)
    assert check_of(tips[0]).answer == STILL_THERE


def test_a_suspended_organisation_is_refused_by_the_operation_itself(app, founded):
    """Catches: the rule living only in the page (a crafted call answering for a suspended organisation)."""
    organisation = make_org()
    case, tips = founded()
    add_to_list(organisation.id, tips[0], COLLECTED)
    service.ask_due(utcnow())
    organisation.status = "suspended"
    db.session.commit()
    with pytest.raises(service.FollowupError):
        service.answer(check_of(tips[0]), FIXED, "", organisation)
    other = make_org(name="别的学校", email="b@other.example", code=valid_code("91110108MA01ABCDE"), kind="school")
    with pytest.raises(service.FollowupError):
        service.answer(check_of(tips[0]), FIXED, "", other)  # not in its list


# --- the verdict ------------------------------------------------------------------------------


def test_two_answers_from_one_client_count_once(app, founded):
    """Catches: counting answers instead of independent reporters (one parent's two reports reopening a case)."""
    case, tips = founded(reporters=[("203.0.113.7", {}, "zh"), ("203.0.113.7", {}, "zh"), ("198.51.100.9", {}, "zh")])
    service.ask_due(utcnow())
    db.session.commit()
    assert answer(tips[0], STILL_THERE) is None
    assert answer(tips[1], STILL_THERE) is None
    assert db.session.get(Case, case.id).state == states.CLOSED_FOUNDED
    assert answer(tips[2], STILL_THERE).id == case.id
    assert db.session.get(Case, case.id).state == states.INVESTIGATING


def test_two_answers_for_one_organisation_count_once(app, founded):
    """Catches: an organisation answering for two tips in its list counted as two reporters."""
    organisation = make_org()
    case, tips = founded(reporters=[("198.51.100.1", {}, "zh"), ("198.51.100.2", {}, "zh")])
    for tip in tips:
        add_to_list(organisation.id, tip, COLLECTED)
    service.ask_due(utcnow())
    db.session.commit()
    for tip in tips:
        answer(tip, STILL_THERE, organisation=organisation)
    assert db.session.get(Case, case.id).state == states.CLOSED_FOUNDED


def test_two_independent_reporters_reopen_the_case_once_with_their_answers(app, founded, people, staff_client):  # noqa: F811
    """Catches: the case staying closed, reopened without the answers in its history or with a person as
    the actor, staff not told, reopened a second time, or an answer changed after it was taken up."""
    case, tips = founded(reporters=[(f"198.51.100.{n}", {}, "zh") for n in range(1, 5)])
    service.ask_due(utcnow())
    db.session.commit()
    answer(tips[0], STILL_THERE, "课程开始前仍弹出游戏广告")
    answer(tips[1], FIXED, "已经没有了")
    assert db.session.get(Case, case.id).state == states.CLOSED_FOUNDED
    assert answer(tips[2], STILL_THERE, "侧边栏还有").id == case.id
    case = db.session.get(Case, case.id)
    assert case.state == states.INVESTIGATING and case.open_key is not None and case.closed_at is None
    change = case_events(case, "state_changed")[-1]
    assert change.actor_id is None and change.detail["new"] == states.INVESTIGATING
    assert "课程开始前仍弹出游戏广告" in change.detail["reason"] and "侧边栏还有" in change.detail["reason"]
    assert "已经没有了" not in change.detail["reason"]  # only the "still there" answers
    audited = db.session.scalars(select(AuditEntry).where(AuditEntry.target_id == case.id)).all()
    assert {("case.state", None), ("case.fix_still_there", None)} <= {(a.action, a.actor_id) for a in audited}
    told = db.session.scalars(select(Notice).where(Notice.kind == "fix_reopened")).all()
    assert [n.user_id for n in told] == [people["supervisor"].id]
    assert "being_handled" in [e.body for e in db.session.get(Tip, tips[0].id).events]  # the reporters see it

    page = staff_client(people["supervisor"]).get(f"/staff/cases/{case.id}", headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert "The reporter of report #%d answers: the problem is still there." % tips[0].id in text
    assert "So far: 1 gone, 2 still there, 1 not answered." in text
    assert "their answers reopened the case" in text

    # A later "still there" is recorded but reopens nothing again, and a taken-up answer stands.
    case.state = states.CLOSED_FOUNDED
    db.session.commit()
    assert service.still_there_verdict(db.session.get(Case, case.id)) is None
    assert len(case_events(case, service.REOPENED)) == 1
    for tip in tips[:2]:
        with pytest.raises(service.FollowupError):
            service.answer(check_of(tip), STILL_THERE if tip is tips[1] else FIXED, "")
        db.session.rollback()
    assert service.answer(check_of(tips[3]), STILL_THERE, "又出现了") is None  # recorded, nothing reopened
    db.session.commit()
    assert db.session.get(Case, case.id).state == states.CLOSED_FOUNDED


def test_when_another_open_case_holds_the_platform_the_answers_go_there(app, founded, file_tip, make_platform):  # noqa: F811
    """Catches: reopening a second open case on one platform and problem (the unique key fails: a 500), or the
    answers lost when the case cannot reopen."""
    platform = make_platform(region_code=HAIDIAN)
    case, tips = founded(reporters=[("198.51.100.1", {}, "zh"), ("198.51.100.2", {}, "zh")], platform=platform)
    service.ask_due(utcnow())
    db.session.commit()
    newer = file_tip(platform, "game_ads", client="198.51.100.50").case
    assert newer.id != case.id and newer.is_open
    answer(tips[0], STILL_THERE, "还在")
    assert answer(tips[1], STILL_THERE, "也还在").id == newer.id
    assert db.session.get(Case, case.id).state == states.CLOSED_FOUNDED
    joined = case_events(newer, service.ANSWERS_JOINED)
    assert len(joined) == 1 and [a["comment"] for a in joined[0].detail["answers"]] == ["还在", "也还在"]
    assert case_events(case, service.MOVED_ON)[0].detail["target_id"] == newer.id


def test_a_case_that_cannot_reopen_is_followed_by_a_new_case(app, founded, people, staff_client):  # noqa: F811
    """Catches: answers about a case closed otherwise since (here: reopened and closed unfounded) going nowhere,
    or the new case not linked to the old one."""
    case, tips = founded(reporters=[("198.51.100.1", {}, "zh"), ("198.51.100.2", {}, "zh")])
    service.ask_due(utcnow())
    db.session.commit()
    change_state(case, states.INVESTIGATING, people["supervisor"], "复查")
    close_case(case, states.CLOSED_UNFOUNDED, people["supervisor"], "复查未发现问题。", confirmed=True)
    db.session.commit()
    answer(tips[0], STILL_THERE, "还在弹窗")
    follower = answer(tips[1], STILL_THERE)
    assert follower.id != case.id and follower.follows_case_id == case.id and follower.is_open
    opened = case_events(follower, service.FOLLOWUP_OPENED)
    assert len(opened) == 1 and opened[0].detail["source_id"] == case.id
    assert db.session.get(Case, case.id).state == states.CLOSED_UNFOUNDED
    text = staff_client(people["supervisor"]).get(f"/staff/cases/{follower.id}").get_data(as_text=True)
    assert f'href="/staff/cases/{case.id}"' in text and "还在弹窗" in text
    # The answers went somewhere once: a third reporter's "still there" opens nothing more.
    assert db.session.scalar(select(func.count(Case.id)).where(Case.follows_case_id == case.id)) == 1
