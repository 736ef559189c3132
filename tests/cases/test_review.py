"""The review of a rectification by two people, attacked with crafted POSTs as the outside review did.

Review finding 1: one education officer could end any rectification at once and
mark the platform filed, before any review was asked for, from a department not
on the case, with nobody else. Now the education department records a review
only once the deadline scan has asked for it, and nothing changes for the
platform until a second education supervisor confirms it.
"""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from cases.actions import rules
from cases.actions.models import Action
from cases.actions.review import may_confirm_review, may_review, review_stamp
from cases.actions.service import decide_action, propose_action
from cases.escalation import scan_deadlines
from cases.models import Case, CaseEvent
from cases.notices import Notice
from tests.cases.conftest import BEIJING, CHAOYANG, HAIDIAN, post_form
from tipline.extensions import db
from tipline.platforms.models import Platform
from tipline.timeutil import app_today, utcnow

REVIEW = "/staff/actions/{id}/review"
CONFIRM = "/staff/actions/{id}/review/confirm"


@pytest.fixture
def rect(make_platform, file_tip, make_staff, staff_client):
    """An unfiled platform in Haidian under a rectification in force, due tomorrow, and the staff around it.

    The case is about game ads: the cyberspace department leads it alone.
    """
    platform = make_platform(region_code=HAIDIAN, filed=False)
    case = file_tip(platform, "game_ads").case
    assert (case.lead_department, case.co_department) == ("cyberspace", None)
    people = {
        "cyber_officer": make_staff("officer", "cyberspace", HAIDIAN),
        "cyber_supervisor": make_staff("supervisor", "cyberspace", BEIJING),
        "edu_officer": make_staff("officer", "education", HAIDIAN),
        "edu_supervisor": make_staff("supervisor", "education", BEIJING),
        "edu_supervisor_2": make_staff("supervisor", "education", HAIDIAN),
        "edu_sibling": make_staff("supervisor", "education", CHAOYANG),
        "intake": make_staff("intake", "cyberspace", HAIDIAN),
        "admin": make_staff("admin", "cyberspace", BEIJING),
    }
    action = propose_action(
        case,
        people["cyber_officer"],
        rules.RECTIFICATION,
        "依据",
        deadline_on=app_today() + timedelta(days=1),
        public_reason="公开理由",
    )
    decide_action(action, people["cyber_supervisor"], approve=True)
    db.session.commit()
    clients = {}

    def client(who):
        if who not in clients:
            clients[who] = staff_client(people[who])
            clients[who].set_cookie("lang", "en")  # the messages below are asserted in English
        return clients[who]

    return SimpleNamespace(case_id=case.id, action_id=action.id, platform_id=platform.id, people=people, client=client)


def request_review(days=2):
    """The deadline scan on a clock `days` from now, committed as the worker commits it."""
    result = scan_deadlines(utcnow() + timedelta(days=days))
    db.session.commit()
    return result["reviews"]


def post(rect, who, url, data):
    """POST a review form as `who`; a confirmation carries the stamp of the review now recorded, as the page does."""
    page = f"/staff/cases/{rect.case_id}" if who != "edu_sibling" else "/staff/account"
    if url == CONFIRM and "seen" not in data:
        data = {**data, "seen": review_stamp(db.session.get(Action, rect.action_id)) or "none"}
    return post_form(rect.client(who), page, url.format(id=rect.action_id), data)


def current(rect):
    """The action and the platform as the database has them now."""
    db.session.expire_all()
    return db.session.get(Action, rect.action_id), db.session.get(Platform, rect.platform_id)


def assert_untouched(rect, pending=None):
    """Nothing happened to the platform, and the action holds the review `pending` (None: none)."""
    action, platform = current(rect)
    assert action.state == rules.IN_FORCE and action.end_reason == ""
    assert action.review_outcome == pending
    assert platform.filing.status == "unfiled" and platform.filing.last_reviewed_on is None
    assert platform.enforcement_status == rules.RECTIFYING


