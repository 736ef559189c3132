"""Schemathesis against /api/v1/openapi.json, on the app served over HTTP: every operation, with no key, an
organisation's key and staff keys of two scopes. No answer is a 5xx, and every answer matches the document
(status, content type, headers, body)."""

import hypothesis
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import positive_data_acceptance as ACCEPTED

from tests.organisations.helpers import make_org
from tipline.api.tokens import create_token
from tipline.extensions import db
from tipline.reports.service import TipSubmission, submit_tip

EXAMPLES = 25  # per operation: enough to send each field its awkward values, few enough for CI


def _keys(make_staff):
    member = make_org().members[0]
    keys = {"none": None}
    keys["organisation"] = create_token(member, "school", ["tips:read", "tips:write"], operator=True)[1]
    officer = make_staff("officer", "cyberspace", "110108")
    keys["staff"] = create_token(officer, "district", ["cases:read", "cases:write"])[1]
    keys["staff reader"] = create_token(officer, "reader", ["cases:read"])[1]
    db.session.commit()
    return keys


def exercise(operation, keys, base_url, calls, failures):
    """Send the operation what its document allows and what it does not, under each key; check each answer."""

    @given(case=operation.as_strategy(), who=st.sampled_from(sorted(keys)))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )
    def check(case, who):
        headers = {"Authorization": f"Bearer {keys[who]}"} if keys[who] else {}
        calls.append(operation.label)
        try:
            # Data the schema allows may still be refused for what it means (a region that does not exist, a
            # report too short by the form's rule): 422 then, not "accepted".
            case.call_and_validate(base_url=base_url, headers=headers, excluded_checks=[ACCEPTED])
        except Exception as exc:  # every failure of every operation is listed, not only the first
            failures.append(f"{operation.label} as {who}: {str(exc)[:600]}")
            raise

    check()


def test_every_operation_answers_as_its_document_says(app, live_server, make_staff, make_platform):  # noqa: F811
    # Bugs caught: any 5xx on odd input (NUL bytes, huge numbers, wrong types), an answer whose body, status or
    # content type the document does not describe, a required field the document forgets.
    platform = make_platform(name="星火学堂", region_code="110108")
    sent = TipSubmission(
        "星火学堂", "game_ads", "popup", "直播课弹出游戏广告，孩子无法上课。", "parent", "zh", "127.0.0.9"
    )
    sent.platform_id = platform.id
    submit_tip(sent, [])
    keys = _keys(make_staff)
    schema = schemathesis.openapi.from_url(f"{live_server}/api/v1/openapi.json")
    failures, calls, operations = [], [], []
    for result in schema.get_all_operations():
        operation = result.ok()
        operations.append(operation.label)
        try:
            exercise(operation, keys, live_server, calls, failures)
        except Exception as exc:
            if not failures or not failures[-1].startswith(operation.label):
                failures.append(f"{operation.label}: {type(exc).__name__}: {str(exc)[:600]}")
    assert not failures, "\n\n".join(failures[:20])
    # Every operation of the document was called, each several times (a schema that failed to load, or a
    # strategy that generated nothing, would pass the check above having sent nothing).
    assert len(operations) >= 10 and all(calls.count(label) >= 5 for label in operations), operations
