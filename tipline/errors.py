"""Error pages in the page's language, and the CSRF failures and limits that keep what was typed."""

from datetime import datetime, timezone

from flask import current_app, g, make_response, render_template, request
from flask_babel import format_time
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from tipline.api.problems import ApiProblem, field_errors, refused
from tipline.open311.formats import Open311Error
from tipline.timeutil import utcnow


def _page(status, title, message, errors=None):
    """The error as a page, as problem details (RFC 9457) for the JSON API, or as GeoReport v2 errors."""
    from tipline.api.problems import is_api_request, problem
    from tipline.open311.formats import Open311Error

    if is_api_request():
        return problem(status, title, message, errors), status
    if request.path.startswith("/open311/"):
        return Open311Error(status, message or title).response(), status
    return render_template("tipline/error.html", status=status, title=title, message=message), status


def _retry_at():
    """When the limit a request broke lets it through again (UTC), or None when no limit says."""
    from tipline.extensions import limiter

    breached = limiter.current_limit
    if breached is None or not breached.breached:
        return None
    return datetime.fromtimestamp(breached.reset_at, timezone.utc).replace(tzinfo=None)


def retry_text(retry_at):
    """When to try again, in the page's language and time zone."""
    if retry_at is None:
        return _("Please wait a while before trying again.")
    minutes = max(1, -(-int((retry_at - utcnow()).total_seconds()) // 60))
    return _(
        "Try again after %(time)s (in %(minutes)d minutes).",
        time=format_time(retry_at, "short"),
        minutes=minutes,
    )


def register_errorhandlers(app):
    """Install the handlers: every error a clear page, never a bare 500 from input."""

    @app.errorhandler(CSRFError)
    def csrf_failed(error):
        view = current_app.view_functions.get(request.endpoint)
        if getattr(view, "keeps_input", False):
            # Re-show the form with what was typed. The flag makes every form's
            # validation fail, so the view cannot act on this request.
            g.csrf_failed = True
            try:
                response = make_response(view(**(request.view_args or {})))
            except RateLimitExceeded:
                return too_many(None)
            if response.status_code >= 400:
                return response
        return _page(400, _("The form has expired"), _("Go back, reload the page and send the form again."))

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error):
        mb = app.config["EVIDENCE_MAX_TOTAL_BYTES"] // (1024 * 1024)
        return _page(
            413,
            _("What you sent is too large"),
            _(
                "All files together may be at most %(mb)d MB. Go back, remove some files and send again.",
                mb=mb,
            ),
        )

    @app.errorhandler(429)
    def too_many(error):
        retry_at = _retry_at()
        view = current_app.view_functions.get(request.endpoint)
        if getattr(view, "keeps_input", False) and request.method == "POST" and "limit_refused" not in g:
            # Re-show the form as it was sent, saying when to try again. The flag makes the
            # form's validation fail (nothing is acted on) and lets this one request past
            # the limiter (tipline/extensions.py).
            g.limit_refused = retry_text(retry_at)
            response = make_response(view(**(request.view_args or {})))
            response.status_code = 429
        else:
            response = make_response(*_page(429, _("Too many attempts"), retry_text(retry_at)))
        if retry_at is not None:
            response.headers["Retry-After"] = str(max(1, int((retry_at - utcnow()).total_seconds())))
        return response

    @app.errorhandler(404)
    def not_found(error):
        return _page(404, _("Page not found"), _("There is no page at this address."))

    @app.errorhandler(ApiProblem)
    def api_problem(error):
        return error.response()

    @app.errorhandler(Open311Error)
    def open311_error(error):
        return error.response()

    @app.errorhandler(405)
    def not_allowed(error):
        response = make_response(
            *_page(405, _("Method not allowed"), _("This address does not take that kind of request."))
        )
        for name, value in error.get_headers():
            if name == "Allow":
                response.headers["Allow"] = value
        return response

    @app.errorhandler(HTTPException)
    def http_error(error):
        messages = (getattr(error, "data", None) or {}).get("messages")
        if messages is not None:  # the API's arguments, refused by their schema (webargs, 422)
            return refused(field_errors(messages)).response()
        return _page(error.code or 500, _("Something went wrong"), _("The request could not be completed."))

    @app.errorhandler(500)
    def server_error(error):
        return _page(500, _("Something went wrong"), _("The error is logged. Please try again later."))