def test_passed_before_the_review_is_asked_for_is_refused(rect):
    """Catches: review_rectification not requiring review_requested_at (the POST before the deadline scan)."""
    assert request_review(days=0) == 0  # the deadline has not passed: no request
    # The education department is not on the case yet: not theirs to review.
    response = post(rect, "edu_officer", REVIEW, {"outcome": "passed"})
    assert response.status_code == 403
    assert "review rectifications" in response.get_data(as_text=True)
    assert_untouched(rect)
    # Even with the education department on the case, the review waits for the request.
    case = db.session.get(Case, rect.case_id)
    case.co_department = "education"
    db.session.commit()
    for who in ("edu_officer", "edu_supervisor"):
        response = post(rect, who, REVIEW, {"outcome": "passed"})
        assert response.status_code == 400, who
        assert "once its deadline has passed" in response.get_data(as_text=True)
    assert_untouched(rect)


def test_a_request_made_before_the_deadline_is_not_honoured(rect):
    """Catches: the review trusting review_requested_at without it lying after the deadline."""
    case = db.session.get(Case, rect.case_id)
    case.co_department = "education"
    action = db.session.get(Action, rect.action_id)
    action.review_requested_at = utcnow()  # today: the deadline is tomorrow
    db.session.commit()
    assert post(rect, "edu_officer", REVIEW, {"outcome": "passed"}).status_code == 400
    assert_untouched(rect)


@pytest.mark.parametrize("who", ["cyber_officer", "cyber_supervisor", "intake", "admin"])
def test_only_the_education_department_records_a_review(rect, who):
    """Catches: the department or role check dropped from review_rectification (only the template hid it)."""
    assert request_review() == 1
    response = post(rect, who, REVIEW, {"outcome": "passed"})
    assert response.status_code == 403
    assert_untouched(rect)


def test_outside_the_region_tree_the_action_does_not_exist(rect):
    """Catches: the review routes looking the action up without the region wall."""
    request_review()
    assert post(rect, "edu_sibling", REVIEW, {"outcome": "passed"}).status_code == 404
    post(rect, "edu_officer", REVIEW, {"outcome": "passed"})
    assert post(rect, "edu_sibling", CONFIRM, {"decision": "agree"}).status_code == 404
    assert_untouched(rect, pending=rules.PASSED)


def test_the_review_request_brings_the_education_department_onto_the_case(rect, file_tip, make_platform):
    """Catches: the scan asking for a review from a department that is not on the case."""
    assert request_review() == 1
    case = db.session.get(Case, rect.case_id)
    assert (case.lead_department, case.co_department) == ("cyberspace", "education")
    kinds = db.session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id)).all()
    assert "review_co_handling" in kinds and "review_requested" in kinds
    # A case the education department leads already keeps its departments.
    led = file_tip(make_platform(region_code=HAIDIAN, filed=False), "unfiled").case
    assert led.lead_department == "education"
    before = led.co_department
    action = propose_action(
        led,
        rect.people["edu_officer"],
        rules.RECTIFICATION,
        "依据",
        deadline_on=app_today() + timedelta(days=1),
        public_reason="公开理由",
    )
    decide_action(action, rect.people["edu_supervisor"], approve=True)
    db.session.commit()
    assert request_review() == 1
    assert db.session.get(Case, led.id).co_department == before
    kinds = db.session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == led.id)).all()
    assert "review_co_handling" not in kinds


