"""Actions decided in cases, and the history of the black and white lists."""

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.actions import rules
from tipline.extensions import db
from tipline.timeutil import utcnow


class Action(db.Model):
    """An enforcement measure on a platform, or the lifting of one."""

    __tablename__ = "enforcement_action"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"), index=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id"), index=True)
    type: Mapped[str] = mapped_column(String(24))
    # Set when this action lifts an earlier one; the type is then the lifted action's.
    lifts_id: Mapped[int | None] = mapped_column(ForeignKey("enforcement_action.id"))
    department: Mapped[str] = mapped_column(String(16))
    legal_basis: Mapped[str] = mapped_column(Text)
    details: Mapped[str] = mapped_column(Text, default="")
    # What the public enforcement record and the public statement of reasons say about it.
    public_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    state: Mapped[str] = mapped_column(String(12), default=rules.PROPOSED, index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    # Rectification: the date by which the platform must have put things right.
    deadline_on: Mapped[date | None] = mapped_column(Date, index=True)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    proposed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    # The public figures, the evaluation and the statements of reasons read actions by when they were decided.
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    # lifted, rectified, escalated
    end_reason: Mapped[str] = mapped_column(String(16), default="")
    review_requested_at: Mapped[datetime | None] = mapped_column(DateTime)
    # A recorded review waiting for a second person (rules.REVIEW_OUTCOMES; None: none
    # recorded). It stays after confirmation, with who confirmed it, as the record.
    review_outcome: Mapped[str | None] = mapped_column(String(8))
    review_note: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)
    review_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))

    case = relationship("Case")
    platform = relationship("Platform")
    lifts = relationship("Action", remote_side=[id])
    proposed_by = relationship("StaffUser", foreign_keys=[proposed_by_id])
    decided_by = relationship("StaffUser", foreign_keys=[decided_by_id])
    reviewed_by = relationship("StaffUser", foreign_keys=[reviewed_by_id])
    review_confirmed_by = relationship("StaffUser", foreign_keys=[review_confirmed_by_id])

    @property
    def is_lift(self):
        return self.lifts_id is not None

    @property
    def review_pending(self):
        """A review is recorded and waits for its confirmation."""
        return self.state == rules.IN_FORCE and self.review_outcome is not None


class ListEntry(db.Model):
    """One change of a platform's place on the black and white lists, with its reasons."""

    __tablename__ = "list_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id"), index=True)
    list_status: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(Text, default="")
    # What the public pages say about the entry.
    public_reason: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    action_id: Mapped[int | None] = mapped_column(ForeignKey("enforcement_action.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    platform = relationship("Platform")
    actor = relationship("StaffUser")
