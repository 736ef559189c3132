"""The public report form and its receipt."""

from flask import Blueprint, current_app, g, render_template, request
from flask_babel import gettext as _

from tipline.clients import client_address
from tipline.evidence.intake import clean_form_files
from tipline.extensions import db, limiter
from tipline.i18n import current_language
from tipline.platforms.models import Platform
from tipline.platforms.service import suggest_platforms
from tipline.reports.forms import ReportForm
from tipline.reports.service import TipSubmission, submit_tip
from tipline.web import keeps_input_on_csrf_error, no_store, parse_row_id

bp = Blueprint("reports", __name__)


def _submitted(response):
    return bool(g.get("tip_submitted"))


def _render_form(form, status=200, matches=None, files_dropped=False):
    platform_id = parse_row_id(form.platform_id.data)
    platform = db.session.get(Platform, platform_id) if platform_id else None
    return render_template(
        "tipline/report.html",
        form=form,
        matches=matches,
        chosen_platform=platform,
        files_dropped=files_dropped,
        limits=current_app.config,
    ), status


@bp.route("/report", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REPORT_SUBMIT_LIMIT"], methods=["POST"], deduct_when=_submitted)
@keeps_input_on_csrf_error
def report():
    """Show the form; search the registry without JavaScript; take a report in."""
    form = ReportForm()
    if request.method == "GET":
        chosen = parse_row_id(request.args.get("platform"))
        platform = db.session.get(Platform, chosen) if chosen else None
        if platform is not None:
            form.platform_id.data = str(platform.id)
            form.platform_name.data = platform.name
        return _render_form(form)

    had_files = any(f and f.filename for f in form.evidence.data or ())
    if form.find_platform.data:
        # The search button of the form without JavaScript: list matches, check nothing else.
        form.platform_id.data = ""
        return _render_form(form, matches=suggest_platforms(form.platform_name.data or ""), files_dropped=had_files)

    if form.validate_on_submit():
        clean, errors = clean_form_files(form.evidence.data)
        if errors:
            form.evidence.errors = list(form.evidence.errors) + errors
        else:
            tip, code = submit_tip(
                TipSubmission(
                    platform_id=parse_row_id(form.platform_id.data),
                    platform_name=form.platform_name.data,
                    category=form.category.data,
                    location=form.location.data,
                    description=form.description.data,
                    url=form.url.data or "",
                    seen_at=form.seen_at.data,
                    reporter_type=form.reporter_type.data,
                    contact=form.contact(),
                    locale=current_language(),
                    client=client_address(),
                ),
                clean,
            )
            db.session.commit()
            g.tip_submitted = True
            return no_store(render_template("tipline/receipt.html", code=code, tip=tip))
    if form.errors and not form.evidence.errors and had_files:
        form.evidence.errors = [_("Your files were not kept. Please attach them again.")]
    return _render_form(form, 400, files_dropped=had_files)
