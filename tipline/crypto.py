"""Keys derived from the settings, and encryption of reporters' contact details at rest."""

import hashlib
import hmac
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app


def derived_key(purpose):
    """A key for one purpose, derived from SECRET_KEY so the purposes never share one."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"tipline:{purpose}".encode(), hashlib.sha256).digest()


def _contact_cipher():
    # Several comma-separated keys allow rotation: the first encrypts, all decrypt.
    keys = current_app.config["CONTACT_ENCRYPTION_KEY"].split(",")
    return MultiFernet([Fernet(k.strip().encode()) for k in keys if k.strip()])


def encrypt_contact(contact):
    """Encrypt a dict of contact details; None when there is nothing to keep."""
    cleaned = {k: v for k, v in contact.items() if v}
    if not cleaned:
        return None
    return _contact_cipher().encrypt(json.dumps(cleaned, ensure_ascii=False).encode()).decode()


def decrypt_contact(token):
    """The contact dict back from its ciphertext; {} if none was left."""
    if not token:
        return {}
    try:
        return json.loads(_contact_cipher().decrypt(token.encode()))
    except InvalidToken as exc:
        raise RuntimeError("contact details cannot be decrypted with the configured keys") from exc


def encrypt_secret(text):
    """Encrypt a short secret (a TOTP seed) with the same keys as contact details."""
    return _contact_cipher().encrypt(text.encode()).decode()


def decrypt_secret(token):
    return _contact_cipher().decrypt(token.encode()).decode()
