"""Staff accounts: a role, a department and a region each."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tipline.extensions import db
from tipline.timeutil import utcnow


class StaffUser(UserMixin, db.Model):
    """A member of staff of the cyberspace or education department of one region."""

    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    department: Mapped[str] = mapped_column(String(16))
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Fernet ciphertext of the TOTP secret; None until a second factor is set up.
    totp_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    # The last TOTP time step accepted: a code is good once, never replayed.
    totp_last_step: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Failed sign-in attempts since the last sign-in, shown to the owner when they sign in.
    # The throttles themselves live in the rate-limit storage (cases/accounts/throttle.py).
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    # When the owner was last told that failures locked sign-in: one notice per lock.
    lock_noticed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Bumped by "sign out everywhere": sessions carrying an older value stop working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # The IANA time zone the owner's pages show times in; None follows the app's (BABEL_DEFAULT_TIMEZONE).
    time_zone: Mapped[str | None] = mapped_column(String(64))

    region = relationship("Region")

    def get_id(self):
        """What Flask-Login keeps in the session: the id and the session version."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self):
        return self.active

    @property
    def display_name(self):
        return self.name or self.email

    def __repr__(self):
        return f"<StaffUser {self.email} {self.role}/{self.department}@{self.region_code}>"


class StaffSession(db.Model):
    """One signed-in browser of a member of staff; signing out ends it on the server, not only in the cookie."""

    __tablename__ = "staff_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    # SHA-256 of the random token the browser's session holds.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
