"""The report form's limits, from the attacker's side: no value of the search button lets a report skip them."""

import io

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token
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


@pytest.mark.parametrize(
    "language, title, retry",
    [
        ("zh", "来自您所在网络的操作过多", "分钟后）再试"),
        ("en", "Too many attempts from your network", "Try again after"),
    ],
    ids=["zh", "en"],
)
def test_the_ceiling_answers_429_with_the_form_as_typed_and_when_to_retry(client, app, language, title, retry):
    """Catches: a limit answered with a bare page that drops what was typed (the platform field was
    empty after Back) or does not say when to try again, or not in the page's language."""
    app.config["REPORT_SUBMIT_LIMIT"] = "1 per hour"
    assert _post(client, {}, language=language).status_code == 303
    typed = {
        "platform_name": "星火学堂超长名字测试",
        "description": "第二份举报：课程里弹出赌博广告，内容必须保留。",
        "contact_email": "parent@example.com",
        "url": "https://xinghuo.example/live/2",
        "seen_at": "2026-11-21T08:15",
    }
    response = _post(client, typed, language=language)
    assert response.status_code == 429
    assert 3000 <= int(response.headers["Retry-After"]) <= 3600
    body = response.get_data(as_text=True)
    assert title in body and retry in body
    for value in typed.values():
        assert value in body, value
    assert tip_count() == 1


def test_the_ceiling_on_look_ups_keeps_the_code(client, app):
    """Catches: the look-up's 429 losing the code the reporter typed."""
    app.config["TRACK_LOOKUP_LIMIT"] = "1 per hour"
    client.set_cookie("lang", "en")
    token = csrf_token(client, "/track")
    client.post("/track", data={"csrf_token": token, "code": "short"})
    response = client.post("/track", data={"csrf_token": token, "code": "ABCD-EFGH-JKMN-PQRS-TVWX-YZ23"})
    assert response.status_code == 429
    body = response.get_data(as_text=True)
    assert 'value="ABCD-EFGH-JKMN-PQRS-TVWX-YZ23"' in body and "Try again after" in body


def test_searches_have_a_limit_of_their_own(client, app, make_platform):
    """Catches: the no-script search hitting the database without any limit, or searching all the same
    when the refused form is shown again."""
    make_platform(name="星火学堂")
    app.config["REPORT_SEARCH_LIMIT"] = "2 per hour"
    app.config["REPORT_SUBMIT_LIMIT"] = "2 per hour"
    search = {"find_platform": "1", "submit": None}
    assert 'name="platform_id" value=' in _post(client, search).get_data(as_text=True)  # the match listed
    assert _post(client, search).status_code == 200
    refused = _post(client, search)
    assert refused.status_code == 429
    assert 'name="platform_id" value=' not in refused.get_data(as_text=True) and "星火学堂" in refused.get_data(
        as_text=True
    )  # the typed name kept, nothing searched
    # The two limits count apart: searching did not use up the reports, nor a report the searches.
    assert post_report(client).status_code == 200 and tip_count() == 1
