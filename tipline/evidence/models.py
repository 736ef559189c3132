"""Evidence files attached to tips, kept by the storage layer under random names."""

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Integer, SmallInteger, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tipline.extensions import db
from tipline.timeutil import utcnow

PENDING = "pending"  # in quarantine or stored, waiting for the background check (and cleaning)
READY = "ready"  # checked; thumbnail made where the kind has one
FLAGGED = "flagged"  # checked and found to carry active content; staff open it with care
DAMAGED = "damaged"  # could not be decoded to be cleaned: the upload was destroyed, nothing is kept
# check_note of a flagged PDF the parser could not read: its content is unknown, so it is opened with care.
UNREADABLE = "unreadable"


class Evidence(db.Model):
    """One file a reporter attached."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # None for an organisation's proof document (Organisation.proof_evidence_id), which belongs to no tip.
    tip_id: Mapped[int | None] = mapped_column(ForeignKey("tip.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("tip_event.id"))
    # The clean file; None until the check job has cleaned the upload (nothing to serve before).
    storage_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The upload as sent, in quarantine, until the check job has cleaned it (then None, and the file gone).
    raw_key: Mapped[str | None] = mapped_column(String(64))
    thumbnail_key: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))  # image, video, pdf
    mime_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(8), default=PENDING)
    check_note: Mapped[str] = mapped_column(Text, default="")
    # True when the file could not be rewritten without its metadata (a damaged video or PDF)
    # and is kept as sent: staff are told it may still show a place or a name.
    metadata_kept: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    checked_at: Mapped[datetime | None] = mapped_column(DateTime)

    tip = relationship("Tip", back_populates="evidence")
    event = relationship("TipEvent", back_populates="evidence")

    @property
    def download_name(self):
        """The name staff's downloads get: number and detected type, never the reporter's file name."""
        from tipline.evidence.files import download_name

        return download_name(self.id, self.mime_type)


class ImageHash(db.Model):
    """One perceptual hash of a photo (tipline/evidence/hashes.py): the whole picture (variant 0) or a crop."""

    __tablename__ = "image_hash"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"), index=True)
    variant: Mapped[int] = mapped_column(SmallInteger)
    value: Mapped[int] = mapped_column(BigInteger)
    # The hash's four 16-bit bands, each indexed: a near copy shares at least one with it.
    band0: Mapped[int] = mapped_column(Integer, index=True)
    band1: Mapped[int] = mapped_column(Integer, index=True)
    band2: Mapped[int] = mapped_column(Integer, index=True)
    band3: Mapped[int] = mapped_column(Integer, index=True)
