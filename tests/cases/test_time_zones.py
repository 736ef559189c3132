"""Time zones: each member of staff sees times in their own zone; calendar days are Beijing days for everyone."""

import contextvars
import re
from datetime import date, datetime, timezone

import pytest
from flask import g

from cases.accounts.models import StaffUser
from cases.actions import rules
from cases.actions.service import decide_action, keep_white_list, propose_action, propose_lift
from cases.escalation import scan_deadlines
from cases.models import Case
from cases.templating import days_left
from tests.cases.conftest import HAIDIAN, post_form
from tipline import timeutil
from tipline.extensions import db
from tipline.timeutil import app_today, local_to_utc, time_zones

# 2026-11-30 01:30 in Beijing, when the UTC date is still the 29th.
EARLY_BEIJING = datetime(2026, 11, 29, 17, 30)
SHANGHAI, LONDON, NEW_YORK = "2026年11月30日 01:30:00", "2026年11月29日 17:30:00", "2026年11月29日 12:30:00"
SELECTED = re.compile(r'<option (?=[^>]*\bselected\b)[^>]*value="([^"]*)"')


@pytest.fixture
def clock(monkeypatch):
    """Set the app's clock (tipline.timeutil) to a naive UTC moment, for every caller of utcnow."""

    def set_to(moment):
        class Frozen(datetime):
            @classmethod
            def now(cls, tz=None):
                aware = moment.replace(tzinfo=timezone.utc)
                return aware.astimezone(tz) if tz else aware.replace(tzinfo=None)

        monkeypatch.setattr(timeutil, "datetime", Frozen)

    return set_to


@pytest.fixture
def case_and_staff(make_platform, file_tip, make_staff):
    case = file_tip(make_platform(region_code=HAIDIAN), "game_ads").case  # lead: cyberspace
    return case, make_staff("officer", "cyberspace", HAIDIAN), make_staff("supervisor", "cyberspace", "110000")


def choose_zone(client, zone):
    return post_form(client, "/staff/account", "/staff/account/time-zone", {"zone-time_zone": zone})


def selected_zone(page):
    """The zone the account page's list shows as chosen."""
    return SELECTED.findall(page.split('id="zone-time_zone"')[1].split("</select>")[0])


def test_today_is_the_beijing_date(app):
    assert app_today(EARLY_BEIJING) == date(2026, 11, 30)
    assert app_today(datetime(2026, 11, 29, 15, 59)) == date(2026, 11, 29)  # 23:59 in Beijing


def test_an_action_without_a_start_date_starts_on_the_beijing_day(app, clock, case_and_staff):
    case, officer, supervisor = case_and_staff
    clock(EARLY_BEIJING)
    action = propose_action(case, officer, rules.TEMPORARY_OFFLINE, "依据", public_reason="公开理由")
    assert action.starts_on == date(2026, 11, 30)
    decide_action(action, supervisor, approve=True)
    assert case.platform.enforcement_status == rules.OFFLINE
    assert propose_lift(action, officer, "整改完成", public_reason="解除的公开理由").starts_on == date(2026, 11, 30)


def test_an_action_starting_on_a_beijing_day_is_in_force_from_its_first_hour(app, clock, case_and_staff):
    case, officer, supervisor = case_and_staff
    clock(EARLY_BEIJING)
    action = propose_action(
        case, officer, rules.SUSPEND_UPDATES, "依据", starts_on=date(2026, 11, 30), public_reason="公开理由"
    )
    decide_action(action, supervisor, approve=True)
    assert case.platform.enforcement_status == rules.UPDATES_SUSPENDED


def test_the_scans_count_beijing_days(app, clock, case_and_staff):
    case, officer, supervisor = case_and_staff
    clock(datetime(2026, 11, 29, 10, 0))  # 18:00 on the 29th in Beijing
    starting = propose_action(
        case, officer, rules.SUSPEND_UPDATES, "依据", starts_on=date(2026, 11, 30), public_reason="公开理由"
    )
    rectification = propose_action(
        case, officer, rules.RECTIFICATION, "依据", deadline_on=date(2026, 12, 1), public_reason="公开理由"
    )
    for action in (starting, rectification):
        decide_action(action, supervisor, approve=True)
    assert case.platform.enforcement_status == rules.RECTIFYING  # the suspension starts tomorrow
    assert scan_deadlines(datetime(2026, 11, 29, 15, 59))["started"] == 0
    assert scan_deadlines(EARLY_BEIJING)["started"] == 1
    assert case.platform.enforcement_status == rules.UPDATES_SUSPENDED
    # The deadline is the whole of 1 December in Beijing: the review is asked for once it is over there.
    assert scan_deadlines(datetime(2026, 12, 1, 15, 59))["reviews"] == 0
    assert scan_deadlines(datetime(2026, 12, 1, 16, 0))["reviews"] == 1


def test_days_left_counts_calendar_days(app):
    today = date(2026, 11, 30)
    assert days_left(date(2026, 11, 30), today) == "today"
    assert days_left(date(2026, 12, 1), today) == "tomorrow"
    assert days_left(date(2026, 12, 3), today) == "in 3 days"
    assert days_left(date(2026, 11, 29), today) == "1 day overdue"
    assert days_left(date(2026, 11, 28), today) == "2 days overdue"
    assert days_left(None, today) == ""


