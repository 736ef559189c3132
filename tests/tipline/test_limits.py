"""Rate limits kept in Redis, as the README says: every web process counts against one shared limit."""

import pytest
import redis

from tests.services import REDIS_URL
from tests.tipline.test_tracking import look_up
from tipline import create_app
from tipline.extensions import db, limiter
from tipline.reports.receipt import new_receipt_code


@pytest.fixture
def limits_in_redis(monkeypatch, app_config, redis_prefix):
    """Settings as production makes them: REDIS_URL and the key prefix from the environment."""
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    monkeypatch.setenv("RATELIMIT_KEY_PREFIX", redis_prefix)
    del app_config["RATELIMIT_STORAGE_URI"]  # so that it follows from REDIS_URL, as in production
    app_config.update(REDIS_URL=REDIS_URL, REDIS_KEY_PREFIX=redis_prefix, TRACK_LOOKUP_LIMIT="3 per 10 minutes")
    # The limiter is one module-level object that keeps the key prefix of the first app
    # bound to it in this process; production binds one app per process.
    monkeypatch.setattr(limiter, "_key_prefix", None)
    return redis_prefix


def test_a_limit_reached_through_one_process_holds_in_another(limits_in_redis, app, app_config):
    """Catches rate limits kept in each process's memory instead of Redis (RATELIMIT_STORAGE_URI from REDIS_URL)."""
    assert app.config["RATELIMIT_STORAGE_URI"] == REDIS_URL
    first = app.test_client()
    assert [look_up(first, new_receipt_code()).status_code for _ in range(4)] == [404, 404, 404, 429]

    other = create_app(app_config)  # a second web process: new app, new limiter storage
    try:
        refused = look_up(other.test_client(), new_receipt_code())
        assert refused.status_code == 429
    finally:
        with other.app_context():
            db.engine.dispose()
    keys = [key.decode() for key in redis.Redis.from_url(REDIS_URL).scan_iter(match=f"*LIMITER*{limits_in_redis}*")]
    assert keys and all(limits_in_redis + "/" in key for key in keys), keys


def test_limits_in_redis_keep_no_client_address(limits_in_redis, app):
    """Catches the limiter (or the sign-in throttle) keying Redis on the client's address in clear:
    whoever reads Redis would learn who reported or looked a tip up that day."""
    address = "203.0.113.77"
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    assert [look_up(client, new_receipt_code()).status_code for _ in range(4)] == [404, 404, 404, 429]
    client.post("/staff/login", data={"email": "nobody@example.com", "password": "wrong password"})
    keys = [key.decode() for key in redis.Redis.from_url(REDIS_URL).scan_iter(match=f"*{limits_in_redis}*")]
    assert any("/track" in key or "lookup" in key for key in keys), keys
    assert not [key for key in keys if address in key], keys
