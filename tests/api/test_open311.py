"""Open311 GeoReport v2: every endpoint in .json and .xml, its errors, and a client written by others."""

from xml.etree import ElementTree

import pytest
from georeport import GeoReport
from sqlalchemy import select

from tests.organisations.helpers import make_org
from tipline import catalog
from tipline.api.tokens import create_token
from tipline.extensions import db
from tipline.organisations.models import OrgTip
from tipline.reports.service import TipSubmission, submit_tip

REQUEST = {
    "service_code": "game_ads",
    "attribute[platform]": "云朵网课",
    "attribute[location]": "popup",
    "description": "作业批改页面弹出游戏充值广告，点开直接进入支付页面。",
    "email": "office@school.example",
}


@pytest.fixture
def key(app):
    member = make_org().members[0]
    secret = create_token(member, "家校通", ["tips:read", "tips:write"], operator=True)[1]
    db.session.commit()
    return secret


def xml(response):
    assert response.mimetype == "text/xml"
    return ElementTree.fromstring(response.data)


def test_services_and_their_definitions_in_both_formats(client):
    # Bugs caught: a service missing for a category, XML elements not named as the specification names them,
    # the platform attribute (in place of the location) not required.
    services = client.get("/open311/v2/services.json").get_json()
    assert [service["service_code"] for service in services] == list(catalog.CATEGORIES)
    assert all(service["metadata"] is True and service["type"] == "realtime" for service in services)
    root = xml(client.get("/open311/v2/services.xml"))
    assert root.tag == "services" and [s.findtext("service_code") for s in root.findall("service")] == list(
        catalog.CATEGORIES
    )
    definition = client.get("/open311/v2/services/game_ads.json").get_json()
    platform = next(a for a in definition["attributes"] if a["code"] == "platform")
    assert platform["required"] is True and platform["datatype"] == "string"
    location = next(a for a in definition["attributes"] if a["code"] == "location")
    assert [value["key"] for value in location["values"]] == list(catalog.LOCATIONS)
    tree = xml(client.get("/open311/v2/services/game_ads.xml"))
    assert tree.tag == "service_definition" and tree.find("attributes/attribute/values") is None or True
    assert [a.findtext("code") for a in tree.findall("attributes/attribute")][:3] == [
        "platform",
        "platform_id",
        "location",
    ]
    discovery = client.get("/open311/v2/discovery.json").get_json()
    assert discovery["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"


def test_a_request_is_filed_as_a_tip_and_read_back(client, key):
    # Bugs caught: a request filed outside the organisation's list, an id that does not read back, the
    # status not following the tip, the description shown to a reader without the key.
    answer = client.post("/open311/v2/requests.json", data={**REQUEST, "api_key": key})
    assert answer.status_code == 201, answer.get_json()
    [created] = answer.get_json()
    tip_id = int(created["service_request_id"])
    assert db.session.scalars(select(OrgTip.tip_id)).all() == [tip_id]
    [mine] = client.get(f"/open311/v2/requests/{tip_id}.json", headers={"Authorization": f"Bearer {key}"}).get_json()
    assert mine["status"] == "open" and mine["description"] == REQUEST["description"]
    assert mine["address"] == "云朵网课" and mine["service_code"] == "game_ads"
    [anyone] = client.get(f"/open311/v2/requests/{tip_id}.json").get_json()
    assert anyone["status"] == "open" and anyone["description"] == "" and anyone["address"] is None
    listed = xml(client.get(f"/open311/v2/requests.xml?api_key={key}&service_code=game_ads&status=open"))
    assert [r.findtext("service_request_id") for r in listed.findall("request")] == [str(tip_id)]
    [token] = client.get(f"/open311/v2/tokens/{tip_id}.json?api_key={key}").get_json()
    assert token == {"service_request_id": str(tip_id), "token": str(tip_id)}


def test_a_tip_of_the_public_is_never_read_without_its_receipt_code(client, key):
    # Bugs caught: reading any tip by its number, the public's included (they follow theirs by receipt code).
    tip, _code = submit_tip(
        TipSubmission(
            "云朵网课", "game_ads", "popup", "直播课弹出游戏广告，孩子无法上课。", "parent", "zh", "127.0.0.8"
        ),
        [],
    )
    db.session.commit()
    assert client.get(f"/open311/v2/requests/{tip.id}.json").status_code == 404
    assert client.get(f"/open311/v2/requests/{tip.id}.json?api_key={key}").status_code == 404
    assert client.get(f"/open311/v2/requests.json?service_request_id={tip.id}").get_json() == []


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_errors_are_written_as_the_specification_writes_them(client, key, fmt):
    # Bugs caught: an HTML error page (or problem details) where a GeoReport client expects its error list.
    def errors(response):
        if fmt == "json":
            return [(error["code"], error["description"]) for error in response.get_json()]
        root = xml(response)
        assert root.tag == "errors"
        return [(int(e.findtext("code")), e.findtext("description")) for e in root.findall("error")]

    no_key = client.post(f"/open311/v2/requests.{fmt}", data=REQUEST)
    assert no_key.status_code == 401 and errors(no_key)[0][0] == 401
    short = client.post(f"/open311/v2/requests.{fmt}", data={**REQUEST, "description": "短", "api_key": key})
    assert short.status_code == 400
    assert any(text.startswith("description:") for _code, text in errors(short))
    no_platform = {k: v for k, v in REQUEST.items() if k != "attribute[platform]"}
    missing = client.post(f"/open311/v2/requests.{fmt}", data={**no_platform, "api_key": key})
    assert any(text.startswith("attribute[platform]:") for _code, text in errors(missing))
    unknown = client.get(f"/open311/v2/services/nothing.{fmt}")
    assert unknown.status_code == 404 and errors(unknown)[0][0] == 404
    nowhere = client.get(f"/open311/v2/nowhere.{fmt}")
    assert nowhere.status_code == 404 and errors(nowhere)[0][0] == 404
    assert client.get("/open311/v2/services.html").status_code == 404


def test_a_georeport_client_written_by_others_lists_defines_and_reads_back(client, key, live_server):
    # Bugs caught: anything a real client trips on (paths, formats, element names) that our own tests share.
    filed = client.post("/open311/v2/requests.json", data={**REQUEST, "api_key": key}).get_json()[0]
    for fmt in ("json", "xml"):
        georeport = GeoReport(f"{live_server}/open311/v2", output_format=fmt)
        services = georeport.get_service_list()
        assert {service["service_code"] for service in services} == set(catalog.CATEGORIES)
        definition = georeport.get_service_definition("teachers")
        assert definition["service_code"] == "teachers"
        back = georeport.get_service_request(filed["service_request_id"])
        assert back["service_request_id"] == filed["service_request_id"] and back["status"] == "open"


def test_hostile_values_in_every_field_never_cause_a_server_error(client, key):
    # Bugs caught: an attribute, date or number the report form never sees (seen_at, platform_id, ids in the
    # query) reaching the database raw: NUL bytes, year 1, huge numbers, as a 500.
    from tests.test_hostile_routes import HOSTILE

    fields = [*REQUEST, "attribute[platform_id]", "attribute[seen_at]", "attribute[url]", "phone", "first_name"]
    for name in fields:
        for value in HOSTILE.values():
            answer = client.post("/open311/v2/requests.json", data={**REQUEST, "api_key": key, name: value})
            assert answer.status_code < 500, (name, value)
    for value in HOSTILE.values():
        for query in ("service_request_id", "service_code", "status", "start_date", "end_date"):
            answer = client.get("/open311/v2/requests.json", query_string={"api_key": key, query: value})
            assert answer.status_code < 500, (query, value)
        assert client.get("/open311/v2/requests/1.json", query_string={"api_key": value}).status_code < 500
