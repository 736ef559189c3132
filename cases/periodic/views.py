"""/staff/reports: the periodic reports of one's region tree, asking for one, its progress, its files."""

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from cases.access import staff_required, visible_regions
from cases.audit import audit
from cases.blueprint import bp
from cases.forms import PlainForm, ReportRequestForm
from cases.operations import CaseError, NotAllowed
from cases.periodic import service
from cases.periodic.models import DONE, QUEUED, RUNNING, PeriodicReport
from tipline.extensions import db
from tipline.regions.service import region_choices
from tipline.timeutil import typed_day
from tipline.web import parse_row_id

PAGE_SIZE = 30
ROLES = tuple(sorted(service.REPORT_ROLES))


def _report_or_404(report_id):
    """The report, if it lies in the user's region tree; 404 otherwise, as for cases."""
    report = db.session.get(PeriodicReport, report_id)
    if report is None or not service.may_see_report(current_user, report):
        abort(404)
    return report


def _reports_page(before):
    query = (
        select(PeriodicReport)
        .where(PeriodicReport.region_code.in_(visible_regions(current_user)))
        .order_by(PeriodicReport.id.desc())
        .limit(PAGE_SIZE + 1)
    )
    if before is not None:
        query = query.where(PeriodicReport.id < before)
    reports = db.session.scalars(query).all()
    older = reports[PAGE_SIZE - 1].id if len(reports) > PAGE_SIZE else None
    return reports[:PAGE_SIZE], older


def _render(typed=None, errors=None, status=200):
    before = parse_row_id(request.args.get("before", ""))
    if request.args.get("before") and before is None:
        errors = {**(errors or {}), "before": _("That page of reports does not exist.")}
        status = 400
    reports, older = _reports_page(before)
    return render_template(
        "cases/reports.html",
        reports=reports,
        older=older,
        regions=region_choices(within=set(visible_regions(current_user))),
        typed=typed or {"region": current_user.region_code, "starts_on": "", "ends_on": ""},
        errors=errors or {},
        kinds=service.KINDS,
        states=service.STATES,
        working=any(r.state in (QUEUED, RUNNING) for r in reports),
    ), status


@bp.route("/reports")
@staff_required(*ROLES)
def reports():
    """The list of reports, newest first, and the form to ask for one."""
    return _render()


@bp.route("/reports", methods=["POST"])
@staff_required(*ROLES)
def request_report():
    """Ask for a report of a region and period; it is made in the background."""
    form = ReportRequestForm()
    typed = {name: (form[name].data or "")[:20] for name in ("region", "starts_on", "ends_on")}
    errors = {}
    days = {}
    for name in ("starts_on", "ends_on"):
        try:
            days[name] = typed_day(typed[name])
        except ValueError as exc:
            errors[name] = str(exc)
    if typed["region"] not in visible_regions(current_user):
        errors["region"] = _("Choose a region from the list.")
    if not errors:
        try:
            report = service.request_report(
                current_user, typed["region"], days["starts_on"], days["ends_on"], str(get_locale())
            )
        except (CaseError, NotAllowed) as exc:
            errors["ends_on"] = str(exc)
        else:
            db.session.commit()
            flash(_("The report is being made. This page shows when it is ready."))
            return redirect(url_for("staff.report", report_id=report.id))
    return _render(typed, errors, 400)


@bp.route("/reports/<id:report_id>")
@staff_required(*ROLES)
def report(report_id):
    """One report: its progress while it is made, then its files; why it failed, and trying again."""
    found = _report_or_404(report_id)
    return render_template("cases/report.html", report=found, kinds=service.KINDS, states=service.STATES)


@bp.route("/reports/<id:report_id>/retry", methods=["POST"])
@staff_required(*ROLES)
def retry_report(report_id):
    """Make a failed report again."""
    PlainForm()  # the CSRF token, checked for every form before any view runs
    found = _report_or_404(report_id)
    try:
        service.retry_report(current_user, found)
    except CaseError as exc:
        flash(str(exc))
        return render_template("cases/report.html", report=found, kinds=service.KINDS, states=service.STATES), 409
    db.session.commit()
    flash(_("The report is being made again."))
    return redirect(url_for("staff.report", report_id=found.id))


FILES = {"csv": ("csv_data", "text/csv; charset=utf-8"), "pdf": ("pdf_data", "application/pdf")}


@bp.route("/reports/<id:report_id>.<kind>")
@staff_required(*ROLES)
def report_file(report_id, kind):
    """A finished report's CSV or PDF file; every download is in the audit log."""
    found = _report_or_404(report_id)
    if kind not in FILES:
        abort(404)
    column, content_type = FILES[kind]
    data = getattr(found, column)
    if found.state != DONE or data is None:
        abort(404)
    audit(current_user, "report.download", "report", found.id, format=kind)
    db.session.commit()
    response = make_response(data)
    response.headers["Content-Type"] = content_type
    name = f"tipline-{found.kind}-{found.region_code}-{found.starts_on}-{found.ends_on}.{kind}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
