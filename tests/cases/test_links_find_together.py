"""Same link, same platform: tips found together by the pages and apps they link to."""

from sqlalchemy import func, select

from cases.models import Case
from tests.cases.conftest import HAIDIAN
from tipline.extensions import db
from tipline.platforms.models import PlatformAddress

COURSE_VARIANTS = [
    "https://www.xingxing-wangke.example/course/88?utm_source=wechat",
    "xingxing-wangke.example/course/88/",
    "http://m.xingxing-wangke.example/course/88?from=timeline&spm=1.2",
]


def test_a_tip_naming_no_platform_but_a_known_course_link_is_filed_to_that_platform(app, make_platform, file_tip):
    """Catches links ignored at intake (the tip stays on the name typed, in a case of its own), and an app-store
    page that cannot meet the registry's appstore:id."""
    platform = make_platform(region_code=HAIDIAN, addresses=["https://xinghuo.example", "appstore:id1600000123"])
    assert sorted(r.key for r in platform.address_keys) == ["ios:1600000123", "xinghuo.example"]
    by_url = file_tip(platform_name="孩子用的网课", url="https://live.xinghuo.example/course/12/?utm_source=qq")
    in_text = file_tip(
        platform_name="不知道叫什么", description="上课时弹出游戏广告，链接是 https://xinghuo.example/c/3 孩子点了"
    )
    by_app = file_tip(platform_name="一个App", url="https://apps.apple.com/cn/app/xinghuo/id1600000123")
    for tip in (by_url, in_text, by_app):
        assert tip.platform_id == platform.id, tip.platform_name
        assert tip.platform_name != platform.name  # what the reporter typed is kept
    assert len({by_url.case_id, in_text.case_id, by_app.case_id}) == 1
    assert db.session.get(Case, by_url.case_id).platform_id == platform.id


def test_variants_of_one_unregistered_course_link_land_in_one_case(app, file_tip):
    """Catches tips about one unregistered site kept apart because each reporter gave it another name, or
    because of www., m., a trailing slash or tracking parameters in the link."""
    tips = [
        file_tip(platform_name=name, url=url)
        for name, url in zip(("星星网课", "xingxing", "一个网课App"), COURSE_VARIANTS, strict=True)
    ]
    assert all(tip.platform_id is None for tip in tips)
    assert {tip.link_key for tip in tips} == {"xingxing-wangke.example/course/88"}
    assert len({tip.case_id for tip in tips}) == 1
    case = db.session.get(Case, tips[0].case_id)
    assert case.site == "xingxing-wangke.example" and case.tip_count == 3
    other_page = file_tip(platform_name="星星", url="https://xingxing-wangke.example/course/99")
    assert other_page.case_id == case.id  # the same unregistered site
    elsewhere = file_tip(platform_name="星星网课", url="https://another-site.example/course/88")
    assert elsewhere.case_id != case.id


def test_two_platforms_sharing_an_address_claim_no_link(app, make_platform, file_tip):
    """Catches a shared host (a mini-program platform) handing every link under it to one of the platforms."""
    make_platform(addresses=["https://shared-host.example"])
    make_platform(addresses=["https://shared-host.example/"])
    tip = file_tip(platform_name="某小程序课程", url="https://shared-host.example/app/77")
    assert tip.platform_id is None
    assert db.session.scalar(select(func.count()).select_from(PlatformAddress)) == 2
