"""The API without a key: platforms, one platform, the enforcement record; errors as problem details."""

from tipline.extensions import db

PROBLEM = "application/problem+json"


def test_the_filing_list_answers_as_the_page_filters(client, make_platform):
    # Bugs caught: a filter of the page not applied by the API (a list of every platform for list=black).
    make_platform(name="星火学堂", region_code="110108", list_status="black")
    make_platform(name="云朵网课", region_code="110105")
    db.session.commit()
    answer = client.get("/api/v1/platforms?list=black")
    assert answer.status_code == 200
    body = answer.get_json()
    assert [item["name"] for item in body["items"]] == ["星火学堂"]
    assert body["total"] == 1 and body["items"][0]["region"] == "110108"


def test_one_platform_and_a_missing_one(client, make_platform):
    # Bugs caught: a missing platform answered as an HTML page (or a 500), not as problem details.
    platform = make_platform(name="星火学堂", region_code="110108")
    db.session.commit()
    found = client.get(f"/api/v1/platforms/{platform.id}").get_json()
    assert found["name"] == "星火学堂" and found["in_force"] == [] and found["list_entries"] == []
    missing = client.get(f"/api/v1/platforms/{platform.id + 1000}")
    assert missing.status_code == 404 and missing.mimetype == PROBLEM
    assert missing.get_json()["status"] == 404


def test_refused_fields_are_named_in_the_requests_language(client):
    # Bugs caught: a webargs refusal answered in flask-smorest's own JSON (no problem type, no pointer), or a
    # message in English to a Chinese client.
    answer = client.get("/api/v1/platforms?list=grey&page=0", headers={"Accept-Language": "zh-CN"})
    assert answer.status_code == 422 and answer.mimetype == PROBLEM
    errors = {error["parameter"]: error["detail"] for error in answer.get_json()["errors"]}
    assert set(errors) == {"list", "page"}
    assert errors["page"] == "页码从 1 开始。"


def test_an_unknown_region_in_the_record_is_a_field_error(client):
    answer = client.get("/api/v1/actions?region=999999", headers={"Accept-Language": "en"})
    assert answer.status_code == 422
    assert answer.get_json()["errors"] == [{"parameter": "region", "detail": "Choose a region from the list."}]


def test_the_openapi_document_names_every_operation(client):
    # Bugs caught: a blueprint left out of the document, or the document served only as HTML.
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    assert {"/api/v1/platforms", "/api/v1/platforms/{platform_id}", "/api/v1/actions"} <= set(document["paths"])
    assert "Problem" in document["components"]["schemas"]
