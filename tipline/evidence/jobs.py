"""Background work on evidence: cleaning uploads out of quarantine, thumbnails, active content in PDFs."""

from flask import current_app
from sqlalchemy import delete, select

from tipline.evidence import files
from tipline.evidence.hashes import bands, photo_hashes
from tipline.evidence.models import DAMAGED, FLAGGED, PENDING, READY, UNREADABLE, Evidence, ImageHash
from tipline.evidence.pdf import PdfUnreadable, pdf_active_content
from tipline.evidence.storage import evidence_storage, quarantine_storage
from tipline.extensions import db
from tipline.jobs.outbox import record_job
from tipline.jobs.registry import job
from tipline.timeutil import utcnow


@job("evidence.check")
def check_evidence(payload):
    """Clean and check one file; a file already checked is left as it is.

    Running twice does no harm: the quarantined upload is deleted only after the
    clean file's key is committed, so a run that fails leaves it for the next.
    """
    evidence = db.session.scalars(select(Evidence).where(Evidence.id == payload["evidence_id"])).first()
    if evidence is None or evidence.state != PENDING:
        return
    if evidence.raw_key is not None and not _clean_from_quarantine(evidence):
        return
    storage = evidence_storage()
    data = storage.read(evidence.storage_key)
    markers = []
    if evidence.kind == "image":
        thumbnail = files.make_thumbnail(data)
        if thumbnail is not None:
            evidence.thumbnail_key = storage.save(thumbnail)
        keep_photo_hashes(evidence, data)
    elif evidence.kind == "pdf":
        try:
            markers = pdf_active_content(data)
        except PdfUnreadable:
            # What a PDF the parser cannot read would do is unknown: staff open it with care.
            markers = [UNREADABLE]
    if evidence.tip is not None:  # matched again, now with this file's hashes
        evidence.tip.matched_at = None
    evidence.state = FLAGGED if markers else READY
    # The names found (PDF names, not words of any language); pages say what they mean.
    evidence.check_note = ", ".join(markers)
    evidence.checked_at = utcnow()


def keep_photo_hashes(evidence, data):
    """Store the photo's perceptual hashes (tipline/evidence/hashes.py), replacing any kept before."""
    db.session.execute(delete(ImageHash).where(ImageHash.evidence_id == evidence.id))
    for variant, value in enumerate(photo_hashes(data)):
        band0, band1, band2, band3 = bands(value)
        db.session.add(
            ImageHash(
                evidence_id=evidence.id, variant=variant, value=value,
                band0=band0, band1=band1, band2=band2, band3=band3,
            )
        )  # fmt: skip


def _clean_from_quarantine(evidence):
    """Store the upload made clean (photo re-encoded, video remuxed, PDF rewritten); False if it was destroyed.

    An image that cannot be decoded cannot be cleaned, and its metadata must not be
    kept: it is destroyed and the evidence marked DAMAGED (staff and reporter see so).
    """
    raw = quarantine_storage().read(evidence.raw_key)
    # Deleted by a job of its own, which runs only if this one's work commits: a failed
    # run leaves the upload for the next, and nothing raw outlives a committed one.
    record_job("evidence.discard_upload", raw_key=evidence.raw_key)
    evidence.raw_key = None
    try:
        clean = files.clean_upload(raw, evidence.original_name, current_app.config["EVIDENCE_MAX_PIXELS"])
    except files.EvidenceRejected:
        evidence.state = DAMAGED
        evidence.checked_at = utcnow()
        return False
    evidence.storage_key = evidence_storage().save(clean.data)
    evidence.mime_type = clean.mime_type
    evidence.size = len(clean.data)
    evidence.sha256 = clean.sha256
    evidence.metadata_kept = clean.metadata_kept
    return True


@job("evidence.discard_upload")
def discard_upload(payload):
    """Delete an upload from quarantine once its clean copy (or its destruction) is committed."""
    quarantine_storage().delete(payload["raw_key"])
