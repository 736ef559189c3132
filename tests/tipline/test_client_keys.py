"""The day's key for client digests: random, shared by every process, gone after its day."""

import hashlib
import hmac
import threading
from datetime import datetime, time, timedelta, timezone

import pytest
import redis
from sqlalchemy import func, select

from tests.services import REDIS_URL
from tipline import create_app
from tipline.crypto import derived_key
from tipline.extensions import db
from tipline.privacy import purge_expired
from tipline.reports.client_keys import MARGIN, ClientKey, redis_key_name
from tipline.reports.service import client_digest
from tipline.timeutil import utcnow

CLIENT = "203.0.113.7"


@pytest.fixture(params=["database", "redis"])
def store(request, app_config):
    """Where the day's keys live: the database (no Redis) or Redis under a prefix of this test's own."""
    if request.param == "redis":
        prefix = request.getfixturevalue("redis_prefix")
        app_config.update(REDIS_URL=REDIS_URL, REDIS_KEY_PREFIX=prefix)
    return request.param


def digest_in(app, client, day=None):
    """client_digest as another process would compute it: in that app's own context and session."""
    with app.app_context():
        value = client_digest(client, day)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return value


def old_derivation(client, day):
    """What the digest was before: a key derived from SECRET_KEY, recomputable for ever."""
    key = derived_key(f"client:{day.isoformat()}")
    return hmac.new(key, client.encode(), hashlib.sha256).hexdigest()


def test_two_apps_get_the_same_digest_for_a_client_on_one_day(store, app, app_config):
    """Catches: a key made per process (each web worker would count one client as several reporters)."""
    first = digest_in(app, CLIENT)
    # Another process, even one with another SECRET_KEY: the key is in the shared store, not derived.
    second = digest_in(create_app(dict(app_config, SECRET_KEY="another-secret-key")), CLIENT)
    assert first == second
    assert digest_in(app, "203.0.113.8") != first


def test_the_digest_cannot_be_recomputed_from_secret_key(store, app):
    """Catches: the day's key derived from SECRET_KEY (the database and the settings give the address back)."""
    today = utcnow().date()
    assert digest_in(app, CLIENT) != old_derivation(CLIENT, today)


def test_parallel_first_uses_of_a_day_agree_on_one_key(store, app):
    """Catches: making a day's key without a race-safe insert (two processes, two keys, one day)."""
    day = utcnow().date() + timedelta(days=1)  # a day nobody has a key for yet
    digests, start = [], threading.Barrier(4)

    def compute():
        start.wait()
        digests.append(digest_in(app, CLIENT, day))

    threads = [threading.Thread(target=compute) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(digests) == 4 and len(set(digests)) == 1
    assert digest_in(app, CLIENT) != digests[0]  # another day: another key, unlinkable


def test_a_past_days_key_is_gone_after_the_purge(app):
    """Catches: day keys kept for ever in the database (yesterday's digests stay reversible)."""
    yesterday = utcnow().date() - timedelta(days=1)
    before = digest_in(app, CLIENT, yesterday)
    assert db.session.scalar(select(func.count()).select_from(ClientKey)) == 1
    assert purge_expired(utcnow()) == 1
    db.session.commit()
    assert db.session.scalars(select(ClientKey.day)).all() == []
    # Yesterday's key cannot be had again: a new one is random, the old digest is orphaned.
    assert digest_in(app, CLIENT, yesterday) != before


def test_making_todays_key_destroys_the_past_ones(app):
    """Catches: relying on a scan alone (a quiet deployment keeps old keys until someone runs it)."""
    digest_in(app, CLIENT, utcnow().date() - timedelta(days=2))
    digest_in(app, CLIENT)
    assert db.session.scalars(select(ClientKey.day)).all() == [utcnow().date()]


def test_redis_keeps_a_key_until_the_end_of_its_day_only(app_config, redis_prefix):
    """Catches: a Redis key without expiry (the day's key outlives its day)."""
    app_config.update(REDIS_URL=REDIS_URL, REDIS_KEY_PREFIX=redis_prefix)
    app = create_app(app_config)
    today = utcnow().date()
    digest_in(app, CLIENT)
    client = redis.Redis.from_url(REDIS_URL)
    with app.app_context():
        name = redis_key_name(today)
        past = redis_key_name(today - timedelta(days=2))
    end = datetime.combine(today + timedelta(days=1), time(), tzinfo=timezone.utc) + MARGIN
    assert 0 < client.ttl(name) <= (end - datetime.now(timezone.utc)).total_seconds() + 1
    # A day already over gets no key that lasts: it expires on being made.
    digest_in(app, CLIENT, today - timedelta(days=2))
    assert not client.exists(past)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ClientKey)) == 0  # nothing in the database
        db.session.remove()
        db.engine.dispose()


def test_scan_deadlines_destroys_past_keys_on_a_quiet_day(app, runner):
    """Catches: past keys purged only when a new report comes (a quiet deployment keeps them)."""
    digest_in(app, CLIENT, utcnow().date() - timedelta(days=1))
    result = runner.invoke(args=["scan-deadlines"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.scalars(select(ClientKey.day)).all() == []
