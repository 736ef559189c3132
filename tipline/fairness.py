"""Fair limits on the public forms: slow down what attackers do, never what a crowd of honest people does.

A whole school, or everyone on one mobile carrier, can share one address. Counting every
report or look-up per address would lock all of them out together, so the public forms
count only what attackers do more of than honest people:

- receipt look-ups count **wrong codes** only (a parent checking her own report any number
  of times counts nothing);
- reports count **reports stored**, and a tip set aside as one of a flood of near-identical
  tips counts FLOOD_WEIGHT times.

Below a free allowance per address and hour nothing changes. Past it, each further action
from that address needs a **stamp**, as GlobaLeaks asks of every submission: a small proof
of work that the browser computes while the person types (static/js/stamp.js), with a
time-lock for browsers without JavaScript (the form is accepted once enough seconds have
passed since it was served, which a person filling it in never notices). Each level of
pressure doubles the work, so a script guessing codes or sending floods slows down while
the people behind the same address hardly notice. A stamp is bound to one form, signed,
and good for one use.

Apart from this, a high per-address ceiling on every POST (settings: REPORT_SUBMIT_LIMIT,
TRACK_LOOKUP_LIMIT) protects capacity; it answers 429 with the form as it was typed and
the time to try again (tipline/errors.py).
"""

import hashlib
import logging
import secrets
import time
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from itsdangerous import BadData, URLSafeSerializer
from limits import RateLimitItemPerHour

from tipline.clients import limit_key
from tipline.extensions import limiter

log = logging.getLogger(__name__)

# Counted actions and what one counts.
REPORT = "report"
LOOKUP = "lookup"
FLOOD_WEIGHT = 10

# Levels of pressure: past the free allowance, each doubling of the count is one level.
# A level asks BASE_BITS + 2 per level of work (leading zero bits of SHA-256), up to MAX_BITS,
# or, without JavaScript, WAIT_SECONDS[level] since the form was served.
BASE_BITS = 12
MAX_BITS = 20
WAIT_SECONDS = (0, 10, 20, 40, 60)
# A stamp older than this is refused (the form is served anew with a fresh one).
STAMP_MAX_AGE = 4 * 3600
_WINDOW = RateLimitItemPerHour(1_000_000)  # counts only: never reached


@dataclass(frozen=True)
class Demand:
    """What the next action from this address must carry."""

    level: int  # 0: nothing
    bits: int  # leading zero bits of SHA-256(stamp ":" work)
    wait: int  # seconds since the stamp was issued, for a browser without JavaScript


def _free(action):
    return current_app.config["FAIR_FREE_REPORTS" if action == REPORT else "FAIR_FREE_WRONG_CODES"]


def _key(action, what="fair"):
    return _WINDOW.key_for(current_app.config["RATELIMIT_KEY_PREFIX"], what, action, limit_key())


def _add(key, amount):
    """Add to an hourly count atomically; the new count (0 when the store is unreachable)."""
    try:
        return limiter.limiter.storage.incr(key, _WINDOW.get_expiry(), amount=amount)
    except Exception as exc:  # noqa: BLE001 - an unreachable store must not stop honest people
        log.warning("fair-limit counts unavailable, asking no work: %s", exc)
        return 0


def pressure(action):
    """How many counted actions this address made in the current hour (0 when the store is unreachable).

    With rate limits switched off (RATELIMIT_ENABLED, as the benchmark runs) fair limits are off too.
    """
    if not limiter.enabled:
        return 0
    try:
        return max(0, limiter.limiter.storage.get(_key(action)))
    except Exception as exc:  # noqa: BLE001
        log.warning("fair-limit counts unavailable, asking no work: %s", exc)
        return 0


def demand_for(count, free):
    """The work asked after `count` counted actions in the hour, with `free` of them free."""
    if count < free:
        return Demand(0, 0, 0)
    level = 1
    while count >= free * 2**level and level < len(WAIT_SECONDS) - 1:
        level += 1
    return Demand(level, min(BASE_BITS + 2 * level, MAX_BITS), WAIT_SECONDS[level])


def current_demand(action):
    """The work asked of this address's next `action`."""
    return demand_for(pressure(action), _free(action))


def record(action, weight=1):
    """Count more against this address's hour (a tip set aside as a flood weighs more than one)."""
    if limiter.enabled:
        _add(_key(action), weight)


def refund(action):
    """Take back the count of an action that turned out honest (a correct receipt code)."""
    if limiter.enabled:
        _add(_key(action), -1)


def _serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="tipline-stamp")


def _client_tag():
    """Which address a stamp was served to, without naming it: stamps are not passed around."""
    return hashlib.sha256(limit_key().encode()).hexdigest()[:16]


