"""The public pages on phones and desktops, in both languages: they fit, and axe-core finds no serious fault."""

import pytest
from playwright.sync_api import expect

from tests.browser.checks import check_page

CODE = "2XZA-7VHK-STKY-2H5C-4D0Y-HGNB"
MEASURE = """() => {
  const input = document.querySelector('input[name=code]');
  const lang = document.querySelector('.lang a');
  return {inputWidth: input.clientWidth, textWidth: input.scrollWidth, langLines: lang.getClientRects().length,
          pageWidth: document.documentElement.scrollWidth};
}"""


@pytest.mark.parametrize("language", ["en-US", "zh-CN"])
def test_the_tracking_form_fits_a_320_pixel_phone(live_server, page, language):
    # Bugs caught: the typed code cut off inside its box; the "中文" link broken over two lines.
    pg = page(language=language, phone=True)
    pg.set_viewport_size({"width": 320, "height": 700})
    pg.goto(f"{live_server}/track")
    pg.fill("input[name=code]", CODE)
    sizes = pg.evaluate(MEASURE)
    assert sizes["textWidth"] <= sizes["inputWidth"], sizes
    assert sizes["langLines"] == 1, sizes
    assert sizes["pageWidth"] <= 320, sizes


@pytest.mark.browser
@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
@pytest.mark.parametrize("language", ["en-US", "zh-CN"])
def test_every_public_page_fits_every_screen_and_passes_axe(live_server, page, demo_platforms, language):
    # Bugs caught: the filing list squeezed or cut off on phones, platform pages 435 to 517 pixels wide,
    # and any serious accessibility fault (contrast, labels, names, landmarks) on any public page or state:
    # the form, its server-side errors, "did you mean", the receipt, the followed report, an error page.
    from tipline.extensions import db
    from tipline.platforms.models import Platform

    platform_id = db.session.scalars(db.select(Platform.id).order_by(Platform.id)).first()
    pg = page(language=language, phone=True)
    problems = []
    for path in [
        "/",
        "/report",
        "/track",
        "/platforms",
        "/platforms?q=xyz-none",
        f"/platforms/{platform_id}",
        "/platforms/actions",
        "/stats",
        "/api/v1/",
        "/nowhere",
    ]:
        pg.goto(f"{live_server}{path}")
        problems += check_page(pg, path)

    pg.goto(f"{live_server}/report")
    pg.locator("form.report-form [name=submit]").click()
    expect(pg.locator("#error-summary")).to_be_focused()  # after a server-side error, as gov.uk does
    problems += check_page(pg, "/report with errors")

    pg.fill("#platform_name", "星火")
    pg.keyboard.press("Escape")
    pg.select_option("#category", "game_ads")
    pg.select_option("#location", "popup")
    pg.fill("#description", "数学直播课中反复弹出游戏广告，孩子无法专心上课。")
    pg.locator("form.report-form [name=submit]").click()
    expect(pg.locator("#platform-matches")).to_be_visible()  # did you mean 星火学堂?
    problems += check_page(pg, "/report did you mean")

    pg.locator("form.report-form [name=submit]").click()
    code = pg.get_by_test_id("receipt-code").inner_text().strip()
    problems += check_page(pg, "/report/receipt")

    pg.locator("#saved").check()
    pg.locator("form.receipt-saved [name=submit]").click()
    pg.fill("#code", code)
    pg.locator("form.narrow [name=submit]").click()
    expect(pg).to_have_url(f"{live_server}/track/tip")
    problems += check_page(pg, "/track/tip")
    assert not problems, "\n".join(problems)
