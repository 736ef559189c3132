"""Contact-key rotation as the README describes it: comma-separated keys, the first encrypts, all decrypt."""

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select

from tests.conftest import CONTACT_KEY
from tipline.crypto import decrypt_contact, decrypt_secret, encrypt_contact, encrypt_secret
from tipline.extensions import db
from tipline.reports.models import Tip
from tipline.reports.service import TipSubmission, submit_tip

CONTACT = {"name": "王小明", "email": "wang@example.com"}


def _tip_with_contact():
    submit_tip(
        TipSubmission(
            platform_name="云朵网课",
            category="teachers",
            location="live",
            description="直播课老师在课上骂学生。",
            reporter_type="parent",
            locale="zh",
            client="192.0.2.9",
            contact=dict(CONTACT),
        ),
        [],
    )
    db.session.commit()
    return db.session.scalars(select(Tip)).one()


def test_old_contacts_still_open_after_a_new_key_is_put_first(app):
    """Catches rotation that decrypts with the first key only, or encrypts with a key other than the first."""
    old = _tip_with_contact().contact_encrypted
    new_key = Fernet.generate_key().decode()
    app.config["CONTACT_ENCRYPTION_KEY"] = f"{new_key}, {CONTACT_KEY}"
    assert decrypt_contact(old) == CONTACT
    fresh = encrypt_contact(CONTACT)
    assert Fernet(new_key.encode()).decrypt(fresh.encode())  # the first key encrypts
    with pytest.raises(InvalidToken):
        Fernet(CONTACT_KEY.encode()).decrypt(fresh.encode())
    seed = encrypt_secret("JBSWY3DPEHPK3PXP")  # TOTP seeds rotate with the same keys
    assert Fernet(new_key.encode()).decrypt(seed.encode()) == b"JBSWY3DPEHPK3PXP"

    app.config["CONTACT_ENCRYPTION_KEY"] = new_key  # the old key retired
    assert decrypt_contact(fresh) == CONTACT and decrypt_secret(seed) == "JBSWY3DPEHPK3PXP"
    with pytest.raises(RuntimeError, match="cannot be decrypted with the configured keys"):
        decrypt_contact(old)


def test_the_key_order_decides_which_key_encrypts(app):
    first, second = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    app.config["CONTACT_ENCRYPTION_KEY"] = f"{first},{second}"
    token = encrypt_contact(CONTACT)
    app.config["CONTACT_ENCRYPTION_KEY"] = first
    assert decrypt_contact(token) == CONTACT
    app.config["CONTACT_ENCRYPTION_KEY"] = second
    with pytest.raises(RuntimeError):
        decrypt_contact(token)
    # Written without spaces, as the README shows it (found by `make mutants`: splitting on
    # whitespace read "second,first" as one key, since base64 decoding stops at the padding).
    app.config["CONTACT_ENCRYPTION_KEY"] = f"{second},{first}"
    assert decrypt_contact(token) == CONTACT


def test_each_purpose_has_a_key_of_its_own(app):
    """Catches derived_key ignoring the purpose (found by `make mutants`): every purpose would share one key."""
    from tipline.crypto import derived_key

    keys = {derived_key(purpose) for purpose in ("receipt", "client:2026-01-01", "client:2026-01-02", "session")}
    assert len(keys) == 4 and all(len(key) == 32 for key in keys)
