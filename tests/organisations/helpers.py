"""Organisations for tests: made by the one rule behind registration, and members signed in as a browser does."""

import re

from tests.conftest import csrf_token
from tipline.extensions import db
from tipline.organisations.models import OrgMember
from tipline.organisations.service import create_organisation

CODE = "91350100M000100Y43"  # a published code with a valid check character
SECOND_CODE = "91110108MA01ABCDE0"
PASSWORD = "seven maple lanterns drift"
HAIDIAN, CHAOYANG = "110108", "110105"


def valid_code(first_seventeen):
    from tipline.organisations.credit_code import check_character

    return first_seventeen + check_character(first_seventeen)


def make_org(name="海淀实验小学家长委员会", email="jwh@school.example", verified=True, code=CODE, **changes):
    """An organisation and its administrator, committed."""
    organisation = create_organisation(
        name=name,
        kind=changes.pop("kind", "parent_committee"),
        region_code=changes.pop("region_code", HAIDIAN),
        email=email,
        password=PASSWORD,
        credit_code=code,
        verified=verified,
        **changes,
    )
    db.session.commit()
    return organisation


def add_member(organisation, email, role="member"):
    from cases.accounts.service import hasher

    member = OrgMember(organisation_id=organisation.id, email=email, password_hash=hasher().hash(PASSWORD), role=role)
    db.session.add(member)
    db.session.commit()
    return member


def sign_in_member(client, email, password=PASSWORD):
    """POST the organisation sign-in form; returns the response."""
    token = csrf_token(client, "/org/login")
    return client.post("/org/login", data={"email": email, "password": password, "csrf_token": token})


def member_client(app, email="jwh@school.example", password=PASSWORD):
    """A new test client of `app`, signed in as the member with this address."""
    client = app.test_client()
    assert sign_in_member(client, email, password).status_code == 303
    return client


def post_form(client, page, url, data, files=None):
    """POST a form with the CSRF token of `page`."""
    token = csrf_token(client, page)
    payload = {"csrf_token": token, **data, **(files or {})}
    return client.post(url, data=payload, content_type="multipart/form-data" if files else None)


LINK = re.compile(r"/org/(confirm|join)/([A-Za-z0-9_-]+)")


def mailed_link(message):
    """(kind, token) of the link in a mail."""
    body = message.get_body(("plain",)).get_content()
    found = LINK.search(body)
    assert found, body
    return found.group(1), found.group(2)
