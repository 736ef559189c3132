"""Staff accounts: creating them, checking passwords with lock-out, and the TOTP second factor."""

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from cases.accounts import policy, throttle
from cases.accounts.models import StaffSession, StaffUser
from cases.audit import audit
from tipline.catalog import DEPARTMENTS, ROLES
from tipline.crypto import decrypt_secret, encrypt_secret
from tipline.extensions import db
from tipline.regions.models import Region
from tipline.timeutil import app_zone, time_zones, utcnow

MIN_PASSWORD = policy.MIN_PASSWORD
# Roles that may not work without a second factor (enforced in cases/blueprint.py).
SECOND_FACTOR_ROLES = frozenset({"supervisor", "admin"})


def _argon2():
    params = current_app.config.get("ARGON2") or {}
    key = tuple(sorted(params.items()))
    cache = current_app.extensions.setdefault("tipline_argon2", {})
    if key not in cache:
        ph = PasswordHasher(**params)
        # Verified against when the e-mail is unknown, so that both answers take as long.
        cache[key] = (ph, ph.hash("not a password of anyone"))
    return cache[key]


def hasher():
    """The argon2 hasher with the app's parameters (argon2-cffi's defaults unless ARGON2 says otherwise)."""
    return _argon2()[0]


def _dummy_hash():
    return _argon2()[1]


class AccountError(Exception):
    """An account operation that cannot be done; `message` is for the page, `field` names the value at fault."""

    def __init__(self, message, field=None):
        super().__init__(str(message))
        self.message = message
        self.field = field


class AccountLocked(AccountError):
    """Too many failed sign-ins for this account (from this client, or from everywhere)."""

    def __init__(self):
        super().__init__(_l("Too many failed attempts. Try again after a while."))


class CodeDecides(AccountError):
    """The account is locked for everyone: only password and second factor together may pass.

    Every password gets this same answer, right or wrong, known account or not, so that the
    lock is no oracle for passwords; `user` is set only when the password was right and the
    account has a second factor. The code step then refuses wrong passwords and wrong codes alike.
    """

    def __init__(self, user=None):
        super().__init__(_l("Enter the code from your authenticator app."))
        self.user = user


def normalize_email(email):
    return (email or "").strip().lower()


def find_user(email):
    return db.session.scalars(select(StaffUser).where(func.lower(StaffUser.email) == normalize_email(email))).first()


def create_user(email, password, role, department, region_code, name="", actor=None):
    """A new staff account; raises AccountError on anything invalid."""
    email = _clean(policy.clean_email, email, "email")
    name = _clean(policy.clean_name, name, "name")
    if role not in ROLES:
        raise AccountError(_l("Choose a role from the list."))
    if department not in DEPARTMENTS:
        raise AccountError(_l("Choose a department from the list."))
    region = db.session.get(Region, region_code)
    if region is None:
        raise AccountError(_l("Choose a region from the list."))
    if find_user(email) is not None:
        raise AccountError(_l("An account with this email address exists already."))
    check_password_strength(password, policy.password_context(email=email, name=name, regions=region.path()))
    user = StaffUser(
        email=email,
        name=name,
        password_hash=hasher().hash(password),
        role=role,
        department=department,
        region_code=region_code,
    )
    db.session.add(user)
    db.session.flush()
    audit(actor, "user.create", "user", user.id, email=email, role=role, department=department, region=region_code)
    return user


def _clean(check, value, field):
    """The value as the account policy cleans it, or AccountError naming the field."""
    try:
        return check(value)
    except policy.PolicyError as exc:
        raise AccountError(exc.message, field) from None


def check_password_strength(password, context=()):
    """Refuse a password that is short or easy to guess (zxcvbn, given the account's own words)."""
    _clean(lambda value: policy.check_password(value, context), password, "password")


def set_password(user, password, actor=None):
    """A new password for `user` (their own change or an admin's reset); every other session ends."""
    check_password_strength(password, policy.password_context(user, regions=user.region.path()))
    user.password_hash = hasher().hash(password)
    user.session_version += 1  # a new password signs out every other session
    audit(actor, "user.password", "user", user.id)
    _tell_owner(user, "password_changed")


def change_own_password(user, current, new, client):
    """A user's own change: the current password is checked like a sign-in (a wrong one counts)."""
    authenticate(user.email, current, client)
    set_password(user, new, actor=user)
    throttle.forgive(STAFF.key(user.email), client)


