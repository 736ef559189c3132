"""The public report form and its receipt."""

from flask import Blueprint, current_app, flash, g, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from cases.operations import open_case_for
from cases.priority import independent_reporters
from cases.states import PUBLIC_STATUS
from tipline import catalog, fairness
from tipline.clients import client_address
from tipline.evidence.intake import clean_form_files
from tipline.extensions import db, limiter
from tipline.i18n import current_language
from tipline.platforms.models import Platform
from tipline.platforms.service import resolve_platform, suggest_platforms, web_host
from tipline.reports.forms import ReceiptSavedForm, ReportForm
from tipline.reports.handover import hand_over, release_receipt, show_receipt
from tipline.reports.service import TipSubmission, submit_tip
from tipline.timeutil import local_to_utc
from tipline.tracking.status import PUBLIC_STATUSES
from tipline.web import keeps_input, no_store, parse_row_id

bp = Blueprint("reports", __name__)


def _searching():
    """Whether a POST is the no-script registry search: the search button is sent, whatever its value.

    The one rule for both the limits and the view: a search only lists platforms. It never
    stores a tip nor reads its files, so sending the button's name (even as "false" or empty,
    even with the submit button) can never turn a report into something the report limit skips.
    """
    return request.method == "POST" and "find_platform" in request.form


def _submitting():
    """Any POST to the form that is not a search: it counts against the report limit."""
    return not _searching()


def _filing_for():
    """The signed-in member and organisation a report is filed for, or (member or None, None).

    A member of an organisation that may not act now (suspended, refused, address unconfirmed)
    files as a member of the public; the form says so before anything is sent.
    """
    from tipline.organisations.accounts import current_member
    from tipline.organisations.service import can_act

    member = current_member()
    if member is None or not can_act(member.organisation):
        return member, None
    return member, member.organisation


def _render_form(form, status=200, matches=None, asking=False, files_dropped=False, fresh_stamp=False):
    member, organisation = _filing_for()
    platform_id = parse_row_id(form.platform_id.data)
    platform = db.session.get(Platform, platform_id) if platform_id else None
    if matches is not None:
        # The reporter sees these matches for this name: choosing none of them files it as typed.
        form.platform_checked.data = form.platform_name.data
    demand = fairness.stamp_form(form, fairness.REPORT, fresh_stamp)
    # No cache keeps the form: Back on a shared device must not bring a report's text back.
    return no_store(
        render_template(
            "tipline/report.html",
            form=form,
            matches=matches,
            asking=asking,
            chosen_platform=platform,
            files_dropped=files_dropped,
            limits=current_app.config,
            demand=demand,
            member=member,
            filing_for=organisation,
        ),
        status,
    )


def _did_you_mean(form):
    """Registry platforms the typed name or web address may mean, before filing under a new name.

    Asked once per typed name: a reporter who saw the matches and chose none of them
    (the form sends the name back as `platform_checked`) files under the name she typed.
    """
    name = form.platform_name.data or ""
    if parse_row_id(form.platform_id.data) or form.platform_checked.data == name:
        return []
    exact = resolve_platform(None, name)
    if exact is not None:
        form.platform_id.data = str(exact.id)  # filed under it without looking it up again
        return []
    return suggest_platforms(name) or suggest_platforms(web_host(form.url.data))


RECEIPT_KEY = "receipt_handover"


def _receipt_gone():
    """410: the code was let go, or never fetched in time (an expired one goes now, not at the next purge)."""
    release_receipt(session.pop(RECEIPT_KEY, None))
    db.session.commit()
    return no_store(render_template("tipline/receipt_gone.html"), 410)


def _receipt_page(form, status=200):
    shown = show_receipt(session.get(RECEIPT_KEY))
    if shown is None:
        return _receipt_gone()
    code, joined = shown
    return no_store(
        render_template(
            "tipline/receipt.html",
            code=code,
            joined_reporters=joined,
            listed_tip=session.get("receipt_tip_listed"),
            form=form,
            minutes=current_app.config["RECEIPT_HANDOVER_MINUTES"],
        ),
        status,
    )


UNTICKED_KEY = "receipt_unticked"


@bp.route("/report/receipt")
def receipt():
    """The receipt code, on this device only, until the reporter says she kept it: never in a URL or a cache."""
    form = ReceiptSavedForm()
    if session.pop(UNTICKED_KEY, False):
        form.saved.errors = [_("Tick the box once you have kept your receipt code.")]
    return _receipt_page(form)


@bp.route("/report/receipt", methods=["POST"])
def receipt_saved():
    """The reporter kept her code: the server forgets it, and she is shown where to use it.

    Unticked, the answer is a redirect back to the page (which then says why), so that
    Back never lands on a form the browser must send again.
    """
    form = ReceiptSavedForm()
    if not form.validate_on_submit():
        session[UNTICKED_KEY] = True
        return redirect(url_for(".receipt"), 303)
    release_receipt(session.pop(RECEIPT_KEY, None))
    db.session.commit()
    flash(
        _("Your receipt code is no longer shown on this device. Enter it here whenever you want to follow your report.")
    )
    return redirect(url_for("tracking.lookup"), 303)


