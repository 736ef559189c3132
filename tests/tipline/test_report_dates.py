"""The report form's "when did you see it": any date a browser sends is a clear 400 or a stored time, never a 500."""

import pytest
from sqlalchemy import select

from tests.tipline import images
from tests.tipline.test_report import post_report, tip_count
from tipline.extensions import db
from tipline.reports.models import Tip

EDGE_DATES = [
    "0001-01-01T00:00",  # converting to UTC overflowed: a 500 that lost the form and files
    "0001-01-01T07:59",
    "1999-12-31T23:59",
    "1991-04-14T02:30",  # inside a gap of China's summer time (1986-1991)
    "9999-12-31T23:59",
    "9999-01-01T00:00",
    "275760-09-13T00:00",  # the largest year a browser's date picker offers
    "2026-02-30T10:00",
]


@pytest.mark.parametrize("value", EDGE_DATES)
def test_any_date_a_browser_sends_is_a_400_that_keeps_the_form(client, value):
    """Catches: `_not_in_future` converting year 1 to UTC before checking the year (OverflowError, 500)."""
    response = post_report(client, files=[("photo.jpg", images.photo_with_gps())], seen_at=value)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'role="alert"' in body
    assert f'value="{value}"' in body  # what was typed is kept
    assert "数学直播课中反复弹出游戏广告" in body
    assert "您上传的文件未能保留" in body  # and the files are reported dropped
    assert tip_count() == 0


@pytest.mark.parametrize("value", ["0001-01-01T00:00", "9999-12-31T23:59"])
def test_out_of_range_dates_are_refused_in_english_too(client, value):
    """Catches: the refusal of an out-of-range date not saying what to type."""
    client.set_cookie("lang", "en")
    body = post_report(client, seen_at=value).get_data(as_text=True)
    assert "Enter a date after the year 2000." in body or "The time cannot be in the future." in body


def test_a_time_in_a_summer_time_gap_is_stored(client, app):
    """Catches: a local time that does not exist in the app's zone (clocks jumped) failing to convert."""
    app.config["BABEL_DEFAULT_TIMEZONE"] = "Europe/Berlin"
    response = post_report(client, seen_at="2026-03-29T02:30")
    assert response.status_code == 200
    assert db.session.scalars(select(Tip.seen_at)).one().year == 2026
