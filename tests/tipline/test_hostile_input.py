"""Whatever is typed into the public forms, the answer is never a 500 and nothing half-written is kept."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import csrf_token
from tipline.extensions import db

# Any text at all: control characters, NUL, astral planes, right-to-left marks, very long runs.
ANY_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=300) | st.sampled_from(
    ["", "\x00", "'; DROP TABLE tip; --", "<script>alert(1)</script>", "%", "_", "\\", "\u202e", "𠀀" * 100]
)
FIELDS = [
    "platform_id",
    "platform_name",
    "category",
    "location",
    "description",
    "url",
    "seen_at",
    "reporter_type",
    "contact_name",
    "contact_email",
    "contact_phone",
]
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(values=st.fixed_dictionaries({name: ANY_TEXT for name in FIELDS}), search=st.booleans())
def test_report_form_never_fails(client, values, search):
    data = dict(values, csrf_token=csrf_token(client, "/report"))
    data["find_platform" if search else "submit"] = "1"
    response = client.post("/report", data=data)
    assert response.status_code in (200, 400), response.status_code
    db.session.rollback()


@SETTINGS
@given(code=ANY_TEXT)
def test_receipt_lookup_never_fails(client, code):
    response = client.post("/track", data={"csrf_token": csrf_token(client, "/track"), "code": code})
    assert response.status_code in (400, 404, 429)


@SETTINGS
@given(q=ANY_TEXT, region=ANY_TEXT, page=ANY_TEXT)
def test_filing_list_never_fails(client, q, region, page):
    assert client.get("/platforms", query_string={"q": q, "region": region, "page": page}).status_code in (200, 400)
    assert client.get("/platforms/suggest", query_string={"q": q}).status_code == 200