def test_a_recorded_review_waits_for_a_second_supervisor(rect):
    """Catches: review_rectification applying the outcome itself, or confirm_review allowing the recorder."""
    request_review()
    # Nothing to confirm yet.
    assert post(rect, "edu_supervisor_2", CONFIRM, {"decision": "agree"}).status_code == 400
    assert_untouched(rect)

    recorded = post(rect, "edu_supervisor", REVIEW, {"outcome": "passed", "note": "已整改"})
    assert recorded.status_code == 302
    assert_untouched(rect, pending=rules.PASSED)  # recorded, nothing applied
    # A second review while one is pending, by anyone of the department.
    assert post(rect, "edu_officer", REVIEW, {"outcome": "failed"}).status_code == 400
    assert_untouched(rect, pending=rules.PASSED)
    # The one who recorded it cannot confirm it; an officer confirms nothing.
    mine = post(rect, "edu_supervisor", CONFIRM, {"decision": "agree"})
    assert mine.status_code == 403
    assert "never the one who recorded it" in mine.get_data(as_text=True)
    assert post(rect, "edu_officer", CONFIRM, {"decision": "agree"}).status_code == 403
    for who in ("cyber_supervisor", "admin", "intake"):
        assert post(rect, who, CONFIRM, {"decision": "agree"}).status_code == 403, who
    assert_untouched(rect, pending=rules.PASSED)

    # A second education supervisor confirms: now the platform is filed again.
    assert post(rect, "edu_supervisor_2", CONFIRM, {"decision": "agree"}).status_code == 302
    action, platform = current(rect)
    assert action.state == rules.ENDED and action.end_reason == "rectified"
    assert action.reviewed_by_id == rect.people["edu_supervisor"].id
    assert action.review_confirmed_by_id == rect.people["edu_supervisor_2"].id
    assert platform.filing.status == "filed" and platform.filing.last_reviewed_on == app_today()
    assert platform.enforcement_status == rules.NORMAL
    # Confirming twice, or reviewing again, changes nothing more.
    ended_at = action.ended_at
    assert post(rect, "edu_supervisor_2", CONFIRM, {"decision": "agree"}).status_code == 400
    assert post(rect, "edu_officer", REVIEW, {"outcome": "failed"}).status_code == 400
    action, _platform = current(rect)
    assert action.ended_at == ended_at and action.end_reason == "rectified"
    assert db.session.scalars(select(Action).where(Action.state == rules.PROPOSED)).all() == []


def test_a_disputed_review_needs_a_reason_and_may_be_recorded_again(rect):
    """Catches: a dispute without a reason, or a dispute leaving the old review pending."""
    request_review()
    post(rect, "edu_officer", REVIEW, {"outcome": "passed"})
    assert post(rect, "edu_supervisor", CONFIRM, {"decision": "disagree"}).status_code == 400
    assert_untouched(rect, pending=rules.PASSED)
    disputed = post(rect, "edu_supervisor", CONFIRM, {"decision": "disagree", "reason": "弹窗广告仍在"})
    assert disputed.status_code == 302
    assert_untouched(rect, pending=None)
    assert post(rect, "edu_officer", REVIEW, {"outcome": "failed", "note": "仍有游戏广告"}).status_code == 302
    assert post(rect, "edu_supervisor", CONFIRM, {"decision": "agree"}).status_code == 302
    action, platform = current(rect)
    assert action.end_reason == "escalated" and platform.filing.status == "unfiled"
    stronger = db.session.scalars(select(Action).where(Action.state == rules.PROPOSED)).one()
    assert stronger.type == rules.SUSPEND_UPDATES and stronger.department == "cyberspace"
    assert stronger.details == "仍有游戏广告"


def test_bad_answers_are_refused_without_a_change(rect):
    """Catches: an outcome or decision outside the two offered being taken as one of them."""
    request_review()
    refused = post(rect, "edu_officer", REVIEW, {"outcome": "PASSED", "note": "现场复核"})
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "Choose one of the outcomes offered." in page and "现场复核" in page  # what was typed is kept
    assert post(rect, "edu_officer", REVIEW, {}).status_code == 400
    assert_untouched(rect)
    post(rect, "edu_officer", REVIEW, {"outcome": "passed"})
    assert post(rect, "edu_supervisor", CONFIRM, {"decision": "yes"}).status_code == 400
    assert_untouched(rect, pending=rules.PASSED)


