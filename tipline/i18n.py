"""Which language a page speaks: the reporter's choice, else the browser's, else Chinese."""

from flask import current_app, has_request_context, request
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
