"""Template helpers of the staff surface."""

from cases import states
from cases.actions import rules as action_rules
from cases.priority import PRIORITIES
from cases.timeline import describe
from tipline import catalog


def install(app):
    """Register the staff filters, and the unread-notice count of the navigation."""
    from flask_login import current_user

    from cases.notices import unread_count

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
        action_type=lambda code: action_rules.ACTION_TYPES.get(code, code),
        action_state=lambda code: action_rules.ACTION_STATES.get(code, code),
        enforcement_status=lambda code: action_rules.ENFORCEMENT_STATUSES.get(code, code),
    )
