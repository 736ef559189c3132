"""Actions on a platform in a real browser: every action type proposed, approved and, where it lasts, lifted.

An officer of the cyberspace department in Haidian proposes each action type of
cases.actions.rules on a case's page; a supervisor of the same department in
Beijing (another browser) approves it there; the platform's public page, read
in Chinese, shows the enforcement status that rules.STATUS_EFFECT gives it.
Each lasting action (rules.LIFTABLE) is lifted at once, the same way, so only
one action is ever in force and the public status comes back to Normal. The
black list shows its badge and public reason while in force.

The second test runs the rectification deadline on a clock of the test's own:
cases.escalation.scan_deadlines(now) asks the education department for a
review and makes it co-handle the case. An education officer records the
review as failed, which changes nothing yet; a second person, an education
supervisor, confirms it, and only then the next stronger action is proposed.
A later scan, past the case's own deadline, escalates the case into the
Escalated work queue.

PostgreSQL only, headless Debian Chromium; staff pages in English, the public page in Chinese.
"""

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from cases.actions import rules
from cases.actions.models import Action
from cases.escalation import scan_deadlines
from cases.models import Case
from tests.browser.conftest import sign_in_staff
from tipline.extensions import db
from tipline.reports.service import TipSubmission, submit_tip
from tipline.timeutil import app_today, day_start

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database", ["postgresql"], indirect=True),
]

BEIJING, HAIDIAN = "110000", "110108"
PLATFORM = "晨光网校"
TIP = "孩子上直播英语课时，课程页面多次弹出网络游戏广告，点击后跳转到游戏下载页面。"
LEGAL_BASIS = "《未成年人保护法》第七十四条：网络产品不得向未成年人推送与教学无关的广告。"
LIFT_BASIS = "经复查，平台已整改完毕，符合解除条件。"
BLACKLIST_BASIS = "多次向未成年人推送网络游戏广告，经约谈、整改仍未改正，列入黑名单。"
REVIEW_NOTE = "复查发现课程页面仍有游戏弹窗广告，整改未完成。"
PUBLIC_REASON = "平台在直播课程页面向未成年人推送网络游戏广告。"
LIFT_PUBLIC_REASON = "平台已整改完毕，解除处置。"

# The public page in Chinese (zh_Hans catalog): enforcement statuses, action types, lists.
PUBLIC_STATUS = {
    rules.NORMAL: "正常",
    rules.RECTIFYING: "整改中",
    rules.UPDATES_SUSPENDED: "暂停更新中",
    rules.OFFLINE: "暂时下线",
    rules.DELISTED: "已下架",
}
PUBLIC_TYPE = {
    rules.INTERVIEW: "约谈",
    rules.RECTIFICATION: "限期整改",
    rules.SUSPEND_UPDATES: "暂停更新",
    rules.TEMPORARY_OFFLINE: "暂时下线",
    rules.DELISTING: "下架",
    rules.REMOVE_WHITE: "移出白名单",
    rules.BLACKLIST: "列入黑名单",
    rules.REFERRAL: "移送查处",
}
PUBLIC_LIST = {"none": "未列入名单", "white": "白名单", "black": "黑名单"}

# The staff pages in English.
STAFF_STATUS = {
    rules.NORMAL: "Normal",
    rules.RECTIFYING: "Rectifying",
    rules.UPDATES_SUSPENDED: "Updates suspended",
    rules.OFFLINE: "Temporarily offline",
    rules.DELISTED: "Delisted",
}
STAFF_TYPE = {
    rules.INTERVIEW: "Interview (formal warning)",
    rules.RECTIFICATION: "Rectification within a deadline",
    rules.SUSPEND_UPDATES: "Suspension of updates",
    rules.TEMPORARY_OFFLINE: "Temporary offline",
    rules.DELISTING: "Delisting (taken off the shelf)",
    rules.REMOVE_WHITE: "Removal from the white list",
    rules.BLACKLIST: "Placing on the black list",
    rules.REFERRAL: "Referral for investigation and penalty",
}


@pytest.fixture
def staff(make_staff):
    """A case officer of the cyberspace department in Haidian, their supervisor in Beijing, an education
    officer in Haidian and an education supervisor in Beijing (the two people of a rectification review)."""
    return {
        "officer": make_staff("officer", "cyberspace", HAIDIAN),
        "supervisor": make_staff("supervisor", "cyberspace", BEIJING),
        "education": make_staff("officer", "education", HAIDIAN),
        "education_supervisor": make_staff("supervisor", "education", BEIJING),
    }


