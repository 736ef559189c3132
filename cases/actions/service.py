"""Proposing, deciding and lifting actions; the platform's enforcement status and list place follow from them.

Like cases/operations.py, every function checks that the actor may act, makes
the change, writes the case history and the audit log, and never commits.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from cases import states
from cases.access import can_see_case
from cases.actions import rules
from cases.actions.models import Action, ListEntry
from cases.audit import audit
from cases.notices import notify_staff
from cases.operations import CaseError, NotAllowed, record_event
from tipline.catalog import LIST_STATUSES
from tipline.extensions import db
from tipline.reports.models import Tip
from tipline.timeutil import app_today, utcnow


def actions_in_force(platform_id, on=None):
    """The imposed (not lifting) actions in force on a platform on a day (today in the app's zone by default)."""
    on = on or app_today()
    return db.session.scalars(
        select(Action).where(
            Action.platform_id == platform_id,
            Action.state == rules.IN_FORCE,
            Action.lifts_id.is_(None),
            Action.starts_on <= on,
        )
    ).all()


REPEAT_WINDOW_DAYS = 365
REPEAT_CASES = 2


def repeat_window_start(now=None):
    """When the window of REPEAT_WINDOW_DAYS that makes a repeat offender begins."""
    from datetime import timedelta

    return (now or utcnow()) - timedelta(days=REPEAT_WINDOW_DAYS)


def repeat_offences(platform_id, since):
    """A scalar subquery: in how many cases the platform was acted against since `since`.

    Counted up to REPEAT_CASES only (all the rule asks), so that a platform with a long
    record costs what any other does.
    """
    cases = (
        select(Action.case_id)
        .where(
            Action.platform_id == platform_id,
            Action.lifts_id.is_(None),
            Action.state.in_((rules.IN_FORCE, rules.ENDED)),
            Action.decided_at >= since,
        )
        .distinct()
        .limit(REPEAT_CASES)
        .subquery()
    )
    return select(func.count()).select_from(cases).scalar_subquery()


def is_repeat_offender(platform_id, now=None):
    """Acted against in REPEAT_CASES or more cases within the last REPEAT_WINDOW_DAYS (屡教不改)."""
    return db.session.scalar(select(repeat_offences(platform_id, repeat_window_start(now)))) >= REPEAT_CASES


def refresh_enforcement_status(platform, on=None):
    """Recompute the platform's enforcement status from its actions in force; nobody types it."""
    db.session.flush()
    platform.enforcement_status = rules.enforcement_status({a.type for a in actions_in_force(platform.id, on)})
    return platform.enforcement_status


def set_list_status(platform, list_status, actor, reason="", public_reason="", action=None):
    """Put a platform on the white or black list, or take it off, recording why."""
    if list_status not in LIST_STATUSES:
        raise CaseError(_l("Choose a list from the list."))
    entry = ListEntry(
        platform=platform,
        list_status=list_status,
        reason=reason,
        public_reason=public_reason,
        actor_id=actor.id if actor else None,
        action_id=action.id if action else None,
    )
    db.session.add(entry)
    old = platform.list_status
    platform.list_status = list_status
    audit(actor, "platform.list", "platform", platform.id, old=old, new=list_status, reason=reason)
    return entry


def may_propose(actor, case):
    """An officer or supervisor of the case's departments, in its region tree, proposes actions and liftings."""
    return actor.role in rules.PROPOSER_ROLES and states.works_in_department(actor, case) and can_see_case(actor, case)


# What supervisors set by hand on a platform page: on or off the white list. Black listing is an action.
WHITE_LIST_CHOICES = ("white", "none")
LIST_KEEPER_ROLES = {"supervisor"}


def may_keep_lists(actor, platform):
    """Whether this member of staff may change the platform's white-list place: a supervisor of its regions."""
    from cases.access import visible_regions

    return actor.role in LIST_KEEPER_ROLES and platform.region_code in visible_regions(actor)


def keep_white_list(platform, actor, list_status, reason="", public_reason=""):
    """A supervisor puts a platform on the white list or takes it off, with reasons."""
    if not may_keep_lists(actor, platform):
        raise NotAllowed(_l("Supervisors of the platform's regions keep the white list."))
    if list_status not in WHITE_LIST_CHOICES:
        raise CaseError(_l("Choose a list from the list."))
    if platform.list_status == "black":
        raise CaseError(_l("A black-listed platform leaves the list by lifting the action."))
    return set_list_status(platform, list_status, actor, reason=reason, public_reason=public_reason)


def propose_action(
    case, actor, action_type, legal_basis, details="", starts_on=None, deadline_on=None, *, public_reason
):
    """An officer or supervisor proposes an action on the case's platform; a supervisor decides.

    `public_reason` is what the public enforcement record says of it (tipline/platforms/record.py):
    short, and naming no person; `legal_basis` and `details` stay with staff.
    """
    if not may_propose(actor, case):
        raise NotAllowed(_l("Only officers and supervisors of the case's departments propose actions."))
    if not case.is_open:
        raise CaseError(_l("Actions are proposed in open cases."))
    if case.platform is None:
        raise CaseError(_l("The platform must be in the registry before an action can be taken against it."))
    if action_type not in rules.ACTION_TYPES:
        raise CaseError(_l("Choose an action from the list."))
    if not (legal_basis or "").strip():
        raise CaseError(_l("Give the legal basis."))
    _check_public_reason(public_reason)
    starts_on = starts_on or app_today()
    if action_type == rules.RECTIFICATION:
        if deadline_on is None or deadline_on <= starts_on:
            raise CaseError(_l("A rectification needs a deadline after its start."))
    else:
        deadline_on = None
    action = Action(
        case=case,
        platform=case.platform,
        type=action_type,
        department=actor.department,
        legal_basis=legal_basis.strip(),
        details=details or "",
        public_reason=public_reason.strip(),
        starts_on=starts_on,
        deadline_on=deadline_on,
        proposed_by_id=actor.id,
    )
    db.session.add(action)
    db.session.flush()
    record_event(case, actor, "action_proposed", action_id=action.id, type=action_type)
    audit(actor, "action.propose", "action", action.id, type=action_type, case_id=case.id)
    notify_staff(deciders(action), "approval", case, who=actor.display_name)
    return action


def _check_public_reason(public_reason):
    """Every proposal says in a few words what the public record will say of it."""
    if not (public_reason or "").strip():
        raise CaseError(_l("Give the public reason."))


def deciders(action):
    """The supervisors who may decide an action: its department, in the case's region or above."""
    from cases.accounts.models import StaffUser

    above = [region.code for region in action.case.region.path()]
    people = db.session.scalars(
        select(StaffUser).where(
            StaffUser.active.is_(True),
            StaffUser.role.in_(rules.APPROVER_ROLES),
            StaffUser.department == action.department,
            StaffUser.region_code.in_(above),
        )
    ).all()
    return [person for person in people if may_decide(person, action)]


def propose_lift(action, actor, legal_basis, details="", *, public_reason):
    """Propose lifting an action in force; the lift needs approval like any action, and has its own public reason."""
    case = action.case
    if not may_propose(actor, case):
        raise NotAllowed(_l("Only officers and supervisors of the case's departments propose actions."))
    if action.state != rules.IN_FORCE or action.is_lift or action.type not in rules.LIFTABLE:
        raise CaseError(_l("Only an action in force that lasts can be lifted."))
    pending = db.session.scalars(
        select(Action).where(Action.lifts_id == action.id, Action.state == rules.PROPOSED)
    ).first()
    if pending is not None:
        raise CaseError(_l("Lifting this action is already waiting for approval."))
    if not (legal_basis or "").strip():
        raise CaseError(_l("Give the legal basis."))
    _check_public_reason(public_reason)
    lift = Action(
        case=case,
        platform=action.platform,
        type=action.type,
        lifts=action,
        department=actor.department,
        legal_basis=legal_basis.strip(),
        details=details or "",
        public_reason=public_reason.strip(),
        starts_on=app_today(),
        proposed_by_id=actor.id,
    )
    db.session.add(lift)
    db.session.flush()
    record_event(case, actor, "lift_proposed", action_id=lift.id, lifts_id=action.id, type=action.type)
    audit(actor, "action.propose_lift", "action", lift.id, lifts=action.id)
    notify_staff(deciders(lift), "approval", case, who=actor.display_name)
    return lift


def may_decide(actor, action):
    """A supervisor of the action's department, in the case's region tree, who did not propose it."""
    return (
        actor.role in rules.APPROVER_ROLES
        and actor.department == action.department
        and can_see_case(actor, action.case)
        and actor.id != action.proposed_by_id
    )


def decide_action(action, actor, approve, reason=""):
    """Approve or reject a proposed action; approval puts it (or its lifting) into effect at once."""
    if action.state != rules.PROPOSED:
        raise CaseError(_l("This action has been decided already."))
    if not may_decide(actor, action):
        raise NotAllowed(_l("A supervisor of the proposing department decides, and never the person who proposed it."))
    if not approve and not (reason or "").strip():
        raise CaseError(_l("Give a reason for the rejection."))
    now = utcnow()
    action.decided_by_id, action.decided_at, action.decision_reason = actor.id, now, reason or ""
    case = action.case
    if not approve:
        action.state = rules.REJECTED
        record_event(case, actor, "action_rejected", action_id=action.id, type=action.type, reason=reason)
        audit(actor, "action.reject", "action", action.id)
        notify_staff([action.proposed_by], "decided", case, outcome=action.state, who=actor.display_name)
        return action
    if action.is_lift:
        end_action(action, "applied", now)
        end_action(action.lifts, "lifted", now)
        if action.type == rules.BLACKLIST:
            _list_by_action(action, actor, "none")
        record_event(case, actor, "action_lifted", action_id=action.lifts_id, type=action.type, reason=reason)
    else:
        action.state = rules.IN_FORCE
        if action.type == rules.BLACKLIST:
            _list_by_action(action, actor, "black")
        elif action.type == rules.REMOVE_WHITE and action.platform.list_status == "white":
            set_list_status(action.platform, "none", actor, reason=action.legal_basis, action=action)
        if action.type not in rules.LIFTABLE:
            end_action(action, "done", now)  # an interview or a referral is done once taken
        note_first_action(case, now)
        record_event(case, actor, "action_approved", action_id=action.id, type=action.type, reason=reason)
    audit(actor, "action.approve", "action", action.id, lift=action.is_lift)
    refresh_enforcement_status(action.platform)
    notify_staff([action.proposed_by], "decided", case, outcome=action.state, who=actor.display_name)
    return action


def note_first_action(case, when):
    """An action approved in the case: the evaluation's time to first action, and each waiting tip's days to action."""
    if case.first_action_at is None:
        case.first_action_at = when
    db.session.execute(
        update(Tip)
        .where(Tip.case_id == case.id, Tip.acted_at.is_(None), Tip.created_at <= when)
        .values(acted_at=when)
        .execution_options(synchronize_session="fetch")
    )


def _list_by_action(action, actor, list_status):
    """A list change an action makes: the list's history says what the action's public reason says."""
    set_list_status(
        action.platform,
        list_status,
        actor,
        reason=action.legal_basis,
        public_reason=action.public_reason or action.legal_basis,
        action=action,
    )


def end_action(action, why, when):
    """End an action (lifted, done, rectified, escalated) at `when`."""
    action.state = rules.ENDED
    action.end_reason = why
    action.ended_at = when


def public_record(platform):
    """What the public pages show of a platform's enforcement: actions in force, past actions, list changes."""
    approved = db.session.scalars(
        select(Action)
        .where(
            Action.platform_id == platform.id,
            Action.lifts_id.is_(None),
            Action.state.in_((rules.IN_FORCE, rules.ENDED)),
        )
        .order_by(Action.starts_on.desc(), Action.id.desc())
    ).all()
    entries = db.session.scalars(
        select(ListEntry).where(ListEntry.platform_id == platform.id).order_by(ListEntry.id.desc())
    ).all()
    return {
        "in_force": [a for a in approved if a.state == rules.IN_FORCE],
        "past": [a for a in approved if a.state == rules.ENDED],
        "list_entries": entries,
    }
