"""The work queue's forms: saving its filters under a name, deleting a saved filter, and assigning or
triaging the ticked cases together (cases/bulk.py), each case under its own page's rules."""

from urllib.parse import parse_qsl

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from cases import bulk, saved_filters
from cases.access import staff_required
from cases.accounts.models import StaffUser
from cases.blueprint import bp
from cases.forms import BulkForm, PlainForm, SavedFilterForm
from cases.queue import offer_staff, queue_params, render_queue
from tipline.extensions import db
from tipline.web import keeps_input, parse_row_id


def back_to_queue(query):
    """Where a form of the queue returns to: the queue as it was shown (filters and order), from its first page."""
    return url_for("staff.queue", **(queue_params(current_user, query) or {}))


@bp.route("/filters", methods=["POST"])
@staff_required()
@keeps_input
def save_filter():
    """Save the queue's filters, as the page showed them, under a name of the user's own."""
    form = SavedFilterForm()
    query = form.query.data if isinstance(form.query.data, str) else ""
    back = dict(parse_qsl(query))
    if not form.validate_on_submit():
        return render_queue(back, 400, filter_form=form)
    params = queue_params(current_user, query)
    if params is None:
        form.name.errors.append(_("These filters cannot be saved: check them first."))
        return render_queue(back, 400, filter_form=form)
    try:
        saved = saved_filters.save_filter(current_user, form.name.data, params)
    except saved_filters.FilterError as exc:
        db.session.rollback()
        form.name.errors.append(str(exc.message))
        return render_queue(back, 400, filter_form=form)
    db.session.commit()
    flash(_("Filter “%(name)s” saved. It is listed above the queue.", name=saved.name))
    return redirect(url_for("staff.queue", **params), 303)


@bp.route("/filters/<id:filter_id>/delete", methods=["POST"])
@staff_required()
def delete_filter(filter_id):
    """Delete one of the user's own saved filters (anyone else's answers 404, as if it did not exist)."""
    saved = saved_filters.own_filter(current_user, filter_id)
    if saved is None:
        abort(404)
    if not PlainForm().validate_on_submit():
        abort(400)
    name = saved.name
    saved_filters.delete_filter(saved)
    db.session.commit()
    flash(_("Saved filter “%(name)s” deleted.", name=name))
    return redirect(url_for("staff.queue"), 303)


@bp.route("/bulk", methods=["POST"])
@staff_required()
@keeps_input
def bulk_change():
    """Assign or triage the ticked cases, each as its own page would (cases/bulk.py)."""
    form = BulkForm()
    offer_staff(form)
    back = form.back.data if isinstance(form.back.data, str) else ""
    params = dict(parse_qsl(back))
    pressed = [name for name in ("assign", "triage") if form[name].data]
    valid = form.validate_on_submit()
    if valid and len(pressed) != 1:
        form.form_errors.append(_("Press one button: assign, or triage."))
        valid = False
    if valid and pressed == ["assign"] and not form.assignee.data:
        form.assignee.errors.append(_("Choose who gets the cases."))
        valid = False
    if not valid:
        return render_queue(params, 400, bulk_form=form)
    try:
        if pressed == ["assign"]:
            assignee = _person(form.assignee.data)
            result = bulk.assign_cases(current_user, form.case_ids.data, assignee, form.confirmed.data)
            done = ngettext("%(num)d case assigned.", "%(num)d cases assigned.", len(result.done))
        else:
            result = bulk.triage_cases(
                current_user,
                form.case_ids.data,
                form.lead_department.data,
                form.co_department.data or None,
                _person(form.triage_assignee.data),
                form.reason.data or "",
            )
            done = ngettext("%(num)d case triaged.", "%(num)d cases triaged.", len(result.done))
    except bulk.TooMany as exc:
        form.case_ids.errors.append(str(exc.message))
        return render_queue(params, 400, bulk_form=form)
    failures = [(case_id, str(reason)) for case_id, reason in result.failed]
    if not result.done:
        return render_queue(params, 400, bulk_form=form, failures=failures)
    flash(done)
    if failures:
        listed = "; ".join(_("#%(id)d (%(reason)s)", id=case_id, reason=reason) for case_id, reason in failures)
        flash(_("These were not changed: %(cases)s", cases=listed), "error")
    return redirect(back_to_queue(back), 303)


def _person(choice):
    """The member of staff a bulk form's choice names, or None for nobody."""
    row_id = parse_row_id(choice)
    return db.session.get(StaffUser, row_id) if row_id else None
