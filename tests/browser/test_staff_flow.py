"""Both sides in a real browser: reporters, the junk tray, triage, and two departments on one case.

Two parents report the same platform and problem; their tips are found together
in one case. A spam report lands in the junk tray. An intake officer of the
cyberspace department triages the case with the education department as
co-handler; an education officer writes an internal note and a message to the
first reporter, who reads it with the receipt code and answers.

Reporters count as independent by their client address (cases.priority.
independent_reporters). The live server sees every browser as 127.0.0.1, so the
main test runs the app as deployed behind one trusted reverse proxy
(TRUSTED_PROXIES=1) and gives each reporter's browser an address of its own in
X-Forwarded-For; the second test shows that without that, two reports from one
address are not announced as "others reported the same problem".

PostgreSQL only, headless Debian Chromium; reporters browse in Chinese, staff in English.
"""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from cases.models import Case
from tests.browser.conftest import sign_in_staff
from tipline.extensions import db
from tipline.platforms.models import Platform
from tipline.reports.models import Tip
from tipline.reports.service import find_tip

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database", ["postgresql"], indirect=True),
]

BEIJING, HAIDIAN = "110000", "110108"
PLATFORM = "星火学堂"  # demo filing list: Haidian, Beijing
CROCKFORD = "[0-9A-HJKMNP-TV-Z]"
RECEIPT_CODE = re.compile(rf"^{CROCKFORD}{{4}}(-{CROCKFORD}{{4}}){{5}}$")

FIRST_TIP = "孩子上直播数学课时，课程页面弹出网络游戏广告，点击后跳转到游戏下载页面。"
SECOND_TIP = "我家孩子在录播课中间也看到了网络游戏的弹窗广告，关掉之后又会出现。"
SPAM = "Cheap fitness gym membership! https://fit.example/deal"
NOTE = "Internal: the operator's compliance desk was phoned on Monday, ref EDU-4471."
MESSAGE = "您好，请问广告出现在哪个年级的课程中？大约在课程开始后多久出现？"
ANSWER = "三年级数学直播课，每节课开始后十分钟左右出现，已连续出现一周。"


@pytest.fixture
def app_config(app_config):
    """As deployed: behind one reverse proxy whose X-Forwarded-For the app trusts."""
    return {**app_config, "TRUSTED_PROXIES": 1}


@pytest.fixture
def staff(make_staff):
    """An intake officer of the cyberspace department (Beijing) and a case officer of education (Haidian)."""
    return {
        "intake": make_staff("intake", "cyberspace", BEIJING),
        "officer": make_staff("officer", "education", HAIDIAN),
    }


def platform_id(name):
    return db.session.scalars(select(Platform.id).where(Platform.name == name)).one()


def submit_button(form):
    return form.locator("[type=submit][name$=submit]")


def reporter(page, address):
    """A reporter's own browser (Chinese), reaching the app from `address` through the proxy."""
    pg = page(language="zh-CN")
    if address:
        pg.set_extra_http_headers({"X-Forwarded-For": address})
    return pg


