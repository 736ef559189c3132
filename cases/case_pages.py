"""One case: its tips and evidence, the platform, the timeline, notes, tasks, and every change made from there."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from cases import operations, states
from cases.access import can_see_case, case_or_404, may_work_on, staff_required, visible_regions, works_on
from cases.accounts.models import StaffUser
from cases.blueprint import bp
from cases.forms import (
    AddressForm,
    AssignForm,
    CloseForm,
    ClosingDecisionForm,
    MergeForm,
    MessageForm,
    NoteForm,
    PlainForm,
    SplitForm,
    TaskForm,
    TransitionForm,
    TriageForm,
    staff_choices,
)
from cases.matching.addresses import add_platform_address, may_add_address
from cases.matching.suggestions import suggestions_for
from cases.models import Case, CaseTask
from cases.priority import reason_text
from cases.timeline import case_timeline
from tipline import catalog
from tipline.extensions import db
from tipline.platforms.links import site_of
from tipline.reports.models import Tip
from tipline.timeutil import utcnow
from tipline.web import no_store, parse_row_id


def candidates(case, any_department=False):
    """Staff who could be assigned this case.

    Triage may change the case's departments, so its list offers officers of both
    departments; the assignment is checked again once the departments are set.
    """
    ancestors = [region.code for region in case.region.path()]
    users = db.session.scalars(
        select(StaffUser).where(StaffUser.active.is_(True), StaffUser.region_code.in_(ancestors)).order_by(StaffUser.id)
    ).all()
    if any_department:
        return [u for u in users if u.role in ("intake", "officer", "supervisor")]
    return [u for u in users if may_work_on(u, case)]


def _platform_history(case):
    if case.platform_id is None:
        return []
    return db.session.scalars(
        select(Case).where(Case.platform_id == case.platform_id, Case.id != case.id).order_by(Case.id.desc()).limit(20)
    ).all()


def render_case(case, status=200, **forms):
    """The case page, with any form that failed re-shown as typed."""
    people = candidates(case)
    triage = forms.get("triage") or TriageForm(
        lead_department=case.lead_department,
        co_department=case.co_department or "",
        assignee=str(case.assignee_id or ""),
    )
    triage.assignee.choices = staff_choices(candidates(case, any_department=True))
    assign = forms.get("assign") or AssignForm(assignee=str(case.assignee_id or ""))
    assign.assignee.choices = staff_choices(people)
    message = forms.get("message") or MessageForm()
    message.tip_id.choices = [(str(t.id), _("Report #%(id)d", id=t.id)) for t in case.tips]
    from cases.actions import rules as action_rules
    from cases.actions.review import may_confirm_review, may_review, review_stamp
    from cases.actions.service import is_repeat_offender, may_decide, may_propose
    from cases.forms import ActionForm, ConfirmReviewForm, DecisionForm, LiftForm, ReviewForm

    action_form = forms.get("action") or ActionForm()
    action_form.type.choices = list(action_rules.ACTION_TYPES.items())
    merge = forms.get("merge") or MergeForm()
    merge.target_choice.choices = merge_choices(case)
    close = forms.get("close") or CloseForm()
    close.to_state.choices = closing_choices(case)
    split = forms.get("split") or SplitForm(category=_split_category(case))
    split.tip_ids.choices = split_choices(case)
    suggestions, assessed = suggestions_for(case, visible_regions(current_user))
    may_address = may_add_address(current_user, case)
    return no_store(
        render_template(
            "cases/case.html",
            case=case,
            now=utcnow(),
            next_states=states.next_states(current_user, case),
            state_labels=states.STATES,
            priority_reasons=[reason_text(r) for r in case.priority_reasons],
            history=_platform_history(case),
            timeline=case_timeline(case),
            may_see_contact=works_on(current_user, case),
            may_triage=states.may_transition(current_user, case, states.TRIAGED),
            transition=forms.get("transition") or TransitionForm(),
            triage=triage,
            assign=assign,
            note=forms.get("note") or NoteForm(),
            task=forms.get("task") or TaskForm(department=current_user.department),
            message=message,
            merge=merge,
            split=split,
            close=close,
            may_close_alone=states.may_close_alone(current_user, case),
            may_agree_to_close=states.may_agree_to_close(current_user, case),
            closing_decision=forms.get("closing_decision") or ClosingDecisionForm(),
            plain=PlainForm(),
            actions=_case_actions(case),
            action_form=action_form,
            decision=forms.get("decision") or DecisionForm(),
            lift=forms.get("lift") or LiftForm(),
            review=forms.get("review") or ReviewForm(),
            confirm_review=forms.get("confirm_review") or ConfirmReviewForm(),
            may_review=may_review,
            may_confirm_review=may_confirm_review,
            review_stamp=review_stamp,
            may_propose=may_propose(current_user, case) and case.is_open and case.platform is not None,
            may_decide=may_decide,
            repeat_offender=case.platform_id is not None and is_repeat_offender(case.platform_id),
            organisations=_organisations_of(case),
            suggestions=suggestions,
            assessed=assessed,
            may_add_address=may_address,
            address=forms.get("address") or AddressForm(address=_uncovered_link(case) if may_address else ""),
            action_rules=action_rules,
        ),
        status,
    )


def _uncovered_link(case):
    """The first link a tip of the case gives that the platform's record does not cover yet ("" if none)."""
    if case.platform is None:
        return ""
    covered = {row.key for row in case.platform.address_keys}
    for tip in case.tips:
        if tip.url and tip.link_key and tip.link_key not in covered and site_of(tip.link_key) not in covered:
            return tip.url
    return ""