def set_time_zone(user, zone):
    """A user's own choice of the time zone their pages show times in; the app's is kept as None (follow the app)."""
    if zone not in time_zones():
        if not zone:
            raise AccountError(_l("Choose a time zone from the list."), field="time_zone")
        raise AccountError(
            _l("“%(zone)s” is not a time zone in the list. Choose one from the list.", zone=zone[:64]),
            field="time_zone",
        )
    user.time_zone = None if zone == app_zone().key else zone


def update_user(user, actor, **values):
    """Change an account's name, role, department, region or active flag; new rights take effect at the next sign-in."""
    if "name" in values:
        values["name"] = _clean(policy.clean_name, values["name"], "name")
    if "role" in values and values["role"] not in ROLES:
        raise AccountError(_l("Choose a role from the list."))
    if "department" in values and values["department"] not in DEPARTMENTS:
        raise AccountError(_l("Choose a department from the list."))
    if "region_code" in values and db.session.get(Region, values["region_code"]) is None:
        raise AccountError(_l("Choose a region from the list."))
    changes = {}
    for attr, value in values.items():
        if getattr(user, attr) != value:
            changes[attr] = [getattr(user, attr), value]
            setattr(user, attr, value)
    if changes:
        user.session_version += 1  # new rights take effect at the next sign-in
        audit(actor, "user.update", "user", user.id, **changes)
    return changes


def must_enrol(user):
    """Whether the user may do nothing but set up a second factor (supervisors and admins need one)."""
    return user.role in SECOND_FACTOR_ROLES and not user.totp_secret_encrypted


def _spend_a_check(password):
    """Verify against a dummy hash: as long as a real check, so that no answer shows in the timing."""
    try:
        hasher().verify(_dummy_hash(), password or "")
    except VerificationError:
        pass


@dataclass(frozen=True)
class Accounts:
    """One kind of account that signs in with an address and a password: staff, or organisation members.

    `find(email)` gives the account (or None); `note_failure(account, lock_raised)` records a failed
    attempt on a real account; `space` keeps each kind's throttle counts apart, so that one address
    used for both kinds is locked out of neither by the other's failures.
    """

    find: Callable
    note_failure: Callable
    space: str = ""

    def key(self, email):
        """What the throttles count this address under."""
        return self.space + normalize_email(email)[:254]


def authenticate(email, password, client, accounts=None):
    """The active account with this email and password; raises AccountError or AccountLocked.

    Unknown, wrong and locked get the same answers whether the account exists or not
    (cases/accounts/throttle.py counts by the address typed). Under an account-wide lock
    the right password passes only when a second factor follows.
    """
    accounts = accounts or STAFF
    email, key = normalize_email(email)[:254], accounts.key(email)
    if not throttle.attempt(key, client):
        _spend_a_check(password)
        raise AccountLocked()
    locked = throttle.account_locked(key)
    user = accounts.find(email)
    if user is None or not user.active:
        _spend_a_check(password)
        throttle.record_failure(key, client)
        raise CodeDecides() if locked else AccountError(_l("Email or password is not correct."))
    try:
        hasher().verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        accounts.note_failure(user, throttle.record_failure(key, client))
        raise (CodeDecides() if locked else AccountError(_l("Email or password is not correct."))) from None
    if locked:
        # The owner without a second factor waits like everyone else; with one, the code decides.
        raise CodeDecides(user if user.totp_secret_encrypted else None)
    if hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hasher().hash(password)
    return user


def _note_failure(user, lock_raised):
    user.failed_logins = StaffUser.failed_logins + 1  # in SQL: parallel failures all count
    audit(None, "user.login_failed", "user", user.id)
    if not lock_raised:
        return
    now = utcnow()
    minutes = current_app.config["LOGIN_LOCK_MINUTES"]
    if user.lock_noticed_at is None or user.lock_noticed_at < now - timedelta(minutes=minutes):
        from cases.notices import notify_staff

        user.lock_noticed_at = now  # one notice per lock, however many attempts follow
        audit(None, "user.locked", "user", user.id, minutes=minutes)
        notify_staff([user], "signin_locked", None, minutes=minutes)


STAFF = Accounts(find=find_user, note_failure=_note_failure)


def record_success(user, client, accounts=None):
    """A completed sign-in; returns how many attempts failed since the previous one."""
    failed = user.failed_logins or 0
    user.failed_logins = 0
    user.last_login_at = utcnow()
    throttle.forgive((accounts or STAFF).key(user.email), client)
    if isinstance(user, StaffUser):
        audit(user, "user.login", "user", user.id, failed_before=failed)
    return failed


# --- TOTP -------------------------------------------------------------------------------------


