"""The case state machine: states, who may move a case between them, deadlines, and what the public sees.

This table is the one place these rules live; views, templates, the API and
tests read it from here.
"""

from flask_babel import lazy_gettext as _l

from tipline.tracking import status as public

NEW = "new"
TRIAGED = "triaged"
INVESTIGATING = "investigating"
CLOSED_FOUNDED = "closed_founded"
CLOSED_UNFOUNDED = "closed_unfounded"
CLOSED_MERGED = "closed_merged"

STATES = {
    NEW: _l("New: waiting for triage"),
    TRIAGED: _l("Triaged: waiting for investigation"),
    INVESTIGATING: _l("Under investigation"),
    CLOSED_FOUNDED: _l("Closed: founded"),
    CLOSED_UNFOUNDED: _l("Closed: unfounded"),
    CLOSED_MERGED: _l("Closed: merged into another case"),
}
OPEN_STATES = (NEW, TRIAGED, INVESTIGATING)
CLOSED_STATES = (CLOSED_FOUNDED, CLOSED_UNFOUNDED, CLOSED_MERGED)

# Days a case may stay in a state before it is overdue; CASE_DEADLINE_DAYS in the
# settings overrides any of them.
DEADLINE_DAYS = {NEW: 2, TRIAGED: 3, INVESTIGATING: 15}

# (from, to) -> the roles that may make the move. Officers must also belong to the
# case's lead or co-handling department (see may_transition).
TRANSITIONS = {
    (NEW, TRIAGED): {"intake", "supervisor", "admin"},
    (NEW, CLOSED_UNFOUNDED): {"intake", "supervisor", "admin"},
    (TRIAGED, INVESTIGATING): {"officer", "supervisor", "admin"},
    (TRIAGED, NEW): {"intake", "supervisor", "admin"},
    (INVESTIGATING, CLOSED_FOUNDED): {"officer", "supervisor", "admin"},
    (INVESTIGATING, CLOSED_UNFOUNDED): {"officer", "supervisor", "admin"},
    (CLOSED_FOUNDED, INVESTIGATING): {"supervisor", "admin"},
    (CLOSED_UNFOUNDED, INVESTIGATING): {"supervisor", "admin"},
    # Merging closes the absorbed case; it is done by merge_cases, never as a plain move.
    (NEW, CLOSED_MERGED): {"intake", "officer", "supervisor", "admin"},
    (TRIAGED, CLOSED_MERGED): {"intake", "officer", "supervisor", "admin"},
    (INVESTIGATING, CLOSED_MERGED): {"intake", "officer", "supervisor", "admin"},
}
# Closing, founded or unfounded, goes through close_case (cases/operations.py): the
# reporter reads the reason given, the closer confirms, and a case this urgent (priority
# FOUR_EYES_PRIORITY or more urgent; 1 is the most) or about a listed platform needs the
# agreement of one of AGREEING_ROLES who did not propose it (four eyes, as actions).
CLOSINGS = (CLOSED_FOUNDED, CLOSED_UNFOUNDED)
FOUR_EYES_PRIORITY = 2
AGREEING_ROLES = {"supervisor", "admin"}
# Moves that are not offered as plain buttons because another operation makes them.
INDIRECT = {CLOSED_MERGED, *CLOSINGS}

# Roles that may act on a case whatever its departments.
CROSS_DEPARTMENT_ROLES = {"intake", "supervisor", "admin"}
# Roles that may close another department's task.
SUPERVISING_ROLES = {"supervisor", "admin"}

# What a reporter sees for each state (tipline/tracking/status.py has the labels).
PUBLIC_STATUS = {
    NEW: public.RECEIVED,
    TRIAGED: public.BEING_HANDLED,
    INVESTIGATING: public.BEING_HANDLED,
    CLOSED_FOUNDED: public.CLOSED_FOUNDED,
    CLOSED_UNFOUNDED: public.CLOSED_UNFOUNDED,
    CLOSED_MERGED: public.CLOSED_MERGED,
}


# Other things done on a case: who may do them. "any_department": staff of both
# departments may (handling together); otherwise officers must belong to the case's
# lead or co-handling department. "open_only": not on a closed case.
ALL_ROLES = {"intake", "officer", "supervisor", "admin"}
ACTS = {
    "note": {"roles": ALL_ROLES, "any_department": True, "open_only": False},
    "task": {"roles": ALL_ROLES, "any_department": True, "open_only": True},
    "assign": {"roles": ALL_ROLES, "any_department": False, "open_only": True},
    "message": {"roles": ALL_ROLES, "any_department": False, "open_only": False},
    "split": {"roles": ALL_ROLES, "any_department": False, "open_only": True},
}


def may_act(user, case, act):
    """Whether this member of staff may do `act` (a key of ACTS) on this case now."""
    rule = ACTS[act]
    if user.role not in rule["roles"] or (rule["open_only"] and case.state not in OPEN_STATES):
        return False
    return rule["any_department"] or user.role in CROSS_DEPARTMENT_ROLES or works_in_department(user, case)


def may_complete_task(user, task):
    """Whether this member of staff may mark the task done now: its own department, or a supervising role."""
    return task.done_at is None and (user.department == task.department or user.role in SUPERVISING_ROLES)


def works_in_department(user, case):
    """True when the user's department leads or co-handles the case."""
    return user.department in (case.lead_department, case.co_department)


def may_transition(user, case, to_state):
    """Whether this member of staff may move this case to `to_state` now."""
    roles = TRANSITIONS.get((case.state, to_state))
    if not roles or user.role not in roles:
        return False
    return user.role in CROSS_DEPARTMENT_ROLES or works_in_department(user, case)


def may_merge(user, source, target):
    """Whether this member of staff may fold `source` into the open case `target`.

    The merge closes `source` (the state table decides) and adds to `target`, so an
    officer must work in a department of both.
    """
    if target.state not in OPEN_STATES or not may_transition(user, source, CLOSED_MERGED):
        return False
    return user.role in CROSS_DEPARTMENT_ROLES or works_in_department(user, target)


def closing_needs_agreement(case):
    """Whether closing this case needs a supervisor's agreement: urgent, or about a listed platform."""
    listed = case.platform is not None and case.platform.list_status != "none"
    return case.priority <= FOUR_EYES_PRIORITY or listed


def may_close_alone(user, case):
    """Whether this user's closing takes effect at once, rather than waiting for agreement."""
    return user.role in AGREEING_ROLES or not closing_needs_agreement(case)


def may_agree_to_close(user, case):
    """Whether this user may agree to (or refuse) the closing waiting on the case: never its proposer."""
    return (
        case.closing_state is not None
        and user.role in AGREEING_ROLES
        and user.id != case.closing_proposed_by_id
        and may_transition(user, case, case.closing_state)
    )


def closings(user, case):
    """The closings (founded, unfounded) this user may make or propose on the case now."""
    if case.closing_state is not None:
        return []
    return [state for state in CLOSINGS if may_transition(user, case, state)]


def assignment_needs_confirmation(case, assignee):
    """Whether making `assignee` the case officer needs a second look: an officer of the
    co-handling department would lead the work of the other department's case."""
    return assignee is not None and assignee.role == "officer" and assignee.department != case.lead_department


def may_join(user, target):
    """Whether this member of staff may add reports to the open case `target` (a split that joins it)."""
    return user.role in CROSS_DEPARTMENT_ROLES or works_in_department(user, target)


def next_states(user, case):
    """The states this user may move the case to directly, in table order."""
    return [
        to for (frm, to) in TRANSITIONS if frm == case.state and to not in INDIRECT and may_transition(user, case, to)
    ]
