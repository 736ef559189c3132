"""The review of a rectification past its deadline, by two people of the education department (rules.REVIEW_*).

One person records the outcome; a second, an education supervisor, confirms it
before anything changes for the platform (four eyes). Like the rest of
cases/actions, every function checks that the actor may act, makes the change,
writes the history and audit log, and never commits.
"""

from flask import current_app
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from cases import states
from cases.access import can_see_case
from cases.actions import rules
from cases.actions.models import Action
from cases.actions.service import end_action, may_decide, refresh_enforcement_status
from cases.audit import audit
from cases.notices import notify_staff
from cases.operations import CaseError, NotAllowed, lock_rows, record_event
from tipline.extensions import db
from tipline.timeutil import app_today, utcnow


def _reviews_in(person, action, roles):
    """One of `roles` in the reviewing department, which is on the case, in the case's region tree."""
    return (
        person.role in roles
        and person.department == rules.REVIEW_DEPARTMENT
        and states.works_in_department(person, action.case)
        and can_see_case(person, action.case)
    )


def _check_review(actor, action):
    """Raise why `actor` may not record the review of `action` now; return when they may."""
    if not _reviews_in(actor, action, rules.REVIEW_RECORDER_ROLES):
        raise NotAllowed(_l("Officers and supervisors of the education department on the case review rectifications."))
    if action.type != rules.RECTIFICATION or action.state != rules.IN_FORCE or action.is_lift:
        raise CaseError(_l("Only a rectification in force is reviewed."))
    # The deadline scan asks for the review only once the deadline has passed.
    requested = action.review_requested_at
    if requested is None or action.deadline_on is None or app_today(requested) <= action.deadline_on:
        raise CaseError(_l("A rectification is reviewed once its deadline has passed and the review is asked for."))
    if action.review_pending:
        raise CaseError(_l("A review of this rectification already waits for confirmation."))


def _check_confirm(actor, action):
    """Raise why `actor` may not confirm the review recorded on `action` now; return when they may."""
    if not _reviews_in(actor, action, rules.REVIEW_CONFIRMER_ROLES):
        raise NotAllowed(_l("A supervisor of the education department on the case confirms a review."))
    if not action.review_pending:
        raise CaseError(_l("No review of this rectification waits for confirmation."))
    if actor.id == action.reviewed_by_id:
        raise NotAllowed(_l("A second person confirms a review, never the one who recorded it."))


def _allowed(check, actor, action):
    try:
        check(actor, action)
    except CaseError:
        return False
    return True


def may_review(actor, action):
    """Whether `actor` may record the review of this rectification now (the first of two people)."""
    return _allowed(_check_review, actor, action)


def may_confirm_review(actor, action):
    """Whether `actor` may confirm or dispute the review recorded on this rectification (the second person)."""
    return _allowed(_check_confirm, actor, action)


def review_confirmers(action):
    """The supervisors who may confirm the review of a rectification (or, before one is recorded, could)."""
    from cases.escalation import supervisors

    people = supervisors([r.code for r in action.case.region.path()], [rules.REVIEW_DEPARTMENT])
    return [p for p in people if p.id != action.reviewed_by_id and _reviews_in(p, action, rules.REVIEW_CONFIRMER_ROLES)]


def review_rectification(action, actor, passed, note=""):
    """Record the education department's review of a rectification past its deadline (step one of two).

    Nothing changes for the platform yet: the review waits for a second person,
    an education supervisor, who confirms it (confirm_review).
    """
    lock_rows(Action, action)  # two people at once cannot both record
    _check_review(actor, action)
    case = action.case
    action.review_outcome = rules.PASSED if passed else rules.FAILED
    action.review_note = (note or "").strip()
    action.reviewed_by_id, action.reviewed_at = actor.id, utcnow()
    db.session.flush()
    record_event(
        case, actor, "review_recorded", action_id=action.id, outcome=action.review_outcome, note=action.review_note
    )
    audit(actor, "action.review_record", "action", action.id, outcome=action.review_outcome)
    notify_staff(review_confirmers(action), "review_recorded", case, who=actor.display_name)
    return action