def new_stamp(action):
    """A fresh stamp (a signed token) for one form of `action`, served to this address."""
    claims = {"a": action, "c": _client_tag(), "n": secrets.token_hex(12), "t": int(time.time())}
    return _serializer().dumps(claims)


def _claims(token, action):
    """What a stamp says, or None when it is not ours, not for this action and address, or too old."""
    try:
        claims = _serializer().loads(token or "")
        fits = (
            claims["a"] == action
            and claims["c"] == _client_tag()
            and 0 <= time.time() - int(claims["t"]) <= STAMP_MAX_AGE
        )
    except (BadData, KeyError, TypeError, ValueError):
        return None
    return claims if fits else None


def stamp_form(form, action, fresh=False):
    """Give a form about to be shown its stamp, keeping a good one it carries; return the work asked.

    Keeping the stamp a re-shown form carries keeps the time-lock running for a browser
    without JavaScript, so correcting a typo never restarts the wait.
    """
    if fresh or _claims(form.stamp.data, action) is None:
        form.stamp.data = new_stamp(action)
    return current_demand(action)


def leading_zero_bits(digest):
    """How many zero bits a digest starts with."""
    bits = 0
    for byte in digest:
        if byte:
            return bits + 8 - byte.bit_length()
        bits += 8
    return bits


def work_done(token, work):
    """The leading zero bits of SHA-256 over the token and the browser's answer."""
    return leading_zero_bits(hashlib.sha256(f"{token}:{work}".encode()).digest())


class StampRefused(Exception):
    """The action needs a stamp and the one sent does not do.

    `fresh`: the form needs a new stamp; `seconds_left`: how long a browser without
    JavaScript still has to wait; `script_needed`: waiting no longer does this hour.
    """

    def __init__(self, demand, seconds_left, fresh, script_needed=False):
        super().__init__(demand, seconds_left, fresh)
        self.demand = demand
        self.seconds_left = seconds_left
        self.fresh = fresh
        self.script_needed = script_needed


def redeem(action, token, work):
    """Count this attempt and let it through, or raise StampRefused (a refused attempt counts nothing).

    The count comes first, in one atomic step, so that requests sent in parallel each see
    their own place in it: a burst cannot slip through at the free level. Past the
    allowance the stamp must be ours, for this action and address, young enough and
    unspent, and carry the work asked now, or be at least the asked wait old; waiting
    stands in for the work only as many times an hour as the allowance, so stamps
    collected in advance and merely waited out buy little. A stamp that lets one through
    is spent.
    """
    if not limiter.enabled:
        return
    key = _key(action)
    demand = demand_for(_add(key, 1) - 1, _free(action))
    if demand.level == 0:
        return
    try:
        _check(action, token, work, demand)
    except StampRefused:
        _add(key, -1)
        raise


def _check(action, token, work, demand):
    claims = _claims(token, action)
    if claims is None:
        raise StampRefused(demand, demand.wait, fresh=True)
    answer = (work or "").strip()
    worked = answer.isascii() and answer.isdigit() and len(answer) <= 12 and work_done(token, answer) >= demand.bits
    if not worked:
        waited = time.time() - int(claims["t"])
        if waited < demand.wait:
            raise StampRefused(demand, int(demand.wait - waited) + 1, fresh=False)
        if _add(_key(action, "fair-waited"), 1) > _free(action):
            raise StampRefused(demand, 0, fresh=True, script_needed=True)
    if not _spend(claims["n"]):
        raise StampRefused(demand, demand.wait, fresh=True)


def _spend(nonce):
    """Mark a stamp used; False when it already was, or when that cannot be recorded."""
    key = f"{current_app.config['RATELIMIT_KEY_PREFIX']}/stamp/{nonce}"
    try:
        return limiter.limiter.storage.incr(key, STAMP_MAX_AGE) == 1
    except Exception as exc:  # noqa: BLE001 - work is asked only while counts are kept, so this is rare
        log.warning("spent stamps unavailable, refusing the stamp: %s", exc)
        return False


def refusal_text(refused):
    """What the page says when a stamp does not do, in the page's language."""
    if refused.script_needed:
        return _(
            "Many attempts came from your network in the last hour. Nothing was sent: without JavaScript "
            "no more can be taken from it this hour. Turn JavaScript on and send the form again, or try later."
        )
    return ngettext(
        "Many attempts came from your network in the last hour, so each one now needs a short check, "
        "which your browser makes by itself. Nothing was sent: send the form again "
        "(without JavaScript, after %(num)d second).",
        "Many attempts came from your network in the last hour, so each one now needs a short check, "
        "which your browser makes by itself. Nothing was sent: send the form again "
        "(without JavaScript, after %(num)d seconds).",
        max(refused.seconds_left, 1),
    )
