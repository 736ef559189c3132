"""Error pages in the page's language, and the CSRF failure that keeps what was typed."""

from flask import current_app, g, make_response, render_template, request
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge


def _page(status, title, message):
    return render_template("tipline/error.html", status=status, title=title, message=message), status


def register_errorhandlers(app):
    """Install the handlers: every error a clear page, never a bare 500 from input."""

    @app.errorhandler(CSRFError)
    def csrf_failed(error):
        view = current_app.view_functions.get(request.endpoint)
        if getattr(view, "keeps_input_on_csrf_error", False):
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
        return _page(429, _("Too many attempts"), _("Please wait a while before trying again."))

    @app.errorhandler(404)
    def not_found(error):
        return _page(404, _("Page not found"), _("There is no page at this address."))

    @app.errorhandler(HTTPException)
    def http_error(error):
        return _page(error.code or 500, _("Something went wrong"), _("The request could not be completed."))

    @app.errorhandler(500)
    def server_error(error):
        return _page(500, _("Something went wrong"), _("The error is logged. Please try again later."))