def send_report(pg, base, platform, category, description, location="popup"):
    """Fill /report for a registry platform; returns the receipt page's code (the page stays on the receipt)."""
    pg.goto(f"{base}/report?platform={platform}")
    expect(pg.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(pg.locator("#platform_id")).to_have_value(str(platform))
    expect(pg.locator("#platform-chosen")).to_contain_text(PLATFORM)
    form = pg.locator("form.report-form")
    form.locator("#category").select_option(category)
    form.locator("#location").select_option(location)
    form.locator("#description").fill(description)
    with pg.expect_navigation(url=f"{base}/report/receipt"):
        submit_button(form).click()
    expect(pg.get_by_role("heading", level=1)).to_have_text("谢谢您，我们已收到您的举报。")
    code = pg.get_by_test_id("receipt-code").inner_text().strip()
    assert RECEIPT_CODE.match(code), code
    return code


def sign_in(pg, base, user):
    sign_in_staff(pg, base, user)
    expect(pg.get_by_role("heading", level=1)).to_have_text("Work queue")


def open_tracking(pg, base, code):
    pg.goto(base + "/track")
    form = pg.locator("form[action$='/track']")
    form.locator("#code").fill(code)
    submit_button(form).click()
    expect(pg).to_have_url(base + "/track/tip")


def test_two_reporters_junk_and_two_departments_on_one_case(live_server, demo_platforms, staff, page):
    base = live_server
    xinghuo = platform_id(PLATFORM)

    # 1. Two parents, each from an address of their own, report the same platform and problem.
    first = reporter(page, "203.0.113.10")
    first_code = send_report(first, base, xinghuo, "game_ads", FIRST_TIP)
    expect(first.locator(".receipt .notice")).to_have_count(0)  # the first one alone: nothing joined

    second = reporter(page, "203.0.113.20")
    second.goto(f"{base}/report?platform={xinghuo}")
    second.locator("#category").select_option("game_ads")
    covered = second.locator("#covered-notice")
    expect(covered).to_be_visible()  # the form tells the second reporter before sending
    expect(covered).to_contain_text("该平台的同一问题已有在办案件：已有 1 人举报")
    second_code = send_report(second, base, xinghuo, "game_ads", SECOND_TIP, location="recorded")
    joined = second.locator(".receipt .notice")
    expect(joined).to_be_visible()
    expect(joined).to_contain_text("已有其他人举报了该平台的同一问题")
    expect(joined).to_contain_text("目前共 2 人举报")
    assert second_code != first_code

    # 2. Spam about the same platform and problem, from a third address, is set aside.
    spammer = reporter(page, "203.0.113.30")
    spam_code = send_report(spammer, base, xinghuo, "game_ads", SPAM)
    expect(spammer.locator(".receipt .notice")).to_have_count(0)  # junk joins no case

    db.session.expire_all()
    first_tip, second_tip, spam_tip = (find_tip(code) for code in (first_code, second_code, spam_code))
    assert first_tip.case_id is not None and first_tip.case_id == second_tip.case_id
    assert (spam_tip.case_id, spam_tip.junk_status) == (None, "suspected")
    case_id = first_tip.case_id

    intake = page(language="en")
    sign_in(intake, base, staff["intake"])
    intake.get_by_role("navigation", name="Main").get_by_role("link", name="Junk tray").click()
    expect(intake).to_have_url(base + "/staff/junk")
    tray = intake.locator("main article.card")
    expect(tray).to_have_count(1)
    spam_card = intake.locator(f"article#tip-{spam_tip.id}")
    expect(spam_card.locator("blockquote")).to_have_text(SPAM)
    expect(spam_card).to_contain_text("Looks like an advert unrelated to minors or lessons")
    expect(spam_card.locator(f"form[action$='/junk/{spam_tip.id}/release']")).to_have_count(1)

    # 3. The work queue: one open case holds both genuine tips; triage it.
    intake.get_by_role("navigation", name="Main").get_by_role("link", name="Work queue").click()
    rows = intake.locator("table.queue tbody tr")
    expect(rows).to_have_count(1)
    row = rows.first
    expect(row.locator("td").nth(2)).to_contain_text(PLATFORM)
    expect(row.locator("td").nth(2)).to_contain_text("Online game advertising")
    expect(row.locator("td").nth(3)).to_have_text("2")  # Reports
    expect(row.locator("td").nth(4)).to_have_text("New: waiting for triage")
    row.get_by_role("link", name=f"#{case_id}").click()
    expect(intake).to_have_url(f"{base}/staff/cases/{case_id}")
    expect(intake.locator("#tips-title")).to_have_text("2 reports")
    expect(intake.locator("article.tip")).to_have_count(2)
    expect(intake.locator(f"article#tip-{first_tip.id} blockquote")).to_have_text(FIRST_TIP)
    expect(intake.locator(f"article#tip-{second_tip.id} blockquote")).to_have_text(SECOND_TIP)
    expect(intake.get_by_text(SPAM)).to_have_count(0)

    triage = intake.locator(f"form[action$='/cases/{case_id}/triage']")
    triage.locator("select[name=triage-lead_department]").select_option("cyberspace")
    triage.locator("select[name=triage-co_department]").select_option("education")
    triage.locator("select[name=triage-assignee]").select_option("")  # nobody yet
    submit_button(triage).click()
    expect(intake).to_have_url(f"{base}/staff/cases/{case_id}#next")  # back where the form was
    expect(intake.get_by_role("status")).to_contain_text("The case is triaged.")
    expect(intake.get_by_test_id("case-state")).to_have_text("Triaged: waiting for investigation")
    summary = intake.locator("section.summary")
    expect(summary).to_contain_text("Cyberspace department")
    expect(summary).to_contain_text("Education department")
    expect(intake.locator(f"form[action*='/cases/{case_id}/triage']")).to_have_count(0)

    # 4. A case officer of the other department: internal note, then a message to the first reporter.
    officer = page(language="en")
    sign_in(officer, base, staff["officer"])
    officer.goto(base + "/staff/?scope=department")
    officer.locator("table.queue").get_by_role("link", name=f"#{case_id}").click()
    expect(officer).to_have_url(f"{base}/staff/cases/{case_id}")
    expect(officer.locator("#tips-title")).to_have_text("2 reports")

    note_form = officer.locator(f"form[action$='/cases/{case_id}/notes']")
    note_form.locator("textarea[name=note-body]").fill(NOTE)
    submit_button(note_form).click()
    expect(officer).to_have_url(f"{base}/staff/cases/{case_id}#note")
    expect(officer.locator("#note").get_by_role("status")).to_contain_text("Note added.")
    timeline = officer.locator("#timeline ol.timeline > li")
    expect(timeline.first.locator("blockquote")).to_have_text(NOTE)  # the note's words, in the timeline
    expect(timeline.first).to_contain_text("Education department")

    message_form = officer.locator(f"form[action$='/cases/{case_id}/messages']")
    message_form.locator("select[name=message-tip_id]").select_option(str(first_tip.id))
    message_form.locator("textarea[name=message-body]").fill(MESSAGE)
    submit_button(message_form).click()
    expect(officer.locator("#message").get_by_role("status")).to_contain_text("Message sent.")
    expect(timeline.first).to_contain_text(f"Message sent to the reporter of report #{first_tip.id}.")
    expect(timeline.first.locator("blockquote.staff-message")).to_have_text(MESSAGE)

    # 5. The first reporter follows the report: new status, the message; answers it.
    open_tracking(first, base, first_code)
    expect(first.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(first.get_by_test_id("public-status")).to_have_text("处理中")
    history = first.locator("ol.timeline > li")
    expect(history).to_have_count(3)  # sent, status changed, message
    expect(history.nth(1)).to_contain_text("状态变更为：处理中")
    expect(history.nth(2)).to_contain_text("办理您举报的工作人员留言：")
    expect(history.nth(2).locator("blockquote.staff-message")).to_have_text(MESSAGE)

    add_form = first.locator("form[action$='/track/tip']")
    add_form.locator("#text").fill(ANSWER)
    submit_button(add_form).click()
    expect(first).to_have_url(base + "/track/tip")
    expect(first.get_by_role("status")).to_contain_text("谢谢您。补充内容已加入您的举报。")
    expect(history).to_have_count(4)
    expect(history.nth(3)).to_contain_text("您补充了信息。")
    expect(history.nth(3).locator("blockquote")).to_have_text(ANSWER)

    # Nothing internal reaches the reporter: no note, no staff names or addresses.
    shown = first.locator("body").inner_text()
    assert "EDU-4471" not in shown and "Internal" not in shown
    for user in staff.values():
        assert user.email not in shown
    assert "@" not in first.content()

    # The second reporter's tip is being handled too, without the message meant for the first.
    open_tracking(second, base, second_code)
    expect(second.get_by_test_id("public-status")).to_have_text("处理中")
    expect(second.locator("blockquote.staff-message")).to_have_count(0)
    assert MESSAGE not in second.locator("body").inner_text()

    # The officer reloads the case and finds the answer there.
    officer.reload()
    answer = officer.locator("section[aria-labelledby=timeline-title] ol.timeline > li").first
    expect(answer).to_contain_text(f"Reporter of report #{first_tip.id}")
    expect(answer).to_contain_text(f"The reporter of report #{first_tip.id} added information or answered.")
    expect(answer.locator("blockquote")).to_have_text(ANSWER)

    db.session.expire_all()
    case = db.session.get(Case, case_id)
    assert (case.state, case.lead_department, case.co_department, case.assignee_id) == (
        "triaged",
        "cyberspace",
        "education",
        None,
    )
    assert [tip.id for tip in case.tips] == [first_tip.id, second_tip.id]
    assert db.session.get(Tip, spam_tip.id).case_id is None


def test_reports_from_one_address_are_not_announced_as_others(live_server, demo_platforms, page):
    """Without a forwarded address both browsers are 127.0.0.1: one reporter, so no "others reported" notice."""
    xinghuo = platform_id(PLATFORM)
    send_report(reporter(page, None), live_server, xinghuo, "game_ads", FIRST_TIP)
    again = reporter(page, None)
    code = send_report(again, live_server, xinghuo, "game_ads", SECOND_TIP, location="recorded")
    expect(again.locator(".receipt .notice")).to_have_count(0)

    db.session.expire_all()
    case = db.session.scalars(select(Case)).one()
    assert len(case.tips) == 2 and find_tip(code).case_id == case.id
