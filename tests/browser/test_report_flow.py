"""The public side in a real browser: report a platform, keep the receipt, follow the report.

Slow checks, kept few. Each runs on PostgreSQL only, against the app served on a
real port, in headless Chromium.
"""

import io
import re
from pathlib import Path

import pytest
from PIL import Image
from PIL.TiffImagePlugin import IFDRational
from playwright.sync_api import expect
from sqlalchemy import select

from tests.tipline import images
from tipline.evidence.models import READY, Evidence
from tipline.extensions import db
from tipline.platforms.models import Platform
from tipline.reports.models import Tip

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database", ["postgresql"], indirect=True),
]

CROCKFORD = "[0-9A-HJKMNP-TV-Z]"
RECEIPT_CODE = re.compile(rf"^{CROCKFORD}{{4}}(-{CROCKFORD}{{4}}){{5}}$")
GPS_IFD = 0x8825
PDF = images.pdf()  # a real one-page PDF: one no parser can read is flagged
DESCRIPTION_ZH = "孩子上直播课时，课程页面弹出网络游戏广告，点击后跳转到游戏下载页面。"
HAN = re.compile(r"[\u4e00-\u9fff]")  # a Chinese label, whatever its wording
DESCRIPTION_EN = "A game advert popped up in the middle of my son's live maths lesson."


def _rationals(*pairs):
    return tuple(IFDRational(num, den) for num, den in pairs)


def photo_with_gps():
    """A JPEG whose EXIF carries a camera and a GPS position (Beijing)."""
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make
    exif[GPS_IFD] = {
        1: "N",  # GPSLatitudeRef
        2: _rationals((39, 1), (54, 1), (0, 1)),  # GPSLatitude
        3: "E",  # GPSLongitudeRef
        4: _rationals((116, 1), (23, 1), (0, 1)),  # GPSLongitude
    }
    out = io.BytesIO()
    Image.new("RGB", (96, 64), (200, 40, 40)).save(out, "JPEG", exif=exif)
    data = out.getvalue()
    gps = Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD)
    assert gps.get(1) == "N" and tuple(gps.get(2)) == (39.0, 54.0, 0.0), "the test photo must carry GPS"
    return data


def platform_id(name):
    return db.session.scalars(select(Platform.id).where(Platform.name == name)).one()


def submit_button(page, form):
    """A form's submit button: found by role, told apart by its name attribute."""
    return form.get_by_role("button").and_(page.locator("[name=submit]"))


def read_receipt(page):
    code = page.get_by_test_id("receipt-code").inner_text().strip()
    assert RECEIPT_CODE.match(code), code
    return code


def open_tip(page, base, typed_code):
    """Look a report up on /track with the code as typed; lands on the tip page."""
    page.goto(base + "/track")
    form = page.locator("form.narrow")
    form.locator("#code").fill(typed_code)
    submit_button(page, form).click()
    expect(page).to_have_url(base + "/track/tip")