def test_days_left_counts_from_the_beijing_today(app, clock):
    clock(EARLY_BEIJING)
    assert days_left(date(2026, 11, 30)) == "today"


def test_the_platform_page_counts_down_to_a_rectification_deadline(app, clock, case_and_staff, staff_client):
    case, officer, supervisor = case_and_staff
    clock(EARLY_BEIJING)
    action = propose_action(
        case, officer, rules.RECTIFICATION, "依据", deadline_on=date(2026, 12, 3), public_reason="公开理由"
    )
    decide_action(action, supervisor, approve=True)
    db.session.commit()
    client = staff_client(officer)
    client.set_cookie("lang", "en")
    assert "(in 3 days)" in client.get(f"/staff/platforms/{case.platform_id}").get_data(as_text=True)


def test_the_account_page_offers_every_zone_with_the_default_first(make_staff, staff_client):
    page = staff_client(make_staff()).get("/staff/account").get_data(as_text=True)
    assert selected_zone(page) == ["Asia/Shanghai"]
    values = re.findall(r'value="([^"]*)"', page.split('id="zone-time_zone"')[1].split("</select>")[0])
    assert values[0] == "Asia/Shanghai" and sorted(values[1:]) == values[1:]
    assert set(values) == set(time_zones()) and "localtime" not in values


def test_staff_pages_show_times_in_the_chosen_zone(app, make_platform, file_tip, make_staff, staff_client):
    user = make_staff("officer", "cyberspace", HAIDIAN)
    tip = file_tip(make_platform(region_code=HAIDIAN), "game_ads")
    case = db.session.get(Case, tip.case_id)
    case.deadline_at = tip.created_at = EARLY_BEIJING
    db.session.commit()
    client = staff_client(user)
    assert SHANGHAI in client.get("/staff/").get_data(as_text=True)

    answer = choose_zone(client, "Europe/London")
    assert answer.status_code == 302
    assert db.session.get(StaffUser, user.id).time_zone == "Europe/London"
    for page in ("/staff/", f"/staff/cases/{case.id}"):
        text = client.get(page).get_data(as_text=True)
        assert LONDON in text and SHANGHAI not in text, page
    assert selected_zone(client.get("/staff/account").get_data(as_text=True)) == ["Europe/London"]

    assert choose_zone(client, "America/New_York").status_code == 302
    assert NEW_YORK in client.get("/staff/").get_data(as_text=True)
    # Another member of staff, and a signed-out reader, still see Beijing time.
    other = staff_client(make_staff("officer", "cyberspace", HAIDIAN))
    assert SHANGHAI in other.get("/staff/").get_data(as_text=True)

    # Choosing the app's zone again stores none: the account follows the app.
    assert choose_zone(client, "Asia/Shanghai").status_code == 302
    assert db.session.get(StaffUser, user.id).time_zone is None
    assert SHANGHAI in client.get("/staff/").get_data(as_text=True)


def test_public_pages_keep_beijing_time_for_signed_in_staff(app, make_platform, make_staff, staff_client):
    platform = make_platform(region_code=HAIDIAN)
    supervisor = make_staff("supervisor", "cyberspace", "110000")
    entry = keep_white_list(platform, supervisor, "white", reason="复核良好", public_reason="复核良好")
    entry.created_at = EARLY_BEIJING
    db.session.commit()
    client = staff_client(supervisor)
    assert choose_zone(client, "Europe/London").status_code == 302
    assert LONDON in client.get(f"/staff/platforms/{platform.id}").get_data(as_text=True)
    public = client.get(f"/platforms/{platform.id}").get_data(as_text=True)
    assert SHANGHAI in public and LONDON not in public


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "localtime", ""])
def test_a_zone_not_in_the_list_is_refused(make_staff, staff_client, zone):
    user = make_staff()
    client = staff_client(user)
    assert choose_zone(client, "Europe/London").status_code == 302
    answer = choose_zone(client, zone)
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert 'id="error-summary"' in page and 'aria-invalid="true"' in page
    # In the page's language (Chinese by default).
    assert (f"“{zone}”不是列表中的时区" if zone else "请从列表中选择时区。") in page
    # The list still shows the zone the account has; nothing was changed.
    assert selected_zone(page) == ["Europe/London"]
    assert db.session.get(StaffUser, user.id).time_zone == "Europe/London"


def in_request(app, path, work, time_zone=None):
    """Run `work` in a request of its own, as if its surface had chosen `time_zone`."""

    def run():
        with app.test_request_context(path):
            if time_zone:
                g.time_zone = time_zone
            return work()

    return contextvars.Context().run(run)


def test_typed_times_are_read_in_the_page_zone(app):
    typed = datetime(2026, 11, 30, 1, 30)
    assert in_request(app, "/report", lambda: local_to_utc(typed)) == EARLY_BEIJING
    assert in_request(app, "/staff/", lambda: local_to_utc(typed), time_zone="Europe/London") == typed
