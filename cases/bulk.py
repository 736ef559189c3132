"""Assigning and triaging many cases at once from the work queue.

Each case goes through the very operation, with the very checks, that changes it one
at a time (cases/operations.py: assign, triage), after the same look-up the case page
makes (a case the user cannot see is "not found"). Each case is its own transaction:
committed once its change is made, with its history and audit rows, or rolled back
when it is refused, so that one refusal neither stops nor undoes the others.
"""

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from cases import operations
from cases.access import can_see_case, visible_regions
from cases.accounts.models import StaffUser
from cases.models import Case
from tipline.extensions import db

# Cases one request may change: a page and then some, and a bound on how long a request runs.
MAX_CASES = 100
NOT_FOUND = _l("There is no case with this number that you can see.")


class TooMany(operations.CaseError):
    """More cases than one request may change."""


@dataclass
class BulkResult:
    """Which cases were changed, and which were not with the reason why (in the page's language)."""

    done: list = field(default_factory=list)  # case ids
    failed: list = field(default_factory=list)  # (case id, reason)


def assign_cases(actor, case_ids, assignee, confirmed=False):
    """Give each case to `assignee` (None: to nobody), as operations.assign does one at a time.

    `confirmed` stands for the confirmation the case page asks when the assignee is an
    officer of a co-handling department: without it, those cases fail and say so.
    """
    return _each(actor, case_ids, lambda case: operations.assign(case, actor, assignee, confirmed=confirmed))


def triage_cases(actor, case_ids, lead_department, co_department, assignee, reason=""):
    """Triage each case with these departments and assignee, as operations.triage does one at a time."""
    return _each(
        actor,
        case_ids,
        lambda case: operations.triage(case, actor, lead_department, co_department, assignee, reason),
    )


def _each(actor, case_ids, change):
    case_ids = list(dict.fromkeys(case_ids))
    if len(case_ids) > MAX_CASES:
        raise TooMany(_l("Choose at most %(n)d cases at a time.", n=MAX_CASES))
    result = BulkResult()
    for case_id in case_ids:
        case = db.session.get(Case, case_id)
        if case is None or not can_see_case(actor, case):
            result.failed.append((case_id, NOT_FOUND))
            continue
        try:
            change(case)
        except operations.CaseError as exc:
            db.session.rollback()
            result.failed.append((case_id, exc.message))
            continue
        db.session.commit()
        result.done.append(case_id)
    return result


def assignable_staff(user):
    """Everyone the user could give some case they see to: active intake staff, officers and supervisors
    of the user's regions, below and above. Whether one of them fits a given case, its operation checks."""
    regions = set(visible_regions(user)) | {region.code for region in user.region.path()}
    return db.session.scalars(
        select(StaffUser)
        .where(
            StaffUser.active.is_(True),
            StaffUser.region_code.in_(regions),
            StaffUser.role.in_(("intake", "officer", "supervisor")),
        )
        .order_by(StaffUser.region_code, StaffUser.department, StaffUser.id)
    ).all()
