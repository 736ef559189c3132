"""Keys on the account pages: made and shown once, working at once, revoked for good; only one's own; only
an organisation's administrator makes them; the reference page needs nothing from elsewhere."""

import re

from sqlalchemy import select

from tests.cases.conftest import sign_in
from tests.conftest import csrf_token
from tests.organisations.helpers import add_member, make_org, member_client
from tipline.api.tokens import ApiToken, create_token
from tipline.extensions import db

NEW_KEY = re.compile(r'data-testid="new-key">(tl_[A-Za-z0-9_-]+)<')


def staff_client(app, user):
    client = app.test_client()
    assert sign_in(client, user).status_code == 302
    return client


def make_key_on(client, account, data):
    token = csrf_token(client, account)
    return client.post(f"{account}/api-keys", data={"key-csrf_token": token, **data})


def test_staff_make_a_key_see_it_once_use_it_and_revoke_it(app, make_staff):
    # Bugs caught: the key shown again on a later visit (kept in clear), a key that does not work at once,
    # revocation that leaves it working.
    officer = make_staff("officer", "cyberspace", "110108")
    client = staff_client(app, officer)
    made = make_key_on(client, "/staff/account", {"key-name": "区县系统", "key-scopes": ["cases:read"]})
    assert made.status_code == 200 and made.headers["Cache-Control"].startswith("no-store")
    key = NEW_KEY.search(made.get_data(as_text=True)).group(1)
    assert key not in client.get("/staff/account").get_data(as_text=True)
    api = app.test_client()
    assert api.get("/api/v1/cases", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    token = db.session.scalars(select(ApiToken)).one()
    assert token.scopes == ["cases:read"]
    revoked = client.post(
        f"/staff/account/api-keys/{token.id}/revoke", data={"csrf_token": csrf_token(client, "/staff/account")}
    )
    assert revoked.status_code == 303
    assert api.get("/api/v1/cases", headers={"Authorization": f"Bearer {key}"}).status_code == 401


def test_a_key_form_with_errors_keeps_what_was_typed(app, make_staff):
    client = staff_client(app, make_staff("officer", "cyberspace", "110108"))
    client.get("/lang/en")
    answer = make_key_on(client, "/staff/account", {"key-name": "区县系统", "key-scopes": ["tips:write"]})
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert 'value="区县系统"' in page and "Choose what the key may do from the list." in page
    assert db.session.scalars(select(ApiToken)).all() == []


def test_nobody_revokes_anothers_key_with_a_crafted_post(app, make_staff):
    # Bugs caught: the revoke route trusting the id in the address without checking whose key it is.
    owner, other = make_staff("officer", "cyberspace", "110108"), make_staff("officer", "education", "110108")
    token, key = create_token(owner, "mine", ["cases:read"])
    db.session.commit()
    client = staff_client(app, other)
    client.post(f"/staff/account/api-keys/{token.id}/revoke", data={"csrf_token": csrf_token(client, "/staff/account")})
    db.session.refresh(token)
    assert token.revoked_at is None


def test_only_an_organisations_administrator_makes_keys(app):
    # Bugs caught: the form merely hidden from members, the route itself open to them.
    organisation = make_org()
    add_member(organisation, "li@school.example")
    member = member_client(app, "li@school.example")
    refused = make_key_on(member, "/org/account", {"key-name": "x", "key-scopes": ["tips:read"]})
    assert refused.status_code == 403
    admin = member_client(app)
    made = make_key_on(admin, "/org/account", {"key-name": "学校系统", "key-scopes": ["tips:read", "tips:write"]})
    assert made.status_code == 200 and NEW_KEY.search(made.get_data(as_text=True))
    assert db.session.scalars(select(ApiToken.org_member_id)).all() == [organisation.members[0].id]


def test_the_reference_page_lists_every_operation_and_loads_nothing_from_elsewhere(client):
    # Bugs caught: a reference page built from a CDN's script (flask-smorest's default), or missing an operation.
    page = client.get("/api/v1/", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    document = client.get("/api/v1/openapi.json").get_json()
    for path, item in document["paths"].items():
        for method in item:
            if method in ("get", "post"):
                assert f"{method.upper()} {path}" in html
    assert not re.search(r'(src|href)="(https?:)?//', html)
