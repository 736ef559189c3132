"""Following a tip with its receipt code: look-up, same answer for wrong and unknown codes, rate limit, additions."""

import hashlib
import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from tests.conftest import csrf_token
from tests.tipline import images
from tipline.evidence.models import Evidence
from tipline.extensions import db
from tipline.reports.models import Tip, TipEvent
from tipline.reports.receipt import new_receipt_code
from tipline.reports.service import TipSubmission, submit_tip
from tipline.timeutil import utcnow
from tipline.tracking.sessions import TrackingSession


def look_up(client, code):
    return client.post("/track", data={"csrf_token": csrf_token(client, "/track"), "code": code})


def test_code_opens_the_tip(client, tip_and_code):
    tip, code = tip_and_code
    response = look_up(client, code.lower().replace("-", " "))
    assert response.status_code == 302 and response.headers["Location"].endswith("/track/tip")
    page = client.get("/track/tip", headers={"Accept-Language": "zh-CN"})
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "已受理" in body
    assert "直播课老师没有教师资格证" in body


def test_status_is_shown_in_the_readers_language(client, tip_and_code):
    look_up(client, tip_and_code[1])
    body = client.get("/track/tip", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Received" in body and "已受理" not in body


def test_wrong_code_and_unknown_code_get_the_same_answer(client, tip_and_code):
    tip, code = tip_and_code
    # One symbol changed: a code that looks right but opens nothing.
    last = "0" if code[-1] != "0" else "1"
    wrong = look_up(client, code[:-1] + last)
    unknown = look_up(client, new_receipt_code())
    assert wrong.status_code == unknown.status_code == 404
    strip = lambda r: r.get_data(as_text=True).split('name="csrf_token"')[0]  # noqa: E731
    assert strip(wrong) == strip(unknown)


@pytest.mark.parametrize("bad", ["", "x" * 65, "<script>", "'; DROP TABLE tip; --", "\x00" * 24])
def test_malformed_code_is_refused_before_lookup(client, tip_and_code, bad):
    response = look_up(client, bad)
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(Tip.id))) == 1


def test_repeated_failures_are_refused(client, app, tip_and_code):
    app.config["TRACK_LOOKUP_LIMIT"] = "3 per 10 minutes"
    statuses = [look_up(client, new_receipt_code()).status_code for _ in range(4)]
    assert statuses == [404, 404, 404, 429]
    # Even the right code is refused while the client is blocked.
    assert look_up(client, tip_and_code[1]).status_code == 429


def test_quick_repeated_attempts_are_slowed(client, app, tip_and_code):
    app.config["TRACK_LOOKUP_LIMIT"] = "1 per 2 seconds"
    assert look_up(client, new_receipt_code()).status_code == 404
    refused = look_up(client, new_receipt_code())
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) <= 2


def test_tip_page_needs_a_lookup_first(client, tip_and_code):
    response = client.get("/track/tip")
    assert response.status_code == 302 and response.headers["Location"].endswith("/track")


def add(client, text="", files=()):
    data = {"csrf_token": csrf_token(client, "/track/tip"), "text": text}
    data["evidence"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post("/track/tip", data=data, content_type="multipart/form-data")


def test_reporter_adds_information_and_evidence(client, tip_and_code, app):
    tip, code = tip_and_code
    look_up(client, code)
    response = add(client, "老师的名字是张某，课程编号 A-102。", [("screen.jpg", images.photo_with_gps())])
    assert response.status_code == 302
    events = db.session.scalars(select(TipEvent).where(TipEvent.tip_id == tip.id).order_by(TipEvent.id)).all()
    assert [e.kind for e in events] == ["submitted", "info_added"]
    assert db.session.get(Tip, tip.id).description == "直播课老师没有教师资格证，还在课上骂学生。"
    evidence = db.session.scalars(select(Evidence)).one()
    assert evidence.event_id == events[1].id and evidence.state == "ready"
    body = client.get("/track/tip").get_data(as_text=True)
    assert "课程编号 A-102" in body and "screen.jpg" in body


def test_empty_addition_is_refused(client, tip_and_code):
    look_up(client, tip_and_code[1])
    response = add(client, "   ")
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(TipEvent.id))) == 1


def test_bad_file_in_addition_keeps_the_text(client, tip_and_code):
    look_up(client, tip_and_code[1])
    response = add(client, "补充说明文字", [("x.png", b"GIF89a but not really")])
    assert response.status_code == 400
    assert "补充说明文字" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(TipEvent.id))) == 1


