"""The public pages on the smallest phones (320 pixels wide), in both languages."""

import pytest

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


@pytest.mark.parametrize("width", [320, 390])
@pytest.mark.parametrize("language", ["en-US", "zh-CN"])
def test_no_public_page_scrolls_sideways_on_a_phone(live_server, page, demo_platforms, language, width):
    # Bugs caught: the filing list's columns squeezed to one character (or cut off in English), and
    # platform pages 435 to 517 pixels wide (labels beside values, addresses that do not wrap).
    from tipline.extensions import db
    from tipline.platforms.models import Platform

    platform_id = db.session.scalars(db.select(Platform.id).order_by(Platform.id)).first()
    pg = page(language=language, phone=True)
    pg.set_viewport_size({"width": width, "height": 800})
    for path in ["/", "/report", "/track", "/platforms", f"/platforms/{platform_id}"]:
        pg.goto(f"{live_server}{path}")
        assert pg.evaluate("document.documentElement.scrollWidth") <= width, path
    pg.goto(f"{live_server}/platforms")
    operator = pg.locator("table.cards td[data-label]").first.bounding_box()
    assert operator["width"] > width / 2  # a card row, not a squeezed column
