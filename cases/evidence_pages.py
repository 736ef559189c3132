"""Evidence for staff: seen in the page (pictures, a PDF's pages drawn as pictures, video) or downloaded.

Every look leaves an audit row: the viewer page, each file or page it shows, a download.
Files are sent with a sandboxing Content-Security-Policy and never sniffed, so nothing
a reporter sent can run in a staff browser.
"""

from datetime import timedelta

from flask import abort, make_response, render_template, request, send_file
from flask_login import current_user
from sqlalchemy import select

from cases.access import can_see_case, may_see_organisation, staff_required
from cases.audit import AuditEntry, audit
from cases.blueprint import bp
from cases.organisations import proof_owner
from tipline.evidence import pages
from tipline.evidence.files import download_name
from tipline.evidence.models import Evidence
from tipline.evidence.storage import evidence_storage
from tipline.extensions import db
from tipline.timeutil import utcnow
from tipline.web import no_store

# What the browser may show in the page itself, by detected type; other files are only downloaded.
SHOWN_INLINE = {"image/jpeg", "image/png", "image/webp", "image/gif", "image/apng", "video/mp4", "video/webm"}


def _evidence_or_404(evidence_id):
    """The evidence, if the user may see it: a tip's follows its case (or the junk tray), an organisation's
    proof document follows the organisation (cases/access.py may_see_organisation); 404 otherwise."""
    evidence = db.session.get(Evidence, evidence_id)
    if evidence is None:
        abort(404)
    if evidence.tip_id is None:
        organisation = proof_owner(evidence)
        if organisation is None or not may_see_organisation(current_user, organisation):
            abort(404)
        return evidence
    tip = evidence.tip
    if tip.case is None or not can_see_case(current_user, tip.case):
        # Junk-tray tips have no case: only intake and supervisors at the national level see them.
        from cases.junk_tray import may_see_tray_tip

        if tip.case is not None or not may_see_tray_tip(current_user, tip):
            abort(404)
    return evidence


def _stored(evidence):
    """The cleaned file's path; 404 while it is not cleaned (or was destroyed): the upload as sent is never served."""
    if evidence.storage_key is None:
        abort(404)
    return evidence_storage().path(evidence.storage_key)


def _locked_down(response):
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _send_evidence_file(evidence, action, key, mime_type, once=False, **options):
    """Audit the view of an evidence file (or its preview), then send the stored bytes.

    `once`: a row already written for this person and look within AUDIT_SPAN stands for this one.
    """
    if not (once and _seen_lately(evidence, action)):
        audit(current_user, action, "evidence", evidence.id, tip_id=evidence.tip_id)
        db.session.commit()
    return _locked_down(send_file(evidence_storage().path(key), mimetype=mime_type, max_age=0, **options))


# How long one audit row of a look at a picture or video stands for the requests that follow it.
AUDIT_SPAN = timedelta(minutes=5)


def _seen_lately(evidence, action):
    """Whether the user's look (`action`) at this file is already in the audit log, within AUDIT_SPAN."""
    since = utcnow() - AUDIT_SPAN
    return (
        db.session.scalar(
            select(AuditEntry.id)
            .where(
                AuditEntry.actor_id == current_user.id,
                AuditEntry.action == action,
                AuditEntry.target_type == "evidence",
                AuditEntry.target_id == evidence.id,
                AuditEntry.created_at >= since,
            )
            .limit(1)
        )
        is not None
    )


def _page_number(count):
    """The page asked for in ?page=, within 1..count; a wrong value shows page 1."""
    number = request.args.get("page", type=int) or 1
    return number if 1 <= number <= count else 1


@bp.route("/evidence/<id:evidence_id>")
@staff_required()
def evidence_view(evidence_id):
    """One evidence file shown in the page: the picture, the PDF page by page, or the video."""
    evidence = _evidence_or_404(evidence_id)
    path = _stored(evidence)
    count = number = None
    unreadable = False
    if evidence.mime_type == "application/pdf":
        try:
            count = pages.page_count(path)
        except pages.Unreadable:
            unreadable = True
        else:
            number = _page_number(count) if count else None
    audit(current_user, "evidence.view", "evidence", evidence.id, tip_id=evidence.tip_id, page=number)
    db.session.commit()
    return no_store(
        render_template(
            "cases/evidence.html",
            evidence=evidence,
            tip=evidence.tip,
            organisation=proof_owner(evidence),
            inline=evidence.mime_type in SHOWN_INLINE,
            page_count=count,
            page=number,
            unreadable=unreadable,
        )
    )


@bp.route("/evidence/<id:evidence_id>/file")
@staff_required()
def evidence_inline(evidence_id):
    """A picture or video for the viewer page, shown inline under the same sandbox as a download.

    A video is fetched in byte ranges as it plays: every request counts, whatever range it asks
    for, but one row stands for all of one person's requests for the file within AUDIT_SPAN.
    """
    evidence = _evidence_or_404(evidence_id)
    if evidence.mime_type not in SHOWN_INLINE:
        abort(404)
    _stored(evidence)  # 404 until the file is cleaned
    return _send_evidence_file(
        evidence, "evidence.inline", evidence.storage_key, evidence.mime_type, once=True, conditional=True
    )


@bp.route("/evidence/<id:evidence_id>/pages/<int:page>")
@staff_required()
def evidence_page(evidence_id, page):
    """One page of a PDF, drawn on the server as a PNG."""
    evidence = _evidence_or_404(evidence_id)
    if evidence.mime_type != "application/pdf":
        abort(404)
    try:
        png = pages.render_page(_stored(evidence), page)
    except (pages.Unreadable, IndexError):
        abort(404)
    audit(current_user, "evidence.page", "evidence", evidence.id, tip_id=evidence.tip_id, page=page)
    db.session.commit()
    response = make_response(png)
    response.mimetype = "image/png"
    return _locked_down(response)


@bp.route("/evidence/<id:evidence_id>/thumbnail")
@staff_required()
def evidence_thumbnail(evidence_id):
    """The JPEG preview the check made of an image (the case page shows it)."""
    evidence = _evidence_or_404(evidence_id)
    if not evidence.thumbnail_key:
        abort(404)
    # Every render of the case page shows it again: one row stands for a person's looks within AUDIT_SPAN.
    return _send_evidence_file(evidence, "evidence.thumbnail", evidence.thumbnail_key, "image/jpeg", once=True)


@bp.route("/evidence/<id:evidence_id>/download")
@staff_required()
def evidence_download(evidence_id):
    """The file itself, as an attachment: never rendered inline by the browser.

    Named by its number and detected type only: the reporter's name (which may end
    in .hta or .html, or hold line breaks) is shown on the page as text, never sent as a file name.
    """
    evidence = _evidence_or_404(evidence_id)
    _stored(evidence)
    return _send_evidence_file(
        evidence,
        "evidence.download",
        evidence.storage_key,
        evidence.mime_type,
        as_attachment=True,
        download_name=download_name(evidence.id, evidence.mime_type),
    )
