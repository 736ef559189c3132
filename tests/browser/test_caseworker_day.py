"""A caseworker's day in Chromium: triage, joint handling, a message, a mention, an action proposed and approved,
a split and a closing agreed by a supervisor; page loads counted, every failed submit's error seen and focused.

Each submit is one page load that lands back at the section it was sent from, its message there in view;
a failed submit shows its error at the form, in view (not under the summary that stays at the top) and focused.
"""

import re

import pytest
from playwright.sync_api import expect

from cases.models import Case
from tests.browser.checks import check_page
from tests.browser.conftest import sign_in_staff
from tipline.extensions import db
from tipline.reports.service import TipSubmission, submit_tip

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database", ["postgresql"], indirect=True),
]

BEIJING, HAIDIAN = "110000", "110108"
GAME_AD = "孩子上直播数学课时，课程页面弹出网络游戏广告，点击后跳转到游戏下载页面。"
POPUP = "课程页面右侧有浮动窗口，一直推送与学习无关的短视频，关不掉。"
LEGAL_BASIS = "《未成年人保护法》第七十四条：网络产品不得向未成年人推送与教学无关的广告。"


@pytest.fixture
def staff(make_staff):
    return {
        "intake": make_staff("intake", "cyberspace", BEIJING),
        "officer": make_staff("officer", "cyberspace", HAIDIAN),
        "education": make_staff("officer", "education", HAIDIAN),
        "supervisor": make_staff("supervisor", "cyberspace", BEIJING),
    }


@pytest.fixture
def case_id(make_platform):
    """A new case on a white-listed platform in Haidian with two tips: game ads, and a pop-up reported as game ads."""
    platform = make_platform(name="星火学堂", region_code=HAIDIAN, list_status="white")
    tips = []
    for n, text in enumerate((GAME_AD, POPUP)):
        tip, _code = submit_tip(
            TipSubmission(
                platform_id=platform.id,
                platform_name=platform.name,
                category="game_ads",
                location="popup",
                description=text,
                reporter_type="parent",
                locale="zh",
                client=f"203.0.113.{50 + n}",
            ),
            [],
        )
        db.session.commit()
        tips.append(tip)
    assert tips[0].case_id == tips[1].case_id
    return tips[0].case_id


class Loads:
    """Counts full page loads of one browser page (a submit and its redirect count as one), from now on."""

    def __init__(self, pg):
        pg.wait_for_load_state("load")  # the page already shown is not counted
        self.count = 0
        pg.on("load", lambda _page: self.bump())

    def bump(self):
        self.count += 1

    def since(self, mark):
        return self.count - mark


def below_the_summary(pg, locator):
    """True when the element's top is not hidden under the case summary that stays at the top of the screen."""
    box = locator.bounding_box()
    summary = pg.locator("section.case-summary").bounding_box()
    return box is not None and (summary is None or box["y"] >= summary["y"] + summary["height"] - 1)


