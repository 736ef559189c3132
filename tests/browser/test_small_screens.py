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