def review_stamp(action):
    """Which recorded review this is: the page carries it, so a confirmation never lands on a newer one."""
    if not action.review_pending:
        return ""
    return f"{action.reviewed_by_id}:{action.reviewed_at.isoformat()}"


def confirm_review(action, actor, agree, reason="", seen=None):
    """A second person confirms or disputes a recorded review (step two of two, four eyes).

    Agreed and passed: the action ends as rectified and the platform's filing
    record is renewed with today's review date. Agreed and failed: it ends as
    escalated and the next stronger action is proposed for the lead department's
    supervisors to decide. Disputed (a reason is needed): the recorded review is
    cleared and may be recorded again. `seen` is the review_stamp of the review the
    confirmer read: if it was sent back and recorded anew since, nothing happens.
    """
    lock_rows(Action, action)  # two people confirming at once cannot both apply it
    _check_confirm(actor, action)
    if seen is not None and seen != review_stamp(action):
        raise CaseError(_l("The review was recorded again since you opened the page. Read it again, then decide."))
    reason = (reason or "").strip()
    if not agree and not reason:
        raise CaseError(_l("Give a reason for not confirming the review."))
    case, recorder = action.case, action.reviewed_by
    if not agree:
        outcome = action.review_outcome
        action.review_outcome, action.review_note = None, ""
        action.reviewed_by_id = action.reviewed_at = None
        record_event(case, actor, "review_disputed", action_id=action.id, outcome=outcome, reason=reason)
        audit(actor, "action.review_dispute", "action", action.id, outcome=outcome, recorded_by=recorder.id)
        notify_staff([recorder], "review_disputed", case, who=actor.display_name)
        return action
    action.review_confirmed_by_id = actor.id
    if action.review_outcome == rules.PASSED:
        _rectified(action, actor, reason)
    else:
        _escalate_rectification(action, actor, reason)
    notify_staff([recorder], "review_confirmed", case, who=actor.display_name)
    refresh_enforcement_status(action.platform)
    return action


def _rectified(action, actor, reason):
    now = utcnow()
    end_action(action, "rectified", now)
    filing = action.platform.filing
    filing.status = "filed"
    filing.last_reviewed_on = app_today(now)
    record_event(
        action.case,
        actor,
        "rectified",
        action_id=action.id,
        note=action.review_note,
        recorded_by=action.reviewed_by_id,
        reason=reason,
    )
    audit(actor, "action.rectified", "action", action.id, recorded_by=action.reviewed_by_id)


def escalation_public_reason(rectification):
    """What the public record says of the stronger action proposed when a rectification failed its review.

    Stored text, like the reasons staff type, so written in the app's language (the
    review note, which may name people, stays internal): the deadline missed, then
    the rectification's own public reason, or for an older one its legal basis.
    """
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        missed = _(
            "The platform had not put things right by the rectification deadline (%(deadline)s).",
            deadline=format_date(rectification.deadline_on, "medium"),
        )
    return f"{missed} {rectification.public_reason or rectification.legal_basis}".strip()


def _escalate_rectification(action, actor, reason):
    from cases.escalation import supervisors

    now = utcnow()
    case = action.case
    end_action(action, "escalated", now)
    stronger = Action(
        case=case,
        platform=action.platform,
        type=rules.ESCALATES_TO[rules.RECTIFICATION],
        department=case.lead_department,
        legal_basis=action.legal_basis,
        details=action.review_note,
        public_reason=escalation_public_reason(action),
        starts_on=app_today(now),
        proposed_by_id=action.reviewed_by_id,
    )
    db.session.add(stronger)
    db.session.flush()
    record_event(
        case,
        actor,
        "rectification_failed",
        action_id=action.id,
        proposed_id=stronger.id,
        note=action.review_note,
        recorded_by=action.reviewed_by_id,
        reason=reason,
    )
    audit(actor, "action.rectification_failed", "action", action.id, proposed=stronger.id)
    region_codes = [r.code for r in case.region.path()]
    notify_staff(
        [s for s in supervisors(region_codes, [stronger.department]) if may_decide(s, stronger)], "approval", case
    )
