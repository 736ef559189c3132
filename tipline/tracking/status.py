"""The public status of a tip, as its reporter sees it."""

from flask_babel import lazy_gettext as _l

RECEIVED = "received"
BEING_HANDLED = "being_handled"
ACTION_TAKEN = "action_taken"
CLOSED_FOUNDED = "closed_founded"
CLOSED_UNFOUNDED = "closed_unfounded"
CLOSED_MERGED = "closed_merged"

PUBLIC_STATUSES = {
    RECEIVED: _l("Received"),
    BEING_HANDLED: _l("Being handled"),
    ACTION_TAKEN: _l("Action taken"),
    CLOSED_FOUNDED: _l("Closed: founded"),
    CLOSED_UNFOUNDED: _l("Closed: unfounded"),
    CLOSED_MERGED: _l("Closed: merged with another report"),
}

EXPLANATIONS = {
    RECEIVED: _l("Your report is registered and waits for staff to look at it."),
    BEING_HANDLED: _l("Staff are looking into your report."),
    ACTION_TAKEN: _l("Staff have taken action against the platform."),
    CLOSED_FOUNDED: _l("The problem you reported was confirmed and dealt with."),
    CLOSED_UNFOUNDED: _l("Staff could not confirm the problem you reported."),
    CLOSED_MERGED: _l("Your report is handled together with another report about the same problem."),
}


def public_status(tip):
    """The status code a reporter sees for a tip, derived from its case's state."""
    from cases.states import PUBLIC_STATUS

    if tip.junk_status == "confirmed":
        return CLOSED_UNFOUNDED
    if tip.case is None:
        return RECEIVED
    return PUBLIC_STATUS[tip.case.state]


def public_status_condition(code):
    """The tips whose public status is `code`, as a SQL condition: public_status above, for a query.

    The query must join the tip's case (outer: a tip in the junk tray has none). Kept next to
    public_status so that the two say the same; tests/organisations/test_org_tips.py checks they do.
    """
    from sqlalchemy import and_, false, or_

    from cases.models import Case
    from cases.states import PUBLIC_STATUS
    from tipline.reports.models import Tip

    states = [state for state, shown in PUBLIC_STATUS.items() if shown == code]
    junk = Tip.junk_status == "confirmed"
    by_case = and_(Case.state.in_(states), ~junk) if states else false()
    if code == CLOSED_UNFOUNDED:
        return or_(junk, by_case)
    if code == RECEIVED:
        return or_(and_(Tip.case_id.is_(None), ~junk), by_case)
    return by_case
