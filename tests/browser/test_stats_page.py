"""The public figures on a phone without JavaScript: pick a province and a month, read the heading, download a CSV."""

import csv
import io
import re
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from tests.browser.checks import WIDEST
from tipline.extensions import db
from tipline.figures.rollup import refresh_figures
from tipline.reports.models import Tip
from tipline.reports.service import TipSubmission, submit_tip

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database", ["postgresql"], indirect=True),
]

PHONE_WIDTH = 390


def last_month():
    """The Beijing month before this one, as "YYYY-MM", and a naive UTC time on its 10th."""
    today = (datetime.now(timezone.utc) + timedelta(hours=8)).date()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}", datetime(year, month, 10, 2)


def test_a_phone_without_script_picks_beijing_and_a_month_and_downloads_the_numbers(live_server, page, make_platform):
    # Bugs caught: the pickers needing script (no submit button, districts only by script), the heading not
    # following the choice, the CSV link losing the region or period, a CSV without its BOM or header, and a
    # table or chart that makes a phone scroll sideways.
    month, when = last_month()
    platforms = [make_platform(region_code="110108"), make_platform(region_code="110105")]
    for n, platform in enumerate([platforms[0]] * 6 + [platforms[1]], 1):
        tip, _code = submit_tip(
            TipSubmission(
                platform_id=platform.id,
                platform_name=platform.name,
                category="game_ads",
                location="popup",
                description=f"第{n}位家长：孩子上直播课时弹出游戏广告，无法专心学习。",
                reporter_type="parent",
                locale="zh",
                client=f"198.51.100.{n}",
            ),
            [],
        )
        db.session.flush()
        db.session.execute(update(Tip).where(Tip.id == tip.id).values(created_at=when + timedelta(hours=n)))
    refresh_figures()
    db.session.commit()

    pg = page(language="zh-CN", phone=True, javascript=False)
    pg.goto(f"{live_server}/stats")
    expect(pg.locator("html")).to_have_attribute("lang", "zh-Hans")
    form = pg.locator("form.filters")
    assert pg.locator("#f-region option[value='110108']").count() == 0  # districts come with their province
    form.locator("#f-region").select_option(label="北京市")
    with pg.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "region=110000" in pg.url
    expect(pg.locator("#f-region option[value='110108']")).to_have_count(1)  # Haidian, offered without script

    form.locator("#f-period").select_option(month)
    with pg.expect_navigation():
        form.locator("button[type=submit]").click()
    summary = pg.locator("#summary")
    expect(summary).to_contain_text("北京市")
    expect(summary).to_contain_text(month)
    expect(pg.locator("#f-region")).to_have_value("110000")
    expect(pg.locator("#f-period")).to_have_value(month)
    expect(pg.locator("dl.headline dd").first).to_have_text("7")

    section = pg.locator("section.figure", has=pg.locator("#months-heading"))
    headings = [text.strip() for text in section.locator("thead th").all_inner_texts()]
    with pg.expect_download() as info:
        section.get_by_role("link").click()
    download = info.value
    assert re.fullmatch(rf"tipline-months-110000-{month}-{month}\.csv", download.suggested_filename)
    data = open(download.path(), "rb").read()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == headings and len(rows) == 13  # the header as on the page, then the twelve months
    assert rows[-1][:2] == [month, "7"]  # six tips in Haidian and one in Chaoyang

    # The width is measured with script on, in a context of its own, on the very page reached above.
    measure = page(language="zh-CN", phone=True)
    measure.goto(pg.url)
    width = measure.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, measure.evaluate(WIDEST, PHONE_WIDTH)
