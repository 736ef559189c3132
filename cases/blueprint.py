"""The staff surface's blueprint; its routes live in the feature modules that import it."""

from flask import Blueprint, g, session
from flask_login import current_user, logout_user

from tipline.timeutil import time_zones, utcnow

bp = Blueprint("staff", __name__, url_prefix="/staff")

LOGIN_AT = "staff_login_at"


@bp.before_request
def end_old_sessions():
    """A staff session ends after STAFF_SESSION_MAX_AGE, however active it has been."""
    from flask import current_app

    g.staff_surface = True
    started = session.get(LOGIN_AT)
    if current_user.is_authenticated:
        age = utcnow().timestamp() - (started or 0)
        if started is None or age > current_app.config["STAFF_SESSION_MAX_AGE"]:
            logout_user()
            session.pop(LOGIN_AT, None)


@bp.before_request
def show_own_time_zone():
    """Staff pages show times in the signed-in user's own time zone (tipline.i18n.select_time_zone)."""
    if current_user.is_authenticated and current_user.time_zone in time_zones():
        g.time_zone = current_user.time_zone


# What a supervisor or admin without a second factor may reach: setting one up, and signing out.
# Not the password change: a stolen password must not be able to lock its owner out.
ENROLMENT_ENDPOINTS = frozenset({"staff.account", "staff.logout", "staff.logout_everywhere", "staff.login"})


@bp.before_request
def require_second_factor():
    """Supervisors and admins work only once their second factor is on (SECOND_FACTOR_ROLES).

    One place for every staff route: a page, a form post or a crafted request alike.
    """
    from flask import abort, flash, redirect, request, url_for
    from flask_babel import gettext as _

    from cases.accounts.service import must_enrol

    if not current_user.is_authenticated or request.endpoint in ENROLMENT_ENDPOINTS:
        return None
    if not must_enrol(current_user):
        return None
    if request.method not in ("GET", "HEAD"):
        abort(403)
    flash(_("Supervisors and administrators must turn on the second factor before they can work. Set it up here."))
    return redirect(url_for("staff.account"))


def register(app):
    """Wire the staff surface: its routes, the user loader, and its template helpers."""
    from cases import (  # noqa: F401  (each module adds its routes to bp)
        admin,
        auth,
        case_pages,
        evidence_pages,
        junk_tray,
        mentions,
        notice_pages,
        organisation_pages,
        platform_pages,
        queue,
        queue_actions,
        statement_pages,
        worklists,
    )
    from cases.actions import views  # noqa: F401
    from cases.evaluation import views as evaluation_views  # noqa: F401
    from cases.periodic import views as periodic_views  # noqa: F401
    from cases.templating import install

    app.register_blueprint(bp)
    auth.install_login(app)
    install(app)
