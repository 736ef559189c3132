"""Organisations and the people who act for them: accounts of their own, never staff accounts."""

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tipline.extensions import db
from tipline.timeutil import utcnow

# Where an organisation stands with staff (SPEC 1): waiting for verification, verified, refused, suspended.
PENDING, VERIFIED, REFUSED, SUSPENDED = "pending", "verified", "refused", "suspended"
STATUSES = (PENDING, VERIFIED, REFUSED, SUSPENDED)
# What a member may do: the administrator also invites and removes members and hands the role over.
ADMIN, MEMBER = "admin", "member"


class Organisation(db.Model):
    """A school, parent committee, industry association or social organisation that reports."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(24))  # a key of tipline.catalog.ORGANISATION_TYPES
    # The unified social credit code (GB 32100), normalised; a parent committee without one names its school.
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    school_name: Mapped[str] = mapped_column(String(200), default="")
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    contact_name: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(254), unique=True)
    phone: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[str] = mapped_column(String(12), default=PENDING, index=True)
    status_reason: Mapped[str] = mapped_column(Text, default="")
    email_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    region = relationship("Region")
    members = relationship("OrgMember", back_populates="organisation", order_by="OrgMember.id")

    @property
    def is_verified(self):
        return self.status == VERIFIED


class OrgMember(db.Model):
    """A person who signs in for an organisation, with a password of their own."""

    __tablename__ = "org_member"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(8), default=MEMBER)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped by "sign out everywhere" and by removal: sessions carrying an older value stop working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    organisation = relationship("Organisation", back_populates="members")

    @property
    def display_name(self):
        return self.name or self.email.split("@", 1)[0]