def _organisations_of(case):
    """The organisations that filed tips of the case, with their track records, by id."""
    from tipline.organisations.models import Organisation
    from tipline.organisations.trust import carries_weight, track_record

    ids = {tip.organisation_id for tip in case.tips if tip.organisation_id is not None}
    found = db.session.scalars(select(Organisation).where(Organisation.id.in_(ids))).all() if ids else []
    return {o.id: (o, track_record(o.id, days=None), carries_weight(o.id)) for o in found}


def closing_choices(case):
    """The closings this user may make or propose, labelled by state."""
    return [(state, states.STATES[state]) for state in states.closings(current_user, case)]


def merge_choices(case):
    """The other open cases on this platform the user can see, with their problem and size."""
    if case.platform_id is None:
        return []
    others = db.session.scalars(
        select(Case)
        .where(Case.platform_id == case.platform_id, Case.id != case.id, Case.open_key.is_not(None))
        .order_by(Case.id)
        .limit(20)
    ).all()
    return [
        (
            str(other.id),
            ngettext(
                "#%(id)d · %(category)s · %(num)d report",
                "#%(id)d · %(category)s · %(num)d reports",
                other.tip_count,
                id=other.id,
                category=catalog.CATEGORIES[other.category],
            ),
        )
        for other in others
        if can_see_case(current_user, other)
    ]


def split_choices(case):
    """Each report of the case, by number and first words, for the split list."""
    return [(t.id, _("Report #%(id)d: %(start)s", id=t.id, start=first_words(t.description))) for t in case.tips]


def first_words(text, size=40):
    """The start of a text, cut at `size` characters."""
    text = " ".join((text or "").split())
    return text if len(text) <= size else text[:size].rstrip() + "…"


def _split_category(case):
    """The problem proposed for a split: the first report's own, where it differs from the case's."""
    return next((t.category for t in case.tips if t.category != case.category), "")


def _case_actions(case):
    from cases.actions.models import Action

    return db.session.scalars(select(Action).where(Action.case_id == case.id).order_by(Action.id)).all()


def back_to(case, text, section, level="message"):
    """Say how a change went in the section it was made from, and return the user there."""
    flash(text, f"{level}@{section}")
    return redirect(url_for("staff.case", case_id=case.id, _anchor=section))


def _done(case, text, section):
    db.session.commit()
    return back_to(case, text, section)


def refused(case, exc, section, form=None, **forms):
    """The page again, with why the change was refused at the form that asked for it."""
    db.session.rollback()
    if form is not None:
        form.form_errors.append(str(exc.message))
    else:
        flash(str(exc.message), f"error@{section}")
    case = db.session.get(Case, case.id)
    return render_case(case, 403 if isinstance(exc, operations.NotAllowed) else 400, **forms)


@bp.route("/cases/<id:case_id>")
@staff_required()
def case(case_id):
    """The case page; opening it marks the case seen by the viewer (the queue's "new since you last looked")
    and reads the viewer's notices about it."""
    from cases.notices import read_notices_of_case
    from cases.seen import mark_seen

    case = case_or_404(current_user, case_id)
    mark_seen(current_user, case)
    read_notices_of_case(current_user, case)
    db.session.commit()
    return render_case(case)


