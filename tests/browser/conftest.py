"""Browser fixtures: the app served on a real port, and headless Chromium driven by Playwright.

Browser tests run on PostgreSQL only; each marks itself with
`@pytest.mark.parametrize("database", ["postgresql"], indirect=True)`.
Debian's Chromium is used; no browser is ever downloaded. When it is missing
the tests fail (never skip) and say so.
"""

import os
import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
TIMEOUT_MS = 10_000


@pytest.fixture
def live_server(app):
    """The test's app served over HTTP on a free local port; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance):
    """One headless Chromium for the session: Debian's, never a downloaded one."""
    if not Path(CHROMIUM).exists() or not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's Chromium "
            "(apt-get install chromium). Do not run `playwright install`.",
            pytrace=False,
        )
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page(browser):
    """Factory: a fresh page in a context of its own.

    page(language="zh-CN", phone=False, javascript=True) -> playwright Page.
    `language` is both the browser locale and the Accept-Language header.
    """
    contexts = []

    def make(language="zh-CN", phone=False, javascript=True):
        accept = "zh-CN,zh;q=0.9" if language.startswith("zh") else f"{language},{language.split('-')[0]};q=0.9"
        context = browser.new_context(
            locale=language,
            extra_http_headers={"Accept-Language": accept},
            java_script_enabled=javascript,
            **(PHONE if phone else DESKTOP),
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def demo_platforms(app):
    """The demo filing list, loaded with the app's own importer."""
    from tipline.extensions import db
    from tipline.platforms.importer import import_platforms

    report = import_platforms((ROOT / "tipline" / "data" / "demo_platforms.csv").read_bytes())
    db.session.commit()
    assert report.created and not report.refused, report
    return report


def sign_in_staff(pg, base, user):
    """Sign a member of staff in on an English page; ends on the work queue."""
    from playwright.sync_api import expect

    from tests.conftest import PASSWORD, totp_code, totp_secret

    pg.goto(base + "/staff/login")
    expect(pg.locator("html")).to_have_attribute("lang", "en")
    form = pg.locator("form.narrow")
    form.locator("#email").fill(user.email)
    form.locator("#password").fill(PASSWORD)
    form.locator("[type=submit][name$=submit]").click()
    if totp_secret(user):  # supervisors and admins: the second factor make_staff enrolled
        expect(pg).to_have_url(re.compile(re.escape(base + "/staff/login/code")))
        code = pg.locator("form.narrow")
        code.locator("#code").fill(totp_code(user))
        code.locator("[type=submit][name$=submit]").click()
    expect(pg).to_have_url(base + "/staff/")
