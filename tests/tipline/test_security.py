"""Cross-cutting protections: CSRF on every form route, headers on code pages, no 500 from odd requests."""

import re

import pytest

from tests.conftest import csrf_token


def post_routes(app):
    """Every POST route, with its ids filled in."""
    return sorted(
        re.sub(r"<[^>]+>", "1", rule.rule)
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods and rule.endpoint != "static"
    )


def test_every_post_route_refuses_a_missing_csrf_token(app, client):
    routes = post_routes(app)
    assert {"/report", "/track", "/track/tip", "/track/leave", "/staff/login", "/staff/cases/1/notes"} <= set(routes)
    for route in routes:
        if route.startswith("/open311/"):
            route = route.rsplit(".", 1)[0] + ".json"  # its format, not a number, ends the address
        response = client.post(route, data={"anything": "x"})
        if route.startswith(("/api/", "/open311/")):
            # No cookie opens these, only a key sent in a header or a field that no page of another site can
            # know (tests/cases/test_api.py: a staff session is not a key): without one, 401.
            assert response.status_code == 401, route
        else:
            assert response.status_code == 400, route


def test_forged_csrf_token_is_refused(client):
    csrf_token(client, "/track")
    response = client.post("/track", data={"csrf_token": "forged", "code": "A" * 24})
    assert response.status_code == 400


def test_session_cookie_is_httponly_and_samesite(client):
    csrf_token(client, "/track")
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"


@pytest.mark.parametrize(
    "path",
    [
        "/platforms?q=%00",
        "/platforms?q=%ff%fe",
        "/platforms/suggest?q=%ff",
        "/report?platform=%00",
        "/report?platform=99999999999",
        "/track/tip?x=" + "a" * 5000,
        "/platforms/99999999999999999999999",
        "/lang/xx?next=%00",
    ],
)
def test_odd_requests_never_answer_500(client, path):
    assert client.get(path).status_code < 500


def test_form_with_broken_multipart_is_a_4xx(client):
    response = client.post(
        "/report",
        data=b'--xx\r\nContent-Disposition: form-data; name="a"\r\n\r\nunterminated',
        content_type="multipart/form-data; boundary=xx",
    )
    assert 400 <= response.status_code < 500


def test_health(client, backend):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["checks"] == {"database": "ok"}


def test_readyz_reports_an_unreachable_database(app_config, tmp_path):
    from tipline import create_app

    app_config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    response = create_app(app_config).test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"].startswith("error")


def test_security_headers_on_every_page(client):
    for path in ("/", "/report", "/track", "/platforms", "/nope"):
        headers = client.get(path).headers
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
