"""What the matching found: a tip and another tip that show the same picture, link the same page, or read alike."""

from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tipline.extensions import db
from tipline.timeutil import utcnow

FILE, EVIDENCE, LINK, SITE, TEXT = "file", "evidence", "link", "site", "text"


class TipMatch(db.Model):
    """One match found for `tip` (written by its matching, cases/matching/service.py), with `other_tip`.

    Rows are tip to tip, so that merging or splitting cases never leaves them wrong: the case page
    reads each tip's case as it is now.
    """

    __tablename__ = "tip_match"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tip.id"), index=True)
    other_tip_id: Mapped[int] = mapped_column(ForeignKey("tip.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # FILE, EVIDENCE, LINK, SITE or TEXT
    # EVIDENCE: how many of the 64 bits of the pictures' nearest hashes differ; TEXT: how alike the texts read (0-1).
    distance: Mapped[float] = mapped_column(Float, default=0)
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id"))
    other_evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    tip = relationship("Tip", foreign_keys=[tip_id])
    other_tip = relationship("Tip", foreign_keys=[other_tip_id])
