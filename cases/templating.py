"""Template helpers of the staff surface."""

from cases import states
from cases.priority import PRIORITIES
from cases.timeline import describe
from tipline import catalog


def install(app):
    """Register the staff filters."""
    app.jinja_env.filters.update(
        case_state=lambda code: states.STATES.get(code, code),
        priority=lambda n: PRIORITIES.get(n, n),
        department=lambda code: catalog.DEPARTMENTS.get(code, code) if code else "—",
        role=lambda code: catalog.ROLES.get(code, code),
        describe_event=describe,
    )
