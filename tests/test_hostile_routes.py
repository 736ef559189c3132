"""Every POST route of the URL map, as each kind of visitor, with hostile values in every field: never a 5xx.

The routes come from `app.url_map` as the test runs, so a route added later is
tried without a change here. For each route and visitor, the form comes
from the page that shows it (tests/route_map.py finds it), or, where no page shows
it to this visitor, from the WTForms classes its view builds; a route with neither
fails by name. Each hostile value goes into each field in turn, the others keeping
what a person would send, and then into every field at once.
"""

import copy
import io

import pytest

from tests import conftest as base
from tests.cases.conftest import file_tip  # noqa: F401  (fixture, for route_world)
from tests.route_map import (
    Field,
    UnknownParameter,
    fields_of_class,
    find_form,
    form_classes_of,
    is_private,
    route_world,  # noqa: F401  (fixture)
    rules,
    url_for_rule,
    visitor,
)
from tipline import settings

HOSTILE = {
    "arabic-indic digits": "١٢٣٤٥٦",
    "full-width digits": "１２３４５６",
    "year 1": "0001-01-01T00:00",
    "year 9999": "9999-12-31T23:59",
    "date of year 1": "0001-01-01",
    "date of year 9999": "9999-12-31",
    "NUL": "a\x00b",
    "CR/LF": "a\r\nb\rc\nd",
    "right-to-left override": "\u202eexe.txt",
    "100k characters": "汉" * 100_000,
    "negative": "-1",
    "below int64": "-9223372036854775809",
    "huge": "9" * 40,
    "brackets": "[]",
    "sent twice": ["1", "2"],
    "a file": "FILE",
}
LONG = "100k characters"  # answered by length checks; slow to re-render, so only once, in every field
# Values that pass a form's checks and reach the code behind it when sent alone (the rest are
# answered by the form's checks, which the rotation reaches).
GET_THROUGH = [
    "arabic-indic digits",
    "full-width digits",
    "year 1",
    "year 9999",
    "date of year 1",
    "date of year 9999",
    "right-to-left override",
    "negative",
    "below int64",
    "huge",
    "sent twice",
]
# Who tries each route: every visitor kind names the surfaces it tries. The public tries every
# route; a reporter following a report the public side; an admin and an officer signed in, and
# someone between password and code, the staff side. A private surface that no visitor kind
# signs in to fails the test until one is added here.
VISITORS = {
    "anonymous": ("public", "/staff", "/org"),
    "reporter": ("public",),
    "signing_in": ("/staff",),
    "admin": ("/staff",),
    "officer": ("/staff",),
    "org_admin": ("public", "/org"),  # the public form files for the organisation when a member is signed in
    "org_member": ("/org",),
}
SIGNED_IN_SURFACES = {"/staff", "/org"}  # private surfaces where some visitor kind is signed in


def surface_of(path):
    """'public', or the prefix of the private surface the path lies on."""
    if not is_private(path):
        return "public"
    return "/" + path.split("/")[1]


@pytest.fixture
def app_config(app_config):
    """No limit stops the flood of requests before it reaches the code under test.

    (Not RATELIMIT_ENABLED=False: the limiter is one object for every app, and keeps it.)
    """
    for name in dir(settings.Defaults):
        value = getattr(settings.Defaults, name)
        if name.endswith("_LIMIT") and isinstance(value, str) and " per " in value:
            app_config[name] = "100000 per minute"
        if name.endswith("MAX_FAILURES"):
            app_config[name] = 10**6  # no sign-in lock either
    return app_config


def _value(value):
    """A hostile value as the test client sends it (a fresh file each time)."""
    if value == "FILE":
        return (io.BytesIO(b"GIF89a\x00\xff not text"), "evil.txt")
    return value


def _rotation(fields):
    """(label, data): every field hostile at once, the values rotated so that each field meets each value."""
    names = list(dict.fromkeys(f.name for f in fields.values() if not _is_token(f.name)))
    values = [value for label, value in HOSTILE.items() if label != LONG]
    tokens = {name: value for name, value in _baseline(fields).items() if _is_token(name)}
    for k in range(len(values)):
        yield f"rotation {k}", {**tokens, **{name: values[(k + i) % len(values)] for i, name in enumerate(names)}}
    yield f"every field={LONG}", {**tokens, **{name: HOSTILE[LONG] for name in names}}
    for name in tokens:
        yield f"{name}=hostile", {**_baseline(fields), name: HOSTILE["arabic-indic digits"]}


def _is_token(name):
    return name == "csrf_token" or name.endswith("-csrf_token")


def _buttons(fields):
    return [f for f in fields.values() if f.kind == "button"]


