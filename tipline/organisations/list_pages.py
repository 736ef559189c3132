"""The organisation's list of tips at /org/, its CSV file, one tip's page, and collecting receipt codes."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_number, to_user_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from cases.forms import PlainForm
from tipline import catalog
from tipline.extensions import db, limiter
from tipline.followup import service as followup
from tipline.organisations import accounts, service
from tipline.organisations import tips as org_tips
from tipline.organisations.forms import AdditionForm, CollectForm
from tipline.organisations.models import COLLECTED
from tipline.organisations.views import bp
from tipline.reports.receipt import MalformedReceiptCode
from tipline.spreadsheet import csv_bytes
from tipline.tracking.forms import FixAnswerForm
from tipline.tracking.status import EXPLANATIONS, PUBLIC_STATUSES
from tipline.tracking.views import add_from_form, answer_from_form, fix_question
from tipline.web import keeps_input, no_store

SOURCES = {"filed": _l("Filed by us"), "collected": _l("Collected by receipt code")}


def _list_page(collect_form=None, status=200):
    member = accounts.current_member()
    organisation = member.organisation
    filters = org_tips.read_filters(request.args)
    page = org_tips.list_page(organisation.id, filters) if not filters.errors else org_tips.ListPage([], None)
    return no_store(
        render_template(
            "organisations/tips.html",
            member=member,
            organisation=organisation,
            filters=filters,
            page=page,
            total=org_tips.count(organisation.id, filters) if not filters.errors else 0,
            statuses=PUBLIC_STATUSES,
            categories=catalog.CATEGORIES,
            sources=SOURCES,
            collect_form=collect_form or CollectForm(formdata=None),
            plain=PlainForm(formdata=None),
            can_act=service.can_act(organisation),
            fix_asked=followup.unanswered_tip_ids([line.tip.id for line in page.lines]),
        ),
        400 if filters.errors else status,
    )


@bp.route("/")
@accounts.member_required()
def tips():
    """Every tip the organisation filed or collected, with filters, search and paging."""
    return _list_page()


@bp.route("/tips.csv")
@accounts.member_required()
def tips_csv():
    """The list under the same filters as a CSV file (UTF-8 with a BOM; no cell a spreadsheet would run)."""
    organisation = accounts.current_member().organisation
    filters = org_tips.read_filters(request.args)
    if filters.errors:
        return _list_page()
    header = [
        _("Report number"),
        _("Sent"),
        _("Platform"),
        _("Problem"),
        _("Status"),
        _("Last change"),
        _("Unread messages"),
        _("In our list because"),
        _("What was reported"),
    ]
    rows = [
        [
            f"#{line.tip.id}",
            to_user_timezone(line.tip.created_at).strftime("%Y-%m-%d %H:%M"),
            line.tip.platform.name if line.tip.platform else line.tip.platform_name,
            catalog.label(catalog.CATEGORIES, line.tip.category),
            PUBLIC_STATUSES[line.status],
            to_user_timezone(line.last_change).strftime("%Y-%m-%d %H:%M"),
            format_number(line.unread),
            SOURCES[line.row.source],
            line.tip.description,
        ]
        for line in org_tips.export_rows(organisation.id, filters)
    ]
    response = no_store(csv_bytes(header, rows))
    response.mimetype = "text/csv"
    response.charset = "utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="tipline-reports.csv"'
    return response


@bp.route("/collect", methods=["POST"])
@limiter.limit(lambda: current_app.config["ORG_COLLECT_LIMIT"], methods=["POST"])
@accounts.member_required()
@keeps_input
def collect():
    """Add a tip to the list by the receipt code a parent handed over."""
    member = accounts.current_member()
    form = CollectForm()
    if form.validate_on_submit():
        try:
            tip = org_tips.collect(member, form.code.data)
        except MalformedReceiptCode:
            form.code.errors = [
                _("That is not a receipt code. A code has 24 letters and digits, and never the letter U.")
            ]
        except service.OrganisationError as exc:
            db.session.rollback()
            form.code.errors = [str(exc.message)]
        else:
            tip_id = tip.id
            try:
                db.session.commit()
            except IntegrityError:  # the same code sent twice at once: the first one added it
                db.session.rollback()
            flash(_("Report #%(id)d is in your list now.", id=tip_id))
            return redirect(url_for("org.tip", tip_id=tip_id), 303)
    return _list_page(collect_form=form, status=400)


def _listed_or_404(tip_id):
    """The list row of a tip of the member's organisation; any other tip answers 404, as if it did not exist."""
    row = org_tips.listed_tip(accounts.current_member().organisation_id, tip_id)
    if row is None:
        abort(404)
    return row