def test_leaving_closes_the_tip_on_this_device(client, tip_and_code):
    look_up(client, tip_and_code[1])
    client.post("/track/leave", data={"csrf_token": csrf_token(client, "/track/tip")})
    assert client.get("/track/tip").status_code == 302


def test_a_saved_cookie_opens_nothing_after_leaving(client, tip_and_code):
    """Catches: "close on this device" that only drops the cookie (a copy of it still opens the tip)."""
    tip, code = tip_and_code
    look_up(client, code)
    token = csrf_token(client, "/track/tip")  # the attacker also kept a form of the tip page
    saved = client.get_cookie("session").value
    client.post("/track/leave", data={"csrf_token": token})
    assert db.session.scalar(select(func.count()).select_from(TrackingSession)) == 0

    client.set_cookie("session", saved)
    assert client.get("/track/tip").status_code == 302
    response = client.post("/track/tip", data={"csrf_token": token, "text": "冒充举报人的补充"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/track")
    assert db.session.scalar(select(func.count(TipEvent.id)).where(TipEvent.tip_id == tip.id)) == 1


def test_a_new_look_up_or_a_staff_sign_in_ends_the_tracking_it_replaces(app, client, tip_and_code, make_staff):
    """Catches: a new look-up or a staff sign-in that only clears the cookie, leaving the old tracking
    session live on the server (a saved copy of the cookie would still open the tip)."""
    from tests.cases.conftest import sign_in

    tip, code = tip_and_code
    for move_on in (lambda: look_up(client, code), lambda: sign_in(client, make_staff())):
        look_up(client, code)
        saved = client.get_cookie("session").value
        move_on()
        assert db.session.scalar(select(func.count()).select_from(TrackingSession)) <= 1
        client.set_cookie("session", saved)
        assert client.get("/track/tip").status_code == 302  # the replaced session opens nothing


def test_a_tracking_session_ends_after_its_lifetime(client, tip_and_code):
    """Catches: a tracking session with no end on the server (a stolen cookie works for ever)."""
    look_up(client, tip_and_code[1])
    assert client.get("/track/tip").status_code == 200
    db.session.execute(update(TrackingSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert client.get("/track/tip").status_code == 302


def test_the_cookie_holds_a_token_the_database_keeps_only_hashed(client, tip_and_code):
    """Catches: the tracking cookie carrying what opens the tip (the code's digest) rather than a random token."""
    tip, code = tip_and_code
    look_up(client, code)
    with client.session_transaction() as session:
        token = session["tracked_tip"]
    row = db.session.scalars(select(TrackingSession)).one()
    assert token != tip.receipt_digest and row.tip_id == tip.id
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()


def test_another_reporter_cannot_see_the_tip(app, client, tip_and_code):
    look_up(client, tip_and_code[1])
    assert client.get("/track/tip").status_code == 200
    other = app.test_client()
    assert other.get("/track/tip").status_code == 302


def test_a_forged_session_opens_nothing(client, tip_and_code):
    for forged in (1, True, "1", "0" * 64, ["x"], {"a": 1}, 10**30):
        with client.session_transaction() as session:
            session["tracked_tip"] = forged
        assert client.get("/track/tip").status_code == 302, forged


def test_additions_are_rate_limited(client, app, tip_and_code):
    app.config["TRACK_ADD_LIMIT"] = "2 per hour"
    look_up(client, tip_and_code[1])
    assert [add(client, f"补充第{i}条").status_code for i in range(3)] == [302, 302, 429]


def test_additions_are_counted_per_report_not_per_address(client, app, tip_and_code):
    """Catches: additions limited per address, so one parent's additions use up the school's."""
    app.config["TRACK_ADD_LIMIT"] = "2 per hour"
    look_up(client, tip_and_code[1])
    assert [add(client, f"补充第{i}条").status_code for i in range(3)] == [302, 302, 429]
    other_tip, other_code = submit_tip(
        TipSubmission(
            platform_name="云朵网课",
            category="game_ads",
            location="popup",
            description="另一位家长：课上弹出游戏广告。",
            reporter_type="parent",
            locale="zh",
            client="127.0.0.1",
        ),
        [],
    )
    db.session.commit()
    neighbour = app.test_client()  # the same address
    look_up(neighbour, other_code)
    assert add(neighbour, "她的补充").status_code == 302
    limited = add(client, "再补充一条，必须保留")
    assert limited.status_code == 429 and "再补充一条，必须保留" in limited.get_data(as_text=True)
