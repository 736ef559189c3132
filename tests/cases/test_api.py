"""Staff keys: the queue and the cases of the key's owner, exactly as their pages show them; a note and an
action through the same rules."""

import re

from sqlalchemy import select

from cases.actions.models import Action
from cases.models import CaseNote
from tests.cases.conftest import BEIJING, HAIDIAN
from tipline.api.tokens import create_token
from tipline.extensions import db

SHANGHAI = "310104"


def key(user, scopes=("cases:read", "cases:write")):
    _token, secret = create_token(user, "区县系统", list(scopes))
    db.session.commit()
    return {"Authorization": f"Bearer {secret}", "Accept-Language": "en"}


def queue_page_ids(client, query=""):
    """The case numbers the queue page lists for its signed-in user."""
    page = client.get(f"/staff/?{query}").get_data(as_text=True)
    return {int(found) for found in re.findall(r'href="/staff/cases/(\d+)"', page)}


def test_a_staff_key_sees_exactly_the_queue_of_its_owner(
    app, client, make_platform, file_tip, make_staff, staff_client
):
    # Bugs caught: the API listing every case (visible_cases not applied), or a sibling region's case
    # (Shanghai for a Haidian officer) readable by its number.
    haidian, chaoyang = make_platform(region_code=HAIDIAN), make_platform(region_code="110105")
    shanghai = make_platform(region_code=SHANGHAI)
    game_ads, teachers = file_tip(haidian).case_id, file_tip(haidian, category="teachers").case_id
    in_chaoyang, in_shanghai = file_tip(chaoyang).case_id, file_tip(shanghai).case_id
    officer = make_staff("officer", "cyberspace", HAIDIAN)
    headers = key(officer)
    listed = client.get("/api/v1/cases", headers=headers).get_json()
    assert {item["id"] for item in listed["items"]} == {game_ads, teachers} == queue_page_ids(staff_client(officer))
    assert listed["total"] == 2
    for case_id in (in_chaoyang, in_shanghai):
        assert client.get(f"/api/v1/cases/{case_id}", headers=headers).status_code == 404
    # A Beijing supervisor's queue, filtered: Haidian's and Chaoyang's game ads, never Shanghai's.
    supervisor = make_staff("supervisor", "cyberspace", BEIJING)
    wider = client.get("/api/v1/cases?category=game_ads", headers=key(supervisor)).get_json()
    seen = queue_page_ids(staff_client(supervisor), "category=game_ads")
    assert {item["id"] for item in wider["items"]} == seen == {game_ads, in_chaoyang}


def test_a_case_reads_with_its_tips_but_never_a_reporters_contact(client, make_platform, file_tip, make_staff):
    # Bugs caught: contact details (encrypted, shown on the pages only with a logged view) leaking into the API.
    tip = file_tip(make_platform(region_code=HAIDIAN), contact={"name": "王女士", "email": "wang@example.com"})
    case = client.get(f"/api/v1/cases/{tip.case_id}", headers=key(make_staff("officer", "cyberspace", HAIDIAN)))
    assert case.status_code == 200
    body = case.get_data(as_text=True)
    assert case.get_json()["tips"][0]["id"] == tip.id
    assert "wang@example.com" not in body and "王女士" not in body and "contact" not in body


def test_a_note_and_an_action_go_through_the_pages_rules(client, make_platform, file_tip, make_staff):
    # Bugs caught: an intake clerk proposing an action through the API when the page refuses them; an empty
    # note taken; a read-only key writing.
    tip = file_tip(make_platform(region_code=HAIDIAN))
    officer = make_staff("officer", "cyberspace", HAIDIAN)
    headers = key(officer)
    empty = client.post(f"/api/v1/cases/{tip.case_id}/notes", json={"body": "   "}, headers=headers)
    assert empty.status_code == 422 and empty.get_json()["errors"][0]["pointer"] == "#/body"
    note = client.post(f"/api/v1/cases/{tip.case_id}/notes", json={"body": "已联系平台核实。"}, headers=headers)
    assert note.status_code == 201 and note.get_json()["author"] == officer.display_name
    assert db.session.scalars(select(CaseNote.body)).all() == ["已联系平台核实。"]

    action = {
        "type": "interview",
        "legal_basis": "《未成年人保护法》第七十四条",
        "public_reason": "课程页面推送网络游戏广告。",
    }
    proposed = client.post(f"/api/v1/cases/{tip.case_id}/actions", json=action, headers=headers)
    assert proposed.status_code == 201 and proposed.get_json()["state"] == "proposed"
    intake = make_staff("intake", "cyberspace", BEIJING)
    refused = client.post(f"/api/v1/cases/{tip.case_id}/actions", json=action, headers=key(intake))
    assert refused.status_code == 403
    reader = key(officer, scopes=("cases:read",))
    assert client.post(f"/api/v1/cases/{tip.case_id}/notes", json={"body": "x"}, headers=reader).status_code == 403
    assert len(db.session.scalars(select(Action)).all()) == 1


def test_an_organisation_key_reads_no_case(client, make_platform, file_tip):
    from tests.organisations.helpers import make_org

    tip = file_tip(make_platform(region_code=HAIDIAN))
    member = make_org().members[0]
    _token, secret = create_token(member, "学校", ["tips:read"], operator=True)
    db.session.commit()
    answer = client.get(f"/api/v1/cases/{tip.case_id}", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 403


def test_a_signed_in_staff_session_is_not_a_key(staff_client, make_staff):
    # Bugs caught: the API taking the staff session cookie, so that a page of another site could make a
    # signed-in officer's browser write to cases (the API has no CSRF token).
    client = staff_client(make_staff("officer", "cyberspace", HAIDIAN))
    assert client.get("/api/v1/cases").status_code == 401
    assert client.post("/api/v1/cases/1/notes", json={"body": "x"}).status_code == 401