@bp.route("/cases/<id:case_id>/state", methods=["POST"])
@staff_required()
def change_state(case_id):
    case = case_or_404(current_user, case_id)
    form = TransitionForm()
    valid = form.validate_on_submit()
    if valid and form.to_state.data not in states.STATES:
        form.to_state.errors = [_("Choose one of the next steps offered.")]
    if not valid or form.to_state.errors:
        return render_case(case, 400, transition=form)
    try:
        operations.change_state(case, form.to_state.data, current_user, form.reason.data or "")
    except operations.CaseError as exc:
        return refused(case, exc, "next", form, transition=form)
    return _done(case, _("The case is now: %(state)s", state=states.STATES[case.state]), "next")


@bp.route("/cases/<id:case_id>/close", methods=["POST"])
@staff_required()
def close(case_id):
    """Close the case with a reason for its reporters, or propose to when a supervisor must agree."""
    case = case_or_404(current_user, case_id)
    form = CloseForm()
    form.to_state.choices = closing_choices(case)
    if not form.validate_on_submit():
        return render_case(case, 400, close=form)
    try:
        closed = operations.close_case(case, form.to_state.data, current_user, form.reason.data, form.confirmed.data)
    except operations.CaseError as exc:
        return refused(case, exc, "next", form, close=form)
    if closed:
        return _done(case, _("The case is now: %(state)s", state=states.STATES[case.state]), "next")
    return _done(case, _("The closing waits for a supervisor's agreement; the case stays open until then."), "next")


@bp.route("/cases/<id:case_id>/closing", methods=["POST"])
@staff_required()
def closing_decision(case_id):
    """A supervisor agrees to the closing waiting on the case, or refuses it."""
    case = case_or_404(current_user, case_id)
    form = ClosingDecisionForm()
    if not form.validate_on_submit() or form.agree.data not in ("yes", "no"):
        return render_case(case, 400, closing_decision=form)
    agree = form.agree.data == "yes"
    try:
        operations.decide_closing(case, current_user, agree, form.note.data or "")
    except operations.CaseError as exc:
        return refused(case, exc, "next", form, closing_decision=form)
    if agree:
        return _done(case, _("The case is now: %(state)s", state=states.STATES[case.state]), "next")
    return _done(case, _("The closing is refused; the case stays open."), "next")


@bp.route("/cases/<id:case_id>/triage", methods=["POST"])
@staff_required()
def triage(case_id):
    case = case_or_404(current_user, case_id)
    form = TriageForm()
    form.assignee.choices = staff_choices(candidates(case, any_department=True))
    if not form.validate_on_submit():
        return render_case(case, 400, triage=form)
    assignee = db.session.get(StaffUser, int(form.assignee.data)) if form.assignee.data else None
    try:
        operations.triage(
            case,
            current_user,
            form.lead_department.data,
            form.co_department.data or None,
            assignee,
            form.reason.data or "",
        )
    except operations.CaseError as exc:
        return refused(case, exc, "next", form, triage=form)
    return _done(case, _("The case is triaged."), "next")


@bp.route("/cases/<id:case_id>/assign", methods=["POST"])
@staff_required()
def assign(case_id):
    case = case_or_404(current_user, case_id)
    form = AssignForm()
    form.assignee.choices = staff_choices(candidates(case))
    if not form.validate_on_submit():
        return render_case(case, 400, assign=form)
    assignee = db.session.get(StaffUser, int(form.assignee.data)) if form.assignee.data else None
    try:
        operations.assign(case, current_user, assignee, confirmed=form.confirmed.data)
    except operations.NeedsConfirmation as exc:
        form.confirmed.errors = [str(exc.message)]
        return render_case(case, 400, assign=form)
    except operations.CaseError as exc:
        return refused(case, exc, "assign", form, assign=form)
    return _done(case, _("Assignment saved."), "assign")


@bp.route("/cases/<id:case_id>/notes", methods=["POST"])
@staff_required()
def add_note(case_id):
    case = case_or_404(current_user, case_id)
    form = NoteForm()
    if not form.validate_on_submit():
        return render_case(case, 400, note=form)
    operations.add_note(case, current_user, form.body.data)
    return _done(case, _("Note added."), "note")


@bp.route("/cases/<id:case_id>/tasks", methods=["POST"])
@staff_required()
def add_task(case_id):
    case = case_or_404(current_user, case_id)
    form = TaskForm()
    if not form.validate_on_submit():
        return render_case(case, 400, task=form)
    try:
        operations.add_task(case, current_user, form.department.data, form.title.data, form.due_on.data)
    except operations.CaseError as exc:
        return refused(case, exc, "tasks", form, task=form)
    return _done(case, _("Task added."), "tasks")


