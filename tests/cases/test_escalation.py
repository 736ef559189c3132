"""Deadlines with a clock the tests control: overdue cases escalate once, rectifications call for a review."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from cases import states
from cases.actions import rules
from cases.actions.models import Action
from cases.actions.review import confirm_review, review_rectification
from cases.actions.service import decide_action, propose_action
from cases.escalation import scan_deadlines
from cases.models import Case, CaseTask
from cases.notices import Notice
from cases.operations import NotAllowed, change_state
from tests.cases.conftest import CHAOYANG, HAIDIAN
from tipline.extensions import db
from tipline.timeutil import app_today, utcnow


def notices(user):
    return db.session.scalars(select(Notice.kind).where(Notice.user_id == user.id)).all()


def test_an_overdue_case_escalates_once_per_state(smtp_server, make_platform, file_tip, make_staff):
    tip = file_tip(make_platform(region_code=HAIDIAN), "marketing")  # mild: stays in its region
    local = make_staff("supervisor", "cyberspace", HAIDIAN)
    parent = make_staff("supervisor", "cyberspace", "110000")
    case = db.session.get(Case, tip.case_id)
    assert scan_deadlines(case.deadline_at - timedelta(minutes=1))["escalated"] == 0
    later = case.deadline_at + timedelta(minutes=1)
    assert scan_deadlines(later)["escalated"] == 1
    db.session.commit()
    assert scan_deadlines(later + timedelta(hours=5))["escalated"] == 0  # twice: escalated once
    db.session.commit()
    assert notices(local) == ["escalated"] and notices(parent) == []
    assert len(smtp_server.to(local.email)) == 1
    assert [e.kind for e in case.events].count("escalated") == 1
    # A new state brings a new deadline, and a new escalation when that passes too.
    change_state(case, states.TRIAGED, make_staff("intake", "cyberspace", HAIDIAN))
    db.session.commit()
    assert scan_deadlines(case.deadline_at + timedelta(minutes=1))["escalated"] == 1


@pytest.mark.parametrize("category", ["vulgar", "violent"])
def test_serious_overdue_cases_go_up_the_region_tree(make_platform, file_tip, make_staff, category):
    tip = file_tip(make_platform(region_code=HAIDIAN), category)
    parent = make_staff("supervisor", "cyberspace", "110000")
    case = db.session.get(Case, tip.case_id)
    scan_deadlines(case.deadline_at + timedelta(minutes=1))
    db.session.commit()
    assert case.escalated_to_region == "110000"
    assert notices(parent) == ["escalated"]
    event = [e for e in case.events if e.kind == "escalated"][0]
    assert "serious" in event.detail["reasons"]


def test_rectification_deadline_calls_for_a_review_then_refiling(make_platform, file_tip, make_staff):
    platform = make_platform(region_code=HAIDIAN, filed=False)
    case = file_tip(platform, "game_ads").case
    officer, supervisor = make_staff("officer", "cyberspace", HAIDIAN), make_staff("supervisor", "cyberspace", "110000")
    reviewer = make_staff("officer", "education", HAIDIAN)
    confirmer = make_staff("supervisor", "education", "110000")
    today = app_today()
    action = propose_action(
        case, officer, rules.RECTIFICATION, "依据", deadline_on=today + timedelta(days=10), public_reason="公开理由"
    )
    decide_action(action, supervisor, approve=True)
    db.session.commit()
    assert platform.enforcement_status == rules.RECTIFYING
    assert scan_deadlines(utcnow() + timedelta(days=5))["reviews"] == 0
    assert scan_deadlines(utcnow() + timedelta(days=11))["reviews"] == 1
    assert scan_deadlines(utcnow() + timedelta(days=12))["reviews"] == 0
    db.session.commit()
    task = db.session.scalars(select(CaseTask).where(CaseTask.case_id == case.id)).one()
    assert task.department == "education"
    with pytest.raises(NotAllowed):
        review_rectification(action, officer, passed=True)  # the education department reviews
    review_rectification(action, reviewer, passed=True, note="已整改，复核通过")
    assert action.review_pending and platform.filing.status == "unfiled"  # a second person confirms first
    confirm_review(action, confirmer, agree=True)
    assert action.end_reason == "rectified" and platform.enforcement_status == rules.NORMAL
    assert platform.filing.status == "filed" and platform.filing.last_reviewed_on == app_today()


def test_a_failed_review_proposes_the_stronger_action(make_platform, file_tip, make_staff):
    case = file_tip(make_platform(region_code=HAIDIAN), "game_ads").case
    officer, supervisor = make_staff("officer", "cyberspace", HAIDIAN), make_staff("supervisor", "cyberspace", "110000")
    reviewer = make_staff("supervisor", "education", "110000")
    confirmer = make_staff("supervisor", "education", HAIDIAN)
    action = propose_action(
        case,
        officer,
        rules.RECTIFICATION,
        "依据",
        deadline_on=app_today() + timedelta(days=1),
        public_reason="公开理由",
    )
    decide_action(action, supervisor, approve=True)
    scan_deadlines(utcnow() + timedelta(days=2))
    review_rectification(action, reviewer, passed=False, note="仍有游戏广告")
    confirm_review(action, confirmer, agree=True)
    db.session.commit()
    stronger = db.session.scalars(select(Action).where(Action.state == rules.PROPOSED)).one()
    assert stronger.type == rules.SUSPEND_UPDATES and stronger.department == "cyberspace"
    # Its public reason is written for it from the rectification's; the review note stays internal.
    assert stronger.public_reason.endswith("公开理由") and "仍有游戏广告" not in stronger.public_reason
    assert action.end_reason == "escalated"
    assert "approval" in notices(supervisor)
    decide_action(stronger, supervisor, approve=True)
    assert case.platform.enforcement_status == rules.UPDATES_SUSPENDED


def test_scan_deadlines_command(runner, make_platform, file_tip):
    tip = file_tip(make_platform(region_code=HAIDIAN), "marketing")
    db.session.get(Case, tip.case_id).deadline_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    first = runner.invoke(args=["scan-deadlines"])
    second = runner.invoke(args=["scan-deadlines"])
    assert "1 case(s) escalated" in first.output and "0 case(s) escalated" in second.output


def test_review_through_the_case_page(make_platform, file_tip, make_staff, staff_client):
    from tests.cases.conftest import post_form

    case = file_tip(make_platform(region_code=HAIDIAN), "game_ads").case
    officer, supervisor = make_staff("officer", "cyberspace", HAIDIAN), make_staff("supervisor", "cyberspace", "110000")
    action = propose_action(
        case,
        officer,
        rules.RECTIFICATION,
        "依据",
        deadline_on=app_today() + timedelta(days=1),
        public_reason="公开理由",
    )
    decide_action(action, supervisor, approve=True)
    scan_deadlines(utcnow() + timedelta(days=2))
    db.session.commit()
    reviewer = staff_client(make_staff("officer", "education", HAIDIAN))
    page = reviewer.get(f"/staff/cases/{case.id}").get_data(as_text=True)
    assert f"/staff/actions/{action.id}/review" in page
    recorded = post_form(
        reviewer,
        f"/staff/cases/{case.id}",
        f"/staff/actions/{action.id}/review",
        {"outcome": "passed", "note": "复核通过"},
    )
    assert recorded.status_code == 302
    confirmer = staff_client(make_staff("supervisor", "education", "110000"))
    page = confirmer.get(f"/staff/cases/{case.id}").get_data(as_text=True)
    assert f"/staff/actions/{action.id}/review/confirm" in page
    seen = re.search(r'name="confirm-seen" value="([^"]+)"', page).group(1)  # which review the page shows
    done = post_form(
        confirmer,
        f"/staff/cases/{case.id}",
        f"/staff/actions/{action.id}/review/confirm",
        {"decision": "agree", "seen": seen},
    )
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Action, action.id).end_reason == "rectified"
    refused = post_form(
        reviewer, f"/staff/cases/{case.id}", f"/staff/actions/{action.id}/review", {"outcome": "passed"}
    )
    assert refused.status_code == 400  # already ended


def _escalation(case):
    return [e for e in case.events if e.kind == "escalated"][-1]


def test_cases_on_one_platform_in_two_regions_go_up_as_cross_region(make_platform, file_tip, make_staff):
    """Catches the cross_region reason dropped from _up_the_tree_reasons.

    The platform moved from Haidian to Chaoyang between two reports, so its open cases sit in
    two regions. Both are mild, so cross_region alone sends them to Beijing's supervisors.
    """
    platform = make_platform(region_code=HAIDIAN)
    first = file_tip(platform, "marketing").case
    platform.region_code = CHAOYANG
    db.session.commit()
    second = file_tip(platform, "other").case
    assert (first.region_code, second.region_code) == (HAIDIAN, CHAOYANG)
    local = make_staff("supervisor", "cyberspace", HAIDIAN)
    parent = make_staff("supervisor", "education", "110000")
    scan_deadlines(max(first.deadline_at, second.deadline_at) + timedelta(minutes=1))
    db.session.commit()
    for case in (first, second):
        assert _escalation(case).detail["reasons"] == ["overdue", "cross_region"]
        assert case.escalated_to_region == "110000"
    assert notices(parent) == ["escalated", "escalated"] and notices(local) == ["escalated"]


def test_cases_on_one_platform_in_one_region_stay_there(make_platform, file_tip, make_staff):
    """The control for the test above: two open cases in one region are not cross-region."""
    platform = make_platform(region_code=HAIDIAN)
    cases = [file_tip(platform, category).case for category in ("marketing", "other")]
    parent = make_staff("supervisor", "cyberspace", "110000")
    scan_deadlines(max(c.deadline_at for c in cases) + timedelta(minutes=1))
    db.session.commit()
    for case in cases:
        assert _escalation(case).detail["reasons"] == ["overdue"] and case.escalated_to_region is None
    assert notices(parent) == []


def _days_between(later, earlier):
    return (later - earlier) / timedelta(days=1)


def test_case_deadline_days_from_the_app_config(app, make_platform, file_tip, make_staff):
    """Catches deadline_for ignoring CASE_DEADLINE_DAYS: the case is due, and escalated, on the configured day."""
    app.config["CASE_DEADLINE_DAYS"] = {"new": 5, "triaged": 1}
    case = file_tip(make_platform(region_code=HAIDIAN), "marketing").case
    assert _days_between(case.deadline_at, case.state_changed_at) == 5
    start = case.state_changed_at
    assert scan_deadlines(start + timedelta(days=5) - timedelta(minutes=1))["escalated"] == 0
    assert scan_deadlines(start + timedelta(days=5, minutes=1))["escalated"] == 1
    change_state(case, states.TRIAGED, make_staff("intake", "cyberspace", HAIDIAN))
    db.session.commit()
    assert _days_between(case.deadline_at, case.state_changed_at) == 1


@pytest.fixture
def deadline_days_in_environment(monkeypatch, app_config):
    """CASE_DEADLINE_DAYS set the way production sets it: in the environment, read by from_environment."""
    monkeypatch.setenv("CASE_DEADLINE_DAYS", "new=9, investigating=20")
    app_config.pop("CASE_DEADLINE_DAYS", None)


def test_case_deadline_days_from_the_environment(deadline_days_in_environment, app, make_platform, file_tip):
    """Catches from_environment dropping CASE_DEADLINE_DAYS; states it does not name keep their defaults."""
    assert app.config["CASE_DEADLINE_DAYS"] == {"new": 9, "investigating": 20}
    case = file_tip(make_platform(region_code=HAIDIAN), "marketing").case
    assert _days_between(case.deadline_at, case.state_changed_at) == 9
    start = case.state_changed_at
    default = start + timedelta(days=states.DEADLINE_DAYS[states.NEW], minutes=1)
    assert scan_deadlines(default)["escalated"] == 0
    assert scan_deadlines(start + timedelta(days=9) - timedelta(minutes=1))["escalated"] == 0
    assert scan_deadlines(start + timedelta(days=9, minutes=1))["escalated"] == 1


def test_a_malformed_case_deadline_days_is_refused():
    from tipline.settings import ConfigError, from_environment

    with pytest.raises(ConfigError, match="CASE_DEADLINE_DAYS"):
        from_environment({"SECRET_KEY": "s", "CONTACT_ENCRYPTION_KEY": "k", "CASE_DEADLINE_DAYS": "new=two"})
