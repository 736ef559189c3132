"""The work queue in a real browser without JavaScript: sorting by a header, ticking cases and assigning
them together, saving a filter; on a phone and a desktop, in both languages, it fits and passes axe-core.

PostgreSQL only, headless Debian Chromium.
"""

import pytest
from playwright.sync_api import expect

from cases.models import Case
from tests.browser.checks import check_page
from tests.browser.conftest import sign_in_staff
from tests.cases.conftest import HAIDIAN, file_tip  # noqa: F401  (fixture)
from tipline.extensions import db

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database", ["postgresql"], indirect=True),
]


def test_the_queue_sorts_assigns_in_bulk_and_saves_filters_without_javascript(
    live_server,
    page,
    make_staff,
    make_platform,
    file_tip,  # noqa: F811  (fixture)
):
    """Catches a queue that needs JavaScript for its bulk form, a sorted header keyboard users cannot reach,
    and a table that pushes the page sideways on a phone."""
    supervisor = make_staff("supervisor", "cyberspace", HAIDIAN)
    officer = make_staff("officer", "cyberspace", HAIDIAN)
    officer.name = "王明"
    db.session.commit()
    cases = [file_tip(make_platform(region_code=HAIDIAN), "game_ads").case_id for _ in range(3)]
    pg = page(language="en-US", javascript=False)
    sign_in_staff(pg, live_server, supervisor)

    pg.get_by_role("link", name="Deadline").focus()
    pg.keyboard.press("Enter")
    expect(pg.locator('th[aria-sort="ascending"]')).to_contain_text("Deadline")
    assert "sort=deadline" in pg.url

    pg.get_by_label(f"Choose case #{cases[0]}").check()
    pg.get_by_label(f"Choose case #{cases[2]}").check()
    pg.locator("#bulk-assignee").select_option(str(officer.id))
    pg.get_by_role("button", name="Assign the chosen cases").click()
    expect(pg.locator(".notice[role=status]")).to_contain_text("2 cases assigned.")
    assert "sort=deadline" in pg.url  # back to the queue as it was
    db.session.expire_all()
    assert [db.session.get(Case, n).assignee_id for n in cases] == [officer.id, None, officer.id]

    pg.locator("details.save-filter > summary").click()  # folded away until wanted
    pg.get_by_label("Save these filters as").fill("By deadline")
    pg.get_by_role("button", name="Save filter").click()
    expect(pg.locator(".saved-list a[aria-current]")).to_have_text("By deadline")

    problems = []
    for chinese in (False, True):
        for phone in (True, False):
            other = page(language="en-US", phone=phone)
            sign_in_staff(other, live_server, supervisor)
            if chinese:  # the staff pages in Chinese, as the language link chooses
                other.get_by_role("link", name="中文").click()
                expect(other.locator("html")).to_have_attribute("lang", "zh-Hans")
            other.goto(f"{live_server}/staff/?sort=reports&dir=desc")
            what = f"the work queue ({'Chinese' if chinese else 'English'}, {'phone' if phone else 'desktop'})"
            problems += check_page(other, what)
    assert not problems, "\n".join(problems)
