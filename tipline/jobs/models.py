"""The job outbox: work recorded in the same transaction as the change that needs it."""

from datetime import datetime

from sqlalchemy import JSON, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tipline.extensions import db
from tipline.timeutil import utcnow

PENDING = "pending"
RUNNING = "running"  # claimed by one runner; back to pending if that runner dies (see outbox.relay)
DONE = "done"
FAILED = "failed"


class OutboxJob(db.Model):
    """A job that must run. The row, not the queue, is the record that it is owed."""

    __tablename__ = "outbox_job"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(8), default=PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # When it was last handed to a queue; rows left waiting are handed again.
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)


class ScheduledTask(db.Model):
    """When a periodic task last started; every worker may try, one wins each period (jobs/schedule.py)."""

    __tablename__ = "scheduled_task"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_run_at: Mapped[datetime] = mapped_column(DateTime)