@bp.route("/report/receipt/download")
def receipt_download():
    """The receipt code as a small text file: a download that works on every phone, script or not."""
    shown = show_receipt(session.get(RECEIPT_KEY))
    if shown is None:
        return _receipt_gone()
    text = "{label}: {code}\r\n{follow} {url}\r\n".format(
        label=_("Tipline receipt code"),
        code=shown[0],
        follow=_("Follow your report at"),
        url=url_for("tracking.lookup", _external=True),
    )
    response = no_store(text)
    response.mimetype = "text/plain"
    response.headers["Content-Disposition"] = 'attachment; filename="tipline-receipt.txt"'
    return response


@bp.route("/report/covered")
def covered():
    """Whether an open case already covers a platform and problem: the form tells the reporter (JSON)."""
    platform_id = parse_row_id(request.args.get("platform_id"))
    category = request.args.get("category", "")
    if platform_id is None or category not in catalog.CATEGORIES:
        return jsonify(covered=False)
    case = open_case_for(platform_id, "", category)
    if case is None:
        return jsonify(covered=False)
    return jsonify(
        covered=True,
        reporters=independent_reporters(case),
        status=str(PUBLIC_STATUSES[PUBLIC_STATUS[case.state]]),
        message=_(
            "An open case already covers this platform and problem: %(n)d people reported it, status “%(status)s”. "
            "Your report will join it and add weight.",
            n=independent_reporters(case),
            status=PUBLIC_STATUSES[PUBLIC_STATUS[case.state]],
        ),
    )


@bp.route("/report", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["REPORT_SUBMIT_LIMIT"], methods=["POST"], exempt_when=_searching, scope="submit"
)
# Searches hit the database too: a limit of their own (a scope of their own, so neither eats the other's).
@limiter.limit(
    lambda: current_app.config["REPORT_SEARCH_LIMIT"], methods=["POST"], exempt_when=_submitting, scope="search"
)
@keeps_input
def report():
    """Show the form; search the registry without JavaScript; take a report in."""
    form = ReportForm()
    if request.method in ("GET", "HEAD"):
        chosen = parse_row_id(request.args.get("platform"))
        platform = db.session.get(Platform, chosen) if chosen else None
        if platform is not None:
            form.platform_id.data = str(platform.id)
            form.platform_name.data = platform.name
        _member, organisation = _filing_for()
        if organisation is not None:
            form.reporter_type.data = organisation.kind  # the organisation's kind, which the member may change
        return _render_form(form)

    had_files = any(isinstance(f, FileStorage) and f.filename for f in form.evidence.data or ())
    if _searching():
        # The search button of the form without JavaScript: list matches, check nothing else,
        # and leave any files unread (the page says they were not kept).
        form.platform_id.data = ""
        if "limit_refused" in g:  # shown again after the search limit: nothing is searched
            return _render_form(form, files_dropped=had_files)
        return _render_form(form, matches=suggest_platforms(form.platform_name.data or ""), files_dropped=had_files)

    if form.validate_on_submit():
        # Files first, so that a file the server refuses is named even when the name is asked about.
        clean, errors = clean_form_files(form.evidence.data)
        candidates = _did_you_mean(form)
        if errors:
            form.evidence.errors = list(form.evidence.errors) + errors
        elif candidates:
            return _render_form(form, matches=candidates, asking=True, files_dropped=had_files)
        else:
            try:
                fairness.redeem(fairness.REPORT, form.stamp.data, form.stamp_work.data)
            except fairness.StampRefused as refused:
                g.stamp_refused = fairness.refusal_text(refused)
                return _render_form(form, 429, files_dropped=had_files, fresh_stamp=refused.fresh)
            member, organisation = _filing_for()
            tip, code = submit_tip(
                TipSubmission(
                    platform_id=parse_row_id(form.platform_id.data),
                    platform_name=form.platform_name.data,
                    category=form.category.data,
                    location=form.location.data,
                    description=form.description.data,
                    url=form.url.data or "",
                    seen_at=local_to_utc(form.seen_at.data),
                    reporter_type=form.reporter_type.data,
                    contact=form.contact(),
                    locale=current_language(),
                    client=client_address(),
                    organisation_id=organisation.id if organisation else None,
                    org_member_id=member.id if organisation else None,
                ),
                clean,
            )
            if organisation is not None:
                from tipline.organisations.tips import filed

                filed(member, tip)
            if "flood" in (tip.junk_reasons or ()):
                fairness.record(fairness.REPORT, fairness.FLOOD_WEIGHT - 1)  # counted once already
            # Post/redirect/get: reloading the receipt never sends the report twice. The
            # code waits on the server, encrypted, until the receipt page shows it once;
            # the session carries only the token that fetches it.
            session[RECEIPT_KEY] = hand_over(code, independent_reporters(tip.case) if tip.case is not None else 0)
            session["receipt_tip_listed"] = tip.id if organisation is not None else None
            db.session.commit()
            return redirect(url_for(".receipt"), 303)
    if form.errors and not form.evidence.errors and had_files:
        form.evidence.errors = [_("Your files were not kept. Please attach them again.")]
    return _render_form(form, 400, files_dropped=had_files)