@bp.route("/cases/<id:case_id>/tasks/<id:task_id>/done", methods=["POST"])
@staff_required()
def complete_task(case_id, task_id):
    case = case_or_404(current_user, case_id)
    task = db.session.get(CaseTask, task_id)
    if task is None or task.case_id != case.id:
        abort(404)
    if not PlainForm().validate_on_submit():
        return render_case(case, 400)
    try:
        operations.complete_task(task, current_user)
    except operations.CaseError as exc:
        return refused(case, exc, "tasks")
    return _done(case, _("Task done."), "tasks")


@bp.route("/cases/<id:case_id>/messages", methods=["POST"])
@staff_required()
def send_message(case_id):
    case = case_or_404(current_user, case_id)
    form = MessageForm()
    form.tip_id.choices = [(str(t.id), str(t.id)) for t in case.tips]
    if not form.validate_on_submit():
        return render_case(case, 400, message=form)
    tip = db.session.get(Tip, int(form.tip_id.data))
    try:
        operations.send_message(case, tip, current_user, form.body.data)
    except operations.CaseError as exc:
        return refused(case, exc, "message", form, message=form)
    return _done(case, _("Message sent. The reporter sees it with their receipt code."), "message")


@bp.route("/cases/<id:case_id>/merge", methods=["POST"])
@staff_required()
def merge(case_id):
    case = case_or_404(current_user, case_id)
    form = MergeForm()
    form.target_choice.choices = merge_choices(case)
    if not form.validate_on_submit():
        return render_case(case, 400, merge=form)
    target_id = parse_row_id(form.target_choice.data) or form.target_id.data
    if target_id is None:
        form.target_id.errors.append(_("Choose a case to merge into, or enter its number."))
        return render_case(case, 400, merge=form)
    target = db.session.get(Case, target_id)
    if target is None or not can_see_case(current_user, target):
        form.target_id.errors.append(_("There is no case with this number that you can see."))
        return render_case(case, 400, merge=form)
    try:
        operations.merge_cases(case, target, current_user, form.reason.data)
    except operations.CaseError as exc:
        return refused(case, exc, "merge", form, merge=form)
    db.session.commit()
    return back_to(target, _("Case #%(source)d is merged into this case.", source=case.id), "timeline")


@bp.route("/cases/<id:case_id>/address", methods=["POST"])
@staff_required()
def add_address(case_id):
    """Add a web address or app link from the case to its platform's record."""
    case = case_or_404(current_user, case_id)
    form = AddressForm()
    if not form.validate_on_submit():
        return render_case(case, 400, address=form)
    try:
        add_platform_address(case, form.address.data, current_user)
    except operations.CaseError as exc:
        return refused(case, exc, "platform", form, address=form)
    db.session.commit()
    return back_to(case, _("The address is added to the platform's record."), "platform")


@bp.route("/cases/<id:case_id>/split", methods=["POST"])
@staff_required()
def split(case_id):
    case = case_or_404(current_user, case_id)
    form = SplitForm()
    form.tip_ids.choices = split_choices(case)
    if not form.validate_on_submit():
        return render_case(case, 400, split=form)
    try:
        target = operations.split_tips(case, form.tip_ids.data, current_user, form.category.data, form.reason.data)
    except operations.CaseError as exc:
        return refused(case, exc, "merge", form, split=form)
    db.session.commit()
    return back_to(target, _("The chosen reports are now in case #%(id)d.", id=target.id), "timeline")


def _tip_or_404(tip_id):
    tip = db.session.get(Tip, tip_id)
    if tip is None or tip.case is None or not can_see_case(current_user, tip.case):
        abort(404)
    return tip


@bp.route("/tips/<id:tip_id>/contact", methods=["POST"])
@staff_required()
def contact(tip_id):
    """Show a reporter's contact details to staff working the case, and audit the view."""
    tip = _tip_or_404(tip_id)
    if not PlainForm().validate_on_submit():
        abort(400)
    try:
        details = operations.view_contact(tip, current_user)
    except operations.NotAllowed as exc:
        db.session.rollback()
        return no_store(render_template("cases/contact.html", tip=tip, details=None, error=exc.message), 403)
    db.session.commit()
    return no_store(render_template("cases/contact.html", tip=tip, details=details, error=None))
