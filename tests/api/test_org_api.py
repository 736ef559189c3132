"""An organisation's key: file a report with evidence, list and read its reports, add to one; the same key
and body twice file once."""

import io
import threading

from sqlalchemy import func, select

from tests.organisations.helpers import add_member, make_org
from tests.tipline.images import png_image
from tipline.api.tokens import create_token
from tipline.evidence.models import Evidence
from tipline.extensions import db
from tipline.organisations.models import OrgTip
from tipline.reports.models import Tip

REPORT = {
    "platform_name": "云朵网课",
    "category": "game_ads",
    "location": "popup",
    "description": "作业批改页面弹出游戏充值广告，点开直接进入支付页面。",
}


def key_of(member, scopes=("tips:read", "tips:write")):
    _token, key = create_token(member, "学校系统", list(scopes), operator=True)
    db.session.commit()
    return {"Authorization": f"Bearer {key}", "Accept-Language": "en"}


def admin_of(organisation):
    return organisation.members[0]


def test_a_report_with_a_photo_is_filed_into_the_list_and_read_back(client, app):
    # Bugs caught: the tip not in the organisation's list, the file not kept, the reporter type not the
    # organisation's kind, a Location that does not lead to the tip.
    organisation = make_org()
    headers = key_of(admin_of(organisation))
    data = {**REPORT, "evidence": [(io.BytesIO(png_image()), "截图.png")]}
    answer = client.post("/api/v1/tips", data=data, headers=headers, content_type="multipart/form-data")
    assert answer.status_code == 201, answer.get_json()
    tip = answer.get_json()
    assert tip["reporter_type"] == "parent_committee" and tip["status"] == "received"
    assert [file["name"] for file in tip["history"][0]["files"]] == ["截图.png"]
    assert db.session.get(OrgTip, (organisation.id, tip["id"])).added_by_id == admin_of(organisation).id
    assert client.get(answer.headers["Location"], headers=headers).get_json()["id"] == tip["id"]
    listed = client.get("/api/v1/tips?category=game_ads", headers=headers).get_json()
    assert [item["id"] for item in listed["items"]] == [tip["id"]] and listed["total"] == 1


def test_the_report_forms_rules_hold_and_nothing_is_kept_when_one_field_is_wrong(client, app):
    # Bugs caught: the API taking a description the form refuses (a second, laxer rule), a refused request
    # that still leaves a tip or a file behind.
    headers = key_of(admin_of(make_org()))
    data = {**REPORT, "description": "太短", "evidence": [(io.BytesIO(png_image()), "a.png")]}
    answer = client.post("/api/v1/tips", data=data, headers=headers, content_type="multipart/form-data")
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
    assert answer.get_json()["errors"] == [
        {"pointer": "#/description", "detail": "Write between 10 and 5000 characters."}
    ]
    assert db.session.scalar(select(func.count()).select_from(Tip)) == 0
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0


def test_the_same_key_and_body_file_once_and_another_body_is_refused(client, app):
    # Bugs caught: a retry filing a second tip; a retry answered differently; a key reused for another report.
    headers = {**key_of(admin_of(make_org())), "Idempotency-Key": "batch-7-line-3"}
    first = client.post("/api/v1/tips", data=REPORT, headers=headers)
    again = client.post("/api/v1/tips", data=REPORT, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    other = client.post("/api/v1/tips", data={**REPORT, "location": "sidebar"}, headers=headers)
    assert other.status_code == 422 and other.get_json()["errors"][0]["parameter"] == "Idempotency-Key"
    assert db.session.scalar(select(func.count()).select_from(Tip)) == 1


def test_concurrent_retries_under_one_key_file_one_tip(app, backend):
    # Bugs caught: the key looked up before the insert with no unique index behind it, so that two retries
    # sent at once both file (the check-then-act race).
    headers = {**key_of(admin_of(make_org())), "Idempotency-Key": "same-moment"}
    answers, start = [], threading.Barrier(4)

    def send():
        own = app.test_client()
        start.wait()
        answers.append(own.post("/api/v1/tips", data=REPORT, headers=headers))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Tip)) == 1
    ok = [answer for answer in answers if answer.status_code == 201]
    assert ok and all(answer.get_json()["id"] == ok[0].get_json()["id"] for answer in ok)
    assert len(answers) == 4 and all(answer.status_code in (201, 409) for answer in answers)