def _tip_page(row, add_form, status=200, fix_form=None):
    from tipline.tracking.status import public_status

    tip = row.tip
    code = public_status(tip)
    page = no_store(
        render_template(
            "organisations/tip.html",
            row=row,
            tip=tip,
            status=code,
            status_label=PUBLIC_STATUSES[code],
            status_explanation=EXPLANATIONS[code],
            add_form=add_form,
            plain=PlainForm(formdata=None),
            sources=SOURCES,
            collected=row.source == COLLECTED,
            can_act=service.can_act(accounts.current_member().organisation),
            **fix_question(tip, fix_form),
        ),
        status,
    )
    org_tips.mark_read(row)
    db.session.commit()
    return page


@bp.route("/tips/<id:tip_id>")
@accounts.member_required()
def tip(tip_id):
    """What the receipt page shows, and the form to answer staff or add evidence."""
    return _tip_page(_listed_or_404(tip_id), AdditionForm(formdata=None))


@bp.route("/tips/<id:tip_id>", methods=["POST"])
@limiter.limit(lambda: current_app.config["TRACK_ADD_CEILING"], methods=["POST"], scope="org-add")
@accounts.member_required()
@keeps_input
def add(tip_id):
    """Answer staff, or add information or evidence, for the organisation."""
    row = _listed_or_404(tip_id)
    form = AdditionForm()
    if add_from_form(form, row.tip, accounts.current_member().organisation):
        flash(_("Thank you. Your addition is part of the report."))
        return redirect(url_for("org.tip", tip_id=tip_id), 303)
    return _tip_page(row, form, 400)


@bp.route("/tips/<id:tip_id>/fixed", methods=["POST"])
@limiter.limit(lambda: current_app.config["TRACK_ADD_CEILING"], methods=["POST"], scope="org-add")
@accounts.member_required()
@keeps_input
def answer_fix(tip_id):
    """The organisation's answer to "is the problem gone?" for a tip in its list."""
    row = _listed_or_404(tip_id)
    organisation = accounts.current_member().organisation
    form = FixAnswerForm()
    check = followup.check_of(row.tip)
    if check is None:
        flash(_("There is no question about this report to answer."))
        return redirect(url_for("org.tip", tip_id=tip_id), 303)
    if not service.can_act(organisation):
        form.validate_on_submit()  # the comment is shown again as typed
        form.answer.errors = [
            *form.answer.errors,
            _("Your organisation cannot answer for its reports as it stands now."),
        ]
        return _tip_page(row, AdditionForm(formdata=None), 403, form)
    if answer_from_form(form, check, organisation):
        flash(_("Thank you for your answer."))
        return redirect(url_for("org.tip", tip_id=tip_id, _anchor="fix"), 303)
    return _tip_page(row, AdditionForm(formdata=None), 400, form)


@bp.route("/tips/<id:tip_id>/remove", methods=["POST"])
@accounts.member_required()
def uncollect(tip_id):
    """Take a collected tip out of the list; the tip and its receipt code are unchanged."""
    _listed_or_404(tip_id)
    if PlainForm().validate_on_submit():
        if org_tips.uncollect(accounts.current_member(), tip_id):
            db.session.commit()
            flash(_("Report #%(id)d is no longer in your list. The report itself is unchanged.", id=tip_id))
            return redirect(url_for("org.tips"), 303)
        flash(_("Only reports your organisation collected can be taken out of the list."))
    return redirect(url_for("org.tip", tip_id=tip_id), 303)
