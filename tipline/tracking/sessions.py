"""Tracking sessions held on the server: a device that entered a receipt code, until it leaves or times out.

The browser's cookie holds only a random token; the database keeps its hash, the
tip it opens and when it ends. Leaving deletes the row, so a cookie saved before
("close on this device") opens nothing afterwards.
"""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import DateTime, ForeignKey, String, delete, select, update
from sqlalchemy.orm import Mapped, mapped_column

from tipline.extensions import db
from tipline.reports.models import Tip
from tipline.timeutil import utcnow


class TrackingSession(db.Model):
    """One device following one tip, until `expires_at` or until it leaves."""

    __tablename__ = "tracking_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tip.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def _lifetime():
    lifetime = current_app.config["PERMANENT_SESSION_LIFETIME"]
    return lifetime if isinstance(lifetime, timedelta) else timedelta(seconds=lifetime)


def start_tracking(tip):
    """Open a tracking session on `tip`; returns the random token for the browser's cookie."""
    now = utcnow()
    purge_ended_sessions(now)
    token = secrets.token_urlsafe(32)
    db.session.add(TrackingSession(token_hash=_hash(token), tip_id=tip.id, expires_at=now + _lifetime()))
    return token


def tracked_tip(token):
    """The tip a live session token opens, or None; each use keeps the session alive for its lifetime.

    A forged, stale or ended token opens nothing: only the hash of a token the
    server handed out, and has not ended, matches a row.
    """
    now = utcnow()
    tip_id = _live_tip_id(token, now)
    if tip_id is None:
        return None
    db.session.execute(
        update(TrackingSession).where(TrackingSession.token_hash == _hash(token)).values(expires_at=now + _lifetime())
    )
    return db.session.get(Tip, tip_id)


def _live_tip_id(token, now):
    """The id of the tip a well-formed token's live session opens, or None."""
    if not isinstance(token, str) or not 0 < len(token) <= 100:
        return None
    live = TrackingSession.expires_at > now
    return db.session.scalar(select(TrackingSession.tip_id).where(TrackingSession.token_hash == _hash(token), live))


SESSION_KEY = "tracked_tip"  # where the browser's session keeps the token


def fresh_session():
    """Empty the browser's session for a new sign-in or look-up, ending on the server what it held.

    Clearing the cookie alone would leave a copy of it able to open the tip, or act as its staff
    or member sign-in.
    The caller commits.
    """
    from flask import session

    from cases.accounts.models import StaffSession
    from cases.accounts.service import end_session
    from tipline.organisations.models import OrgSession

    end_tracking(session.get(SESSION_KEY))
    # A sign-in of another kind ends too, on the server: one browser holds one sign-in at a time.
    end_session(session.get("staff_session"), StaffSession)
    end_session(session.get("org_session"), OrgSession)
    session.clear()


def end_tracking(token):
    """End a session on the server ("close on this device"); a copy of the cookie opens nothing after."""
    if isinstance(token, str) and 0 < len(token) <= 100:
        db.session.execute(delete(TrackingSession).where(TrackingSession.token_hash == _hash(token)))


def purge_ended_sessions(now):
    """Delete sessions past their end; returns how many went."""
    return db.session.execute(delete(TrackingSession).where(TrackingSession.expires_at <= now)).rowcount


def tracked_tip_key():
    """What limits additions count on: the tip this browser follows, so a school's address is no bottleneck.

    Keyed (HMAC) so the limiter's storage names no tip; a browser following nothing
    counts on its address.
    """
    from flask import session

    from tipline.clients import limit_key

    tip_id = _live_tip_id(session.get(SESSION_KEY), utcnow())
    if tip_id is None:
        return limit_key()
    secret = current_app.config["SECRET_KEY"].encode()
    return "tip-" + hmac.new(secret, f"tip:{tip_id}".encode(), hashlib.sha256).hexdigest()[:32]
