"""No cache keeps a staff or organisation answer: every GET route there in the URL map, for any visitor, is no-store."""

import pytest

from tests.conftest import csrf_token
from tests.route_map import UnknownParameter, is_private, route_world, rules, url_for_rule, visitor  # noqa: F401


def private_pages(app, world):
    """The URL of every GET route on the staff and organisation surfaces, filled from the world."""
    pages, unknown = [], []
    for rule in rules(app, "GET"):
        if is_private(rule.rule):
            try:
                pages.append(url_for_rule(app, rule, world.ids))
            except UnknownParameter as exc:
                unknown.append(str(exc))
    assert not unknown, "\n".join(unknown)
    return pages + ["/staff/no-such-page", "/org/no-such-page"]


# The organisation pages anyone may open: registering, signing in, and the links mailed to people without an account.
ORG_OPEN = {"/org/login", "/org/register", "/org/registered"}


@pytest.mark.parametrize("kind", ["admin", "officer", "anonymous", "org_admin", "org_member"])
def test_every_staff_answer_says_no_store(app, route_world, make_staff, kind):  # noqa: F811  (fixture)
    """Catches a staff or organisation page (the queue, the audit log, an organisation's list...) a cache may keep."""
    client = visitor(app, route_world, kind, make_staff)
    answers = {url: client.get(url) for url in private_pages(app, route_world)}
    missing = {url: r.headers.get("Cache-Control") for url, r in answers.items() if not r.cache_control.no_store}
    assert not missing, f"answers a cache may keep, as {kind}: {missing}"
    shown = {url for url, r in answers.items() if r.status_code == 200 and not url.startswith("/org/confirm/")}
    shown -= {url for url in shown if url.startswith("/org/join/")}
    statuses = {u: r.status_code for u, r in answers.items()}
    if kind == "anonymous":
        assert shown == {"/staff/login"} | ORG_OPEN, statuses  # everything else sends the visitor to sign in
    elif kind.startswith("org_"):
        assert not any(url.startswith("/staff/") for url in shown if url != "/staff/login"), statuses
        assert {"/org/", "/org/members", "/org/account", "/org/batch"} <= shown, statuses
    else:
        assert {"/staff/", "/staff/notices", "/staff/account"} <= shown, statuses
        assert not shown & {"/org/", "/org/members", "/org/account"}, statuses


def test_staff_form_answers_say_no_store(app, route_world, make_staff):  # noqa: F811  (fixture)
    """Catches a POST answer (redirect or refusal) of the staff surface that a cache may keep."""
    client = visitor(app, route_world, "officer", make_staff)
    token = csrf_token(client, "/staff/account")
    case = route_world.ids["case"]
    for response in (
        client.post(f"/staff/cases/{case}/notes", data={"csrf_token": token, "note-body": "内部备注：核实中"}),
        client.post(f"/staff/cases/{case}/notes", data={"csrf_token": token, "note-body": ""}),
        client.post("/staff/notices/read", data={}),
    ):
        assert response.status_code in (302, 303, 400), response.status_code
        assert response.cache_control.no_store
