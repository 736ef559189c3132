"""Staff verify organisations: the list of them, one organisation, and the decisions on it.

Intake staff and supervisors of the organisation's region tree read and decide;
administrators read (cases/access.py). Outside the region tree an organisation
answers 404, as if it did not exist.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from cases.access import ORGANISATION_DECIDERS, ORGANISATION_READERS, may_see_organisation, staff_required
from cases.audit import audit
from cases.blueprint import bp
from cases.forms import OrganisationDecisionForm
from cases.organisations import (
    FILTER_LABELS,
    STATUS_FILTERS,
    organisation_file,
    organisation_page,
    parse_filters,
    waiting_count,
)
from tipline import catalog
from tipline.extensions import db
from tipline.organisations.models import Organisation
from tipline.organisations.service import NEEDS_REASON, OrganisationError, decide

# What the page says once a decision is made.
DONE = {
    "verify": _l("%(name)s is verified. It is told by mail."),
    "refuse": _l("The registration of %(name)s is refused. It is told by mail, with your reason."),
    "suspend": _l("%(name)s is suspended. It is told by mail, with your reason."),
    "reinstate": _l("%(name)s is reinstated. It is told by mail."),
}


@bp.app_context_processor
def organisations_navigation():
    """The navigation's link to the organisations, for those who read them, with how many wait for a decision;
    and whether a page may link to an organisation."""
    if getattr(current_user, "is_authenticated", False) and current_user.role in ORGANISATION_READERS:
        deciding = current_user.role in ORGANISATION_DECIDERS
        return {
            "may_read_organisations": lambda: True,
            "organisations_waiting": lambda: waiting_count(current_user) if deciding else 0,
            "may_open_organisation": lambda organisation: may_see_organisation(current_user, organisation),
        }
    return {
        "may_read_organisations": lambda: False,
        "organisations_waiting": lambda: 0,
        "may_open_organisation": lambda organisation: False,
    }


def _organisation_or_404(organisation_id):
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or not may_see_organisation(current_user, organisation):
        abort(404)
    return organisation


@bp.route("/organisations")
@staff_required(*ORGANISATION_READERS)
def organisations():
    """The organisations of the user's regions: those waiting for a decision first, filtered and paged."""
    given = parse_filters(request.args)
    page = None if given.errors else organisation_page(current_user, given.filters)
    return render_template(
        "cases/organisations.html",
        typed=given.typed,
        errors={name: (FILTER_LABELS[name], message) for name, message in given.errors.items()},
        filters=given.filters.as_args(),
        searched={name: value for name, value in given.filters.as_args().items() if name != "status"},
        status=given.filters.status,
        statuses=STATUS_FILTERS,
        kinds=catalog.ORGANISATION_TYPES,
        page=page,
        paged=given.filters.after is not None,
    ), (400 if given.errors else 200)


def _organisation_page(organisation, form=None, status=200):
    return render_template(
        "cases/organisation.html",
        file=organisation_file(current_user, organisation),
        form=form or OrganisationDecisionForm(),
        may_decide=current_user.role in ORGANISATION_DECIDERS,
        needs_reason=NEEDS_REASON,
    ), status


@bp.route("/organisations/<id:organisation_id>")
@staff_required(*ORGANISATION_READERS)
def organisation(organisation_id):
    """One organisation: its details, proof document, members, record, reports, history and the decisions open."""
    organisation = _organisation_or_404(organisation_id)
    # Not a reporter's secret, but who read an organisation's contact details is kept.
    audit(current_user, "organisation.view", "organisation", organisation.id)
    db.session.commit()
    return _organisation_page(organisation)


@bp.route("/organisations/<id:organisation_id>/decide", methods=["POST"])
@staff_required(*ORGANISATION_DECIDERS)
def decide_organisation(organisation_id):
    """Verify, refuse, suspend or reinstate the organisation; it is mailed in its own language."""
    organisation = _organisation_or_404(organisation_id)
    form = OrganisationDecisionForm()
    if not form.validate_on_submit():
        return _organisation_page(organisation, form, 400)
    decision = form.decision.data
    try:
        decide(organisation, decision, current_user, form.reason.data or "")
    except OrganisationError as exc:
        db.session.rollback()
        (form.reason.errors if exc.field == "reason" else form.form_errors).append(str(exc.message))
        return _organisation_page(organisation, form, 400)
    db.session.commit()
    flash(DONE[decision] % {"name": organisation.name})
    return redirect(url_for("staff.organisation", organisation_id=organisation.id))