@pytest.fixture
def case(make_platform):
    """A white-listed registry platform in Haidian, and the case a parent's tip about game ads opens on it."""
    platform = make_platform(name=PLATFORM, region_code=HAIDIAN, list_status="white")
    tip, _code = submit_tip(
        TipSubmission(
            platform_id=platform.id,
            platform_name=platform.name,
            category="game_ads",
            location="popup",
            description=TIP,
            reporter_type="parent",
            locale="zh",
            client="203.0.113.40",
        ),
        [],
    )
    db.session.commit()
    case = tip.case
    assert (case.platform_id, case.region_code, case.lead_department) == (platform.id, HAIDIAN, "cyberspace")
    return case


def submit_button(form):
    return form.locator("[type=submit][name$=submit]")


def sign_in(page, base, user):
    """A member of staff's own browser, in English, signed in."""
    pg = page(language="en")
    sign_in_staff(pg, base, user)
    return pg


def open_case(pg, base, case_id):
    pg.goto(f"{base}/staff/cases/{case_id}")
    expect(pg.get_by_role("heading", level=1)).to_contain_text(f"Case #{case_id}")
    return pg.locator("section[aria-labelledby=actions-title]")


def propose(pg, base, case_id, action_type, legal_basis=LEGAL_BASIS, deadline_on=None):
    """The officer proposes an action on the case page; returns the new action's id."""
    section = open_case(pg, base, case_id)
    section.locator("details.propose > summary").click()  # folded away until wanted
    form = section.locator(f"form[action*='/cases/{case_id}/actions']")
    form.locator("select[name=action-type]").select_option(action_type)
    form.locator("textarea[name=action-legal_basis]").fill(legal_basis)
    form.locator("textarea[name=action-public_reason]").fill(PUBLIC_REASON)
    form.locator("textarea[name=action-details]").fill(f"Proposed in the browser test: {action_type}.")
    if deadline_on:
        form.locator("input[name=action-deadline_on]").fill(deadline_on.isoformat())
    form.locator("[name=action-submit]").click()
    expect(pg).to_have_url(f"{base}/staff/cases/{case_id}#actions")
    expect(pg.get_by_role("status")).to_contain_text("The action is proposed and waits for a supervisor's decision.")
    item = section.locator("ul.actions-list > li").last
    expect(item.locator("strong").first).to_have_text(STAFF_TYPE[action_type])
    expect(item.locator(".badge")).to_have_text("Awaiting approval")
    if deadline_on:
        # Written in the page's language (English here), like every date.
        expect(item).to_contain_text(f"deadline {deadline_on:%b} {deadline_on.day}, {deadline_on.year}")
    return int(item.get_attribute("id").removeprefix("action-"))


def approve(pg, base, case_id, action_id, reason):
    """The supervisor approves a proposed action (or lifting) on the case page."""
    section = open_case(pg, base, case_id)
    item = section.locator(f"li#action-{action_id}")
    expect(item.locator(".badge")).to_have_text("Awaiting approval")
    form = item.locator(f"form[action*='/actions/{action_id}/decide']")
    form.locator("textarea[name=decision-reason]").fill(reason)
    form.locator("button[name=decision-decision][value=approve]").click()
    expect(pg).to_have_url(f"{base}/staff/cases/{case_id}#actions")
    expect(pg.get_by_role("status")).to_contain_text("Decision recorded.")
    expect(item.locator(f"form[action*='/actions/{action_id}/decide']")).to_have_count(0)
    expect(item).to_contain_text(f"Decision: {reason}")
    return item


def propose_lift(pg, base, case_id, action_id, action_type):
    """The officer proposes lifting an action in force; returns the lifting's id."""
    section = open_case(pg, base, case_id)
    item = section.locator(f"li#action-{action_id}")
    item.locator("summary").filter(has_text="Propose lifting").click()
    form = item.locator(f"form[action*='/actions/{action_id}/lift']")
    form.locator("textarea[name=lift-legal_basis]").fill(LIFT_BASIS)
    form.locator("textarea[name=lift-public_reason]").fill(LIFT_PUBLIC_REASON)
    form.locator("[name=lift-submit]").click()
    expect(pg).to_have_url(f"{base}/staff/cases/{case_id}#actions")
    expect(pg.get_by_role("status")).to_contain_text("Lifting is proposed and waits for a supervisor's decision.")
    lifting = section.locator("ul.actions-list > li").last
    expect(lifting.locator("strong").first).to_have_text(f"Lifting: {STAFF_TYPE[action_type]}")
    expect(lifting.locator(".badge")).to_have_text("Awaiting approval")
    return int(lifting.get_attribute("id").removeprefix("action-"))


