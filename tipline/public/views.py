"""The home page, the language switch and the health checks."""

from flask import Blueprint, current_app, jsonify, make_response, redirect, render_template, request
from sqlalchemy import text

from tipline import catalog
from tipline.extensions import db
from tipline.i18n import LANG_COOKIE, LANGUAGE_CODES
from tipline.web import safe_next

bp = Blueprint("public", __name__)


@bp.route("/")
def home():
    """What the tip line is for, and the ways in."""
    return render_template("tipline/home.html", categories=catalog.CATEGORIES)


@bp.route("/lang/<code>")
def set_language(code):
    """Switch the page language and go back where the reader was."""
    response = make_response(redirect(safe_next(request.args.get("next"))))
    if code in LANGUAGE_CODES:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


@bp.route("/healthz")
def healthz():
    """The process is up."""
    return jsonify(status="ok")


@bp.route("/readyz")
def readyz():
    """The database and (when configured) Redis answer."""
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any failure means not ready; say which
        db.session.rollback()
        checks["database"] = f"error: {type(exc).__name__}"
    if current_app.config["REDIS_URL"]:
        from redis.exceptions import RedisError

        from tipline.jobs.outbox import redis_connection

        try:
            redis_connection(current_app).ping()
            checks["redis"] = "ok"
        except RedisError as exc:
            checks["redis"] = f"error: {type(exc).__name__}"
    if current_app.config["TIPLINE_ENV"] == "production":
        # Without compiled catalogs every page speaks English to Chinese readers.
        from tipline.i18n import missing_catalogs

        missing = missing_catalogs(current_app)
        checks["translations"] = f"error: not compiled: {', '.join(missing)}" if missing else "ok"
    ready = all(v == "ok" for v in checks.values())
    return jsonify(status="ok" if ready else "unavailable", checks=checks), (200 if ready else 503)