def refused(pg, section):
    """After a failed submit: the section's error summary is in view, not under the summary bar, and focused."""
    summary = pg.locator(f"#{section} .error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    assert below_the_summary(pg, summary), section
    # Not left at the bottom edge: the fields below it are in view too.
    box, height = summary.bounding_box(), pg.viewport_size["height"]
    assert box["y"] + box["height"] <= 0.75 * height, (section, box, height)


def done(pg, base, case, section, text):
    """After a submit: back on the case at its section, the message said there and in view."""
    expect(pg).to_have_url(f"{base}/staff/cases/{case}#{section}")
    status = pg.locator(f"#{section}").get_by_role("status")
    expect(status).to_contain_text(text)
    expect(status).to_be_in_viewport()
    assert below_the_summary(pg, status), section


def submit(form):
    form.locator("[type=submit][name$=submit]").click()


def test_a_caseworkers_day(live_server, page, staff, case_id):
    base, case = live_server, case_id
    figures = {}

    # Intake: from the queue to the case, a note sent empty, then triage.
    intake = page(language="en")
    sign_in_staff(intake, base, staff["intake"])
    loads = Loads(intake)
    intake.locator("table.queue").get_by_role("link", name=f"#{case}").click()
    note = intake.locator("#note form")
    submit(note)
    refused(intake, "note")
    triage = intake.locator("#next form").first
    triage.locator("select[name=triage-co_department]").select_option("education")
    triage.locator("select[name=triage-assignee]").select_option(str(staff["officer"].id))
    submit(triage)
    done(intake, base, case, "next", "The case is triaged.")
    figures["intake: open, a refused note, triage"] = loads.since(0)
    assert loads.since(0) == 3

    # The case officer: investigating, a message (refused empty, then sent), a note naming a colleague.
    officer = page(language="en")
    sign_in_staff(officer, base, staff["officer"])
    loads = Loads(officer)
    officer.locator("table.queue").get_by_role("link", name=f"#{case}").click()
    officer.locator("#next").get_by_role("button", name="Move to: Under investigation").click()
    done(officer, base, case, "next", "The case is now: Under investigation")
    message = officer.locator("#message form")
    submit(message)
    refused(officer, "message")
    message.locator("textarea[name=message-body]").fill("您好，请问广告出现在哪个年级的课程中？")
    submit(message)
    done(officer, base, case, "message", "Message sent.")
    handle = staff["education"].email.split("@")[0]
    officer.locator("#note textarea[name=note-body]").fill(f"@{handle} 请教育部门核查该平台的备案与课程内容。")
    submit(officer.locator("#note form"))
    done(officer, base, case, "note", "Note added.")
    expect(officer.locator("#timeline ol.timeline > li").first.locator("blockquote")).to_contain_text("请教育部门核查")

    # An action proposed: refused without its legal basis, then proposed.
    officer.locator("#actions details.propose > summary").click()
    propose = officer.locator("#actions form").last
    propose.locator("select[name=action-type]").select_option("interview")
    submit(propose)
    refused(officer, "actions")
    propose = officer.locator("#actions form").last
    propose.locator("textarea[name=action-legal_basis]").fill(LEGAL_BASIS)
    propose.locator("textarea[name=action-public_reason]").fill("平台在课程页面向未成年人推送网络游戏广告。")
    submit(propose)
    done(officer, base, case, "actions", "The action is proposed")

    # The pop-up tip split off under its own problem: refused with no report chosen, then split.
    officer.locator("#split > summary").click()
    split = officer.locator("#split form")
    split.locator("textarea[name=split-reason]").fill("弹窗问题另案处理。")
    submit(split)
    refused(officer, "merge")
    split = officer.locator("#split form")
    split.get_by_label(re.compile("课程页面右侧有浮动窗口")).check()
    split.locator("select[name=split-category]").select_option("page_surroundings")
    submit(split)
    db.session.expire_all()
    other = db.session.scalars(db.select(Case.id).where(Case.id != case).order_by(Case.id.desc())).first()
    done(officer, base, other, "timeline", f"now in case #{other}")

    # Closing: refused without the confirmation, then proposed (the platform is listed: a supervisor must agree).
    officer.goto(f"{base}/staff/cases/{case}")
    officer.locator("#close > summary").click()
    close = officer.locator("#close form")
    close.locator("input[name=close-to_state][value=closed_founded]").check()
    close.locator("textarea[name=close-reason]").fill("平台已接受约谈并承诺整改，课程页面游戏广告已下线。")
    close.locator("[name=close-submit]").click()
    refused(officer, "next")
    close = officer.locator("#close form")
    close.locator("input[name=close-confirmed]").check()
    close.locator("[name=close-submit]").click()
    done(officer, base, case, "next", "waits for a supervisor's agreement")
    figures["officer: 4 changes, 3 refused submits, a split, a closing proposed"] = loads.since(0)
    assert loads.since(0) == 12

    # The supervisor: both waiting on the approvals list; approve the action, agree to the closing.
    supervisor = page(language="en")
    sign_in_staff(supervisor, base, staff["supervisor"])
    loads = Loads(supervisor)
    supervisor.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile("Approvals")).click()
    waiting = supervisor.locator("main").get_by_role("link", name=f"#{case}")
    expect(waiting).to_have_count(2)  # the action, and the closing
    waiting.first.click()
    decide = supervisor.locator("#actions form").first
    decide.locator("textarea").fill("同意约谈。")
    decide.get_by_role("button", name="Approve").click()
    done(supervisor, base, case, "actions", "Decision recorded.")
    supervisor.locator("#closing-waiting").get_by_role("button", name="Agree: close the case").click()
    done(supervisor, base, case, "next", "The case is now: Closed: founded")
    figures["supervisor: approvals list, an action approved, a closing agreed"] = loads.since(0)
    assert loads.since(0) == 4

    # The colleague named in the note hears of it.
    education = page(language="en")
    sign_in_staff(education, base, staff["education"])
    education.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile("Notices")).click()
    expect(education.locator("main")).to_contain_text(f"mentioned you in a note on case #{case}")
    print("page loads:", figures)


@pytest.mark.parametrize("language", ["en-US", "zh-CN"])
def test_the_staff_pages_pass_axe_on_every_screen(live_server, page, staff, case_id, language):
    """Bugs caught: a form control without a label, text below AA contrast, a page scrolling sideways on a phone."""
    base, case = live_server, case_id
    problems = []
    for role, paths in (
        ("officer", ["/staff/", f"/staff/cases/{case}", "/staff/tasks", "/staff/notices", "/staff/account"]),
        ("supervisor", ["/staff/approvals", "/staff/admin/audit", "/staff/statements"]),
        ("intake", ["/staff/junk"]),
    ):
        pg = page(language="en-US")  # the sign-in helper reads the English page
        sign_in_staff_in(pg, base, staff[role], language)
        for path in paths:
            pg.set_viewport_size({"width": 1280, "height": 800})
            pg.goto(base + path)
            expect(pg.locator("main")).to_be_visible()
            problems += check_page(pg, f"{role} {path}")
    assert not problems, "\n".join(problems)


def sign_in_staff_in(pg, base, user, language):
    """Sign in (the sign-in helper speaks English), then work in `language`."""
    sign_in_staff(pg, base, user)
    code = "zh" if language.startswith("zh") else "en"
    pg.goto(f"{base}/lang/{code}?next=/staff/")
    expect(pg.locator("html")).to_have_attribute("lang", "zh-Hans" if code == "zh" else "en")