def test_the_page_offers_each_step_to_whom_the_rules_allow(rect):
    """Catches: the case page offering a review form that the operation would refuse, or hiding a due one."""
    review_form = f'action="/staff/actions/{rect.action_id}/review"'
    confirm_form = f'action="/staff/actions/{rect.action_id}/review/confirm"'

    def page(who):
        return rect.client(who).get(f"/staff/cases/{rect.case_id}").get_data(as_text=True)

    assert review_form not in page("edu_officer")  # not asked for yet
    request_review()
    action = db.session.get(Action, rect.action_id)
    for who, person in rect.people.items():
        if who != "edu_sibling":
            allowed = who in ("edu_officer", "edu_supervisor", "edu_supervisor_2")
            assert may_review(person, action) is allowed, who
            assert (review_form in page(who)) is allowed, who
    post(rect, "edu_supervisor", REVIEW, {"outcome": "passed"})
    action = db.session.get(Action, rect.action_id)
    for who, person in rect.people.items():
        if who != "edu_sibling":
            allowed = who == "edu_supervisor_2"
            assert may_confirm_review(person, action) is allowed, who
            text = page(who)
            assert (confirm_form in text) is allowed, who
            assert review_form not in text, who


def test_education_supervisors_are_told_and_mailed(smtp_server, rect):
    """Catches: the README's staff mail on reviews not being sent (request, recorded review, outcome)."""
    first, second = rect.people["edu_supervisor"], rect.people["edu_supervisor_2"]
    officer = rect.people["edu_officer"]
    request_review()
    for supervisor in (first, second):
        kinds = db.session.scalars(select(Notice.kind).where(Notice.user_id == supervisor.id)).all()
        assert kinds == ["review"]
        [mail] = smtp_server.to(supervisor.email)
        assert f"/staff/cases/{rect.case_id}" in mail.get_content()
    assert not smtp_server.to(rect.people["edu_sibling"].email)

    post(rect, "edu_supervisor", REVIEW, {"outcome": "passed"})
    assert db.session.scalars(select(Notice.kind).where(Notice.user_id == second.id)).all() == [
        "review",
        "review_recorded",
    ]
    assert len(smtp_server.to(second.email)) == 2
    assert "整改复核结果等待您确认" in smtp_server.to(second.email)[-1]["Subject"]  # staff mail is in Chinese
    assert len(smtp_server.to(first.email)) == 1  # the recorder is not asked to confirm their own review
    assert not smtp_server.to(officer.email)

    post(rect, "edu_supervisor_2", CONFIRM, {"decision": "agree"})
    assert db.session.scalars(select(Notice.kind).where(Notice.user_id == first.id)).all() == [
        "review",
        "review_confirmed",
    ]
    assert len(smtp_server.to(first.email)) == 2


def test_a_confirmation_never_lands_on_a_review_recorded_after_the_page_was_read(rect):
    """Catches: a stale "confirm" (the page showed "passed") confirming a review sent back and recorded
    anew as "failed" in between, which would escalate the rectification nobody agreed to escalate."""
    request_review()
    assert post(rect, "edu_officer", REVIEW, {"outcome": "passed", "note": "已整改"}).status_code == 302
    stale = review_stamp(current(rect)[0])
    assert post(rect, "edu_supervisor", CONFIRM, {"decision": "disagree", "reason": "证据不足"}).status_code == 302
    assert post(rect, "edu_officer", REVIEW, {"outcome": "failed", "note": "仍有广告"}).status_code == 302
    late = post(rect, "edu_supervisor_2", CONFIRM, {"decision": "agree", "seen": stale})
    assert late.status_code == 400 and "recorded again" in late.get_data(as_text=True)
    action, platform = current(rect)
    assert action.state == rules.IN_FORCE and action.review_outcome == rules.FAILED