def new_totp_secret():
    return pyotp.random_base32()


def totp_uri(user, secret):
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name="Tipline")


def totp_step(secret, code, after=0):
    """The time step a TOTP code belongs to (now, or one step either side), or None.

    Steps at or before `after` are refused, so an accepted code cannot be used again.
    """
    code = "".join((code or "").split())
    # ASCII digits only: str.isdigit() also takes "١٢٣٤٥٦" and "１２３４５６", which
    # hmac.compare_digest refuses with a TypeError (non-ASCII str).
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    now = int(time.time()) // totp.interval
    for step in (now - 1, now, now + 1):
        if step > after and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def enable_totp(user, secret, code):
    """Turn on the second factor once the user proves their app has the secret."""
    step = totp_step(secret, code)
    if step is None:
        raise AccountError(_l("That code is not correct. Check the time on your phone and try again."))
    user.totp_secret_encrypted = encrypt_secret(secret)
    user.totp_last_step = step
    user.session_version += 1
    audit(user, "user.totp_enabled", "user", user.id)
    _tell_owner(user, "totp_enabled")


def disable_totp(user, actor):
    """An admin turns a lost second factor off; the user's sessions end and they set up a new one."""
    user.totp_secret_encrypted = None
    user.session_version += 1
    audit(actor, "user.totp_disabled", "user", user.id)
    _tell_owner(user, "totp_disabled")


def _tell_owner(user, kind):
    """A notice (and mail) to the account's owner about a change to how they sign in."""
    from cases.notices import notify_staff

    notify_staff([user], kind, None)


def refuse_code(email, code, client, accounts=None):
    """The code step after a password that did not pass under an account-wide lock.

    It answers exactly as a wrong code does (and counts as one), so that the code step
    does not tell whether the password was right either.
    """
    email = (accounts or STAFF).key(email)
    if not throttle.attempt(email, client) or throttle.codes_locked(email):
        raise AccountLocked()
    totp_step(new_totp_secret(), code)  # as much work as checking a real code
    throttle.record_code_failure(email)
    raise AccountError(_l("That code is not correct."))


def check_second_factor(user, code, client, accounts=None):
    """Verify a TOTP code at sign-in; raises AccountLocked, or AccountError for a wrong or replayed code.

    Every code counts against this client's attempts on the account; wrong codes also count
    account-wide, so that guessing codes from many clients with a stolen password stops too.
    """
    accounts = accounts or STAFF
    email = accounts.key(user.email)
    if not throttle.attempt(email, client) or throttle.codes_locked(email):
        raise AccountLocked()
    step = totp_step(decrypt_secret(user.totp_secret_encrypted), code, after=user.totp_last_step or 0)
    if step is not None:
        user.totp_last_step = step
        return
    raised = throttle.record_code_failure(email) or throttle.client_locked(email, client)
    accounts.note_failure(user, raised)
    raise AccountError(_l("That code is not correct."))


def _token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user, model=None):
    """A new server-side session for a sign-in; returns the token the browser keeps.

    `model` is the table of the account's kind: StaffSession, or the organisations' OrgSession.
    """
    token = secrets.token_urlsafe(32)
    db.session.add((model or StaffSession)(user_id=user.id, token_hash=_token_hash(token)))
    return token


def session_is_live(user, token, model=None):
    """Whether the browser's token belongs to a session of this user that has not ended."""
    model = model or StaffSession
    if not isinstance(token, str) or len(token) > 100:
        return False
    row = db.session.scalars(select(model).where(model.token_hash == _token_hash(token))).first()
    return row is not None and row.user_id == user.id and row.ended_at is None


def end_session(token, model=None):
    """End one session (sign-out on this device)."""
    model = model or StaffSession
    if isinstance(token, str):
        db.session.execute(
            update(model)
            .where(model.token_hash == _token_hash(token), model.ended_at.is_(None))
            .values(ended_at=utcnow())
        )


def end_other_sessions(user, keep_token, model=None):
    """End every session of this user but the one holding `keep_token` (all of them when it is None)."""
    model = model or StaffSession
    keep = _token_hash(keep_token) if isinstance(keep_token, str) else ""
    db.session.execute(
        update(model)
        .where(model.user_id == user.id, model.ended_at.is_(None), model.token_hash != keep)
        .values(ended_at=utcnow())
    )


def sign_out_everywhere(user):
    """End every session of this user, on every device."""
    user.session_version += 1
    end_other_sessions(user, None)
    audit(user, "user.sign_out_everywhere", "user", user.id)