def test_a_read_only_key_and_a_staff_key_cannot_file(client, app, make_staff):
    organisation = make_org()
    reader = key_of(admin_of(organisation), scopes=("tips:read",))
    refused = client.post("/api/v1/tips", data=REPORT, headers=reader)
    assert refused.status_code == 403 and "tips:write" in refused.get_json()["detail"]
    _token, staff_key = create_token(make_staff(), "staff", ["cases:read"])
    db.session.commit()
    staff = client.post("/api/v1/tips", data=REPORT, headers={"Authorization": f"Bearer {staff_key}"})
    assert staff.status_code == 403
    nobody = client.post("/api/v1/tips", data=REPORT)
    assert nobody.status_code == 401 and nobody.headers["WWW-Authenticate"].startswith("Bearer")
    assert db.session.scalar(select(func.count()).select_from(Tip)) == 0


def test_another_organisations_tip_is_not_found_and_cannot_be_added_to(client, app):
    # Bugs caught: reading or adding to a tip by its number alone, without the list of the key's organisation.
    ours, theirs = make_org(), make_org(name="朝阳学校", email="admin@chaoyang.example", code=None, school_name="朝阳")
    their_tip = client.post("/api/v1/tips", data=REPORT, headers=key_of(admin_of(theirs))).get_json()["id"]
    headers = key_of(admin_of(ours))
    assert client.get(f"/api/v1/tips/{their_tip}", headers=headers).status_code == 404
    added = client.post(f"/api/v1/tips/{their_tip}/additions", data={"text": "补充"}, headers=headers)
    assert added.status_code == 404


def test_a_member_answers_the_staff_for_the_organisation(client, app):
    organisation = make_org()
    member = add_member(organisation, "li@school.example")
    headers = key_of(member)
    tip_id = client.post("/api/v1/tips", data=REPORT, headers=headers).get_json()["id"]
    empty = client.post(f"/api/v1/tips/{tip_id}/additions", data={"text": "  "}, headers=headers)
    assert empty.status_code == 422
    answer = client.post(f"/api/v1/tips/{tip_id}/additions", data={"text": "广告在晚上八点出现。"}, headers=headers)
    assert answer.status_code == 201
    last = answer.get_json()["history"][-1]
    assert last["kind"] == "info_added" and last["organisation"] == organisation.name


def test_answers_kept_for_idempotency_keys_are_forgotten_after_a_day(client, app):
    # Bugs caught: answers (a report's text among them) kept for ever; a key never usable again.
    from datetime import timedelta

    from tipline.api.idempotency import KEPT_FOR, IdempotentRequest
    from tipline.privacy import purge_expired
    from tipline.timeutil import utcnow

    headers = {**key_of(admin_of(make_org())), "Idempotency-Key": "line-1"}
    assert client.post("/api/v1/tips", data=REPORT, headers=headers).status_code == 201
    assert purge_expired(utcnow()) >= 0 and db.session.scalars(select(IdempotentRequest)).all()
    purge_expired(utcnow() + KEPT_FOR + timedelta(minutes=1))
    db.session.commit()
    assert db.session.scalars(select(IdempotentRequest)).all() == []


def test_a_key_past_its_limit_is_told_when_to_come_back(client, app):
    # Bugs caught: the API's limit answered as an HTML page, or without Retry-After.
    app.config["API_KEY_LIMIT"] = "2 per minute"
    headers = key_of(admin_of(make_org()))
    answers = [client.get("/api/v1/tips", headers=headers) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert answers[-1].mimetype == "application/problem+json" and int(answers[-1].headers["Retry-After"]) > 0
