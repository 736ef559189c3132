"""The question "is it fixed?" put to one tip's reporter, and the answer."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tipline.extensions import db
from tipline.timeutil import utcnow

FIXED = "fixed"
STILL_THERE = "still_there"


class FixCheck(db.Model):
    """One tip's reporter asked whether the problem of its closed case is gone."""

    __tablename__ = "fix_check"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tip.id"), unique=True)
    # The case that was closed founded when the question was put.
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"), index=True)
    asked_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    answer: Mapped[str | None] = mapped_column(String(12))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Set when an organisation's member answered for a tip in its list, not the reporter.
    answered_by_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    comment: Mapped[str] = mapped_column(Text, default="", server_default="")

    tip = relationship("Tip")
    case = relationship("Case")
    answered_by_organisation = relationship("Organisation")
