"""Which language a page speaks: the reporter's choice, else the browser's, else Chinese; and in which time zone."""

from flask import current_app, g, has_app_context, has_request_context, request
from flask_babel import get_locale

LANG_COOKIE = "lang"
# What the language switch accepts, and the locale each stands for.
LANGUAGE_CODES = {"zh": "zh_Hans", "en": "en"}


def select_locale():
    """Flask-Babel's locale selector."""
    if not has_request_context():
        # Commands speak English to operators, like their other output; jobs that
        # write to people choose the person's language explicitly.
        return "en"
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LANGUAGE_CODES:
        return LANGUAGE_CODES[chosen]
    best = request.accept_languages.best_match(["zh-CN", "zh", "en"])
    if best and best.startswith("en"):
        return "en"
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_time_zone():
    """Flask-Babel's time zone selector: the zone a surface chose for this request, else the app's.

    The staff surface chooses its signed-in user's own (cases/blueprint.py); public and
    organisation pages keep the app's. Flask-Babel keeps the answer for the rest of the request.
    """
    return g.get("time_zone") if has_app_context() else None


def current_language():
    """'zh' or 'en': the short code of the page's language."""
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "zh"


def html_lang():
    """The value of <html lang>, as BCP 47."""
    return "en" if current_language() == "en" else "zh-Hans"


def localized(zh, en):
    """Pick the Chinese or English form of a stored bilingual value."""
    return en if current_language() == "en" and en else zh


def missing_catalogs(app):
    """The languages whose compiled catalog (messages.mo) is missing or older than its .po source.

    The .mo files are build output (`pybabel compile -d tipline/translations`), not kept
    in git: a server set up without compiling them shows every page in English.
    """
    from pathlib import Path

    missing = []
    for locale in app.config["LANGUAGES"]:
        found = False
        for directory in app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";"):
            folder = Path(directory) / locale / "LC_MESSAGES"
            mo, po = folder / "messages.mo", folder / "messages.po"
            if mo.is_file() and (not po.is_file() or mo.stat().st_mtime >= po.stat().st_mtime):
                found = True
                break
        if not found:
            missing.append(locale)
    return missing


def check_catalogs(app):
    """At start-up in production: log an error when compiled catalogs are missing (/readyz fails too)."""
    if app.config.get("TIPLINE_ENV") != "production":
        return
    missing = missing_catalogs(app)
    if missing:
        app.logger.error(
            "compiled translation catalogs missing or stale for %s: run `pybabel compile -d tipline/translations`",
            ", ".join(missing),
        )
