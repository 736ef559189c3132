"""Small helpers for views: response headers, and input kept across a failed CSRF check or a limit."""

import time
from urllib.parse import urlsplit

from flask import make_response

SECURITY_HEADERS = {
    # Scripts and styles only from our own static folder; no framing; no referrer
    # leaves a tip page for another site.
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def check_origin():
    """before_request hook: a form sent from another site is a CSRF attempt, token or not."""
    from flask import request
    from flask_wtf.csrf import CSRFError

    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        origin = request.headers.get("Origin")
        if origin and origin != "null" and origin.rstrip("/") != request.host_url.rstrip("/"):
            raise CSRFError("The request came from another site.")


# Every answer of the staff and organisation surfaces holds case data or leads to it:
# no browser or proxy cache may keep any of them, whatever the view set.
PRIVATE_SURFACES = ("/staff", "/org")
# Production is served over HTTPS only: browsers must never fall back to plain HTTP (one year).
HSTS = "max-age=31536000; includeSubDomains"


def is_private_path(path):
    """Whether a request path lies on the staff or organisation surface."""
    return any(path == prefix or path.startswith(prefix + "/") for prefix in PRIVATE_SURFACES)


def add_security_headers(response):
    """after_request hook: the headers every answer carries."""
    from flask import current_app, request

    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if is_private_path(request.path) and "no-store" not in response.cache_control:
        response.headers["Cache-Control"] = "no-store"
    if current_app.config.get("TIPLINE_ENV") == "production":
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def no_store(body, status=200):
    """A response that no cache may keep (receipt codes, tip pages)."""
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def keeps_input(view):
    """Mark a form view that re-renders itself, keeping what was typed, when the CSRF token fails
    or a rate limit refuses the request (tipline/errors.py)."""
    view.keeps_input = True
    return view


def safe_next(target, default="/"):
    """A local path to return to, never another site."""
    if not target or not isinstance(target, str) or len(target) > 1000:
        return default
    if any(not ch.isprintable() for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


MAX_ROW_ID = 2**31 - 1


def parse_row_id(text):
    """A row id typed or posted as text, or None when it cannot be one."""
    text = (text or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ROW_ID else None


def note_request_start():
    """Before each request of a sign-in surface: when it began, for answer_failure_late."""
    from flask import request

    request.tipline_started = time.monotonic()


def answer_failure_late():
    """Hold a failed sign-in until LOGIN_FAILURE_DELAY after the request began.

    A fixed answer time, not a fixed extra wait: a real account's failure writes a count (and
    an audit row) that an unknown address does not, and a fixed extra would let that show.
    """
    from flask import current_app, request

    started = getattr(request, "tipline_started", None) or time.monotonic()
    time.sleep(max(0.0, started + current_app.config["LOGIN_FAILURE_DELAY"] - time.monotonic()))
