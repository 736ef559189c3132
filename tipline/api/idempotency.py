"""Idempotency keys: a POST sent again with the same `Idempotency-Key` gets the first answer, and does nothing.

The key is claimed in the same transaction as the work it guards: the row is inserted first (the unique
index on token and key makes a concurrent retry wait for the first request, then fail to insert), the work
is done, the answer is stored in the row, and everything commits at once. A request that fails leaves no
row behind, so a retry does the work; one that succeeded leaves its answer, which every retry replays.
The same key with another body is refused: it is a client's mistake, not a retry.
"""

import hashlib
import json
from datetime import datetime, timedelta

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from tipline.extensions import db
from tipline.timeutil import utcnow

KEPT_FOR = timedelta(hours=24)  # how long an answer is replayed; older keys may be used again
MAX_KEY = 255


class IdempotentRequest(db.Model):
    """One POST made under an idempotency key: what was sent (as a hash) and what was answered."""

    __tablename__ = "idempotent_request"
    __table_args__ = (UniqueConstraint("token_id", "key", name="uq_idempotent_request_token_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_token.id"))
    key: Mapped[str] = mapped_column(String(MAX_KEY))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


def fingerprint(method, path, parts):
    """A hash of what a request asks: its method, path and every part of its body (fields and files)."""
    digest = hashlib.sha256(f"{method} {path}\n".encode())
    for name, value in sorted(parts, key=lambda part: part[0]):
        digest.update(hashlib.sha256(name.encode()).digest())
        digest.update(hashlib.sha256(value if isinstance(value, bytes) else value.encode()).digest())
    return digest.hexdigest()


def earlier_answer(token_id, key, now=None):
    """The row of an earlier request under the key that is still kept, or None."""
    now = now or utcnow()
    return db.session.scalar(
        select(IdempotentRequest).where(
            IdempotentRequest.token_id == token_id,
            IdempotentRequest.key == key,
            IdempotentRequest.created_at > now - KEPT_FOR,
        )
    )


def claim(token_id, key, print_, now=None):
    """Insert the key's row in the current transaction (waits on a concurrent claim of the same key).

    An expired row under the same key is removed first. Raises sqlalchemy's IntegrityError when another
    request holds the key: the caller rolls back and answers from earlier_answer().
    """
    now = now or utcnow()
    db.session.execute(
        delete(IdempotentRequest).where(
            IdempotentRequest.token_id == token_id,
            IdempotentRequest.key == key,
            IdempotentRequest.created_at <= now - KEPT_FOR,
        )
    )
    row = IdempotentRequest(token_id=token_id, key=key, fingerprint=print_, created_at=now)
    db.session.add(row)
    db.session.flush()
    return row


def remember(row, status, payload, location=None):
    """Keep the answer in the claimed row (committed with the work)."""
    row.status = status
    row.body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    row.location = location


def purge_old_requests(now):
    """Forget answers past KEPT_FOR; returns how many."""
    result = db.session.execute(delete(IdempotentRequest).where(IdempotentRequest.created_at <= now - KEPT_FOR))
    return result.rowcount
