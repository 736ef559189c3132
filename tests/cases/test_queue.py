"""The work queue: scopes, filters, search over tip text in Chinese and English, keyset pages."""

import re
from datetime import timedelta

import pytest

from cases.models import Case
from cases.queue import PAGE_SIZE
from tests.cases.conftest import HAIDIAN
from tipline.extensions import db
from tipline.timeutil import utcnow

CASE_LINK = re.compile(r'href="/staff/cases/(\d+)"')


def listed(client, query=""):
    response = client.get(f"/staff/?{query}")
    assert response.status_code == 200, response.status_code
    return [int(n) for n in CASE_LINK.findall(response.get_data(as_text=True))]


@pytest.fixture
def cases(make_platform, file_tip, make_staff):
    cyber = make_staff("officer", "cyberspace")
    game = file_tip(
        make_platform(name="星火学堂", region_code=HAIDIAN),
        "game_ads",
        description="直播数学课弹出网络游戏广告，孩子被吸引去玩游戏。",
    )
    teacher = file_tip(
        make_platform(name="Cloud Lessons", region_code="110105"),
        "teachers",
        description="The English teacher has no certificate and insults the pupils.",
    )
    vulgar = file_tip(
        make_platform(name="小树苗英语", region_code="310104"),
        "vulgar",
        description="录播课里出现低俗语言，不适合小学生。",
    )
    game.case.assignee_id = cyber.id
    teacher.case.deadline_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    return {"game": game.case_id, "teacher": teacher.case_id, "vulgar": vulgar.case_id, "cyber": cyber}


def test_scopes_and_filters(cases, make_staff, staff_client):
    national = staff_client(make_staff("supervisor", "cyberspace", "100000"))
    assert set(listed(national)) == {cases["game"], cases["teacher"], cases["vulgar"]}
    assert listed(national, "scope=overdue") == [cases["teacher"]]
    assert set(listed(national, "scope=unassigned")) == {cases["teacher"], cases["vulgar"]}
    assert set(listed(national, "scope=department")) == {cases["game"], cases["vulgar"]}
    assert listed(national, "category=teachers") == [cases["teacher"]]
    assert listed(national, "region=310000") == [cases["vulgar"]]
    assert listed(national, "platform=cloud") == [cases["teacher"]]
    assert listed(national, "priority=1") == []
    mine = staff_client(cases["cyber"])
    assert listed(mine, "scope=mine") == [cases["game"]]


def test_region_scope_of_the_queue(cases, make_staff, staff_client):
    beijing = staff_client(make_staff("supervisor", "cyberspace", "110000"))
    assert set(listed(beijing)) == {cases["game"], cases["teacher"]}
    haidian = staff_client(make_staff("officer", "cyberspace", HAIDIAN))
    assert listed(haidian) == [cases["game"]]
    assert haidian.get("/staff/?region=310000").status_code == 400


def test_search_over_tip_text_in_both_languages(cases, make_staff, staff_client):
    client = staff_client(make_staff("supervisor", "cyberspace", "100000"))
    assert listed(client, "q=游戏广告") == [cases["game"]]
    assert listed(client, "q=CERTIFICATE") == [cases["teacher"]]
    assert listed(client, "q=teacher+insults") == [cases["teacher"]]
    assert listed(client, "q=%25") == []


@pytest.mark.parametrize(
    "query",
    [
        "scope=everything",
        "state=lost",
        "priority=9",
        "category=x",
        "after=abc",
        "after=1.99999999999",
        "region=abc",
        "q=" + "x" * 101,
    ],
)
def test_bad_filters_are_a_clear_400(cases, make_staff, staff_client, query):
    client = staff_client(make_staff("supervisor", "cyberspace", "100000"))
    response = client.get(f"/staff/?{query}")
    assert response.status_code == 400 and 'role="alert"' in response.get_data(as_text=True)


def test_keyset_pages_cover_every_case_once_in_order(make_platform, file_tip, make_staff, staff_client):
    platforms = [make_platform(region_code=HAIDIAN) for _ in range(PAGE_SIZE + 7)]
    for i, platform in enumerate(platforms):
        file_tip(platform, "vulgar" if i % 3 == 0 else "marketing")
    client = staff_client(make_staff("supervisor", "cyberspace", "110000"))
    seen, url = [], "/staff/"
    while url:
        body = client.get(url).get_data(as_text=True)
        seen += [int(n) for n in CASE_LINK.findall(body)]
        found = re.search(r'href="(/staff/\?[^"]*after=[^"]+)"', body)
        url = found.group(1).replace("&amp;", "&") if found else None
    assert len(seen) == len(platforms) == len(set(seen))
    priority = {n: db.session.get(Case, n).priority for n in seen}
    assert seen == sorted(seen, key=lambda n: (priority[n], -n))  # most urgent first, then newest


def test_the_platform_filter_finds_it_by_pinyin_english_name_operator_and_address(
    make_platform, file_tip, make_staff, staff_client
):
    """Catches: a platform found only by the Chinese name its reporters typed."""
    whale = make_platform(
        name="蓝鲸课堂", name_en="Blue Whale Class", operator="蓝海教育公司", addresses=["https://bw-class.example"]
    )
    found = file_tip(whale, "game_ads").case_id
    other = file_tip(make_platform(name="星火学堂", name_en=""), "game_ads").case_id
    unregistered = file_tip(None, "game_ads", platform_name="未登记的直播网课").case_id
    national = staff_client(make_staff("supervisor", "cyberspace", "100000"))
    for typed in ("lanjing", "lan jing ke", "whale", "Blue Whale", "蓝海教育", "bw-class.example"):
        assert listed(national, f"platform={typed}") == [found], typed
    assert listed(national, "platform=xinghuo") == [other]
    assert listed(national, "platform=未登记") == [unregistered]


def test_the_queue_counts_its_cases_keeps_filters_across_tabs_and_clears_them(cases, make_staff, staff_client):
    """Catches: filters lost on switching tabs, no way back to the whole queue, and no count of results."""
    national = staff_client(make_staff("supervisor", "cyberspace", "100000"))
    body = national.get("/staff/?category=teachers", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "1 case</p>" in body
    assert 'href="/staff/?scope=overdue&amp;category=teachers"' in body  # the tab keeps the filter
    assert '<a href="/staff/?scope=open">Clear filters</a>' in body
    everything = national.get("/staff/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "3 cases</p>" in everything and "Clear filters" not in everything


def test_the_count_stops_at_its_cap(cases, make_staff, staff_client, monkeypatch):
    """Catches: counting every match of a filter (a scan of a million tips) just to print the number."""
    from cases import queue

    monkeypatch.setattr(queue, "COUNT_CAP", 2)
    supervisor = make_staff("supervisor", "cyberspace", "100000")
    assert queue.count_matches(queue.visible_cases(supervisor)) == 3  # the cap and one more
    body = staff_client(supervisor).get("/staff/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "More than 2 cases" in body
