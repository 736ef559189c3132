"""Sign-in throttles, kept in the shared rate-limit storage (Redis in production).

Three counters, each over LOGIN_LOCK_MINUTES:
- per account named and client: every attempt counts before it is checked (so that
  parallel requests cannot slip past) and a completed sign-in wipes it, so only
  failures stay; past LOGIN_MAX_FAILURES that client is locked out of that account only;
- per account named, failures from every client: past LOGIN_ACCOUNT_MAX_FAILURES the
  account is locked for everyone but its owner with the right password AND a second factor;
- per account, wrong second-factor codes from every client (LOGIN_CODE_MAX_FAILURES):
  only someone who has the password can raise it.
Accounts are named by a digest of the address typed, known or not, so that unknown
and real addresses get the same answers and no address is kept in the storage.
"""

import hashlib
import logging

from flask import current_app
from limits import parse

from tipline.extensions import limiter

log = logging.getLogger(__name__)


def _account(email):
    return hashlib.sha256(email.encode()).hexdigest()[:32]


def _ids(kind, email, client=None):
    ids = [current_app.config.get("RATELIMIT_KEY_PREFIX") or "", "signin", kind, _account(email)]
    return [*ids, client] if client is not None else ids


def _item(setting):
    config = current_app.config
    seconds = max(1, round(config["LOGIN_LOCK_MINUTES"] * 60))  # a fraction of a minute in tests
    return parse(f"{config[setting]} per {seconds} seconds")


def _memory_limiter():
    """A limiter in this process's memory, for when the app's rate limiter is switched off (RATELIMIT_ENABLED)."""
    from limits.storage import MemoryStorage
    from limits.strategies import FixedWindowRateLimiter

    return current_app.extensions.setdefault("tipline_signin_memory", FixedWindowRateLimiter(MemoryStorage()))


def _storage(method, item, ids):
    """Call the rate limiter; when its storage is down, this process's fallback memory (as Flask-Limiter does).

    Switching the app's rate limits off does not switch sign-in throttles off: they then count here.
    """
    if not limiter.enabled:
        return getattr(_memory_limiter(), method)(item, *ids)
    try:
        return getattr(limiter.limiter, method)(item, *ids)
    except Exception:
        # Flask-Limiter keeps no public handle on its fallback; failing open here would let
        # a Redis outage lift every sign-in limit, failing closed would lock every account.
        fallback = getattr(limiter, "_fallback_limiter", None)
        if fallback is None:
            raise
        log.warning("rate-limit storage unreachable: sign-in throttles use this process's memory")
        return getattr(fallback, method)(item, *ids)


def attempt(email, client):
    """Count one attempt on this account from this client; False once the client is locked out of it."""
    return _storage("hit", _item("LOGIN_MAX_FAILURES"), _ids("client", email, client))


def forgive(email, client):
    """A completed sign-in: this client's attempts on the account no longer count."""
    _storage("clear", _item("LOGIN_MAX_FAILURES"), _ids("client", email, client))


def client_locked(email, client):
    """Whether this client has used up its attempts on this account."""
    return not _storage("test", _item("LOGIN_MAX_FAILURES"), _ids("client", email, client))


def record_failure(email, client):
    """Count a wrong password for the account; True when a lock (this client's or everyone's) is now on."""
    _storage("hit", _item("LOGIN_ACCOUNT_MAX_FAILURES"), _ids("account", email))
    return account_locked(email) or client_locked(email, client)


def account_locked(email):
    """Whether failures from every client together have locked the account."""
    return not _storage("test", _item("LOGIN_ACCOUNT_MAX_FAILURES"), _ids("account", email))


def record_code_failure(email):
    """Count a wrong second-factor code; True when codes are now refused for the account."""
    _storage("hit", _item("LOGIN_CODE_MAX_FAILURES"), _ids("code", email))
    return codes_locked(email)


def codes_locked(email):
    """Whether too many wrong codes (from people who have the password) lock the second step."""
    return not _storage("test", _item("LOGIN_CODE_MAX_FAILURES"), _ids("code", email))
