"""Random keys of one day for hashing client addresses: shared by every process, destroyed after the day."""

import logging
import secrets
from datetime import date, datetime, time, timedelta, timezone

from flask import current_app
from sqlalchemy import Date, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from tipline.extensions import db, insert_or_not

log = logging.getLogger(__name__)

# A key outlives its day by this much, for requests that began just before midnight.
MARGIN = timedelta(minutes=10)


class ClientKey(db.Model):
    """The key of one day (UTC), kept here when there is no Redis (or Redis is down)."""

    __tablename__ = "client_key"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    key: Mapped[str] = mapped_column(String(64))


def day_key(day):
    """The random key of `day`, made by whichever process needs it first; the same for every process.

    Redis keeps it with an expiry at the end of the day (plus MARGIN) when REDIS_URL
    is set; without Redis, or while it is down, the database does, until a purge.
    """
    if current_app.config["REDIS_URL"]:
        from redis.exceptions import RedisError

        try:
            return redis_day_key(day)
        except RedisError as exc:
            # Reports must go in during an outage; digests made now differ from Redis's.
            log.warning("Redis unreachable, the day's client key comes from the database: %s", exc)
    return _database_key(day)


def redis_key_name(day):
    """Where Redis keeps the key of `day`."""
    return f"{current_app.config['REDIS_KEY_PREFIX']}:client-key:{day.isoformat()}"


def redis_day_key(day):
    """The key of `day` kept in Redis (made now if it is the first use); RedisError when Redis is down."""
    from tipline.jobs.outbox import redis_connection

    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=timezone.utc) + MARGIN
    fresh = secrets.token_bytes(32)
    # One atomic SET NX GET: of two processes making the day's key, both use the first one.
    kept = redis_connection(current_app).set(redis_key_name(day), fresh, nx=True, get=True, exat=end)
    return kept or fresh


def _database_key(day):
    key = db.session.scalar(select(ClientKey.key).where(ClientKey.day == day))
    if key is None:
        # A new day: the keys of past days go, and the first insert wins a race
        # (ON CONFLICT DO NOTHING, then everyone reads the winner's row).
        db.session.execute(delete(ClientKey).where(ClientKey.day < day))
        db.session.execute(insert_or_not(ClientKey).values(day=day, key=secrets.token_hex(32)).on_conflict_do_nothing())
        key = db.session.scalar(select(ClientKey.key).where(ClientKey.day == day))
    return bytes.fromhex(key)


def purge_past_client_keys(today):
    """Delete the database's keys of days before `today` (Redis expires its own); returns how many went."""
    return db.session.execute(delete(ClientKey).where(ClientKey.day < today)).rowcount
