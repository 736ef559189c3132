"""Deadlines: overdue cases are escalated, rectification deadlines call for a review.

Both scans are idempotent (running one twice escalates once and mails once) and
take `now` from the caller, so tests control the clock. They run as the
`scan-deadlines` command and in every worker's loop.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from cases import states
from cases.actions import rules
from cases.actions.models import Action
from cases.audit import audit
from cases.models import Case, CaseTask
from cases.notices import notify_staff
from cases.operations import record_event
from tipline.catalog import CATEGORY_SEVERITY
from tipline.extensions import db
from tipline.timeutil import app_today

REASONS = {
    "overdue": _l("Past the deadline of its state"),
    "serious": _l("Serious: priority 1 or a severe category"),
    "repeat_offender": _l("The platform is a repeat offender"),
    "cross_region": _l("Reports about the platform come from several regions' cases"),
}


def supervisors(region_codes, departments):
    """Active supervisors of these departments in these regions."""
    return staff_in(region_codes, departments, ("supervisor",))


def staff_in(region_codes, departments, roles):
    """Active staff of these roles and departments in these regions."""
    from cases.accounts.models import StaffUser

    return db.session.scalars(
        select(StaffUser).where(
            StaffUser.active.is_(True),
            StaffUser.role.in_(roles),
            StaffUser.department.in_([d for d in departments if d]),
            StaffUser.region_code.in_(region_codes),
        )
    ).all()


def _up_the_tree_reasons(case):
    """Why an overdue case should also go to the region above, if it should."""
    from cases.actions.service import is_repeat_offender

    reasons = []
    if case.priority == 1 or CATEGORY_SEVERITY.get(case.category) == 3:
        reasons.append("serious")
    if case.platform_id is not None:
        if is_repeat_offender(case.platform_id):
            reasons.append("repeat_offender")
        regions = db.session.scalars(
            select(Case.region_code).where(Case.platform_id == case.platform_id, Case.state.in_(states.OPEN_STATES))
        ).all()
        if len(set(regions)) > 1:
            reasons.append("cross_region")
    return reasons


def escalate_overdue_cases(now):
    """Escalate each open case past its state's deadline, once per state; returns the cases escalated."""
    overdue = db.session.scalars(
        select(Case)
        .where(
            Case.state.in_(states.OPEN_STATES),
            Case.deadline_at < now,
            or_(Case.escalated_for.is_(None), Case.escalated_for != Case.state_changed_at),
        )
        .order_by(Case.id)
    ).all()
    for case in overdue:
        reasons = ["overdue", *_up_the_tree_reasons(case)]
        departments = (case.lead_department, case.co_department)
        watchers = supervisors([case.region_code], departments)
        parent = case.region.parent
        if len(reasons) > 1 and parent is not None:
            case.escalated_to_region = parent.code
            watchers += supervisors([parent.code], departments)
        case.escalated_for = case.state_changed_at
        record_event(case, None, "escalated", reasons=reasons, to_region=case.escalated_to_region, state=case.state)
        audit(None, "case.escalate", "case", case.id, reasons=reasons)
        notify_staff(watchers, "escalated", case)
    return overdue


def request_rectification_reviews(now):
    """For each rectification past its deadline: a review task for the education department, once."""
    from cases.actions.review import review_confirmers

    due = db.session.scalars(
        select(Action)
        .where(
            Action.type == rules.RECTIFICATION,
            Action.state == rules.IN_FORCE,
            Action.lifts_id.is_(None),
            Action.deadline_on < app_today(now),
            Action.review_requested_at.is_(None),
        )
        .order_by(Action.id)
    ).all()
    for action in due:
        action.review_requested_at = now
        case = action.case
        _bring_in_reviewers(case, action)
        db.session.add(
            CaseTask(
                case=case,
                department=rules.REVIEW_DEPARTMENT,
                title=str(_l("Review the rectification")),
                created_by_id=action.proposed_by_id,
            )
        )
        record_event(case, None, "review_requested", action_id=action.id)
        audit(None, "action.review_requested", "action", action.id)
        notify_staff(review_confirmers(action), "review", case)
    return due


def _bring_in_reviewers(case, action):
    """Make the reviewing department co-handle the case, so that its reviewers belong to it.

    There are two departments and the co-handling one is never the lead, so a case
    the reviewing department is not on has no co-handling department to displace.
    """
    if rules.REVIEW_DEPARTMENT in (case.lead_department, case.co_department):
        return
    old = [case.lead_department, case.co_department]
    case.co_department = rules.REVIEW_DEPARTMENT
    record_event(
        case, None, "review_co_handling", action_id=action.id, old=old, new=[case.lead_department, case.co_department]
    )
    audit(None, "case.review_co_handling", "case", case.id, action_id=action.id, old=old)


def refresh_started_actions(now):
    """Platforms whose approved actions have reached their start date (a day in the app's zone) show them."""
    from cases.actions.service import refresh_enforcement_status
    from tipline.platforms.models import Platform

    today = app_today(now)
    platforms = db.session.scalars(
        select(Platform).where(
            Platform.id.in_(
                select(Action.platform_id).where(
                    Action.state == rules.IN_FORCE, Action.lifts_id.is_(None), Action.starts_on <= today
                )
            )
        )
    ).all()
    changed = 0
    for platform in platforms:
        before = platform.enforcement_status
        if refresh_enforcement_status(platform, on=today) != before:
            changed += 1
    return changed


def scan_deadlines(now):
    """The scans; the caller commits."""
    return {
        "escalated": len(escalate_overdue_cases(now)),
        "reviews": len(request_rectification_reviews(now)),
        "started": refresh_started_actions(now),
    }
