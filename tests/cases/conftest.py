"""Staff fixtures: accounts in a small region tree, signed-in clients, tips filed into cases."""

import pytest

from tests.conftest import (
    PASSWORD,  # noqa: F401  (used by the staff tests)
    csrf_token,
    totp_code,
    totp_secret,
)
from tipline.extensions import db
from tipline.reports.service import TipSubmission, submit_tip

BEIJING, HAIDIAN, CHAOYANG = "110000", "110108", "110105"


def sign_in(client, user, password=PASSWORD):
    """Sign a test client in as `user`; returns the response of the last sign-in POST.

    When the password leads to the second-factor step and make_staff enrolled the user
    (tests/conftest.py totp_code), the code is entered too, so that a 302 means signed in
    for every role. Otherwise the password step's response is returned as it is.
    """
    response = client.post(
        "/staff/login",
        data={"csrf_token": csrf_token(client, "/staff/login"), "email": user.email, "password": password},
    )
    step = response.headers.get("Location", "") if response.status_code == 302 else ""
    if "/staff/login/code" in step and totp_secret(user):
        response = client.post(
            step, data={"csrf_token": csrf_token(client, "/staff/login/code"), "code": totp_code(user)}
        )
    return response


@pytest.fixture
def staff_client(app):
    """Factory: a new test client signed in as the given user."""

    def make(user):
        client = app.test_client()
        response = sign_in(client, user)
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        return client

    return make


@pytest.fixture
def file_tip(app):
    """Factory: submit a tip as the public would (through the domain function) and commit."""
    counter = iter(range(1, 10_000))

    def make(platform=None, category="game_ads", description=None, client=None, **fields):
        n = next(counter)
        tip, code = submit_tip(
            TipSubmission(
                platform_id=platform.id if platform else None,
                platform_name=fields.pop("platform_name", platform.name if platform else "未登记的网课App"),
                category=category,
                location=fields.pop("location", "popup"),
                description=description or f"第{n}位家长：孩子上直播课时弹出游戏广告，无法专心学习。",
                reporter_type=fields.pop("reporter_type", "parent"),
                locale=fields.pop("locale", "zh"),
                client=client or f"198.51.100.{n}",
                **fields,
            ),
            [],
        )
        db.session.commit()
        tip.receipt_code = code
        return tip

    return make


# The case page's forms name their fields with a prefix (cases/forms.py: form_prefix).
FORM_PREFIXES = {
    "notes": "note",
    "tasks": "task",
    "messages": "message",
    "merge": "merge",
    "split": "split",
    "state": "transition",
    "triage": "triage",
    "assign": "assign",
    "actions": "action",
    "decide": "decision",
    "lift": "lift",
    "review": "review",
    "confirm": "confirm",
    "close": "close",
    "closing": "closing",
    "filters": "filter",
    "bulk": "bulk",
    "address": "address",
}


def prefixed(action, data):
    """Form data named as the form at `action` names its fields."""
    prefix = FORM_PREFIXES.get(action.rstrip("/").rsplit("/", 1)[-1])
    if not prefix:
        return dict(data)
    return {f"{prefix}-{key}": value for key, value in data.items()}


def post_form(client, page, action, data):
    """POST a staff form with the CSRF token of the page that shows it."""
    return client.post(action, data={"csrf_token": csrf_token(client, page), **prefixed(action, data)})
