"""Handing the receipt code over once: a server-side record the receipt page consumes.

The browser's cookie holds only a random token. The code waits encrypted in the
database, keyed by the token's hash, until the first GET of the receipt page takes
it (deleting the row) or until it expires; a replayed cookie finds nothing.
"""

import hashlib
import secrets
import time
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import DateTime, Integer, String, Text, delete
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


def take_receipt(token):
    """(code, joined_reporters) the first time a live token is presented, else None.

    The caller commits at once, so that the deletion is durable before the code is shown.
    """
    if not isinstance(token, str) or not 0 < len(token) <= 100:
        return None
    # One statement that deletes and returns: of two requests presenting the same
    # token at once, only the one whose DELETE removed the row gets the code.
    row = db.session.execute(
        delete(ReceiptHandover)
        .where(ReceiptHandover.token_hash == token_hash(token))
        .returning(ReceiptHandover.code_encrypted, ReceiptHandover.joined_reporters, ReceiptHandover.expires_at)
    ).first()
    if row is None or row.expires_at <= utcnow():
        return None
    return decrypt_secret(row.code_encrypted), row.joined_reporters


def purge_expired_handovers(now):
    """Delete codes never fetched in time; returns how many went."""
    return db.session.execute(delete(ReceiptHandover).where(ReceiptHandover.expires_at <= now)).rowcount
