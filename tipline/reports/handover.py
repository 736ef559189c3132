"""Handing the receipt code over: a server-side record the receipt page shows until the reporter lets it go.

The browser's cookie holds only a random token. The code waits encrypted in the
database, keyed by the token's hash, and the receipt page shows it (never in a URL,
never cached) until the reporter confirms she saved it, which deletes the row, or
until it expires; after that a replayed cookie finds nothing.
"""

import hashlib
import secrets
import time
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import DateTime, Integer, String, Text, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from tipline.crypto import decrypt_secret, encrypt_secret
from tipline.extensions import db
from tipline.timeutil import utcnow


class ReceiptHandover(db.Model):
    """A receipt code waiting, encrypted, to be shown once."""

    __tablename__ = "receipt_handover"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    code_encrypted: Mapped[str] = mapped_column(Text)
    # Independent reporters of the case the tip joined (0: a new case), shown with the code.
    joined_reporters: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)


def token_hash(token):
    """What the database keeps of a browser's token: a hash, so the table alone opens nothing."""
    return hashlib.sha256(token.encode()).hexdigest()


_last_purge = [float("-inf")]  # process-local, for economy only


def hand_over(code, joined_reporters=0):
    """Keep `code` for the receipt page; returns the random token the browser's cookie carries."""
    now = utcnow()
    # Workers purge every few seconds too (tipline/privacy.py); this keeps a deployment
    # without one clean, at most once per RECEIPT_PURGE_SECONDS per process.
    if time.monotonic() - _last_purge[0] >= current_app.config["RECEIPT_PURGE_SECONDS"]:
        _last_purge[0] = time.monotonic()
        purge_expired_handovers(now)
    token = secrets.token_urlsafe(32)
    db.session.add(
        ReceiptHandover(
            token_hash=token_hash(token),
            code_encrypted=encrypt_secret(code),
            joined_reporters=joined_reporters,
            expires_at=now + timedelta(minutes=current_app.config["RECEIPT_HANDOVER_MINUTES"]),
        )
    )
    return token


def _valid(token):
    return isinstance(token, str) and 0 < len(token) <= 100


def show_receipt(token):
    """(code, joined_reporters) while a live token's code waits, else None. Showing it again is
    allowed (a reload, a language switch, a download) until the reporter releases it."""
    if not _valid(token):
        return None
    row = db.session.scalars(
        select(ReceiptHandover).where(
            ReceiptHandover.token_hash == token_hash(token), ReceiptHandover.expires_at > utcnow()
        )
    ).first()
    return None if row is None else (decrypt_secret(row.code_encrypted), row.joined_reporters)


def release_receipt(token):
    """Forget the code for good once the reporter saved it; True when there was one. The caller commits."""
    if not _valid(token):
        return False
    return bool(
        db.session.execute(delete(ReceiptHandover).where(ReceiptHandover.token_hash == token_hash(token))).rowcount
    )


def purge_expired_handovers(now):
    """Delete codes never fetched in time; returns how many went."""
    return db.session.execute(delete(ReceiptHandover).where(ReceiptHandover.expires_at <= now)).rowcount
