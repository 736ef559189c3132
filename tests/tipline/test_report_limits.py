"""The report form's limits, from the attacker's side: no value of the search button lets a report skip them."""

import io

import pytest
from sqlalchemy import func, select

from tests.tipline import images
from tests.tipline.test_report import post_report, report_data, tip_count
from tipline.evidence.models import Evidence
from tipline.extensions import db

# What an attacker may send as the no-script search button next to a full report.
SEARCH_BUTTON_VALUES = {
    "false": {"find_platform": "false"},
    "empty": {"find_platform": ""},
    "zero": {"find_platform": "0"},
    "both_buttons": {"find_platform": "1", "submit": "1"},
    "search_only": {"find_platform": "Search the registry", "submit": None},
}


def _post(client, fields, files=(), language="zh"):
    data = report_data(client, **{k: v for k, v in fields.items() if v is not None})
    for name, value in fields.items():
        if value is None:
            data.pop(name, None)
    data["evidence"] = [(io.BytesIO(content), name) for name, content in files]
    client.set_cookie("lang", language)
    return client.post("/report", data=data, content_type="multipart/form-data")


def evidence_count():
    return db.session.scalar(select(func.count(Evidence.id)))


@pytest.mark.parametrize("fields", SEARCH_BUTTON_VALUES.values(), ids=SEARCH_BUTTON_VALUES.keys())
def test_a_request_naming_the_search_button_is_a_pure_search(client, fields):
    """Catches: `find_platform=false` (or empty) skipping the limit as a search, yet stored as a report."""
    response = _post(client, fields, files=[("photo.jpg", images.photo_with_gps())])
    assert response.status_code == 200
    assert tip_count() == 0 and evidence_count() == 0
    body = response.get_data(as_text=True)
    assert "您上传的文件未能保留" in body  # the files were dropped, and the reporter is told


@pytest.mark.parametrize("fields", SEARCH_BUTTON_VALUES.values(), ids=SEARCH_BUTTON_VALUES.keys())
def test_no_report_is_stored_beyond_the_limit(client, app, fields):
    """Catches: the report limit's exemption and the view disagreeing on what a search is."""
    app.config["REPORT_SUBMIT_LIMIT"] = "2 per hour"
    assert post_report(client).status_code == 200
    assert post_report(client).status_code == 200
    for _ in range(3):
        response = _post(client, fields)
        assert response.status_code in (200, 429)
    assert tip_count() == 2
    limited = post_report(client)
    assert limited.status_code == 429 and tip_count() == 2


@pytest.mark.parametrize("language, title", [("zh", "尝试次数过多"), ("en", "Too many attempts")], ids=["zh", "en"])
def test_the_limit_answers_429_in_the_pages_language(client, app, language, title):
    """Catches: a limit answered without the page's language (or not at all)."""
    app.config["REPORT_SUBMIT_LIMIT"] = "1 per hour"
    assert _post(client, {}, language=language).status_code == 303
    response = _post(client, {}, language=language)
    assert response.status_code == 429
    assert title in response.get_data(as_text=True)
    assert tip_count() == 1


def test_searches_have_a_limit_of_their_own(client, app):
    """Catches: the no-script search hitting the database without any limit."""
    app.config["REPORT_SEARCH_LIMIT"] = "2 per hour"
    app.config["REPORT_SUBMIT_LIMIT"] = "2 per hour"
    search = {"find_platform": "1", "submit": None}
    assert _post(client, search).status_code == 200
    assert _post(client, search).status_code == 200
    assert _post(client, search).status_code == 429
    # The two limits count apart: searching did not use up the reports, nor a report the searches.
    assert post_report(client).status_code == 200 and tip_count() == 1