def test_report_with_photo_on_a_phone_in_chinese(app, live_server, demo_platforms, page):
    pg = page(language="zh-CN", phone=True)
    pg.goto(live_server + "/report")
    expect(pg.locator("html")).to_have_attribute("lang", "zh-Hans")

    # Search-as-you-type, chosen with the keyboard.
    name = pg.locator("#platform_name")
    name.press_sequentially("星火")
    options = pg.locator("#platform-suggestions").get_by_role("option")
    expect(pg.get_by_role("listbox")).to_be_visible()
    expect(options.first).to_contain_text("星火学堂")
    expect(name).to_have_attribute("aria-expanded", "true")
    name.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    name.press("Enter")
    expect(pg.locator("#platform_id")).to_have_value(str(platform_id("星火学堂")))
    expect(name).to_have_value("星火学堂")
    expect(pg.locator("#platform-chosen")).to_contain_text("星火学堂")
    expect(pg.get_by_role("listbox")).to_be_hidden()
    expect(pg.locator("[name=find_platform]")).to_be_hidden()  # the script replaces the search button

    pg.locator("#category").select_option("game_ads")
    pg.locator("#location").select_option("popup")
    pg.locator("#description").fill(DESCRIPTION_ZH)
    photo = photo_with_gps()
    pg.locator("#evidence").set_input_files([{"name": "截图.jpg", "mimeType": "image/jpeg", "buffer": photo}])
    send = submit_button(pg, pg.locator("form.report-form"))
    expect(send).to_have_attribute("value", HAN)
    send.click()

    code = read_receipt(pg)
    expect(pg.locator("html")).to_have_attribute("lang", "zh-Hans")

    # Follow it, typing the code the careless way.
    open_tip(pg, live_server, code.lower().replace("-", " "))
    expect(pg.get_by_test_id("public-status")).to_have_text("已受理")

    add_form = pg.locator("form[action$='/track/tip']")
    add_form.locator("#text").fill("广告每节课都会出现，附上老师发的课程表。")
    add_form.locator("#evidence").set_input_files(
        [{"name": "课程表.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    submit_button(pg, add_form).click()
    expect(pg).to_have_url(live_server + "/track/tip")
    history = pg.locator("ol.timeline > li")
    expect(history).to_have_count(2)
    expect(history.nth(1)).to_contain_text("广告每节课都会出现")
    expect(history.nth(1)).to_contain_text("课程表.pdf")
    expect(history.nth(0)).to_contain_text("截图.jpg")

    # What was kept: the photo without any metadata, checked and thumbnailed.
    db.session.expire_all()
    tip = db.session.scalars(select(Tip)).one()
    assert tip.platform_id == platform_id("星火学堂")
    assert (tip.category, tip.location, tip.locale) == ("game_ads", "popup", "zh")
    storage = app.extensions["tipline_storage"]
    evidence = {e.kind: e for e in db.session.scalars(select(Evidence).where(Evidence.tip_id == tip.id))}
    assert set(evidence) == {"image", "pdf"}
    image = evidence["image"]
    assert image.state == READY and image.thumbnail_key, (image.state, image.check_note)
    assert evidence["pdf"].state == READY, evidence["pdf"].check_note
    stored = storage.read(image.storage_key)
    assert stored != photo
    with Image.open(io.BytesIO(stored)) as kept:
        assert kept.format == "JPEG"
        assert not kept.getexif().get_ifd(GPS_IFD)
        assert len(kept.getexif()) == 0
        assert "exif" not in kept.info
    with Image.open(io.BytesIO(storage.read(image.thumbnail_key))) as thumb:
        assert thumb.format == "JPEG"


def test_report_in_english_then_switch_to_chinese(live_server, demo_platforms, page):
    pg = page(language="en-US")
    pg.goto(live_server + "/report")
    expect(pg.locator("html")).to_have_attribute("lang", "en")

    pg.locator("#platform_name").press_sequentially("Xinghuo")
    pg.locator("#platform-suggestions").get_by_role("option", name=re.compile("Xinghuo Academy")).click()
    expect(pg.locator("#platform_id")).to_have_value(str(platform_id("星火学堂")))
    pg.get_by_label("What is the problem?").select_option("game_ads")
    pg.get_by_label("Where did you see it?").select_option("live")
    pg.get_by_label("What happened?").fill(DESCRIPTION_EN)
    pg.get_by_role("button", name="Send the report").click()

    expect(pg.get_by_role("heading", level=1)).to_have_text("Thank you. Your report is received.")
    expect(pg.locator("html")).to_have_attribute("lang", "en")
    code = read_receipt(pg)

    open_tip(pg, live_server, code)
    expect(pg.get_by_test_id("public-status")).to_have_text("Received")

    pg.get_by_role("navigation", name="Language").get_by_role("link", name="中文").click()
    expect(pg).to_have_url(re.compile(re.escape(live_server) + r"/track/tip\??$"))
    expect(pg.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(pg.get_by_test_id("public-status")).to_have_text("已受理")
    expect(pg.get_by_role("navigation", name=re.compile(".")).get_by_role("link", name="English")).to_be_visible()


def test_report_without_javascript(live_server, demo_platforms, page):
    pg = page(language="zh-CN", javascript=False)
    pg.goto(live_server + "/report")
    form = pg.locator("form.report-form")

    # The no-script search: a button that lists matching platforms as radios.
    pg.locator("#platform_name").fill("小树")
    pg.locator("#category").select_option("ad_diversion")
    find = form.locator("[name=find_platform]")
    expect(find).to_be_visible()  # without script the search button shows
    expect(find).to_have_attribute("value", HAN)
    with pg.expect_navigation():
        find.click()
    matches = pg.locator("fieldset.matches")
    expect(matches.get_by_role("radio")).to_have_count(2)  # the platform, and "none of these"
    expect(pg.locator("#category")).to_have_value("ad_diversion")
    matches.get_by_role("radio", name=re.compile("小树苗英语")).check()

    # Too short a description: the form comes back with what was typed.
    pg.locator("#location").select_option("live")
    pg.locator("#description").fill("太短了")
    with pg.expect_navigation() as navigation:
        submit_button(pg, form).click()
    assert navigation.value.status == 400
    expect(pg.get_by_role("alert")).to_be_visible()
    expect(pg.get_by_role("alert").get_by_role("link")).to_have_count(1)
    expect(pg.get_by_role("alert")).to_contain_text("10")
    expect(pg.locator("#description")).to_have_value("太短了")
    expect(pg.locator("#description")).to_have_attribute("aria-invalid", "true")
    expect(pg.locator("#category")).to_have_value("ad_diversion")
    expect(pg.locator("#location")).to_have_value("live")
    expect(pg.locator("#platform_id")).to_have_value(str(platform_id("小树苗英语")))
    expect(pg.locator("#platform-chosen")).to_contain_text("小树苗英语")

    pg.locator("#description").fill("外教直播课中间插播与课程无关的广告，引导孩子下载其他应用。")
    submit_button(pg, form).click()
    read_receipt(pg)
    expect(pg.get_by_role("button", name="打印")).to_be_hidden()  # no dead button without script

    db.session.expire_all()
    tip = db.session.scalars(select(Tip)).one()
    assert tip.platform_id == platform_id("小树苗英语")
    assert (tip.category, tip.location) == ("ad_diversion", "live")


LABELLESS_CONTROLS = """() => {
  const controls = Array.from(document.querySelectorAll("input, select, textarea"))
    .filter(el => !["hidden", "submit", "button", "reset", "image"].includes(el.type) && el.checkVisibility());
  return {
    checked: controls.length,
    missing: controls.filter(el => !el.labels || el.labels.length === 0).map(el => el.name || el.id || el.outerHTML),
  };
}"""


def test_report_form_labels_and_keyboard(live_server, page):
    pg = page(language="zh-CN")
    pg.goto(live_server + "/report")

    found = pg.evaluate(LABELLESS_CONTROLS)
    assert found["checked"] >= 10, found  # name, category, location, description, url, time, files, you are, contact x3
    assert found["missing"] == [], found

    # The first Tab from the top of the page lands on the skip link, which then shows.
    pg.keyboard.press("Tab")
    skip = pg.locator("a.skip")
    expect(skip).to_be_focused()
    expect(skip).to_have_attribute("href", "#main")
    expect(skip).to_be_in_viewport()
    pg.keyboard.press("Enter")
    expect(pg.locator("main#main")).to_be_focused()

    # From the content the keyboard reaches the platform field before any other form control.
    for _ in range(5):
        pg.keyboard.press("Tab")
        if pg.evaluate("document.activeElement.id") == "platform_name":
            break
    expect(pg.locator("#platform_name")).to_be_focused()


def test_a_busy_address_a_big_file_and_a_receipt_kept_on_a_phone(app, live_server, demo_platforms, page):
    # Bugs caught: stamp.js computing work the server refuses, or not holding the form until it is done;
    # an oversized file refused only by a browser bubble, not named on the page; the receipt page without
    # a language switch, losing its code on the switch, or offering a download a phone cannot save.
    from tipline import fairness

    app.config["FAIR_FREE_REPORTS"] = 1
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        fairness.record(fairness.REPORT)  # a report from this address already: the next needs a stamp
    pg = page(language="en-US", phone=True)
    pg.goto(live_server + "/report")
    expect(pg.locator("#stamp-note")).to_be_visible()
    pg.locator("#platform_name").press_sequentially("Xinghuo")
    pg.locator("#platform-suggestions").get_by_role("option", name=re.compile("Xinghuo Academy")).click()
    pg.get_by_label("What is the problem?").select_option("game_ads")
    pg.get_by_label("Where did you see it?").select_option("live")
    pg.get_by_label("What happened?").fill(DESCRIPTION_EN)

    big = {"name": "lesson.mp4", "mimeType": "video/mp4", "buffer": b"\0" * (20 * 1024 * 1024 + 1)}
    pg.locator("#evidence").set_input_files([big])
    expect(pg.get_by_role("alert")).to_have_text("lesson.mp4: a file may be at most 20 MB.")
    pg.get_by_role("button", name="Send the report").click()
    expect(pg.locator("#evidence")).to_be_focused()  # held back, and the reporter is taken to the file
    expect(pg).to_have_url(live_server + "/report")
    pg.locator("#evidence").set_input_files([])
    expect(pg.get_by_role("alert")).to_be_hidden()
    with pg.expect_request(lambda r: r.method == "POST" and r.url.endswith("/report")) as sent:
        pg.get_by_role("button", name="Send the report").click()
    work = re.search(rb'name="stamp_work"\r\n\r\n(\d*)\r\n', sent.value.post_data_buffer)
    assert work and work.group(1), "the browser sent no work"  # not taken by waiting out the time-lock
    code = read_receipt(pg)
    assert db.session.scalar(select(Tip.id)) is not None

    pg.get_by_role("navigation", name="Language").get_by_role("link", name="中文").click()
    expect(pg.locator("html")).to_have_attribute("lang", "zh-Hans")
    assert read_receipt(pg) == code  # the switch keeps the code
    with pg.expect_download() as download:
        pg.get_by_role("link", name="下载为文件").click()
    assert code in Path(download.value.path()).read_text(encoding="utf-8")
    expect(pg.get_by_role("button", name="打印")).to_be_visible()

    pg.get_by_role("button", name="完成：从屏幕上移除回执码").click()
    expect(pg.get_by_role("alert")).to_contain_text("保存好回执码后，请勾选此项。")
    assert read_receipt(pg) == code
    pg.get_by_label("我已抄下、打印或下载了回执码").check()
    pg.get_by_role("button", name="完成：从屏幕上移除回执码").click()
    expect(pg).to_have_url(live_server + "/track")
    expect(pg.get_by_role("status")).to_contain_text("本设备已不再显示您的回执码")
    assert pg.goto(live_server + "/report/receipt").status == 410  # gone for good
    expect(pg.get_by_test_id("receipt-code")).to_have_count(0)


def test_did_you_mean_on_the_page_keeps_the_attached_files(live_server, demo_platforms, page):
    # Bugs caught: a typed "星火" filed apart from the case on 星火学堂; with script, the question asked
    # only after a round trip that drops the attached photo.
    pg = page(language="zh-CN", phone=True)
    pg.goto(live_server + "/report")
    pg.locator("#platform_name").press_sequentially("星火")
    expect(pg.locator("#platform-suggestions").get_by_role("option").first).to_contain_text("星火学堂")
    pg.locator("#category").select_option("game_ads")
    pg.locator("#location").select_option("popup")
    pg.locator("#description").fill(DESCRIPTION_ZH)
    pg.locator("#evidence").set_input_files(
        [{"name": "截图.jpg", "mimeType": "image/jpeg", "buffer": photo_with_gps()}]
    )
    send = submit_button(pg, pg.locator("form.report-form"))
    send.click()
    question = pg.locator("#platform-matches")
    expect(question).to_be_focused()
    expect(pg).to_have_url(live_server + "/report")  # asked on the page, nothing sent yet
    question.get_by_role("radio", name=re.compile("星火学堂")).check()
    send.click()
    read_receipt(pg)
    db.session.expire_all()
    tip = db.session.scalars(select(Tip)).one()
    assert tip.platform_id == platform_id("星火学堂")
    assert db.session.scalar(select(Evidence.id).where(Evidence.tip_id == tip.id)) is not None  # the photo kept