def public_page(pg, base, platform_id):
    """The platform's public page, in Chinese; returns the enforcement status element."""
    pg.goto(f"{base}/platforms/{platform_id}")
    expect(pg.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(pg.get_by_role("heading", level=1)).to_contain_text(PLATFORM)
    return pg.get_by_test_id("enforcement-status")


def section_list(pg, heading):
    """The list that follows a heading of the public page."""
    return pg.get_by_role("heading", level=2, name=heading).locator("xpath=following-sibling::ul[1]")


def scan(now):
    """The deadline scans on the test's clock, committed as the worker commits; (escalated, reviews requested)."""
    result = scan_deadlines(now)
    db.session.commit()
    return result["escalated"], result["reviews"]


def test_every_action_type_is_approved_shown_publicly_and_lifted(live_server, staff, case, page):
    base, case_id, platform_id = live_server, case.id, case.platform_id
    officer = sign_in(page, base, staff["officer"])
    supervisor = sign_in(page, base, staff["supervisor"])
    public = page(language="zh-CN")

    status = public_page(public, base, platform_id)
    expect(status).to_have_text(PUBLIC_STATUS[rules.NORMAL])
    expect(public.locator(".badge.list-white")).to_have_text(PUBLIC_LIST["white"])
    expect(public.get_by_role("heading", name="正在执行的处置措施")).to_have_count(0)

    deadline = app_today() + timedelta(days=30)
    for action_type in rules.ACTION_TYPES:
        lasting = action_type in rules.LIFTABLE
        basis = BLACKLIST_BASIS if action_type == rules.BLACKLIST else LEGAL_BASIS
        action_id = propose(
            officer,
            base,
            case_id,
            action_type,
            legal_basis=basis,
            deadline_on=deadline if action_type == rules.RECTIFICATION else None,
        )
        first_lasting = action_type == rules.RECTIFICATION
        if first_lasting:  # nothing changes on the public page while an action waits for approval
            expect(public_page(public, base, platform_id)).to_have_text(PUBLIC_STATUS[rules.NORMAL])

        item = approve(supervisor, base, case_id, action_id, f"Approved: {action_type}.")
        effect = rules.STATUS_EFFECT[action_type] or rules.NORMAL
        expect(item.locator(".badge")).to_have_text("In force" if lasting else "Ended")
        expect(supervisor.locator("[data-testid=enforcement-status]")).to_have_text(STAFF_STATUS[effect])
        expect(supervisor.locator("section[aria-labelledby=timeline-title] ol.timeline > li").first).to_contain_text(
            f"Action approved and in effect: {STAFF_TYPE[action_type]}."
        )

        status = public_page(public, base, platform_id)
        expect(status, f"{action_type} in force").to_have_text(PUBLIC_STATUS[effect])
        past = section_list(public, "以往处置措施")
        if lasting:
            in_force = section_list(public, "正在执行的处置措施").locator("li")
            expect(in_force).to_have_count(1)
            expect(in_force.first).to_contain_text(PUBLIC_TYPE[action_type])
            if action_type == rules.RECTIFICATION:
                expect(in_force.first).to_contain_text(f"整改期限 {deadline.year}年{deadline.month}月{deadline.day}日")
        else:
            # Done once taken: listed among the past actions at once, nothing in force.
            expect(public.get_by_role("heading", name="正在执行的处置措施")).to_have_count(0)
            expect(past.locator("li").first).to_contain_text(PUBLIC_TYPE[action_type])
        if action_type == rules.REMOVE_WHITE:
            expect(public.locator(".badge.list-none")).to_have_text(PUBLIC_LIST["none"])
        if action_type == rules.BLACKLIST:
            expect(public.locator(".badge.list-black")).to_have_text(PUBLIC_LIST["black"])
            history = section_list(public, "黑白名单记录").locator("li")
            # The list history says what the action's public reason says, rather than its legal basis.
            expect(history.first).to_contain_text(f"{PUBLIC_LIST['black']} · {PUBLIC_REASON}")
        if not lasting:
            continue

        lift_id = propose_lift(officer, base, case_id, action_id, action_type)
        if first_lasting:  # still in force until the supervisor approves the lifting
            expect(public_page(public, base, platform_id)).to_have_text(PUBLIC_STATUS[effect])
        approve(supervisor, base, case_id, lift_id, f"Lifting approved: {action_type}.")
        lifted = supervisor.locator(f"li#action-{action_id}")
        expect(lifted.locator(".badge")).to_have_text("Ended")
        expect(lifted.locator("details")).to_have_count(0)  # nothing left to lift
        expect(supervisor.locator("[data-testid=enforcement-status]")).to_have_text(STAFF_STATUS[rules.NORMAL])
        expect(supervisor.locator("section[aria-labelledby=timeline-title] ol.timeline > li").first).to_contain_text(
            f"Action lifted: {STAFF_TYPE[action_type]}."
        )

        status = public_page(public, base, platform_id)
        expect(status, f"{action_type} lifted").to_have_text(PUBLIC_STATUS[rules.NORMAL])
        expect(public.get_by_role("heading", name="正在执行的处置措施")).to_have_count(0)
        last_past = section_list(public, "以往处置措施").locator("li").first
        expect(last_past).to_contain_text(PUBLIC_TYPE[action_type])
        expect(last_past).to_contain_text("已解除")
        if action_type == rules.BLACKLIST:
            expect(public.locator(".badge.list-black")).to_have_count(0)
            expect(public.locator(".badge.list-none")).to_have_text(PUBLIC_LIST["none"])
            history = section_list(public, "黑白名单记录").locator("li")
            expect(history.first).to_contain_text(f"{PUBLIC_LIST['none']} · {LIFT_PUBLIC_REASON}")
            expect(history.first).not_to_contain_text(BLACKLIST_BASIS)

    # Every type is on the public record once, as a past action; the lifting proposals are not.
    past = section_list(public, "以往处置措施").locator("li")
    expect(past).to_have_count(len(rules.ACTION_TYPES))
    # The public enforcement record lists every approved action and lifting with its public reason,
    # and none of the supervisors' decision reasons.
    public.goto(f"{base}/platforms/actions")
    record = public.get_by_test_id("enforcement-record")
    expect(record.locator("tbody > tr")).to_have_count(len(rules.ACTION_TYPES) + len(rules.LIFTABLE))
    expect(record.locator("tbody > tr", has_text=PUBLIC_REASON)).to_have_count(len(rules.ACTION_TYPES))
    expect(record.locator("tbody > tr", has_text=LIFT_PUBLIC_REASON)).to_have_count(len(rules.LIFTABLE))
    expect(record).not_to_contain_text("Approved:")
    db.session.expire_all()
    actions = db.session.scalars(select(Action).where(Action.case_id == case_id)).all()
    assert len(actions) == len(rules.ACTION_TYPES) + len(rules.LIFTABLE)
    assert {a.state for a in actions} == {rules.ENDED}


def test_failed_rectification_review_escalates_and_overdue_case_is_escalated(live_server, staff, case, page):
    base, case_id = live_server, case.id
    officer = sign_in(page, base, staff["officer"])
    supervisor = sign_in(page, base, staff["supervisor"])

    # A rectification due tomorrow, approved.
    deadline = app_today() + timedelta(days=1)
    rectification_id = propose(officer, base, case_id, rules.RECTIFICATION, deadline_on=deadline)
    approve(supervisor, base, case_id, rectification_id, "Rectify by tomorrow.")

    # The clock of the test: the Beijing day after the deadline as it begins (in UTC, as the scans read the
    # clock), still before the case's own deadline whatever the hour the test runs at.
    db.session.expire_all()
    case_deadline = db.session.get(Case, case_id).deadline_at
    after_rectification = day_start(deadline + timedelta(days=1))
    assert after_rectification < case_deadline, (after_rectification, case_deadline)
    assert scan(after_rectification - timedelta(days=1)) == (0, 0)
    assert scan(after_rectification) == (0, 1)  # (escalated cases, reviews requested)
    assert scan(after_rectification) == (0, 0)  # once only

    # The education department sees the request, now co-handles the case, and records a failed review.
    education = sign_in(page, base, staff["education"])
    section = open_case(education, base, case_id)
    timeline = education.locator("section[aria-labelledby=timeline-title] ol.timeline > li")
    expect(timeline.first).to_contain_text(
        "The rectification deadline has passed: the education department is asked to review it."
    )
    expect(timeline.first).to_contain_text("System")
    expect(timeline.nth(1)).to_contain_text(
        "The education department now co-handles the case, to review the rectification."
    )
    tasks = education.locator("section[aria-labelledby=tasks-title] ul.tasks > li")
    expect(tasks.filter(has_text="Review the rectification")).to_contain_text("Education department")
    item = section.locator(f"li#action-{rectification_id}")
    review = item.locator(f"form[action*='/actions/{rectification_id}/review']")
    expect(review).to_be_visible()
    expect(review.locator("button[name=review-outcome][value=passed]")).to_have_text("Rectified: renew the filing")
    expect(section.locator(f"form[action*='/cases/{case_id}/actions']")).to_have_count(1)  # co-handling now
    review.locator("textarea[name=review-note]").fill(REVIEW_NOTE)
    review.locator("button[name=review-outcome][value=failed]").click()
    expect(education).to_have_url(f"{base}/staff/cases/{case_id}#actions")
    expect(education.get_by_role("status")).to_contain_text(
        "Review recorded. It takes effect once a second supervisor of the education department confirms it."
    )
    # Recorded, not applied: still in force, nothing proposed, and no second review or confirmation for them.
    expect(item.locator(".badge")).to_have_text("In force")
    expect(item.get_by_test_id("review-pending")).to_contain_text("Not rectified: escalate")
    expect(item.locator(f"form[action*='/actions/{rectification_id}/review']")).to_have_count(0)
    expect(section.locator("ul.actions-list > li")).to_have_count(1)
    expect(timeline.first).to_contain_text("Rectification review recorded: Not rectified: escalate.")

    # A second person, an education supervisor, confirms it: now the stronger action is proposed.
    second = sign_in(page, base, staff["education_supervisor"])
    section = open_case(second, base, case_id)
    item = section.locator(f"li#action-{rectification_id}")
    expect(item.get_by_test_id("review-pending")).to_contain_text(REVIEW_NOTE)
    confirm = item.locator(f"form[action*='/actions/{rectification_id}/review/confirm']")
    expect(confirm).to_be_visible()
    confirm.locator("button[name=confirm-decision][value=agree]").click()
    expect(second).to_have_url(f"{base}/staff/cases/{case_id}#actions")
    expect(second.get_by_role("status")).to_contain_text("Review confirmed.")
    expect(item.locator(".badge")).to_have_text("Ended")
    expect(item.locator("form")).to_have_count(0)
    expect(item).to_contain_text("Reviewed by")
    timeline = second.locator("section[aria-labelledby=timeline-title] ol.timeline > li")
    stronger = section.locator("ul.actions-list > li").last
    expect(stronger.locator("strong").first).to_have_text(STAFF_TYPE[rules.SUSPEND_UPDATES])
    expect(stronger.locator(".badge")).to_have_text("Awaiting approval")
    expect(stronger).to_contain_text("Cyberspace department")  # the lead department decides it
    expect(stronger.locator("blockquote")).to_contain_text(REVIEW_NOTE)
    # Its public reason is written for it, from the rectification's; the review note stays internal.
    expect(stronger.locator(".public-reason")).to_contain_text(PUBLIC_REASON)
    expect(stronger.locator(".public-reason")).not_to_contain_text(REVIEW_NOTE)
    expect(timeline.first).to_contain_text("Rectification review failed; a stronger action is proposed.")
    expect(section.locator("[data-testid=enforcement-status]")).to_have_text(STAFF_STATUS[rules.NORMAL])

    # The cyberspace supervisor may decide the proposed suspension.
    section = open_case(supervisor, base, case_id)
    stronger_id = int(section.locator("ul.actions-list > li").last.get_attribute("id").removeprefix("action-"))
    expect(section.locator(f"li#action-{stronger_id} form[action*='/actions/{stronger_id}/decide']")).to_have_count(1)

    # Later, past the case's own deadline: the case is escalated, once.
    past_case_deadline = case_deadline + timedelta(hours=1)
    assert scan(past_case_deadline) == (1, 0)
    assert scan(past_case_deadline) == (0, 0)

    supervisor.goto(base + "/staff/?scope=escalated")
    expect(supervisor.locator("nav.tabs a[aria-current=page]")).to_have_text("Escalated")
    rows = supervisor.locator("table.queue tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("th a")).to_have_text(f"#{case_id}")
    # The first cell holds the tick box of bulk changes.
    expect(rows.first.locator("td").nth(1).locator(".badge", has_text="Escalated")).to_have_count(1)
    expect(rows.first.locator("td").nth(2)).to_contain_text(PLATFORM)
    rows.first.get_by_role("link", name=f"#{case_id}").click()
    expect(supervisor).to_have_url(f"{base}/staff/cases/{case_id}")
    expect(supervisor.locator("section.summary")).to_contain_text("Escalated")
    timeline = supervisor.locator("section[aria-labelledby=timeline-title] ol.timeline > li")
    expect(timeline.first).to_contain_text("Escalated to")
    expect(timeline.first).to_contain_text("Past the deadline of its state")

    db.session.expire_all()
    escalated = db.session.get(Case, case_id)
    assert escalated.escalated and escalated.state == "new"
    assert db.session.get(Action, rectification_id).end_reason == "escalated"
    assert db.session.get(Action, stronger_id).state == rules.PROPOSED
