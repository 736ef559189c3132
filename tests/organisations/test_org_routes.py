"""Every /org and /staff route, as anonymous, as staff, as an organisation's administrator and as its member.

Organisation accounts are not staff accounts: an organisation session never opens a staff
page, a staff session never opens an organisation's page, and neither changes anything
by a crafted POST. The routes come from the URL map, so a route added later is walked too.
"""

import re

import pytest
from sqlalchemy import func, select

from tests.cases.conftest import sign_in as staff_sign_in
from tests.conftest import csrf_token
from tests.organisations.helpers import add_member, make_org, sign_in_member
from tipline.extensions import db

# Pages anyone may open: registering, signing in, and the links mailed to people without an account yet.
OPEN_TO_ALL = {
    "org.register",
    "org.registered",
    "org.login",
    "org.login_second_factor",
    "org.logout",
    "org.confirm",
    "org.join",
}
# What only the administrator of an organisation may do.
ADMIN_ONLY = {"org.invite", "org.withdraw_invitation", "org.remove_member", "org.hand_over", "org.resend_confirmation"}


def routes(app, prefix):
    found = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(prefix):
            found += [(rule.endpoint, method, rule.rule) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return sorted(found)


def _url(rule):
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: "x" * 40 if m.group(1) == "token" else "1", rule)


def counts():
    """Rows per table: a refused request must leave every one as it was."""
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table)) for table in db.metadata.sorted_tables
    }


@pytest.fixture
def people(app, make_staff):
    organisation = make_org()
    add_member(organisation, "member@school.example")
    return {"staff": make_staff(role="admin", region="110000"), "organisation": organisation}


def client_as(app, kind, people):
    client = app.test_client()
    if kind == "staff":
        assert staff_sign_in(client, people["staff"]).status_code == 302
    elif kind == "org_admin":
        assert sign_in_member(client, "jwh@school.example").status_code == 303
    elif kind == "org_member":
        assert sign_in_member(client, "member@school.example").status_code == 303
    return client


def _send(client, method, url):
    if method == "GET":
        return client.get(url)
    # A real token of this session: CSRF must not be what refuses the request.
    token = csrf_token(client, "/track")
    return client.post(url, data={"csrf_token": token, "submit": "1"})


@pytest.mark.parametrize("kind", ["anonymous", "staff"])
def test_no_organisation_page_opens_without_a_member_session(app, people, kind):
    """Catches an /org route, now or added later, that answers strangers or staff, or acts for them."""
    client = client_as(app, kind, people)
    problems = []
    for endpoint, method, rule in routes(app, "/org"):
        if endpoint in OPEN_TO_ALL:
            continue
        before = counts()
        response = _send(client, method, _url(rule))
        location = response.headers.get("Location", "")
        if response.status_code != 302 or "/org/login" not in location:
            problems.append(f"{method} {rule}: {response.status_code} {location}")
        db.session.expire_all()
        if counts() != before:
            problems.append(f"{method} {rule}: changed the database")
    assert not problems, problems


@pytest.mark.parametrize("kind", ["org_admin", "org_member"])
def test_no_staff_page_opens_for_an_organisation_member(app, people, kind):
    """Catches a /staff route that takes an organisation's session for a staff one."""
    client = client_as(app, kind, people)
    problems = []
    for endpoint, method, rule in routes(app, "/staff"):
        if endpoint in ("staff.login", "staff.login_second_factor"):
            continue
        before = counts()
        response = _send(client, method, _url(rule))
        location = response.headers.get("Location", "")
        if endpoint == "staff.logout":
            ok = response.status_code == 302
        else:
            ok = response.status_code == 302 and "/staff/login" in location
        if not ok:
            problems.append(f"{method} {rule}: {response.status_code} {location}")
        db.session.expire_all()
        if counts() != before:
            problems.append(f"{method} {rule}: changed the database")
    assert not problems, problems
    assert client.get("/org/").status_code == 200  # the member's own session survived the walk


def test_a_member_gets_403_on_every_administrator_route(app, people):
    """Catches an administrator's route guarded only by hiding its button from members."""
    client = client_as(app, "org_member", people)
    problems = []
    for endpoint, method, rule in routes(app, "/org"):
        if endpoint not in ADMIN_ONLY:
            continue
        before = counts()
        response = _send(client, method, _url(rule))
        if response.status_code != 403:
            problems.append(f"{method} {rule}: {response.status_code}")
        db.session.expire_all()
        if counts() != before:
            problems.append(f"{method} {rule}: changed the database")
    assert not problems, problems
    assert ADMIN_ONLY <= {endpoint for endpoint, _m, _r in routes(app, "/org")}  # no stale names


def test_every_organisation_page_opens_for_its_members(app, people):
    """Catches an /org page that fails for the people it is for (every GET route without an object in its URL)."""
    problems = []
    for kind in ("org_admin", "org_member"):
        client = client_as(app, kind, people)
        for endpoint, method, rule in routes(app, "/org"):
            if method != "GET" or "<" in rule or endpoint in ("org.logout",):
                continue
            response = client.get(rule)
            if endpoint in ("org.login", "org.login_second_factor", "org.register"):
                continue  # signed in already: these send the member on
            if response.status_code != 200:
                problems.append(f"{kind} GET {rule}: {response.status_code}")
    assert not problems, problems