def _baseline(fields, button=None):
    """What a person would send, pressing `button` (the form's last one if not given)."""
    data = {f.name: f.value for f in fields.values() if f.kind not in ("file", "button") and f.value is not None}
    buttons = _buttons(fields)
    if buttons:
        pressed = button or buttons[-1]
        data[pressed.name] = pressed.value
    return data


def _buttons_pressed(fields):
    """(label, data): each other button pressed, and every button at once (as no browser sends)."""
    buttons = _buttons(fields)
    for button in buttons[:-1]:
        yield f"pressing {button.name}={button.value}", _baseline(fields, button)
    if len(buttons) > 1:
        values = {}
        for button in buttons:
            values.setdefault(button.name, []).append(button.value)
        yield "every button pressed", {**_baseline(fields), **{n: v if len(v) > 1 else v[0] for n, v in values.items()}}


def _one_field_at_a_time(fields):
    """(label, data): each hostile value in each field alone, the others as a person would send them."""
    base_data = _baseline(fields)
    names = [f.name for f in fields.values() if f.kind != "button" and not _is_token(f.name)]
    for label in GET_THROUGH:
        for name in dict.fromkeys(names):
            yield f"{name}={label}", {**base_data, name: HOSTILE[label]}


def _refused(response):
    """Whether the visitor may not use the route at all (so no field is ever looked at)."""
    if response.status_code in (401, 403, 404, 405):
        return True
    return response.status_code in (302, 303) and "/login" in response.headers.get("Location", "")


def _form_for(app, client, endpoint, url, world, seen_pages):
    """The fields to post: from the page showing the form, else from the view's form classes.

    Every CSRF token field gets this client's own token (pages may have been read by another).
    """
    _page, fields = find_form(app, client, url, world, seen_pages)
    fields = copy.deepcopy(fields)
    if fields is None:
        classes = form_classes_of(app.view_functions[endpoint])
        if not classes:
            return None
        fields = {}
        for form_class in classes:
            fields.update(fields_of_class(app, form_class))
    token = base.CSRF_INPUT.search(client.get("/report").get_data(as_text=True)).group(1)
    for name, field in fields.items():
        if _is_token(name):
            field.value = token
    if "csrf_token" not in fields:
        fields["csrf_token"] = Field("csrf_token", "hidden", token)
    return fields


def _send(client, url, data):
    data = {k: _value(v) for k, v in data.items()}
    files = any(isinstance(v, tuple) for v in data.values())
    return client.post(url, data=data, content_type="multipart/form-data" if files else None)


def _try(client, url, data, problem):
    """Post; a 5xx (or the exception TESTING lets through instead of a 500) is recorded as a problem."""
    try:
        response = _send(client, url, data)
    except Exception as exc:
        problem(f"{type(exc).__name__}: {str(exc)[:200]}")
        return None
    if response.status_code >= 500:
        problem(str(response.status_code))
    return response


@pytest.mark.parametrize("kind", VISITORS)
def test_hostile_values_never_cause_a_server_error(app, route_world, make_staff, kind):  # noqa: F811  (fixture)
    """Catches any POST route, now or added later, that answers a hostile field value with a 5xx."""
    problems = []
    seen_pages = {}
    for rule in rules(app, "POST"):
        if rule.rule.startswith(("/api/", "/open311/")):
            # Not forms of a page: tests/api/test_schemathesis.py and test_open311.py send them the worst.
            continue
        where = surface_of(rule.rule)
        if where != "public" and where not in SIGNED_IN_SURFACES:
            problems.append(f"{rule.rule}: no kind of visitor signs in to {where} yet; add one to VISITORS")
            continue
        if where not in VISITORS[kind]:
            continue
        try:
            url = url_for_rule(app, rule, route_world.ids)
        except UnknownParameter as exc:
            problems.append(str(exc))
            continue
        client = visitor(app, route_world, kind, make_staff)
        fields = _form_for(app, client, rule.endpoint, url, route_world.ids, seen_pages)
        if fields is None:
            problems.append(f"{rule.rule} ({rule.endpoint}): no page shows its form and its view names no form class")
            continue
        sent = f"{url} as {kind}: as sent: "
        first = _try(client, url, _baseline(fields), lambda text, sent=sent: problems.append(sent + text))
        if first is not None and _refused(first):
            # Refused before any field is read: one request with every field hostile shows it stays so.
            variants = [next(_rotation(fields))]
        else:
            variants = [*_buttons_pressed(fields), *_rotation(fields), *_one_field_at_a_time(fields)]
        for label, data in variants:
            report = f"{url} as {kind}: {label}: "
            _try(client, url, data, lambda text, report=report: problems.append(report + text))
    assert not problems, f"{len(problems)} requests failed:\n" + "\n".join(problems)
