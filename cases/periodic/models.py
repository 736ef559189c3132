"""A periodic report: its period, region, progress, and the files it produced."""

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tipline.extensions import db
from tipline.timeutil import utcnow

WEEKLY = "weekly"
MONTHLY = "monthly"
ON_DEMAND = "on_demand"

QUEUED = "queued"
RUNNING = "running"
DONE = "done"
FAILED = "failed"


class PeriodicReport(db.Model):
    """Figures of one region over one period (from `starts_on` to `ends_on`, both Beijing days, inclusive)."""

    __tablename__ = "periodic_report"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    # "weekly:110000:2026-11-23" for a scheduled report, so that every worker's schedule
    # makes it once; NULL for one asked for on demand.
    schedule_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    locale: Mapped[str] = mapped_column(String(16), default="zh_Hans")
    state: Mapped[str] = mapped_column(String(8), default=QUEUED, index=True)
    # Percent done while it runs.
    progress: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    error: Mapped[str] = mapped_column(Text, default="", server_default="")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    csv_data: Mapped[bytes | None] = mapped_column(LargeBinary)
    pdf_data: Mapped[bytes | None] = mapped_column(LargeBinary)

    region = relationship("Region")
    requested_by = relationship("StaffUser")
