"""Who may see and do what on the staff side, checked in this one place.

Staff see their own region and every region below it, never a sibling's. What
lies outside that answers 404, as if it did not exist.
"""

import functools

from flask import abort, g
from flask_login import current_user, login_required
from sqlalchemy import select

from cases import states
from cases.models import Case
from tipline.extensions import db
from tipline.regions.service import subtree_codes


def visible_regions(user):
    """The region codes this member of staff may see (cached for the request)."""
    cache = g.setdefault("_visible_regions", {})
    if user.id not in cache:
        cache[user.id] = frozenset(subtree_codes(user.region_code))
    return cache[user.id]


def can_see_case(user, case):
    return case.region_code in visible_regions(user)


def active_staff_seeing(case):
    """A SELECT of the active staff who may see the case: can_see_case from the case's side, as staff
    of its region or of a region above it see it."""
    from cases.accounts.models import StaffUser

    return select(StaffUser).where(
        StaffUser.active.is_(True), StaffUser.region_code.in_([region.code for region in case.region.path()])
    )


def visible_cases(user):
    """A SELECT of the cases this user may see."""
    return select(Case).where(Case.region_code.in_(visible_regions(user)))


def case_or_404(user, case_id):
    """The case, if it exists and the user may see it; 404 otherwise."""
    case = db.session.get(Case, case_id)
    if case is None or not can_see_case(user, case):
        abort(404)
    return case


def may_work_on(user, case):
    """Whether a member of staff could be assigned the case: in its region tree, in a fitting role."""
    if not can_see_case(user, case):
        return False
    if user.role == "officer":
        return states.works_in_department(user, case)
    return user.role in ("intake", "supervisor")


def works_on(user, case):
    """Whether the user works the case: its assignee, or an officer or supervisor of its departments."""
    if not can_see_case(user, case):
        return False
    if case.assignee_id == user.id:
        return True
    return user.role in ("officer", "supervisor") and states.works_in_department(user, case)


# Who may open the organisations and their proof documents, and who may decide on them (SPEC 1:
# intake and supervisors verify; administrators read, as they read the audit log, but do not decide).
ORGANISATION_READERS = ("intake", "supervisor", "admin")
ORGANISATION_DECIDERS = ("intake", "supervisor")


def may_see_organisation(user, organisation):
    """Whether the user may open the organisation, its contact details and its proof document:
    a reader of organisations in its region tree."""
    return user.role in ORGANISATION_READERS and organisation.region_code in visible_regions(user)


def may_decide_on_organisation(user, organisation):
    """Whether the user may verify, refuse, suspend or reinstate the organisation (the rules of
    tipline/organisations/service.py say which of them, by its status)."""
    return user.role in ORGANISATION_DECIDERS and may_see_organisation(user, organisation)


def staff_required(*roles):
    """Sign-in required; with roles given, only those roles (others get 403)."""

    def decorate(view):
        @functools.wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if roles and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        # Declared here so that the route rules test reads who may come in from the view itself.
        wrapped.staff_roles = frozenset(roles)
        return wrapped

    return decorate
