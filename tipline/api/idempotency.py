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


KEY_HEADER = "Idempotency-Key"


def _request_parts():
    """Every field and file of the request (files read whole, then put back), and a JSON body."""
    from flask import request

    parts = [(f"form:{name}", value) for name, value in request.form.items(multi=True)]
    for name, upload in request.files.items(multi=True):
        data = upload.stream.read()
        upload.stream.seek(0)
        parts.append((f"file:{name}:{upload.filename or ''}", data))
    if request.is_json:
        parts.append(("json", request.get_data()))
    return parts


def writes(func):
    """An API operation that changes something: done in one transaction, committed only when it succeeds.

    Under an `Idempotency-Key` header the key is claimed in that same transaction and the answer kept
    with it: a repeat of the request (the same key and body) answers what the first did, and does
    nothing; the same key with another body is refused (422); a repeat sent while the first is still
    being done waits for it (the unique index) and then answers as it did.
    """
    from functools import wraps

    from flask import g, make_response, request
    from flask_babel import gettext as _
    from sqlalchemy.exc import IntegrityError

    from tipline.api.problems import ApiProblem

    def replay(row, print_):
        if row.fingerprint != print_:
            raise ApiProblem(
                422,
                _("This idempotency key was used for another request"),
                _("Send a new request with a new key; repeat a request only with its own body."),
                [{"parameter": KEY_HEADER, "detail": _("Already used with another body.")}],
            )
        response = make_response(row.body, row.status)
        response.mimetype = "application/json"
        response.headers["Idempotent-Replayed"] = "true"
        if row.location:
            response.headers["Location"] = row.location
        return response

    @wraps(func)
    def wrapper(*args, **kwargs):
        key = request.headers.get(KEY_HEADER)
        row = None
        if key is not None:
            if not 1 <= len(key) <= MAX_KEY or not key.isascii() or not key.isprintable():
                raise ApiProblem(
                    400,
                    _("The idempotency key is not valid"),
                    errors=[{"parameter": KEY_HEADER, "detail": _("Use 1 to 255 printable ASCII characters.")}],
                )
            token_id = g.api_token.id
            print_ = fingerprint(request.method, request.path, _request_parts())
            earlier = earlier_answer(token_id, key)
            if earlier is not None:
                return replay(earlier, print_)
            try:
                row = claim(token_id, key, print_)
            except IntegrityError:  # the same key, claimed and answered by a request running at the same time
                db.session.rollback()
                earlier = earlier_answer(token_id, key)
                if earlier is None:
                    raise ApiProblem(
                        409, _("A request with this idempotency key is being handled"), headers={"Retry-After": "1"}
                    ) from None
                return replay(earlier, print_)
        response = func(*args, **kwargs)
        if response.status_code >= 400:
            db.session.rollback()
            return response
        if row is not None:
            remember(row, response.status_code, response.get_json(), response.headers.get("Location"))
        db.session.commit()
        return response

    return wrapper
