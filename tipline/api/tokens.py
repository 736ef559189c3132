"""API tokens: a named, scoped key of one staff account or one organisation member, shown once.

Only a SHA-256 hash of the key is kept (the key is 256 random bits: nothing to guess, no need for a slow
hash), with its first characters to tell keys apart on the account page. A key acts as its owner and no
more: a staff key reads what its owner reads on the pages, a member's key what the member sees. Revoked,
or once its owner can no longer sign in, it stops working. Every use is attributed to its owner through
the key's id (audit rows and the tip's organisation member).
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Integer, String, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tipline.extensions import db
from tipline.timeutil import utcnow

PREFIX = "tl_"
SHOWN = 10  # characters of the key kept in clear to name it on the account page ("tl_" and 7 more)
MAX_LIVE = 20  # live keys per owner: enough for every system one person connects, not a way around limits
USE_NOTED_EVERY = timedelta(minutes=1)  # "last used" is written at most this often, not on every request

# What a key may do, by the kind of account that owns it. A key has at least one of its owner's kind.
TIPS_READ, TIPS_WRITE = "tips:read", "tips:write"
CASES_READ, CASES_WRITE = "cases:read", "cases:write"
MEMBER_SCOPES = {
    TIPS_READ: _l("Read the organisation's reports, their history and staff messages"),
    TIPS_WRITE: _l("File reports, answer staff messages and add evidence"),
}
STAFF_SCOPES = {
    CASES_READ: _l("Read cases in your regions, as your pages show them"),
    CASES_WRITE: _l("Add notes to cases and propose actions"),
}


class TokenError(Exception):
    """Why a key cannot be made or revoked, in the page's language; `field` names the form field."""

    def __init__(self, message, field=None):
        super().__init__(str(message))
        self.message = message
        self.field = field


class ApiToken(db.Model):
    """One API key: whose it is, what it may do, when it was last used, whether it was revoked."""

    __tablename__ = "api_token"
    __table_args__ = (CheckConstraint("(staff_user_id IS NULL) <> (org_member_id IS NULL)", name="one_owner"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    shown: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(80))
    scopes: Mapped[list] = mapped_column(JSON)
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
    org_member_id: Mapped[int | None] = mapped_column(ForeignKey("org_member.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)

    staff_user = relationship("StaffUser")
    org_member = relationship("OrgMember")

    @property
    def owner(self):
        return self.staff_user if self.staff_user_id is not None else self.org_member

    @property
    def is_staff(self):
        return self.staff_user_id is not None

    @property
    def live(self):
        return self.revoked_at is None


def _hash(key):
    return hashlib.sha256(key.encode()).hexdigest()


def scopes_for(owner):
    """{scope: what it allows} that keys of this account may hold."""
    from cases.accounts.models import StaffUser

    return STAFF_SCOPES if isinstance(owner, StaffUser) else MEMBER_SCOPES


def _owner_column(owner):
    from cases.accounts.models import StaffUser

    return ApiToken.staff_user_id if isinstance(owner, StaffUser) else ApiToken.org_member_id


def may_hold_keys(owner):
    """Staff hold keys of their own; in an organisation only its administrator makes them."""
    from cases.accounts.models import StaffUser

    return owner.active and (isinstance(owner, StaffUser) or owner.is_admin)


def owners_keys(owner):
    """The owner's keys, live ones first, newest first."""
    return db.session.scalars(
        select(ApiToken)
        .where(_owner_column(owner) == owner.id)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())
    ).all()


def create_token(owner, name, scopes, operator=False):
    """Make a key for `owner`; returns (ApiToken, the key), the key in clear this once and never again.

    `scopes` must be a non-empty subset of scopes_for(owner). On the pages an organisation's keys are
    made by its administrator; an `operator` (the create-api-key command) makes one for any active
    member. Raises TokenError.
    """
    from cases.audit import audit

    name = " ".join((name or "").split())
    if not name:
        raise TokenError(_l("Give the key a name, such as the system that will use it."), "name")
    if len(name) > 80:
        raise TokenError(_l("Use at most 80 characters for the name."), "name")
    allowed = scopes_for(owner)
    scopes = sorted(set(scopes or ()))
    if not scopes:
        raise TokenError(_l("Choose at least one thing the key may do."), "scopes")
    if any(scope not in allowed for scope in scopes):
        raise TokenError(_l("Choose what the key may do from the list."), "scopes")
    if not owner.active:
        raise TokenError(_l("This account is closed."))
    if not operator and not may_hold_keys(owner):
        raise TokenError(_l("Only an organisation's administrator can make API keys."))
    live = db.session.scalar(
        select(func.count()).where(_owner_column(owner) == owner.id, ApiToken.revoked_at.is_(None))
    )
    if live >= MAX_LIVE:
        raise TokenError(_l("You have %(count)d keys already. Revoke one you no longer use first.", count=live))
    key = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(token_hash=_hash(key), shown=key[:SHOWN], name=name, scopes=scopes)
    if _owner_column(owner) is ApiToken.staff_user_id:
        token.staff_user_id = owner.id
    else:
        token.org_member_id = owner.id
    db.session.add(token)
    db.session.flush()
    _audit_token(audit, owner, "api_token.created", token)
    return token, key


def revoke_token(owner, token_id):
    """Revoke one of the owner's keys (another's is not found); revoking twice changes nothing."""
    from cases.audit import audit

    token = db.session.get(ApiToken, token_id)
    if token is None or getattr(token, _owner_column(owner).key) != owner.id:
        raise TokenError(_l("That key does not exist."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        _audit_token(audit, owner, "api_token.revoked", token)
    return token


def _audit_token(audit, owner, action, token):
    if token.is_staff:
        audit(owner, action, "user", owner.id, token_id=token.id, name=token.name, scopes=token.scopes)
    else:
        audit(
            None,
            action,
            "organisation",
            owner.organisation_id,
            token_id=token.id,
            name=token.name,
            scopes=token.scopes,
            by=owner.id,
        )


def authenticate(key, now=None):
    """The live ApiToken a presented key opens, or None: unknown, revoked, or its owner's account closed."""
    if not key or not key.startswith(PREFIX) or len(key) > 100:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(key)))
    if token is None or token.revoked_at is not None or not token.owner.active:
        return None  # a suspended organisation's key still reads; what writes asks can_act, as the pages do
    now = now or utcnow()
    if token.last_used_at is None or now - token.last_used_at >= USE_NOTED_EVERY:
        token.last_used_at = now
    return token
