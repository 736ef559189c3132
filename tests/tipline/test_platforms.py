"""The public filing list: search in Chinese and Latin, filters, bad parameters, one page per platform, suggestions."""

import pytest

from tipline.extensions import db
from tipline.platforms.service import PAGE_SIZE


@pytest.fixture
def registry(make_platform):
    return {
        "xinghuo": make_platform(name="星火学堂", name_en="Xinghuo Academy", region_code="110108"),
        "yunduo": make_platform(name="云朵网课", name_en="Cloud Lessons", region_code="310104", filed=False),
        "mathleap": make_platform(name="MathLeap", name_en="", region_code="440305", list_status="black"),
        "xingqiu": make_platform(
            name="星球地理", name_en="Planet Geography", region_code="110105", list_status="white"
        ),
    }


def names(response):
    body = response.get_data(as_text=True)
    return {n for n in ("星火学堂", "云朵网课", "MathLeap", "星球地理") if f">{n}</a>" in body}


def test_chinese_substring_search(client, registry):
    assert names(client.get("/platforms?q=星")) == {"星火学堂", "星球地理"}
    assert names(client.get("/platforms?q=火学")) == {"星火学堂"}


def test_latin_search_is_case_insensitive(client, registry):
    assert names(client.get("/platforms?q=XINGHUO")) == {"星火学堂"}
    assert names(client.get("/platforms?q=mathleap")) == {"MathLeap"}


def test_search_by_address_and_filing_number(client, registry):
    address = registry["yunduo"].addresses[0].split("//")[1]
    assert names(client.get(f"/platforms?q={address}")) == {"云朵网课"}
    number = registry["xinghuo"].filing.filing_number
    assert names(client.get(f"/platforms?q={number}")) == {"星火学堂"}


def test_wildcards_are_taken_literally(client, registry):
    assert names(client.get("/platforms?q=%25")) == set()
    assert names(client.get("/platforms?q=_")) == set()


def test_filters(client, registry):
    assert names(client.get("/platforms?region=110000")) == {"星火学堂", "星球地理"}
    assert names(client.get("/platforms?region=110105")) == {"星球地理"}
    assert names(client.get("/platforms?filing=unfiled")) == {"云朵网课"}
    assert names(client.get("/platforms?list=black")) == {"MathLeap"}
    assert names(client.get("/platforms?list=white&q=星")) == {"星球地理"}


@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "page=0",
        "page=-1",
        "filing=maybe",
        "list=grey",
        "region=abc",
        "region=999999",
        "q=" + "x" * 101,
    ],
)
def test_bad_parameters_get_a_clear_400(client, registry, query):
    response = client.get(f"/platforms?{query}", headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert 'role="alert"' in response.get_data(as_text=True)


def test_pages(client, make_platform):
    for i in range(PAGE_SIZE + 5):
        make_platform(name=f"平台{i:03d}")
    first = client.get("/platforms").get_data(as_text=True)
    second = client.get("/platforms?page=2").get_data(as_text=True)
    assert first.count('<th scope="row"') == PAGE_SIZE
    assert second.count('<th scope="row"') == 5
    assert client.get("/platforms?page=99").status_code == 200  # past the end: the last page


def test_platform_page(client, registry):
    platform = registry["xinghuo"]
    body = client.get(f"/platforms/{platform.id}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "星火学堂" in body and platform.filing.filing_number in body and "已备案" in body
    assert "海淀区" in body and "北京市" in body
    assert f"/report?platform={platform.id}" in body


def test_unknown_platform_is_404(client, registry):
    assert client.get("/platforms/999999").status_code == 404
    assert client.get("/platforms/abc").status_code == 404


def test_suggestions(client, registry):
    found = client.get("/platforms/suggest?q=星").get_json()
    assert {p["name"] for p in found} == {"星火学堂", "星球地理"}
    assert set(found[0]) == {"id", "name", "name_en", "operator", "region", "filed"}
    assert client.get("/platforms/suggest?q=").get_json() == []
    assert client.get("/platforms/suggest?q=" + "星" * 1000).status_code == 200


def test_filed_features_are_listed_in_the_page_language(client, registry):
    # Bug caught: the registry's raw "直播课程;录播课程" shown as it is stored.
    platform = registry["xinghuo"]
    platform.filing.filed_features = "直播课程;录播课程；在线答疑"
    db.session.commit()
    zh = client.get(f"/platforms/{platform.id}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "直播课程、录播课程、在线答疑" in zh and ";" not in zh.split("直播课程")[1][:20]
    client.set_cookie("lang", "en")
    en = client.get(f"/platforms/{platform.id}").get_data(as_text=True)
    assert "直播课程, 录播课程, 在线答疑" in en


def test_dates_are_written_in_the_page_language(client, registry):
    # Bug caught: "2025-03-14" next to "2026年11月30日": a date shown without the locale's format.
    from datetime import date

    platform = registry["xinghuo"]
    platform.filing.last_reviewed_on = date(2025, 3, 14)
    db.session.commit()
    zh = client.get(f"/platforms/{platform.id}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "2025年3月14日" in zh and "2025-03-14" not in zh
    client.set_cookie("lang", "en")
    assert "Mar 14, 2025" in client.get(f"/platforms/{platform.id}").get_data(as_text=True)


def test_a_platform_is_suggested_by_the_pinyin_of_its_chinese_name(client, make_platform):
    """Catches: "xinghuo" finding 星火学堂 only when someone gave it an English name."""
    make_platform(name="星火学堂", name_en="")
    names = [p["name"] for p in client.get("/platforms/suggest?q=xinghuo").get_json()]
    assert names == ["星火学堂"]
