"""API keys: made once, kept as a hash, scoped by the owner's kind, revoked for good."""

import hashlib

import pytest
from sqlalchemy import select

from cases.audit import AuditEntry
from tipline.api.tokens import ApiToken, TokenError, authenticate, create_token, revoke_token
from tipline.extensions import db


def test_the_command_prints_a_key_that_opens_as_its_owner_and_keeps_only_its_hash(runner, make_staff):
    # Bugs caught: the key stored in clear, a key that does not authenticate, default scopes of the wrong kind.
    officer = make_staff("officer", "cyberspace", "110108")
    result = runner.invoke(args=["create-api-key", "--email", officer.email.upper(), "--name", "区县系统"])
    assert result.exit_code == 0, result.output
    key = result.output.strip().splitlines()[-1]
    assert key.startswith("tl_") and len(key) > 40
    [token] = db.session.scalars(select(ApiToken)).all()
    assert token.token_hash == hashlib.sha256(key.encode()).hexdigest() and key not in token.shown + token.name
    assert token.scopes == ["cases:read", "cases:write"] and token.name == "区县系统"
    assert authenticate(key).owner is officer
    assert authenticate(key[:-1] + ("A" if key[-1] != "A" else "B")) is None


def test_the_command_refuses_a_scope_of_the_other_kind_and_an_unknown_address(runner, make_staff):
    officer = make_staff("officer", "cyberspace", "110108")
    refused = runner.invoke(args=["create-api-key", "--email", officer.email, "--scope", "tips:write"])
    assert refused.exit_code != 0 and "list" in refused.output
    unknown = runner.invoke(args=["create-api-key", "--email", "nobody@example.com"])
    assert unknown.exit_code != 0 and "nobody@example.com" in unknown.output
    assert db.session.scalars(select(ApiToken)).all() == []


def test_a_revoked_key_and_a_closed_account_open_nothing(app, make_staff):
    # Bugs caught: revocation only hiding the key on the page; a deactivated colleague's key still working.
    officer = make_staff("officer", "cyberspace", "110108")
    first, first_key = create_token(officer, "one", ["cases:read"])
    _second, second_key = create_token(officer, "two", ["cases:read"])
    db.session.commit()
    revoke_token(officer, first.id)
    db.session.commit()
    assert authenticate(first_key) is None and authenticate(second_key) is not None
    officer.active = False
    db.session.commit()
    assert authenticate(second_key) is None
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.target_type == "user")).all()
    assert actions.count("api_token.created") == 2 and actions.count("api_token.revoked") == 1


def test_nobody_revokes_anothers_key(app, make_staff):
    mine, other = make_staff("officer", "cyberspace", "110108"), make_staff("officer", "education", "110108")
    token, key = create_token(mine, "mine", ["cases:read"])
    db.session.commit()
    with pytest.raises(TokenError):
        revoke_token(other, token.id)
    assert authenticate(key) is not None
