"""A supervisor on a phone without JavaScript: the evaluation, a number opened to its cases, a report made and
downloaded, as PDF and as CSV.
"""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from tests.browser.checks import check_page
from tests.browser.conftest import sign_in_staff
from tipline.extensions import db
from tipline.reports.service import TipSubmission, submit_tip
from tipline.timeutil import app_today

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database", ["postgresql"], indirect=True),
]

BEIJING, HAIDIAN = "110000", "110108"


def test_a_supervisor_reads_the_evaluation_opens_a_number_and_downloads_a_report(
    live_server, page, make_staff, make_platform
):
    # Bugs caught: the period needing script to be chosen, a number that does not open the cases behind it (or
    # opens others), a report request that needs script or lands nowhere, a PDF or CSV link that downloads an
    # error page, a report whose totals do not count the tip filed today, and a page scrolling sideways.
    base = live_server
    platform = make_platform(name="星火学堂", region_code=HAIDIAN)
    tip, _code = submit_tip(
        TipSubmission(
            platform_id=platform.id,
            platform_name=platform.name,
            category="game_ads",
            location="popup",
            description="孩子上直播数学课时，课程页面弹出网络游戏广告，点击后跳转到游戏下载页面。",
            reporter_type="parent",
            locale="zh",
            client="203.0.113.9",
        ),
        [],
    )
    db.session.commit()
    case_id, today = tip.case_id, app_today()

    supervisor = make_staff("supervisor", "cyberspace", BEIJING)
    pg = page(language="en-US", phone=True, javascript=False)
    sign_in_staff(pg, base, supervisor)

    # The evaluation of this month, chosen with a button: the case is open, so a number counts it.
    pg.goto(base + "/staff/evaluation")
    expect(pg.locator("h1")).to_have_text("Evaluation of governance effectiveness")
    with pg.expect_navigation():
        pg.locator("button[name=period][value=this_month]").click()
    expect(pg.locator(".evaluation-period")).to_contain_text(f"{today:%Y}")
    visited = [pg.url]
    open_cell = pg.locator("#t-departments tbody a[href*='/staff/evaluation/cases']").first
    expect(open_cell).to_have_text("1")
    with pg.expect_navigation():
        open_cell.click()
    expect(pg.locator(f"main a[href='/staff/cases/{case_id}']")).to_be_visible()
    visited.append(pg.url)

    # A report of Beijing from the first of the month to today, made in the background, then downloaded.
    pg.goto(base + "/staff/reports")
    form = pg.locator("form[action='/staff/reports']")
    form.locator("#f-region").select_option(BEIJING)
    form.locator("#f-starts_on").fill(today.replace(day=1).isoformat())
    form.locator("#f-ends_on").fill(today.isoformat())
    with pg.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(pg).to_have_url(re.compile(re.escape(base + "/staff/reports/") + r"\d+$"))
    visited += [pg.url, base + "/staff/reports"]

    with pg.expect_download() as pdf:
        pg.get_by_role("link", name="Download the PDF (for printing)").click()
    assert pdf.value.suggested_filename.endswith(".pdf")
    assert open(pdf.value.path(), "rb").read().startswith(b"%PDF")

    with pg.expect_download() as table:
        pg.get_by_role("link", name="Download the CSV").click()
    rows = list(csv.reader(io.StringIO(open(table.value.path(), "rb").read().decode("utf-8-sig"))))
    received = next(row for row in rows if row and row[0] == "Tips received")
    assert received[1] == "1"  # this period: the one tip filed today

    problems = []
    # The same pages, with script on (axe runs as a script), at every width: nothing sideways, nothing serious.
    checker = page(language="en-US", phone=True)
    sign_in_staff(checker, base, supervisor)
    for url in visited:
        checker.goto(url)
        problems += check_page(checker, url.removeprefix(base))
    assert not problems, "\n".join(problems)
