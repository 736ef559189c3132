"""Web addresses and app ids made comparable (tipline/platforms/links.py)."""

import pytest

from tipline.platforms.links import address_keys, link_key, links_in, lookup_keys, site_of

COURSE = "xinghuo.example/course/123?a=1&b=2"


@pytest.mark.parametrize(
    "written",
    [
        "https://xinghuo.example/course/123?a=1&b=2",
        "HTTPS://WWW.Xinghuo.Example/course/123/?b=2&a=1",
        "xinghuo.example/course/123?a=1&b=2&utm_source=wechat&utm_medium=share",
        "http://m.xinghuo.example/course/123/?spm=a2c.1&a=1&from=timeline&b=2#comments",
        "www.xinghuo.example/course/123?b=2&a=1&fbclid=IwAR0",
    ],
)
def test_ways_of_writing_one_course_page_give_one_key(written):
    """Catches a scheme, www., m., a trailing slash, the order of parameters or a tracking parameter making two
    keys of one page."""
    assert link_key(written) == COURSE


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("https://xinghuo.example/course/123", "https://xinghuo.example/course/124"),
        ("https://xinghuo.example/course?id=1", "https://xinghuo.example/course?id=2"),
        ("https://h5.example.cn/#/course/1", "https://h5.example.cn/#/course/2"),
        ("https://xinghuo.example/a", "https://xinghuo.other/a"),
    ],
)
def test_different_pages_keep_different_keys(one, other):
    """Catches normalising away what names the page: the path, a parameter that is not tracking, a one-page
    site's route, the host."""
    assert link_key(one) != link_key(other)


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("https://apps.apple.com/cn/app/%E6%98%9F%E7%81%AB/id1600000123", "ios:1600000123"),
        ("https://itunes.apple.com/cn/app/id1600000123?mt=8", "ios:1600000123"),
        ("appstore:id1600000123", "ios:1600000123"),
        ("https://play.google.com/store/apps/details?id=com.xinghuo.app&hl=zh", "android:com.xinghuo.app"),
        ("https://sj.qq.com/appdetail/com.xinghuo.app", "android:com.xinghuo.app"),
        ("https://app.mi.com/details?id=com.xinghuo.app", "android:com.xinghuo.app"),
        ("android:com.xinghuo.app", "android:com.xinghuo.app"),
    ],
)
def test_app_store_pages_give_the_apps_id(written, key):
    """Catches an App Store or Android store page kept as a web page, so that it never meets the registry's
    appstore:id."""
    assert link_key(written) == key


@pytest.mark.parametrize("written", ["", "not a link", "http://localhost/x", "https://", "http://a..b/", "xx"])
def test_what_is_not_a_link_has_no_key(written):
    assert link_key(written) is None


def test_a_link_is_found_under_its_host_and_the_domains_above():
    """Catches a course page that cannot find its platform listed by its site's root, or a lookup that climbs
    to a bare top-level domain (every .cn site would be one platform)."""
    keys = lookup_keys("live.xinghuo.example/course/123?a=1")
    assert keys[0] == "live.xinghuo.example/course/123?a=1"
    assert "live.xinghuo.example" in keys and "xinghuo.example" in keys and "example" not in keys
    assert keys.index("live.xinghuo.example/course") < keys.index("live.xinghuo.example")
    assert lookup_keys("ios:1600000123") == ["ios:1600000123"]
    assert site_of(COURSE) == "xinghuo.example" and site_of("ios:1") is None


def test_registry_addresses_and_links_in_a_text():
    assert address_keys(["https://xinghuo.example", "https://m.xinghuo.example/", "appstore:id1600000123", "?"]) == [
        "ios:1600000123",
        "xinghuo.example",
    ]
    text = "孩子上课时弹出 https://www.spam.example/a?b=1，还有www.foo.cn/x。"
    assert links_in(text) == ["https://www.spam.example/a?b=1", "www.foo.cn/x"]
