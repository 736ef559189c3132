"""Staff accounts: creating them, checking passwords with lock-out, and the TOTP second factor."""

import hashlib
import hmac
import secrets
import time
from datetime import timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from cases.accounts.models import StaffSession, StaffUser
from cases.audit import audit
from tipline.catalog import DEPARTMENTS, ROLES
from tipline.crypto import decrypt_secret, encrypt_secret
from tipline.extensions import db
from tipline.regions.models import Region
from tipline.timeutil import utcnow

MIN_PASSWORD = 12


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
    """An account operation that cannot be done; `message` is for the page."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class AccountLocked(AccountError):
    """Too many failed sign-ins: the account waits until `until`."""

    def __init__(self, until):
        super().__init__(_l("Too many failed attempts. Try again after a while."))
        self.until = until


def normalize_email(email):
    return (email or "").strip().lower()


def find_user(email):
    return db.session.scalars(select(StaffUser).where(func.lower(StaffUser.email) == normalize_email(email))).first()


def create_user(email, password, role, department, region_code, name="", actor=None):
    """A new staff account; raises AccountError on anything invalid."""
    email = normalize_email(email)
    if "@" not in email or len(email) > 254:
        raise AccountError(_l("Enter a valid email address."))
    if role not in ROLES:
        raise AccountError(_l("Choose a role from the list."))
    if department not in DEPARTMENTS:
        raise AccountError(_l("Choose a department from the list."))
    if db.session.get(Region, region_code) is None:
        raise AccountError(_l("Choose a region from the list."))
    if find_user(email) is not None:
        raise AccountError(_l("An account with this email address exists already."))
    check_password_strength(password)
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


def check_password_strength(password):
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(_l("Use a password of at least %(n)d characters.", n=MIN_PASSWORD))


def set_password(user, password, actor=None):
    check_password_strength(password)
    user.password_hash = hasher().hash(password)
    user.session_version += 1  # a new password signs out every other session
    audit(actor, "user.password", "user", user.id)


def authenticate(email, password):
    """The active user with this email and password; raises AccountError or AccountLocked.

    Failures count per account; past LOGIN_MAX_FAILURES the account is locked for
    LOGIN_LOCK_MINUTES. Unknown addresses take as long as known ones.
    """
    user = find_user(email)
    now = utcnow()
    if user is None or not user.active:
        try:
            hasher().verify(_dummy_hash(), password or "")
        except VerificationError:
            pass
        raise AccountError(_l("Email or password is not correct."))
    if user.locked_until and user.locked_until > now:
        try:  # as long as a real check, so that a lock does not show in the timing
            hasher().verify(_dummy_hash(), password or "")
        except VerificationError:
            pass
        raise AccountLocked(user.locked_until)
    try:
        hasher().verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        record_failure(user)
        raise AccountError(_l("Email or password is not correct.")) from None
    if hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hasher().hash(password)
    return user


def record_failure(user):
    """Count a failed attempt; lock the account when there have been too many."""
    config = current_app.config
    user.failed_logins += 1
    audit(None, "user.login_failed", "user", user.id, failures=user.failed_logins)
    if user.failed_logins >= config["LOGIN_MAX_FAILURES"]:
        user.locked_until = utcnow() + timedelta(minutes=config["LOGIN_LOCK_MINUTES"])
        user.failed_logins = 0
        audit(None, "user.locked", "user", user.id, until=user.locked_until.isoformat())


def record_success(user):
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = utcnow()
    audit(user, "user.login", "user", user.id)


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
    if not (code.isdigit() and len(code) == 6):
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


def disable_totp(user, actor):
    user.totp_secret_encrypted = None
    audit(actor, "user.totp_disabled", "user", user.id)


def check_second_factor(user, code):
    """Verify a TOTP code at sign-in; a wrong or replayed one counts as a failed attempt."""
    step = totp_step(decrypt_secret(user.totp_secret_encrypted), code, after=user.totp_last_step or 0)
    if step is not None:
        user.totp_last_step = step
        return True
    record_failure(user)
    return False


def _token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user):
    """A new server-side session for a sign-in; returns the token the browser keeps."""
    token = secrets.token_urlsafe(32)
    db.session.add(StaffSession(user_id=user.id, token_hash=_token_hash(token)))
    return token


def session_is_live(user, token):
    """Whether the browser's token belongs to a session of this user that has not ended."""
    if not isinstance(token, str) or len(token) > 100:
        return False
    row = db.session.scalars(select(StaffSession).where(StaffSession.token_hash == _token_hash(token))).first()
    return row is not None and row.user_id == user.id and row.ended_at is None


def end_session(token):
    """End one session (sign-out on this device)."""
    if isinstance(token, str):
        db.session.execute(
            update(StaffSession)
            .where(StaffSession.token_hash == _token_hash(token), StaffSession.ended_at.is_(None))
            .values(ended_at=utcnow())
        )


def end_other_sessions(user, keep_token):
    """End every session of this user but the one holding `keep_token`."""
    keep = _token_hash(keep_token) if isinstance(keep_token, str) else ""
    db.session.execute(
        update(StaffSession)
        .where(StaffSession.user_id == user.id, StaffSession.ended_at.is_(None), StaffSession.token_hash != keep)
        .values(ended_at=utcnow())
    )


def sign_out_everywhere(user):
    """End every session of this user, on every device."""
    user.session_version += 1
    db.session.execute(
        update(StaffSession)
        .where(StaffSession.user_id == user.id, StaffSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    audit(user, "user.sign_out_everywhere", "user", user.id)
