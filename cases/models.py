"""Cases and what happens in them: history, internal notes, tasks for either department."""

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases import states
from tipline.extensions import db
from tipline.timeutil import utcnow

OPEN_STATES_SQL = "state IN (" + ", ".join(f"'{state}'" for state in states.OPEN_STATES) + ")"


class Case(db.Model):
    """The unit of enforcement work: tips about one platform and one kind of problem."""

    __tablename__ = "case_record"
    # The work queue's order and keyset pages: priority, then newest first.
    __table_args__ = (
        Index("ix_case_record_priority_id", "priority", "id"),
        # The open work queue (most of it, by far, as cases pile up over the years are closed ones),
        # read backwards within each priority level (cases/queue.py).
        Index(
            "ix_case_record_open_queue",
            "priority",
            "id",
            postgresql_where=text(OPEN_STATES_SQL),
            sqlite_where=text(OPEN_STATES_SQL),
        ),
        # A platform's founded cases, counted by the priority rule at every intake.
        Index("ix_case_record_platform_id_state", "platform_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platform.id"), index=True)
    # The platform as named when it is not (yet) in the registry.
    platform_name: Mapped[str] = mapped_column(String(200))
    # For a platform not in the registry, the site its tips link to: tips about one site share a case.
    site: Mapped[str | None] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(32), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    lead_department: Mapped[str] = mapped_column(String(16), index=True)
    co_department: Mapped[str | None] = mapped_column(String(16))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
    # 1 is the most urgent, 4 the least; reasons say how the rule arrived there.
    priority: Mapped[int] = mapped_column(Integer, index=True)
    priority_reasons: Mapped[list] = mapped_column(JSON, default=list)
    # What the priority rule reads of the case's tips, kept up to date as tips join or move
    # (cases/priority.py), so that no step of intake reads every tip of a big case.
    reporter_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    tip_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    organisation_reported: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    state: Mapped[str] = mapped_column(String(24), default=states.NEW, index=True)
    state_changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    deadline_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    # "<platform key>|<category>" while open, NULL once closed: at most one open case
    # per platform and problem, even when two tips arrive at the same moment.
    open_key: Mapped[str | None] = mapped_column(String(240), unique=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id"))
    # When the state that was last escalated began (its state_changed_at): a case is
    # escalated once per state it enters (see cases/escalation.py).
    escalated_for: Mapped[datetime | None] = mapped_column(DateTime)
    # Set when a case was escalated up the region tree: the region whose supervisors now watch it.
    escalated_to_region: Mapped[str | None] = mapped_column(String(6))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    # A closing waiting for a supervisor's agreement (cases/states.py: closing_needs_agreement):
    # the state it would close to, the reason the reporter would read, who proposed it and when.
    closing_state: Mapped[str | None] = mapped_column(String(24))
    closing_reason: Mapped[str | None] = mapped_column(Text)
    closing_proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    closing_proposed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # When the case first left "new", and when its first action was approved: the evaluation's
    # time to triage and to first action (cases/evaluation).
    triaged_at: Mapped[datetime | None] = mapped_column(DateTime)
    first_action_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Is it fixed? When its reporters were asked (tipline/followup), and, for a case opened because
    # they said the problem is still there, the closed case it follows.
    fix_asked_at: Mapped[datetime | None] = mapped_column(DateTime)
    follows_case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id"))

    platform = relationship("Platform")
    region = relationship("Region")
    assignee = relationship("StaffUser", foreign_keys=[assignee_id])
    closing_proposed_by = relationship("StaffUser", foreign_keys=[closing_proposed_by_id])
    merged_into = relationship("Case", remote_side=[id], foreign_keys=[merged_into_id])
    follows_case = relationship("Case", remote_side=[id], foreign_keys=[follows_case_id])
    tips = relationship("Tip", back_populates="case", order_by="Tip.id")
    events = relationship("CaseEvent", back_populates="case", order_by="CaseEvent.id")
    notes = relationship("CaseNote", back_populates="case", order_by="CaseNote.id")
    tasks = relationship("CaseTask", back_populates="case", order_by="CaseTask.id")

    @property
    def is_open(self):
        return self.state in states.OPEN_STATES

    @property
    def escalated(self):
        """Escalated in the state it is in now."""
        return self.is_open and self.escalated_for is not None and self.escalated_for == self.state_changed_at

    def overdue(self, now):
        """True when the case has stayed in its state past the deadline."""
        return self.is_open and self.deadline_at is not None and self.deadline_at < now


class CaseEvent(db.Model):
    """One entry of a case's history: who did what, when."""

    __tablename__ = "case_event"
    # The evaluation counts one kind of event over a period (escalations).
    __table_args__ = (Index("ix_case_event_kind_created_at", "kind", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    case = relationship("Case", back_populates="events")
    actor = relationship("StaffUser")


class CaseNote(db.Model):
    """An internal note; never shown to the reporter."""

    __tablename__ = "case_note"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    department: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    case = relationship("Case", back_populates="notes")
    author = relationship("StaffUser")


class CaseTask(db.Model):
    """A piece of work for one department within a case."""

    __tablename__ = "case_task"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"), index=True)
    department: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(300))
    due_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(DateTime)

    case = relationship("Case", back_populates="tasks")
    created_by = relationship("StaffUser", foreign_keys=[created_by_id])
    done_by = relationship("StaffUser", foreign_keys=[done_by_id])
