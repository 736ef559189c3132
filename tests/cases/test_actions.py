"""Actions: propose, approve or reject, lift; the platform's enforcement status and lists follow."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from cases.actions import rules
from cases.actions.models import ListEntry
from cases.actions.service import decide_action, propose_action, propose_lift
from cases.operations import CaseError, NotAllowed
from tests.cases.conftest import HAIDIAN
from tipline.extensions import db
from tipline.timeutil import app_today, utcnow


@pytest.fixture
def case_and_staff(make_platform, file_tip, make_staff):
    tip = file_tip(make_platform(region_code=HAIDIAN), "game_ads")  # lead: cyberspace
    return tip.case, {
        "officer": make_staff("officer", "cyberspace", HAIDIAN),
        "supervisor": make_staff("supervisor", "cyberspace", "110000"),
        "edu_supervisor": make_staff("supervisor", "education", "110000"),
        "sibling_supervisor": make_staff("supervisor", "cyberspace", "110105"),
        "edu_officer": make_staff("officer", "education", HAIDIAN),
    }


def test_enforcement_status_is_the_strongest_in_force():
    assert rules.enforcement_status(set()) == rules.NORMAL
    assert rules.enforcement_status({rules.INTERVIEW, rules.RECTIFICATION}) == rules.RECTIFYING
    assert rules.enforcement_status({rules.RECTIFICATION, rules.DELISTING, rules.SUSPEND_UPDATES}) == rules.DELISTED


def test_rules_table_is_complete():
    assert set(rules.STATUS_EFFECT) == set(rules.ACTION_TYPES)
    assert rules.LIFTABLE <= set(rules.ACTION_TYPES)
    assert set(rules.SEVERITY_ORDER) == set(rules.ENFORCEMENT_STATUSES)


@pytest.mark.parametrize("action_type", sorted(rules.ACTION_TYPES))
def test_every_action_type_is_proposed_approved_and_where_it_lasts_lifted(case_and_staff, action_type):
    case, staff = case_and_staff
    platform = case.platform
    today = app_today()
    action = propose_action(
        case,
        staff["officer"],
        action_type,
        "《未成年人保护法》第七十四条",
        deadline_on=today + timedelta(days=30),
        public_reason="公开理由",
    )
    assert action.state == rules.PROPOSED and platform.enforcement_status == rules.NORMAL
    decide_action(action, staff["supervisor"], approve=True)
    effect = rules.STATUS_EFFECT[action_type] or rules.NORMAL
    assert platform.enforcement_status == effect
    if action_type == rules.BLACKLIST:
        assert platform.list_status == "black"
    if action_type not in rules.LIFTABLE:
        assert action.state == rules.ENDED and action.end_reason == "done"
        return
    assert action.state == rules.IN_FORCE
    lift = propose_lift(action, staff["officer"], "整改完成，经复核符合要求", public_reason="解除的公开理由")
    decide_action(lift, staff["supervisor"], approve=True)
    assert action.state == rules.ENDED and action.end_reason == "lifted"
    assert platform.enforcement_status == rules.NORMAL
    if action_type == rules.BLACKLIST:
        assert platform.list_status == "none"
    kinds = [e.kind for e in case.events]
    assert {"action_proposed", "action_approved", "lift_proposed", "action_lifted"} <= set(kinds)


def test_who_may_propose_and_decide(case_and_staff):
    case, staff = case_and_staff
    with pytest.raises(NotAllowed):
        propose_action(
            case, staff["edu_officer"], rules.INTERVIEW, "依据", public_reason="公开理由"
        )  # not a department of this case
    action = propose_action(case, staff["supervisor"], rules.SUSPEND_UPDATES, "依据", public_reason="公开理由")
    with pytest.raises(NotAllowed):
        decide_action(action, staff["supervisor"], approve=True)  # never one's own proposal
    with pytest.raises(NotAllowed):
        decide_action(action, staff["edu_supervisor"], approve=True)  # another department
    with pytest.raises(NotAllowed):
        decide_action(action, staff["sibling_supervisor"], approve=True)  # another region
    with pytest.raises(NotAllowed):
        decide_action(action, staff["officer"], approve=True)  # officers propose, supervisors decide


def test_rejection_needs_a_reason_and_changes_nothing(case_and_staff):
    case, staff = case_and_staff
    action = propose_action(case, staff["officer"], rules.DELISTING, "依据", public_reason="公开理由")
    with pytest.raises(CaseError):
        decide_action(action, staff["supervisor"], approve=False)
    decide_action(action, staff["supervisor"], approve=False, reason="证据不足")
    assert action.state == rules.REJECTED and case.platform.enforcement_status == rules.NORMAL
    with pytest.raises(CaseError):
        decide_action(action, staff["supervisor"], approve=True)


def test_bad_proposals_are_refused(case_and_staff, file_tip):
    case, staff = case_and_staff
    today = app_today()
    with pytest.raises(CaseError):
        propose_action(case, staff["officer"], rules.RECTIFICATION, "依据", public_reason="公开理由")  # no deadline
    with pytest.raises(CaseError):
        propose_action(case, staff["officer"], rules.RECTIFICATION, "依据", deadline_on=today, public_reason="公开理由")
    with pytest.raises(CaseError):
        propose_action(case, staff["officer"], "fine", "依据", public_reason="公开理由")
    with pytest.raises(CaseError):
        propose_action(case, staff["officer"], rules.INTERVIEW, "   ", public_reason="公开理由")
    unregistered = file_tip(None, "game_ads", platform_name="某个未登记的App").case
    with pytest.raises(CaseError):
        propose_action(unregistered, staff["supervisor"], rules.INTERVIEW, "依据", public_reason="公开理由")


def test_an_action_starting_later_is_not_yet_in_force(case_and_staff):
    case, staff = case_and_staff
    action = propose_action(
        case,
        staff["officer"],
        rules.TEMPORARY_OFFLINE,
        "依据",
        starts_on=app_today() + timedelta(days=3),
        public_reason="公开理由",
    )
    decide_action(action, staff["supervisor"], approve=True)
    assert action.state == rules.IN_FORCE and case.platform.enforcement_status == rules.NORMAL


def test_list_changes_keep_their_reasons(case_and_staff):
    case, staff = case_and_staff
    action = propose_action(case, staff["officer"], rules.BLACKLIST, "多次推送网络游戏广告", public_reason="公开理由")
    decide_action(action, staff["supervisor"], approve=True)
    entries = db.session.scalars(select(ListEntry).where(ListEntry.platform_id == case.platform_id)).all()
    assert [(e.list_status, e.reason, e.action_id) for e in entries][-1] == ("black", "多次推送网络游戏广告", action.id)


def test_repeat_offenders_start_at_the_top(make_platform, file_tip, make_staff):
    from cases.actions.service import is_repeat_offender

    platform = make_platform(region_code=HAIDIAN)
    officer, supervisor = make_staff("officer", "cyberspace", HAIDIAN), make_staff("supervisor", "cyberspace", "110000")
    for category in ("game_ads", "page_surroundings"):
        case = file_tip(platform, category).case
        decide_action(
            propose_action(case, officer, rules.INTERVIEW, "依据", public_reason="公开理由"), supervisor, approve=True
        )
        db.session.commit()
    assert is_repeat_offender(platform.id)
    assert not is_repeat_offender(platform.id, now=utcnow() + timedelta(days=400))
    mild = file_tip(platform, "marketing").case
    assert mild.priority == 1 and ["repeat_offender", 1] in mild.priority_reasons


def test_rejected_actions_do_not_make_a_repeat_offender(make_platform, file_tip, make_staff):
    from cases.actions.service import is_repeat_offender

    platform = make_platform(region_code=HAIDIAN)
    officer, supervisor = make_staff("officer", "cyberspace", HAIDIAN), make_staff("supervisor", "cyberspace", "110000")
    for category in ("game_ads", "page_surroundings"):
        case = file_tip(platform, category).case
        decide_action(
            propose_action(case, officer, rules.INTERVIEW, "依据", public_reason="公开理由"),
            supervisor,
            approve=False,
            reason="不足",
        )
    db.session.commit()
    assert not is_repeat_offender(platform.id)


def test_supervisors_keep_the_white_list_with_reasons(app, make_platform, make_staff, staff_client):
    from tests.conftest import csrf_token

    platform = make_platform(region_code=HAIDIAN)
    client = staff_client(make_staff("supervisor", "education", "110000"))
    data = {"list-list_status": "white", "list-reason": "复核合格", "list-public_reason": "经复核，课程内容合规"}
    response = client.post(
        f"/staff/platforms/{platform.id}", data={"csrf_token": csrf_token(client, "/staff/"), **data}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert platform.list_status == "white"
    public = app.test_client().get(f"/platforms/{platform.id}", headers={"Accept-Language": "zh-CN"})
    assert "经复核，课程内容合规" in public.get_data(as_text=True) and "复核合格" not in public.get_data(as_text=True)
    assert "white" in [e.list_status for e in db.session.scalars(select(ListEntry))]
    missing = client.post(
        f"/staff/platforms/{platform.id}",
        data={"csrf_token": csrf_token(client, "/staff/"), "list-list_status": "none", "list-reason": "x"},
    )
    assert missing.status_code == 400
    black = client.post(
        f"/staff/platforms/{platform.id}",
        data={"csrf_token": csrf_token(client, "/staff/"), **data, "list-list_status": "black"},
    )
    assert black.status_code == 400  # the black list is reached through an approved action only


def test_an_action_takes_effect_on_its_start_date_through_the_scan(case_and_staff):
    from cases.escalation import scan_deadlines

    case, staff = case_and_staff
    start = app_today() + timedelta(days=3)
    action = propose_action(
        case, staff["officer"], rules.TEMPORARY_OFFLINE, "依据", starts_on=start, public_reason="公开理由"
    )
    decide_action(action, staff["supervisor"], approve=True)
    assert case.platform.enforcement_status == rules.NORMAL
    assert scan_deadlines(utcnow() + timedelta(days=1))["started"] == 0
    assert scan_deadlines(utcnow() + timedelta(days=3))["started"] == 1
    assert case.platform.enforcement_status == rules.OFFLINE
    assert scan_deadlines(utcnow() + timedelta(days=4))["started"] == 0


def test_one_case_with_actions_is_not_a_repeat_offender_two_are(make_platform, file_tip, make_staff):
    """Catches the repeat-offender threshold lowered from two cases to one (REPEAT_CASES).

    Two approved actions in one case are still one case; a second case with an action
    makes a repeat offender, and the platform's next case starts at priority 1.
    """
    from cases.actions.service import is_repeat_offender

    platform = make_platform(region_code=HAIDIAN)
    officer, supervisor = make_staff("officer", "cyberspace", HAIDIAN), make_staff("supervisor", "cyberspace", "110000")
    first = file_tip(platform, "game_ads").case
    for action_type in (rules.INTERVIEW, rules.SUSPEND_UPDATES):
        decide_action(
            propose_action(first, officer, action_type, "依据", public_reason="公开理由"), supervisor, approve=True
        )
    db.session.commit()
    assert not is_repeat_offender(platform.id)
    mild = file_tip(platform, "marketing").case
    assert mild.priority != 1 and "repeat_offender" not in [code for code, _ in mild.priority_reasons]
    second = file_tip(platform, "page_surroundings").case
    decide_action(
        propose_action(second, officer, rules.INTERVIEW, "依据", public_reason="公开理由"), supervisor, approve=True
    )
    db.session.commit()
    assert is_repeat_offender(platform.id)
    assert file_tip(platform, "other").case.priority == 1


def test_repeat_offence_counts_actions_of_the_last_365_days(make_platform, file_tip, make_staff):
    """Catches a changed window (REPEAT_WINDOW_DAYS): decided 364 days ago counts, 366 days ago does not."""
    from cases.actions.service import is_repeat_offender

    platform = make_platform(region_code=HAIDIAN)
    officer, supervisor = make_staff("officer", "cyberspace", HAIDIAN), make_staff("supervisor", "cyberspace", "110000")
    for category in ("game_ads", "page_surroundings"):
        case = file_tip(platform, category).case
        decide_action(
            propose_action(case, officer, rules.INTERVIEW, "依据", public_reason="公开理由"), supervisor, approve=True
        )
    db.session.commit()
    assert is_repeat_offender(platform.id, now=utcnow() + timedelta(days=364))
    assert not is_repeat_offender(platform.id, now=utcnow() + timedelta(days=366))
