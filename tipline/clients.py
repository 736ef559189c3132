"""Who is asking: the client address that rate limits and flood checks key on."""

import hashlib
import hmac
import ipaddress
import logging

from flask import current_app, request

log = logging.getLogger(__name__)


def client_address():
    """The requesting client, as rate limits and flood checks see it.

    Behind a proxy, `create_app` installs ProxyFix (TRUSTED_PROXIES hops), so
    `remote_addr` is already the client's, not the proxy's. An IPv6 client is its
    /64 network: one household or phone gets a whole /64 and could rotate within it.
    """
    address = request.remote_addr or "unknown"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def limit_key():
    """The client as rate limits and sign-in throttles count it.

    With Redis (where limits are shared, and kept for up to a day) the address is
    hashed with the day's random client key (tipline/reports/client_keys.py), so
    the limiter's storage holds no address. Without Redis, limits live in this
    process's memory only and the address is used as it is.
    """
    address = client_address()
    key = _day_key_for_limits()
    return address if key is None else hmac.new(key, address.encode(), hashlib.sha256).hexdigest()[:32]


def _day_key_for_limits():
    from redis.exceptions import RedisError

    from tipline.reports.client_keys import redis_day_key
    from tipline.timeutil import utcnow

    if not current_app.config["REDIS_URL"]:
        return None
    today = utcnow().date()
    # The day's key never changes once made, so each process keeps it for the day.
    cache = current_app.extensions.setdefault("tipline_limit_key", {})
    if today not in cache:
        try:
            key = redis_day_key(today)
        except RedisError as exc:
            log.warning("Redis unreachable, limits key on the address in this process's memory: %s", exc)
            return None
        cache.clear()
        cache[today] = key
    return cache[today]
