"""Evidence files attached to tips, kept by the storage layer under random names."""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tipline.extensions import db
from tipline.timeutil import utcnow

PENDING = "pending"  # stored, waiting for the background check
READY = "ready"  # checked; thumbnail made where the kind has one
FLAGGED = "flagged"  # checked and found to carry active content; staff open it with care


class Evidence(db.Model):
    """One file a reporter attached."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tip.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("tip_event.id"))
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    thumbnail_key: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))  # image, video, pdf
    mime_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    original_name: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(8), default=PENDING)
    check_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    checked_at: Mapped[datetime | None] = mapped_column(DateTime)

    tip = relationship("Tip", back_populates="evidence")
    event = relationship("TipEvent", back_populates="evidence")
