"""Template helpers of the staff surface."""

from flask_babel import format_percent, format_timedelta, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from cases import states
from cases.actions import rules as action_rules
from cases.priority import PRIORITIES
from cases.timeline import describe
from tipline import catalog
from tipline.timeutil import app_today

# Reasons the system writes itself, stored as these words and shown in the page's language.
SYSTEM_REASONS = {"imported from a filing list": _l("Imported from a filing list")}


def list_reason(text):
    """A list entry's reason: the system's own in the page's language, a person's as written."""
    return SYSTEM_REASONS.get(text, text)


def time_left(deadline, now):
    """A deadline relative to now, in the page's language: "2 days left", "overdue by 3 hours"."""
    if deadline is None:
        return ""
    span = format_timedelta(abs(deadline - now), threshold=1.5)
    return _("%(span)s left", span=span) if deadline >= now else _("overdue by %(span)s", span=span)


def days_left(on, today=None):
    """A deadline that is a calendar day, relative to today, in the page's language.

    "today", "tomorrow", "in 3 days", "2 days overdue". Such days (a task's due date, a
    rectification deadline) are days of the app's time zone, like the scans that act on
    them, so "today" is the app's today (tipline.timeutil.app_today) whatever zone the page shows.
    """
    if on is None:
        return ""
    days = (on - (today or app_today())).days
    if days == 0:
        return _("today")
    if days == 1:
        return _("tomorrow")
    if days > 1:
        return ngettext("in %(num)d day", "in %(num)d days", days)
    return ngettext("%(num)d day overdue", "%(num)d days overdue", -days)


def install(app):
    """Register the staff filters, and the unread-notice count of the navigation."""
    from flask_login import current_user

    from cases.notices import unread_count

    app.jinja_env.globals.update(time_left=time_left, days_left=days_left)

    @app.context_processor
    def staff_navigation():
        if current_user and getattr(current_user, "is_authenticated", False):
            return {"unread_notices": lambda: unread_count(current_user)}
        return {"unread_notices": lambda: 0}

    app.jinja_env.filters.update(
        case_state=lambda code: states.STATES.get(code, code),
        priority=lambda n: PRIORITIES.get(n, n),
        department=lambda code: catalog.DEPARTMENTS.get(code, code) if code else "—",
        role=lambda code: catalog.ROLES.get(code, code),
        describe_event=describe,
        list_reason=list_reason,
        action_type=lambda code: action_rules.ACTION_TYPES.get(code, code),
        action_state=lambda code: action_rules.ACTION_STATES.get(code, code),
        enforcement_status=lambda code: action_rules.ENFORCEMENT_STATUSES.get(code, code),
        percent=lambda share: format_percent(share, "#,##0.#%"),
    )
