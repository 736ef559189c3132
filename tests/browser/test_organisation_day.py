"""A parent committee's first day, on a phone in Chromium: register, confirm the address from the mail, be verified
by staff, invite a member who reports and collects a parent's receipt code, see both tips with their status,
download the CSV, upload a batch with a bad line, fix it, and watch it import.
"""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from tests.browser.checks import check_page
from tests.browser.conftest import sign_in_staff
from tests.organisations.helpers import PASSWORD, mailed_link
from tests.tipline.images import png_image
from tipline.extensions import db
from tipline.reports.service import TipSubmission, submit_tip

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database", ["postgresql"], indirect=True),
]

ADMIN, NEWCOMER = "jwh@haidian-school.example", "li.parent@example.org"
BAD_BATCH = (
    "平台,问题类型,发现位置,描述,网址,发现时间\n"
    "云朵网课,game_ads,popup,作业批改页面反复弹出网络游戏充值广告，孩子无法专心写作业。,,\n"
    "启航数学,不存在的类型,feed,课程推荐流里出现低俗图片广告，上课期间学生可见。,,\n"
)


def parent_tip():
    """A tip a parent filed alone; the parent hands its receipt code to the committee."""
    _tip, code = submit_tip(
        TipSubmission(
            platform_name="星火学堂",
            category="game_ads",
            location="popup",
            description="孩子上数学直播课时，画面中间反复弹出手机游戏广告，关掉后又弹出来。",
            reporter_type="parent",
            locale="zh_Hans",
            client="198.51.100.7",
        ),
        [],
    )
    db.session.commit()
    return code


def submit(pg, form):
    form.locator("[type=submit]").last.click()
    pg.wait_for_load_state("load")


