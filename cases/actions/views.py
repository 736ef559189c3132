"""The action forms of the case page: propose, decide, propose lifting, review a rectification and confirm it."""

from flask import abort, flash
from flask_babel import gettext as _
from flask_login import current_user

from cases.access import can_see_case, case_or_404, staff_required
from cases.actions import review, rules, service
from cases.actions.models import Action
from cases.blueprint import bp
from cases.case_pages import back_to, refused, render_case
from cases.forms import ActionForm, ConfirmReviewForm, DecisionForm, LiftForm, ReviewForm
from cases.operations import CaseError
from tipline.extensions import db


def action_choices():
    return [(code, label) for code, label in rules.ACTION_TYPES.items()]


def _action_or_404(action_id):
    action = db.session.get(Action, action_id)
    if action is None or not can_see_case(current_user, action.case):
        abort(404)
    return action


@bp.route("/cases/<id:case_id>/actions", methods=["POST"])
@staff_required()
def propose_action(case_id):
    case = case_or_404(current_user, case_id)
    form = ActionForm()
    form.type.choices = action_choices()
    if not form.validate_on_submit():
        return render_case(case, 400, action=form)
    try:
        service.propose_action(
            case,
            current_user,
            form.type.data,
            form.legal_basis.data,
            form.details.data or "",
            form.starts_on.data,
            form.deadline_on.data,
            public_reason=form.public_reason.data,
        )
    except CaseError as exc:
        return refused(case, exc, "actions", form, action=form)
    db.session.commit()
    return back_to(case, _("The action is proposed and waits for a supervisor's decision."), "actions")


@bp.route("/actions/<id:action_id>/decide", methods=["POST"])
@staff_required()
def decide_action(action_id):
    action = _action_or_404(action_id)
    form = DecisionForm()
    if not form.validate_on_submit() or form.decision.data not in ("approve", "reject"):
        return render_case(action.case, 400, decision=form)
    try:
        service.decide_action(action, current_user, form.decision.data == "approve", form.reason.data or "")
    except CaseError as exc:
        return refused(action.case, exc, "actions", decision=form)
    db.session.commit()
    return back_to(action.case, _("Decision recorded."), "actions")


@bp.route("/actions/<id:action_id>/lift", methods=["POST"])
@staff_required()
def lift_action(action_id):
    action = _action_or_404(action_id)
    form = LiftForm()
    form.lifting_id = action.id  # the page re-opens this action's form, with what was typed
    if not form.validate_on_submit():
        return render_case(action.case, 400, lift=form)
    try:
        service.propose_lift(action, current_user, form.legal_basis.data, public_reason=form.public_reason.data)
    except CaseError as exc:
        return refused(action.case, exc, "actions", lift=form)
    db.session.commit()
    return back_to(action.case, _("Lifting is proposed and waits for a supervisor's decision."), "actions")


@bp.route("/actions/<id:action_id>/review", methods=["POST"])
@staff_required()
def review_action(action_id):
    """The education department records its review of a rectification past its deadline (step one of two)."""
    action = _action_or_404(action_id)
    form = ReviewForm()
    if not form.validate_on_submit() or form.outcome.data not in rules.REVIEW_OUTCOMES:
        if form.outcome.data not in rules.REVIEW_OUTCOMES:
            flash(_("Choose one of the outcomes offered."), "error@actions")
        return render_case(action.case, 400, review=form)
    try:
        review.review_rectification(action, current_user, form.outcome.data == rules.PASSED, form.note.data or "")
    except CaseError as exc:
        return refused(action.case, exc, "actions", review=form)
    db.session.commit()
    recorded = _("Review recorded. It takes effect once a second supervisor of the education department confirms it.")
    return back_to(action.case, recorded, "actions")


@bp.route("/actions/<id:action_id>/review/confirm", methods=["POST"])
@staff_required()
def confirm_review(action_id):
    """A second education supervisor confirms the recorded review, or sends it back (step two of two)."""
    action = _action_or_404(action_id)
    form = ConfirmReviewForm()
    if not form.validate_on_submit() or form.decision.data not in ("agree", "disagree"):
        if form.decision.data not in ("agree", "disagree"):
            flash(_("Confirm the review or send it back."), "error@actions")
        return render_case(action.case, 400, confirm_review=form)
    try:
        agree = form.decision.data == "agree"
        review.confirm_review(action, current_user, agree, form.reason.data or "", seen=form.seen.data)
    except CaseError as exc:
        return refused(action.case, exc, "actions", confirm_review=form)
    db.session.commit()
    if agree:
        return back_to(action.case, _("Review confirmed."), "actions")
    return back_to(action.case, _("Review not confirmed; it may be recorded again."), "actions")
