"""The public report form: a good report, and every kind of bad input answered with a 4xx that keeps the input."""

import io
import re

import pytest
from PIL import Image
from sqlalchemy import func, select

from tests.conftest import csrf_token
from tests.tipline import images
from tipline.crypto import decrypt_contact
from tipline.evidence.models import READY, Evidence
from tipline.extensions import db
from tipline.jobs.models import DONE, OutboxJob
from tipline.reports.handover import ReceiptHandover, token_hash
from tipline.reports.models import Tip
from tipline.reports.receipt import normalize_receipt_code

CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CODE = re.compile(r'data-testid="receipt-code">([0-9A-Z<>wbr-]+)</code>')


def report_data(client, **overrides):
    data = {
        "csrf_token": csrf_token(client, "/report"),
        "platform_id": "",
        "platform_name": "星火学堂",
        "category": "game_ads",
        "location": "popup",
        "description": "数学直播课中反复弹出游戏广告，孩子无法专心上课。",
        "url": "https://xinghuo.example/live/1",
        "seen_at": "2026-11-20T19:30",
        "reporter_type": "parent",
        "contact_name": "",
        "contact_email": "",
        "contact_phone": "",
        "submit": "1",
    }
    data.update(overrides)
    return data


def post_report(client, files=(), **overrides):
    """Send the report form; a success is followed to the receipt page, as a browser does."""
    data = report_data(client, **overrides)
    data["evidence"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post("/report", data=data, content_type="multipart/form-data", follow_redirects=True)


def tip_count():
    return db.session.scalar(select(func.count(Tip.id)))


def test_report_with_photo_gives_receipt_and_strips_gps(client, make_platform, app):
    platform = make_platform(name="星火学堂")
    response = post_report(client, files=[("photo.jpg", images.photo_with_gps())], platform_id=str(platform.id))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    code = CODE.search(response.get_data(as_text=True)).group(1).replace("<wbr>", "")
    normalize_receipt_code(code)
    tip = db.session.scalars(select(Tip)).one()
    assert tip.platform_id == platform.id
    assert code.replace("-", "") not in tip.receipt_digest
    evidence = db.session.scalars(select(Evidence)).one()
    assert evidence.state == READY and evidence.thumbnail_key
    stored = app.extensions["tipline_storage"].read(evidence.storage_key)
    assert not Image.open(io.BytesIO(stored)).getexif().get_ifd(images.GPS_IFD)
    assert db.session.scalars(select(OutboxJob.state)).all() == [DONE, DONE]  # check; upload discarded


def test_receipt_page_identifies_nothing_but_the_code(client):
    response = post_report(client, contact_name="王小明", contact_email="wang@example.com")
    body = response.get_data(as_text=True)
    assert "王小明" not in body and "wang@example.com" not in body
    assert "数学直播课" not in body


def test_contact_details_are_encrypted_at_rest(client):
    post_report(client, contact_name="王小明", contact_email="wang@example.com", contact_phone="13800000000")
    tip = db.session.scalars(select(Tip)).one()
    assert "wang@example.com" not in tip.contact_encrypted
    assert decrypt_contact(tip.contact_encrypted) == {
        "name": "王小明",
        "email": "wang@example.com",
        "phone": "13800000000",
    }
    assert not tip.is_anonymous


def test_anonymous_report_keeps_no_contact(client):
    post_report(client)
    assert db.session.scalars(select(Tip)).one().contact_encrypted is None


def test_new_platform_by_name(client, make_platform):
    make_platform(name="星火学堂")
    post_report(client, platform_name="没听说过的网课App")
    tip = db.session.scalars(select(Tip)).one()
    assert tip.platform_id is None and tip.platform_name == "没听说过的网课App"


def test_exact_name_matches_registry_without_javascript(client, make_platform):
    platform = make_platform(name="星火学堂", name_en="Xinghuo Academy")
    post_report(client, platform_name="xinghuo academy")
    assert db.session.scalars(select(Tip)).one().platform_id == platform.id


def test_search_button_lists_matches_without_validating(client, make_platform):
    make_platform(name="星火学堂", name_en="Xinghuo Academy")
    make_platform(name="星球地理", name_en="Planet Geography")
    data = report_data(client, platform_name="星", description="", find_platform="1")
    del data["submit"]
    response = client.post("/report", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.count('type="radio" name="platform_id"') == 3  # two matches and "none of these"
    assert 'value="" checked' in body  # two to choose from: nothing is chosen for the reporter
    assert "error-summary" not in body
    assert tip_count() == 0


def test_the_one_platform_the_search_finds_is_chosen_without_javascript(client, make_platform):
    # Bug caught: "none of these" preselected when exactly one platform matches.
    platform = make_platform(name="星火学堂", name_en="Xinghuo Academy")
    data = report_data(client, platform_name="星火", description="", find_platform="1")
    del data["submit"]
    body = client.post("/report", data=data).get_data(as_text=True)
    assert f'value="{platform.id}" checked' in body and 'value="" checked' not in body


@pytest.mark.parametrize(
    "field, value",
    [
        ("description", "短"),
        ("description", "x" * 5001),
        ("category", "not-a-category"),
        ("location", ""),
        ("platform_name", ""),
        ("url", "javascript:alert(1)"),
        ("url", "http://[::1"),
        ("seen_at", "2099-01-01T00:00"),
        ("seen_at", "yesterday"),
        ("contact_email", "not an email"),
        ("contact_phone", "call me maybe"),
        ("platform_id", "1 OR 1=1"),
        ("platform_id", "99999999999"),
        ("platform_id", "١٢٣"),
        ("description", "正常的描述文字\x00后面有空字符"),
        ("description", "编码坏了\ufffd\ufffd的文字内容"),
    ],
)
def test_bad_input_is_refused_and_kept(client, field, value):
    response = post_report(client, **{field: value, "contact_name": "<b>王</b>"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'role="alert"' in body
    assert "&lt;b&gt;王&lt;/b&gt;" in body  # what was typed comes back, escaped
    assert "数学直播课中反复弹出游戏广告" in body or field == "description"
    assert tip_count() == 0


def test_scripts_in_every_field_are_stored_as_text_and_shown_escaped(client, make_platform):
    script = "<script>alert('x')</script>"
    make_platform(name=script + "平台")
    fields = dict(platform_name=script, description=script + " 描述内容足够长", contact_name=script)
    asked = post_report(client, **fields)  # "did you mean" the registry's platform?
    assert tip_count() == 0
    response = post_report(client, platform_checked=script, **fields)  # no: file it as typed
    assert response.status_code == 200
    tip = db.session.scalars(select(Tip)).one()
    assert tip.platform_name == script
    code = CODE.search(response.get_data(as_text=True)).group(1).replace("<wbr>", "")
    client.post("/track", data={"csrf_token": csrf_token(client, "/track"), "code": code})
    for page in (
        asked,
        client.get("/track/tip"),
        client.post("/report", data=report_data(client, find_platform="1", platform_name="script")),
    ):
        body = page.get_data(as_text=True)
        assert "<script>alert" not in body and "&lt;script&gt;alert" in body


def test_missing_csrf_token_keeps_the_input(client):
    data = report_data(client, description="这段描述在表单过期后也应保留下来。")
    del data["csrf_token"]
    response = client.post("/report", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "这段描述在表单过期后也应保留下来。" in body
    assert tip_count() == 0


def test_wrong_file_type_is_refused_with_the_rest_kept(client):
    response = post_report(client, files=[("virus.jpg", b"MZ\x90\x00not really a picture")])
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "virus.jpg" in body
    assert "数学直播课中反复弹出游戏广告" in body
    assert tip_count() == 0


def test_too_many_files_are_refused(client, app):
    files = [(f"p{i}.png", images.png_image()) for i in range(app.config["EVIDENCE_MAX_FILES"] + 1)]
    response = post_report(client, files=files)
    assert response.status_code == 400
    assert tip_count() == 0


def test_oversize_file_is_refused(client, app):
    app.config["EVIDENCE_MAX_FILE_BYTES"] = 1000
    response = post_report(client, files=[("big.pdf", images.PDF + b" " * 2000)])
    assert response.status_code == 400
    assert "big.pdf" in response.get_data(as_text=True)
    assert tip_count() == 0


def test_request_over_the_hard_limit_gets_413_page(client, app):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    response = post_report(client, files=[("big.pdf", images.PDF + b" " * 20_000)])
    assert response.status_code == 413
    assert "<html" in response.get_data(as_text=True)


def test_decompression_bomb_upload_is_refused(client):
    response = post_report(client, files=[("bomb.png", images.decompression_bomb())])
    assert response.status_code == 400
    assert tip_count() == 0


def test_platform_prefilled_from_platform_page(client, make_platform):
    platform = make_platform(name="星火学堂")
    body = client.get(f"/report?platform={platform.id}").get_data(as_text=True)
    assert f'value="{platform.id}"' in body and 'value="星火学堂"' in body
    assert client.get("/report?platform=99999999999999999999").status_code == 200


def test_submissions_are_rate_limited(client, app):
    app.config["REPORT_SUBMIT_LIMIT"] = "2 per hour"
    assert post_report(client).status_code == 200
    assert post_report(client, description="短").status_code == 400  # failed attempts count too
    assert post_report(client).status_code == 429
    assert tip_count() == 1
    # The no-script registry search is not a submission: it counts against its own limit (test_report_limits.py).
    data = report_data(client, find_platform="1")
    del data["submit"]
    assert client.post("/report", data=data).status_code == 200


def test_a_receipt_reload_sends_nothing_again(client):
    response = post_report(client)
    assert response.status_code == 200 and CODE.search(response.get_data(as_text=True))
    again = client.get("/report/receipt")
    assert again.status_code == 200 and CODE.search(again.get_data(as_text=True))
    assert tip_count() == 1


def test_receipt_code_waits_encrypted_on_the_server(client):
    """Catches: the code (even encrypted) travelling in the cookie, where a saved copy keeps it."""
    data = report_data(client)
    response = client.post("/report", data=data)
    assert response.status_code == 303 and response.headers["Location"].endswith("/report/receipt")
    with client.session_transaction() as session:
        token = session["receipt_handover"]
    waiting = db.session.execute(select(ReceiptHandover.token_hash, ReceiptHandover.code_encrypted)).one()
    assert waiting.token_hash == token_hash(token) and token not in waiting.token_hash
    code = CODE.search(client.get("/report/receipt").get_data(as_text=True)).group(1).replace("<wbr>", "")
    assert code not in token and code.replace("-", "") not in waiting.code_encrypted
    assert len(db.session.scalars(select(ReceiptHandover)).all()) == 1  # kept until the reporter lets it go


@pytest.mark.parametrize(
    "body, content_type",
    [
        (b"[1]", "application/json"),
        (b'{"description": 1, "platform_name": ["x"]}', "application/json"),
        (b"\xff\xfe", "application/x-www-form-urlencoded"),
    ],
)
def test_odd_bodies_are_refused_without_error(client, body, content_type):
    response = client.post("/report", data=body, content_type=content_type)
    assert 400 <= response.status_code < 500
    assert tip_count() == 0


def test_files_in_text_fields_and_text_in_the_file_field_are_ignored(client):
    data = report_data(client)
    data["description"] = (io.BytesIO(images.png_image()), "x.png")
    response = client.post("/report", data=data, content_type="multipart/form-data")
    assert response.status_code == 400  # the description is missing, not a crash
    data = report_data(client, evidence="just some text")
    response = client.post("/report", data=data, follow_redirects=True)
    assert response.status_code == 200 and tip_count() == 1


def test_https_behind_a_proxy_accepts_the_form(app):
    app.config["TRUSTED_PROXIES"] = 1
    from werkzeug.middleware.proxy_fix import ProxyFix

    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)
    client = app.test_client()
    headers = {"X-Forwarded-Proto": "https"}
    token = CSRF_FIELD.search(client.get("/report", headers=headers).get_data(as_text=True)).group(1)
    data = report_data(client, csrf_token=token)
    response = client.post("/report", data=data, headers=headers)  # no Referer, as browsers send with HTTPS
    assert response.status_code == 303
    assert tip_count() == 1


def test_a_form_sent_from_another_site_is_refused(client):
    data = report_data(client)
    response = client.post("/report", data=data, headers={"Origin": "https://evil.example"})
    assert response.status_code == 400
    assert "数学直播课中反复弹出游戏广告" in response.get_data(as_text=True)  # shown back, not acted on
    assert tip_count() == 0


def test_file_errors_use_the_colon_of_the_page_language(client):
    # Bug caught: "virus.jpg: …" with a Latin colon in a Chinese sentence, unlike the size error's "big.jpg：…".
    zh = post_report(client, files=[("virus.jpg", b"MZ\x90\x00not really a picture")]).get_data(as_text=True)
    assert "virus.jpg：" in zh and "virus.jpg:" not in zh
    client.set_cookie("lang", "en")
    en = post_report(client, files=[("virus.jpg", b"MZ\x90\x00not really a picture")]).get_data(as_text=True)
    assert "virus.jpg: This file is not an accepted type" in en


def test_full_width_phone_numbers_are_taken_as_typed_on_a_chinese_keyboard(client):
    from tipline.crypto import decrypt_contact

    response = post_report(client, contact_phone="（０２１）１２３４－５６７８")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    tip = db.session.scalars(select(Tip)).one()
    assert decrypt_contact(tip.contact_encrypted)["phone"] == "(021)1234-5678"


def test_a_typed_name_matching_the_registry_is_asked_about_before_filing(client, make_platform):
    """Catches: "星火" filed as a new platform apart from the case on 星火学堂 (no "did you mean")."""
    platform = make_platform(name="星火学堂", name_en="Spark Academy")
    asked = post_report(client, platform_name="星火")
    body = asked.get_data(as_text=True)
    assert asked.status_code == 200 and tip_count() == 0
    assert "您指的是平台库中的以下平台之一吗？" in body and "星火学堂" in body
    assert f'name="platform_id" value="{platform.id}" checked' in body  # the one match, preselected
    assert 'name="platform_checked" type="hidden" value="星火"' in body

    chosen = post_report(client, platform_name="星火", platform_id=str(platform.id), platform_checked="星火")
    assert chosen.status_code == 200 and tip_count() == 1
    assert db.session.scalars(select(Tip)).one().platform_id == platform.id


def test_choosing_none_of_the_matches_files_under_the_typed_name(client, make_platform):
    """Catches: a reporter who said "none of these" asked again and again, never able to send."""
    make_platform(name="星火学堂")
    post_report(client, platform_name="星火")
    sent = post_report(client, platform_name="星火", platform_checked="星火")
    assert sent.status_code == 200 and tip_count() == 1
    tip = db.session.scalars(select(Tip)).one()
    assert tip.platform_id is None and tip.platform_name == "星火"
    # A different name is a new question.
    post_report(client, platform_name="星火学", platform_checked="星火")
    assert tip_count() == 1


def test_a_web_address_matching_the_registry_is_asked_about_too(client, make_platform):
    """Catches: the question asked on the name only, when the address names the platform."""
    make_platform(name="蓝鲸课堂", addresses=["https://www.lanjing-ketang.example"])
    asked = post_report(client, platform_name="那个网课", url="https://lanjing-ketang.example/live/9")
    assert tip_count() == 0 and "蓝鲸课堂" in asked.get_data(as_text=True)


def test_an_exact_registry_name_is_filed_without_asking(client, make_platform):
    """Catches: the question asked when the typed name already is one platform's name."""
    platform = make_platform(name="星火学堂")
    post_report(client, platform_name="星火学堂")
    assert db.session.scalars(select(Tip)).one().platform_id == platform.id


def test_the_form_is_never_cached(client):
    """Catches: Back on a shared device bringing another person's report text back from the cache."""
    assert client.get("/report").headers["Cache-Control"] == "no-store"
    assert post_report(client, description="短").headers["Cache-Control"] == "no-store"
