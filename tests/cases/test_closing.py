"""Closing a case: a reason the reporters read, a confirmation, and four eyes on urgent or listed cases."""

import pytest
from sqlalchemy import select

from cases import states
from cases.models import Case
from cases.notices import Notice
from cases.operations import CaseError, NotAllowed, change_state, close_case, decide_closing
from tests.cases.conftest import HAIDIAN, post_form
from tipline.extensions import db
from tipline.reports.models import Tip


def kinds(tip_id):
    return [e.kind for e in db.session.get(Tip, tip_id).events]


def notices(user, kind):
    return db.session.scalars(select(Notice).where(Notice.user_id == user.id, Notice.kind == kind)).all()


@pytest.fixture
def urgent_case(make_platform, file_tip):
    """A new case at priority 2 with two reporters' tips."""
    platform = make_platform(region_code=HAIDIAN)
    tips = [file_tip(platform, "game_ads") for _ in range(2)]
    case = db.session.get(Case, tips[0].case_id)
    case.priority = 2
    db.session.commit()
    return case, tips


def test_closing_needs_a_reason_and_a_confirmation(urgent_case, make_staff):
    """Catches: a case closed with an empty reason, or by one unconfirmed click."""
    case, tips = urgent_case
    supervisor = make_staff("supervisor")
    with pytest.raises(CaseError, match="reason"):
        close_case(case, states.CLOSED_UNFOUNDED, supervisor, "   ", confirmed=True)
    with pytest.raises(CaseError, match="Confirm"):
        close_case(case, states.CLOSED_UNFOUNDED, supervisor, "不属于本平台的问题", confirmed=False)
    with pytest.raises(NotAllowed):
        change_state(case, states.CLOSED_UNFOUNDED, supervisor, "绕过关闭表单")
    db.session.rollback()
    assert db.session.get(Case, case.id).state == states.NEW


def test_an_urgent_case_closes_only_with_a_supervisors_agreement(urgent_case, make_staff):
    """Catches: an intake officer closing a priority-2 case alone (the reporters saw "unfounded" at once),
    a proposer agreeing to her own closing, and the reason never reaching the reporters."""
    case, tips = urgent_case
    intake, boss, other = make_staff("intake"), make_staff("supervisor"), make_staff("supervisor")
    bystander = make_staff("supervisor", "education")  # not a department of this case
    reason = "经核查，课程页面未发现游戏广告。"
    assert close_case(case, states.CLOSED_UNFOUNDED, intake, reason, confirmed=True) is False
    db.session.commit()
    case = db.session.get(Case, case.id)
    assert case.state == states.NEW and case.closing_state == states.CLOSED_UNFOUNDED
    assert kinds(tips[0].id) == ["submitted"]  # the reporters see nothing yet
    assert notices(boss, "closing") and notices(other, "closing") and not notices(bystander, "closing")

    with pytest.raises(NotAllowed):
        decide_closing(case, intake, agree=True)  # the proposer, and no supervisor
    db.session.rollback()
    decide_closing(db.session.get(Case, case.id), other, agree=True)
    db.session.commit()
    case = db.session.get(Case, case.id)
    assert case.state == states.CLOSED_UNFOUNDED and case.closing_state is None and case.open_key is None
    for tip in tips:
        events = db.session.get(Tip, tip.id).events
        assert [e.kind for e in events][-2:] == ["status_changed", "closing_reason"]
        assert events[-1].body == reason
    assert notices(intake, "closing_agreed")


def test_a_refused_closing_leaves_the_case_open(urgent_case, make_staff):
    case, tips = urgent_case
    officer, supervisor = make_staff("intake"), make_staff("supervisor")
    close_case(case, states.CLOSED_UNFOUNDED, officer, "重复举报", confirmed=True)
    decide_closing(db.session.get(Case, case.id), supervisor, agree=False, note="家长反映的弹窗仍在")
    db.session.commit()
    case = db.session.get(Case, case.id)
    assert case.state == states.NEW and case.closing_state is None and case.open_key is not None
    assert notices(officer, "closing_refused")
    # Refused, it can be proposed again.
    assert close_case(case, states.CLOSED_UNFOUNDED, officer, "再次核查后仍无问题", confirmed=True) is False


def test_a_listed_platform_needs_agreement_and_a_quiet_case_does_not(make_platform, file_tip, make_staff):
    """Catches: the four-eyes rule reading priority only (a black-listed platform's case closed alone)."""
    quiet = file_tip(make_platform(region_code=HAIDIAN), "marketing")
    listed = file_tip(make_platform(region_code=HAIDIAN, list_status="black"), "marketing")
    intake = make_staff("intake")
    for tip in (quiet, listed):
        db.session.get(Case, tip.case_id).priority = 4
    db.session.commit()
    assert close_case(db.session.get(Case, quiet.case_id), states.CLOSED_UNFOUNDED, intake, "无关", confirmed=True)
    assert not close_case(db.session.get(Case, listed.case_id), states.CLOSED_UNFOUNDED, intake, "无关", confirmed=True)


def test_the_close_form_keeps_the_reason_and_says_what_is_missing(urgent_case, make_staff, staff_client):
    """Catches: the close form acting without its confirmation, or losing the reason typed."""
    case, tips = urgent_case
    client = staff_client(make_staff("intake"))
    page = f"/staff/cases/{case.id}"
    refused = post_form(client, page, f"{page}/close", {"to_state": states.CLOSED_UNFOUNDED, "reason": "理由写好了"})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "理由写好了" in body
    db.session.expire_all()
    assert db.session.get(Case, case.id).closing_state is None
    proposed = post_form(
        client, page, f"{page}/close", {"to_state": states.CLOSED_UNFOUNDED, "reason": "理由写好了", "confirmed": "y"}
    )
    assert proposed.status_code == 302
    db.session.expire_all()
    assert db.session.get(Case, case.id).closing_state == states.CLOSED_UNFOUNDED


def test_a_one_letter_reason_is_not_enough_for_the_reporters(urgent_case, make_staff, staff_client):
    """Catches: "x" accepted as the reason every reporter of the case reads with its closing."""
    case, _tips = urgent_case
    client = staff_client(make_staff("supervisor"))
    page = f"/staff/cases/{case.id}"
    data = {"to_state": states.CLOSED_UNFOUNDED, "reason": "x", "confirmed": "y"}
    refused = post_form(client, page, f"{page}/close", data)
    assert refused.status_code == 400 and 'id="close-reason-error"' in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == states.NEW
