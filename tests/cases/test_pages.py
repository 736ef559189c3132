"""Staff pages render in both languages with nothing left untranslated."""

import re

import pytest

from tests.cases.conftest import HAIDIAN

ALLOWED_LATIN = {"Tipline", "English", "QR"}


@pytest.fixture
def signed_in(make_platform, file_tip, make_staff, staff_client):
    from cases.actions.service import set_list_status
    from tipline.extensions import db

    platform = make_platform(name="星火学堂", name_en="", operator="星火公司", region_code=HAIDIAN)
    set_list_status(platform, "white", None, reason="imported from a filing list")  # as the importer writes it
    db.session.commit()
    tip = file_tip(platform, "game_ads")
    file_tip(
        make_platform(name="云朵网课", name_en="", operator="云朵公司", region_code=HAIDIAN),
        description="https://spam.example",
    )
    client = staff_client(make_staff("admin", "cyberspace", "110000", email="管理员@示例.中国"))
    return client, tip


def pages(tip):
    return [
        "/staff/",
        f"/staff/cases/{tip.case_id}",
        "/staff/junk",
        "/staff/admin/users",
        "/staff/admin/users/new",
        "/staff/account",
        "/staff/?scope=closed",
        f"/staff/platforms/{tip.platform_id}",
    ]


def visible_text(body):
    body = body.split("<body", 1)[1].split(">", 1)[1]
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", body, flags=re.S)
    # Identifiers marked as such (the IANA time zones of the account page) are no words to translate.
    body = re.sub(r"<(\w+)[^>]*\btranslate=\"no\"[^>]*>.*?</\1>", " ", body, flags=re.S)
    return re.sub(r"<[^>]+>|&\w+;|https?://\S+|#\d+|\b[A-Z0-9]{16,}\b", " ", body)


def test_staff_pages_have_no_untranslated_english_in_chinese(signed_in):
    client, tip = signed_in
    for path in pages(tip):
        response = client.get(path, headers={"Accept-Language": "zh-CN"})
        assert response.status_code == 200, path
        words = set(re.findall(r"[A-Za-z]{4,}", visible_text(response.get_data(as_text=True)))) - ALLOWED_LATIN
        assert not words, (path, words)


def test_staff_pages_in_english(signed_in):
    client, tip = signed_in
    body = client.get(f"/staff/cases/{tip.case_id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="en">' in body and "Timeline" in body and "Cyberspace department" in body


def test_login_page_in_both_languages(client):
    assert "登录" in client.get("/staff/login", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "Sign in" in client.get("/staff/login", headers={"Accept-Language": "en"}).get_data(as_text=True)


@pytest.mark.parametrize(
    "language, left, late",
    [("en", "2 days left", "overdue by 3 hours"), ("zh", "剩余2天", "已超期3小时")],
)
def test_deadlines_are_told_relative_to_now(app, language, left, late):
    """Catches: deadlines shown only as a date to work out, or in the wrong language."""
    from datetime import datetime, timedelta

    from cases.templating import time_left

    now = datetime(2026, 11, 30, 8, 0)
    with app.test_request_context(headers={"Accept-Language": language}):
        assert time_left(now + timedelta(days=2, hours=1), now) == left
        assert time_left(now - timedelta(hours=3), now) == late
