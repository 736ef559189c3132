"""What a browser's session holds of a sign-in, for staff and organisation members alike.

The session cookie is signed, not secret: an account is named by "id:session_version" (a
version bumped by signing out everywhere or a password change makes old cookies name nothing),
and what waits between the password and the second factor is kept encrypted.
"""

import json

from cryptography.fernet import InvalidToken
from flask import session

from tipline.crypto import decrypt_secret, encrypt_secret
from tipline.extensions import db
from tipline.web import parse_row_id


def account_token(account):
    """What the session keeps to name the account: its id and session version."""
    return f"{account.id}:{account.session_version}"


def account_of(value, model):
    """The active account of `model` that a session's "id:version" names, or None (stale, forged, inactive)."""
    account_id, _sep, version = str(value or "").partition(":")
    account_id = parse_row_id(account_id)
    if account_id is None or not version.isdigit() or len(version) > 9:
        return None
    account = db.session.get(model, account_id)
    if account is None or not account.active or account.session_version != int(version):
        return None
    return account


def hold_pending(key, account, email):
    """Keep, encrypted, who waits for the code step: the account when the password passed, else None."""
    pending = {"user": account_token(account) if account else None, "email": (email or "")[:254]}
    session[key] = encrypt_secret(json.dumps(pending))


def pending(key, model):
    """(account or None, email) waiting for the code step, or None when nothing (or something stale) waits."""
    token = session.get(key)
    try:
        held = json.loads(decrypt_secret(token)) if isinstance(token, str) else None
    except (InvalidToken, ValueError):
        held = None
    if not isinstance(held, dict) or not isinstance(held.get("email"), str):
        return None
    if held.get("user") is None:
        return None, held["email"]
    account = account_of(held["user"], model)
    return None if account is None else (account, held["email"])


def totp_setup_secret(key, account):
    """The second-factor secret waiting for the account's first code, kept encrypted in the session.

    The same secret until the account confirms it (a reload shows the same QR code); None once a factor is on.
    """
    from cases.accounts.service import new_totp_secret

    if account.totp_secret_encrypted:
        return None
    token = session.get(key)
    try:
        secret = decrypt_secret(token) if isinstance(token, str) else None
    except InvalidToken:
        secret = None
    secret = secret or new_totp_secret()
    session[key] = encrypt_secret(secret)
    return secret
