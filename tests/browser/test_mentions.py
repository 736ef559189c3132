"""@mentions in a real browser: typing @ and a name's start in a note offers colleagues, by keyboard or pointer.

A cyberspace officer in Haidian writes a note on a case. Typing "@wa" opens a list
under the text box (static/js/mention.js) with the colleagues whose names or
emails start so, those of the case's own department first; arrows move through it,
Escape closes it, Enter or a click writes "@handle " into the note. The note, once
sent, notifies exactly the colleagues picked.

PostgreSQL only, headless Debian Chromium, staff pages in English.
"""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlalchemy import select

from cases.notices import Notice
from tests.browser.conftest import sign_in_staff
from tests.cases.conftest import file_tip  # noqa: F401  (fixture)
from tipline.extensions import db

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database", ["postgresql"], indirect=True),
]

HAIDIAN = "110108"
SERIOUS = ("serious", "critical")


@pytest.fixture
def scene(make_platform, file_tip, make_staff):  # noqa: F811  (fixture)
    """A Haidian case led by the cyberspace department, its author, and two colleagues whose names start "wa"."""
    case = file_tip(make_platform(region_code=HAIDIAN), "game_ads").case

    def person(name, email, department):
        made = make_staff("officer", department, HAIDIAN, email=email)
        made.name = name
        return made

    author = person("Chen Jie", "chen.jie@example.com", "cyberspace")
    fang = person("Wang Fang", "wang.fang@example.com", "cyberspace")  # a space in the name: her email's part
    wei = person("王伟", "wang.wei@example.com", "education")
    db.session.commit()
    return case, author, fang, wei


def note_box(pg):
    """The note's text box, which the case page must mark for suggestions."""
    box = pg.locator("form[action$='/notes'] textarea")
    expect(box).to_have_attribute("data-mentions", re.compile(r"/staff/cases/\d+/people$"))
    return box


def test_picking_colleagues_by_keyboard_and_pointer_notifies_them(live_server, page, scene):
    case, author, fang, wei = scene
    pg = page(language="en")
    sign_in_staff(pg, live_server, author)
    pg.goto(f"{live_server}/staff/cases/{case.id}")
    box = note_box(pg)
    box_id = box.get_attribute("id")
    listbox = pg.locator(f"#{box_id}-mentions")
    options = listbox.locator("[role=option]")

    box.click()
    box.press_sequentially("请 @wa")
    expect(listbox).to_be_visible()
    expect(listbox).to_have_attribute("role", "listbox")
    expect(box).to_have_attribute("aria-controls", f"{box_id}-mentions")
    expect(options).to_have_count(2)
    expect(options.nth(0)).to_contain_text("Wang Fang")  # the case's own department first
    expect(options.nth(0)).to_contain_text("@wang.fang")
    expect(options.nth(1)).to_contain_text("王伟")
    expect(options.nth(1)).to_contain_text("Education department")
    first, second = options.nth(0).get_attribute("id"), options.nth(1).get_attribute("id")
    expect(box).to_have_attribute("aria-activedescendant", first)
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")

    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", second)
    box.press("ArrowDown")  # round to the top
    expect(box).to_have_attribute("aria-activedescendant", first)
    box.press("ArrowUp")
    expect(box).to_have_attribute("aria-activedescendant", second)
    box.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).not_to_have_attribute("aria-activedescendant", re.compile(".*"))
    box.press_sequentially("n")  # the same @word: it stays closed once dismissed
    pg.wait_for_timeout(400)
    expect(listbox).to_be_hidden()

    box.press_sequentially(" 和 @王")  # a new @word opens it again
    expect(options).to_have_count(1)
    box.press("Enter")
    expect(listbox).to_be_hidden()
    expect(box).to_have_value("请 @wan 和 @王伟 ")

    box.press_sequentially("以及 @WANG.F")
    expect(options).to_have_count(1)
    options.nth(0).click()
    expect(box).to_have_value("请 @wan 和 @王伟 以及 @wang.fang ")
    expect(box).to_be_focused()
    box.press_sequentially("核实。")

    pg.locator("form[action$='/notes'] [type=submit]").click()
    expect(pg.get_by_text("请 @wan 和 @王伟 以及 @wang.fang 核实。").first).to_be_visible()
    db.session.expire_all()
    notified = db.session.scalars(select(Notice.user_id).where(Notice.kind == "mentioned")).all()
    assert sorted(notified) == sorted([fang.id, wei.id])


def test_the_list_fits_a_phone_and_tab_picks(live_server, page, scene):
    case, author, fang, wei = scene
    pg = page(language="en", phone=True)
    sign_in_staff(pg, live_server, author)
    pg.goto(f"{live_server}/staff/cases/{case.id}")
    box = note_box(pg)
    listbox = pg.locator(f"#{box.get_attribute('id')}-mentions")
    box.click()
    box.press_sequentially("@wang")
    expect(listbox.locator("[role=option]")).to_have_count(2)
    frame = listbox.bounding_box()
    assert frame["x"] >= 0 and frame["x"] + frame["width"] <= 390, frame
    # The open list and the text box that controls it: nothing axe-core calls serious (a textarea may
    # carry neither role=combobox nor aria-expanded, so the script gives it neither).
    violations = Axe().run(pg, context={"include": [["form[action$='/notes']"]]}).response["violations"]
    serious = [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations if v["impact"] in SERIOUS]
    assert not serious, serious
    box.press("Tab")
    expect(box).to_have_value("@wang.fang ")
    expect(box).to_be_focused()