def test_a_parent_committees_first_day_on_a_phone(smtp_server, app, live_server, page, make_staff, demo_platforms):
    base = live_server
    pg = page(phone=True)
    problems = []

    # Register, with a proof document, as a parent committee that names its school.
    pg.goto(base + "/org/register")
    problems += check_page(pg, "register")
    pg.set_viewport_size({"width": 390, "height": 844})
    form = pg.locator("form.narrow")
    form.locator("#name").fill("海淀实验小学家长委员会")
    form.locator("input[name=kind][value=parent_committee]").check()
    form.locator("#school_name").fill("海淀实验小学")
    form.locator("#region").select_option("110108")
    form.locator("#contact_name").fill("周女士")
    form.locator("#email").fill(ADMIN)
    form.locator("#phone").fill("13800138000")
    form.locator("#proof").set_input_files({"name": "证明.png", "mimeType": "image/png", "buffer": png_image()})
    form.locator("#password").fill(PASSWORD)
    submit(pg, form)
    expect(pg).to_have_url(base + "/org/registered")

    # Confirm the address from the mail the SMTP server received.
    [mail] = smtp_server.to(ADMIN)
    kind, token = mailed_link(mail)
    assert kind == "confirm"
    pg.goto(f"{base}/org/confirm/{token}")
    submit(pg, pg.locator("main form"))
    expect(pg).to_have_url(re.compile(re.escape(base + "/org/login")))

    # Staff verify it, after opening its page.
    intake = make_staff("intake", "cyberspace", "110000")
    staff_page = page(language="en")
    sign_in_staff(staff_page, base, intake)
    staff_page.goto(base + "/staff/organisations")
    staff_page.get_by_role("link", name="海淀实验小学家长委员会").click()
    staff_page.locator("button[value=verify]").click()
    expect(staff_page.locator("h1 .badge")).to_have_text("verified")
    assert "已通过认证" in smtp_server.to(ADMIN)[-1]["Subject"]  # told in the language it registered in

    # The administrator signs in and invites a member.
    form = pg.locator("main form.narrow")
    form.locator("#email").fill(ADMIN)
    form.locator("#password").fill(PASSWORD)
    submit(pg, form)
    expect(pg).to_have_url(base + "/org/")
    pg.goto(base + "/org/members")
    form = pg.locator("form[action='/org/members/invite']")
    form.locator("#invite-email").fill(NEWCOMER)
    submit(pg, form)
    problems += check_page(pg, "members")
    pg.set_viewport_size({"width": 390, "height": 844})
    _kind, invitation = mailed_link(smtp_server.to(NEWCOMER)[0])

    # The member joins on their own phone, reports, and collects a parent's receipt code.
    member = page(phone=True)
    member.goto(f"{base}/org/join/{invitation}")
    form = member.locator("main form.narrow")
    form.locator("#name").fill("李家长")
    form.locator("#password").fill("amber tides under cedar hills")
    submit(member, form)
    expect(member).to_have_url(base + "/org/")
    member.goto(base + "/report")
    expect(member.locator(".filing-for")).to_contain_text("海淀实验小学家长委员会")
    expect(member.locator("#reporter_type")).to_have_value("parent_committee")
    form = member.locator("form.report-form")
    form.locator("#platform_name").fill("云朵网课")
    # The registry's exact name: once the suggestions are in, sending files under that platform, not asking.
    expect(member.locator("#platform-suggestions")).to_be_visible()
    form.locator("#category").select_option("game_ads")
    form.locator("#location").select_option("popup")
    form.locator("#description").fill("家委会汇总：多名家长反映作业批改页面弹出游戏充值广告，点开直接进入支付页面。")
    member.keyboard.press("Escape")
    submit(member, form)
    expect(member.get_by_test_id("receipt-code")).to_be_visible()
    member.locator(".receipt a[href^='/org/tips/']").click()
    filed_id = int(member.url.rsplit("/", 1)[1])

    member.goto(base + "/org/")
    form = member.locator("form[action='/org/collect']")
    form.locator("#collect-code").fill(parent_tip())
    submit(member, form)
    expect(member).to_have_url(re.compile(re.escape(base + "/org/tips/")))
    collected_id = int(member.url.rsplit("/", 1)[1])

    # Both tips in the list, with their status; the CSV holds them too.
    member.goto(base + "/org/")
    problems += check_page(member, "list")
    member.set_viewport_size({"width": 390, "height": 844})
    rows = member.locator("table.org-tips tbody tr")
    expect(rows).to_have_count(2)
    for tip_id in (filed_id, collected_id):
        row = member.locator("tr", has=member.locator(f"a[href='/org/tips/{tip_id}']"))
        expect(row).to_contain_text("已受理")
    with member.expect_download() as download:
        member.locator("a[href^='/org/tips.csv']").click()
    data = open(download.value.path(), "rb").read()
    assert data.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert sorted(line[0] for line in lines[1:]) == sorted([f"#{filed_id}", f"#{collected_id}"])

    # A batch with a bad line imports nothing and names the line; fixed, it imports.
    member.goto(base + "/org/batch")
    form = member.locator("form[action='/org/batch']")
    form.locator("input[type=file]").set_input_files(
        {"name": "batch.csv", "mimeType": "text/csv", "buffer": BAD_BATCH.encode("gb18030")}
    )
    submit(member, form)
    errors = member.get_by_test_id("batch-errors")
    expect(errors).to_be_visible()
    expect(errors.locator("tbody tr")).to_have_count(1)
    expect(errors.locator("tbody tr td").first).to_have_text("3")
    problems += check_page(member, "batch errors")
    member.set_viewport_size({"width": 390, "height": 844})
    form = member.locator("form[action='/org/batch']")
    fixed = BAD_BATCH.replace("不存在的类型", "vulgar")
    form.locator("input[type=file]").set_input_files(
        {"name": "batch.csv", "mimeType": "text/csv", "buffer": fixed.encode("gb18030")}
    )
    submit(member, form)
    expect(member).to_have_url(re.compile(re.escape(base + "/org/batch/")))
    member.goto(base + "/org/")
    expect(member.locator("table.org-tips tbody tr")).to_have_count(4)

    assert not problems, "\n".join(problems)
