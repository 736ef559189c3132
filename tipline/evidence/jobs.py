"""Background checks of stored evidence: thumbnails, active content, a second look at the type."""

from sqlalchemy import select

from tipline.evidence import files
from tipline.evidence.models import FLAGGED, PENDING, READY, Evidence
from tipline.evidence.storage import evidence_storage
from tipline.extensions import db
from tipline.jobs.registry import job
from tipline.timeutil import utcnow


@job("evidence.check")
def check_evidence(payload):
    """Check one stored file; a file already checked is left as it is."""
    evidence = db.session.scalars(select(Evidence).where(Evidence.id == payload["evidence_id"])).first()
    if evidence is None or evidence.state != PENDING:
        return
    storage = evidence_storage()
    data = storage.read(evidence.storage_key)
    markers = []
    if evidence.kind == "image":
        thumbnail = files.make_thumbnail(data)
        if thumbnail is not None:
            evidence.thumbnail_key = storage.save(thumbnail)
    elif evidence.kind == "pdf":
        markers = files.pdf_active_content(data)
    evidence.state = FLAGGED if markers else READY
    # The names found (PDF names, not words of any language); pages say what they mean.
    evidence.check_note = ", ".join(markers)
    evidence.checked_at = utcnow()
