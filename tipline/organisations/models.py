"""Organisations and the people who act for them: accounts of their own, never staff accounts."""

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
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
    # The language its mail is written in: the one it registered in.
    locale: Mapped[str] = mapped_column(String(16), default="zh_Hans", server_default="zh_Hans")
    # The proof document sent with the registration (cleaned and checked like a tip's evidence).
    proof_evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id", use_alter=True))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    region = relationship("Region")
    members = relationship("OrgMember", back_populates="organisation", order_by="OrgMember.id")
    proof = relationship("Evidence")

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
    # The second factor, as staff have it (cases/accounts/service.py): optional for members.
    totp_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    totp_last_step: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Failed sign-ins since the last one, shown at the next; the throttles live in the rate-limit storage.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # When the member was last told that failures locked sign-in: one mail per lock.
    lock_noticed_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    organisation = relationship("Organisation", back_populates="members")

    @property
    def display_name(self):
        return self.name or self.email.split("@", 1)[0]

    @property
    def is_admin(self):
        return self.role == ADMIN


class OrgSession(db.Model):
    """A member's sign-in on one device, live on the server until it ends."""

    __tablename__ = "org_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("org_member.id"), index=True)  # the member
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)


# What a link sent by mail does: confirm the organisation's address, or let someone join it.
CONFIRM, INVITE = "confirm", "invite"


class OrgLink(db.Model):
    """A single-use, expiring link sent by mail; only the hash of its random token is kept."""

    __tablename__ = "org_link"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("org_member.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Withdrawn by the administrator, or replaced by a newer link to the same address.
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime)

    organisation = relationship("Organisation")

    def is_open(self, now):
        return self.used_at is None and self.withdrawn_at is None and self.expires_at > now


# How a tip came into an organisation's list: filed by a member, or collected by its receipt code.
FILED, COLLECTED = "filed", "collected"


class OrgTip(db.Model):
    """A tip in an organisation's list: filed by one of its members, by a batch, or collected."""

    __tablename__ = "org_tip"
    __table_args__ = (
        Index("ix_org_tip_organisation_id_added_at", "organisation_id", "added_at"),
        UniqueConstraint("batch_id", "batch_line", name="uq_org_tip_batch_line"),
    )

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tip.id"), primary_key=True, index=True)
    source: Mapped[str] = mapped_column(String(10))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("org_member.id"))
    added_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # The last staff message the organisation has seen (TipEvent id): later ones are unread.
    seen_event_id: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A tip imported from a batch: which file and which line of it (one tip per line, however often it runs).
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("org_batch.id"))
    batch_line: Mapped[int | None] = mapped_column(Integer)

    tip = relationship("Tip")


# Where a batch is: checked and waiting for the worker, importing, imported, or stopped by an error.
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


class OrgBatch(db.Model):
    """A CSV file of tips an organisation sent, checked line by line before anything was imported."""

    __tablename__ = "org_batch"
    __table_args__ = (UniqueConstraint("organisation_id", "digest", name="uq_org_batch_organisation_id_digest"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("org_member.id"))
    # SHA-256 of the rows as read (encoding and line endings aside): the same file twice is one batch.
    digest: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255), default="")
    rows: Mapped[list] = mapped_column(JSON, default=list)
    total: Mapped[int] = mapped_column(Integer, default=0)
    imported: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    state: Mapped[str] = mapped_column(String(8), default=QUEUED)
    error: Mapped[str] = mapped_column(Text, default="", server_default="")
    locale: Mapped[str] = mapped_column(String(16), default="zh_Hans")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
