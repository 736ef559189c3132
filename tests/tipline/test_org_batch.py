"""Batches at /org/batch: a CSV file of tips checked whole, imported once by a job, followed in the list."""

import csv
import io
import re

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from tests.conftest import csrf_token
from tipline import catalog
from tipline.extensions import db
from tipline.jobs.models import OutboxJob
from tipline.jobs.runner import MAX_ATTEMPTS, run_outbox_job
from tipline.organisations import batch as batches
from tipline.organisations.models import DONE, FAILED, FILED, QUEUED, SUSPENDED, OrgBatch, OrgTip
from tipline.organisations.service import create_organisation
from tipline.reports import rules
from tipline.reports.models import Tip

PASSWORD = "seven maple lanterns drift"
CODES = ("91350100M000100Y43", "91110000802100433B")  # published codes with valid check characters
HAIDIAN = "110108"
EN = ["Platform", "Category", "Location", "Description", "URL", "Seen at"]
ZH = ["平台", "问题类型", "发现位置", "描述", "网址", "发现时间"]
LESSONS = ("数学", "英语", "物理", "化学", "语文", "生物", "地理", "历史")


def make_member(email="office@school.example", code=CODES[0], name="海淀实验小学"):
    """A verified school and its administrator (committed)."""
    organisation = create_organisation(
        name=name, kind="school", region_code=HAIDIAN, email=email, password=PASSWORD, credit_code=code, verified=True
    )
    db.session.commit()
    return organisation.members[0]


def sign_in(client, email="office@school.example"):
    token = csrf_token(client, "/org/login")
    response = client.post("/org/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]


@pytest.fixture
def member(app, client):
    """A school's administrator, signed in in `client`, which reads pages in English."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    found = make_member()
    sign_in(client)
    return found


def line(n, platform="云朵网课", category="game_ads", location="live", url="", seen_at="2026-09-01 19:30"):
    """A line of a file, with a description of its own (texts differ enough not to look like a flood)."""
    lesson = LESSONS[n % len(LESSONS)]
    text = f"{lesson}直播课第{n}讲中途弹出网络游戏广告，孩子点了以后跳到下载页面，老师也没有制止，编号{n * 7919}。"
    return [platform, category, location, text, url or f"https://yunduo.example/course/{n}", seen_at]


def csv_file(rows, header=EN, encoding="utf-8", newline="\n"):
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def send(client, data, filename="tips.csv"):
    token = csrf_token(client, "/org/batch")
    return client.post(
        "/org/batch",
        data={"csrf_token": token, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def count(column):
    db.session.expire_all()
    return db.session.scalar(select(func.count(column)))


def only_batch():
    db.session.expire_all()
    return db.session.scalars(select(OrgBatch)).one()


def error_lines(response):
    """The line numbers the error table of a refused file names, in order."""
    table = re.search(r'data-testid="batch-errors".*?</table>', response.get_data(as_text=True), re.S).group(0)
    return [int(n) for n in re.findall(r"<tr>\s*<td>(\d+)</td>", table)]


def test_a_valid_file_imports_every_line_into_the_list(client, member):
    """Catches: tips imported without their organisation, or no list row / line number for each."""
    response = send(client, csv_file([line(1), line(2, category="vulgar", location="popup"), line(3)]))
    assert response.status_code == 303
    batch = only_batch()
    assert response.headers["Location"].endswith(f"/org/batch/{batch.id}")
    assert (batch.state, batch.imported, batch.total, batch.filename) == (DONE, 3, 3, "tips.csv")
    tips = db.session.scalars(select(Tip).order_by(Tip.id)).all()
    assert [t.category for t in tips] == ["game_ads", "vulgar", "game_ads"]
    assert {(t.organisation_id, t.org_member_id, t.reporter_type) for t in tips} == {
        (member.organisation_id, member.id, "school")
    }
    assert all(t.case_id is not None and t.junk_status != "suspected" for t in tips)
    rows = db.session.scalars(select(OrgTip).order_by(OrgTip.batch_line)).all()
    assert [(r.batch_id, r.batch_line, r.source) for r in rows] == [(batch.id, n, FILED) for n in (2, 3, 4)]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 of 3 reports imported" in page and 'href="/org/"' in page and 'http-equiv="refresh"' not in page
    listed = client.get("/org/").get_data(as_text=True)
    assert "云朵网课" in listed


def test_one_bad_line_imports_nothing_and_names_the_line(client, member):
    """Catches: the good lines of a file with one bad line imported anyway."""
    response = send(client, csv_file([line(1), line(2), line(3, category="no such problem"), line(4)]))
    assert response.status_code == 400
    assert error_lines(response) == [4]
    assert "is not in the list on the upload page" in response.get_data(as_text=True)
    assert count(Tip.id) == count(OrgBatch.id) == count(OutboxJob.id) == 0


def test_every_bad_line_is_listed_with_its_line_number(client, member):
    """Catches: the check stopping at the first bad line, so a file is corrected one error at a time."""
    rows = [
        line(1),
        ["", "game_ads", "live", "太短", "https://a.example", ""],  # no platform, too short: two problems
        line(3),
        line(4, url="not a web address"),
        line(5, seen_at="2099-01-01 08:00"),
        line(6, location="nowhere"),
    ]
    response = send(client, csv_file(rows))
    assert response.status_code == 400
    assert error_lines(response) == [3, 3, 5, 6, 7]
    page = response.get_data(as_text=True)
    for message in ("Name the platform.", "Write between 10 and 5000 characters.", "http:// or https://", "future"):
        assert message in page
    assert count(Tip.id) == 0


def test_errors_are_listed_in_the_page_language(client, member):
    """Catches: errors of a file written in English whatever language the page speaks."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    response = send(client, csv_file([line(1, category="")]))
    assert response.status_code == 400
    with force_locale("zh_Hans"):
        expected = str(rules.checks(batches.BY_KEY["category"].field)[0].message)  # the report form's own words
    assert expected != "Choose the kind of problem."
    page = response.get_data(as_text=True)
    assert error_lines(response) == [2] and "问题类型" in page and expected in page


def test_a_gb18030_file_with_chinese_headers_and_labels_imports(client, member):
    """Catches: a file saved by a Chinese Excel (GB18030, Chinese headers and labels) refused or misread."""
    with force_locale("zh_Hans"):
        vulgar, popup = str(catalog.CATEGORIES["vulgar"]), str(catalog.LOCATIONS["popup"])
    rows = [line(1, category=vulgar, location=popup), line(2, category="Online game advertising", location="Live")]
    response = send(client, csv_file(rows, header=ZH, encoding="gb18030", newline="\r\n"), "举报.csv")
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    batch = only_batch()
    assert (batch.state, batch.imported, batch.filename) == (DONE, 2, "举报.csv")
    tips = db.session.scalars(select(Tip).order_by(Tip.id)).all()
    assert [(t.category, t.location) for t in tips] == [("vulgar", "popup"), ("game_ads", "live")]
    assert tips[0].description.startswith("英语直播课第1讲")


def test_the_same_reports_sent_twice_are_imported_once(client, member):
    """Catches: a file sent again (or re-encoded, with a BOM and Windows line ends) imported a second time."""
    rows = [line(1), line(2), line(3)]
    first = send(client, csv_file(rows))
    again = send(client, csv_file(rows))
    recoded = send(client, b"\xef\xbb\xbf" + csv_file([["", "", "", "", "", ""], *rows], newline="\r\n"), "again.csv")
    batch = only_batch()
    assert first.headers["Location"] == again.headers["Location"] == recoded.headers["Location"]
    assert again.status_code == recoded.status_code == 303
    assert "not imported twice" in client.get(again.headers["Location"]).get_data(as_text=True)
    gb = send(client, csv_file(rows, header=ZH, encoding="gb18030"))
    assert gb.headers["Location"] == first.headers["Location"]
    assert (count(Tip.id), count(OrgTip.tip_id), batch.imported) == (3, 3, 3)


def test_a_repeated_line_within_a_file_is_refused(client, member):
    """Catches: one report typed twice into the file going in as two tips."""
    response = send(client, csv_file([line(1), line(2), line(1)]))
    assert response.status_code == 400 and error_lines(response) == [4]
    assert "repeats line 2" in response.get_data(as_text=True)


def test_more_lines_than_a_batch_holds_are_refused(client, member, app):
    """Catches: the ORG_BATCH_MAX_ROWS limit not enforced (or off by one)."""
    most = app.config["ORG_BATCH_MAX_ROWS"]
    response = send(client, csv_file([line(n) for n in range(most + 1)]))
    assert response.status_code == 400
    assert f"at most {most}" in response.get_data(as_text=True)
    assert count(OrgBatch.id) == count(Tip.id) == 0


def test_an_empty_file_and_a_header_alone_are_refused(client, member):
    """Catches: an empty batch recorded as done with nothing in it."""
    for data in (b"", b"\r\n\r\n", csv_file([])):
        assert send(client, data).status_code == 400
    assert count(OrgBatch.id) == 0


@pytest.mark.parametrize(
    "data, message",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "not a CSV file"),
        (b"PK\x03\x04\x14\x00\x06\x00" + b"[Content_Types].xml", "Excel workbook"),
        ("平台,问题类型\n".encode("utf-16"), "UTF-16"),
        (b"Platform,Category\n\x81\x20\xff\xfe", "cannot be read"),
    ],
)
def test_a_file_that_is_no_csv_is_refused(client, member, data, message):
    """Catches: a binary file or an Excel workbook decoded as GB18030 noise and checked line by line."""
    response = send(client, data, "tips.csv")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(OrgBatch.id) == 0


def test_unknown_and_missing_columns_are_named(client, member):
    """Catches: a misspelt column silently dropped, so a whole file loses its URLs."""
    header = ["Platform", "Category", "Location", "Descriptoin", "URL", "Seen at"]
    response = send(client, csv_file([line(1)], header=header))
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Unknown column “Descriptoin”" in page and "missing" in page


def test_the_template_is_in_the_page_language_and_its_example_is_not_imported(client, member):
    """Catches: the template's example line imported as a real tip when the template is sent back unchanged."""
    english = client.get("/org/batch/template.csv")
    assert english.status_code == 200 and english.headers["Content-Type"].startswith("text/csv")
    assert english.data.decode("utf-8-sig").splitlines()[0] == ",".join(EN)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    chinese = client.get("/org/batch/template.csv").data
    assert chinese.decode("utf-8-sig").splitlines()[0] == ",".join(ZH)
    response = send(client, chinese)
    assert response.status_code == 400 and error_lines(response) == [2]
    filled = chinese.decode("utf-8-sig").replace("示例：", "").replace("请换成你们自己的举报。", "老师没有制止。")
    assert send(client, filled.encode("gb18030")).status_code == 303
    assert only_batch().state == DONE


def test_similar_lines_about_different_platforms_are_not_a_flood(client, member):
    """Catches: a batch's tips carrying one client, so a school's similar reports all land in the junk tray."""
    text = "直播课中途弹出网络游戏广告，孩子点了以后跳到游戏下载页面，老师也没有制止。"
    rows = [[f"平台{n}", "game_ads", "live", text, "", ""] for n in range(5)]
    rows += [["同一平台", "game_ads", "live", text + "第" + str(n) + "次。", "", ""] for n in range(4)]
    rows += [["空话平台", "other", "other", "。。。。。。。。。。。", "", ""]]
    assert send(client, csv_file(rows)).status_code == 303
    tips = db.session.scalars(select(Tip).order_by(Tip.id)).all()
    suspected = [(t.platform_name, tuple(t.junk_reasons or ())) for t in tips if t.junk_status == "suspected"]
    # The same text about one platform and problem a third time is a flood; empty text is junk anyway.
    assert suspected == [("同一平台", ("flood",)), ("同一平台", ("flood",)), ("空话平台", ("empty",))]


@pytest.fixture
def queued(app):
    """Jobs wait in the outbox (a queue that cannot be reached) and run when a test runs them."""
    app.config["JOB_MODE"] = "rq"
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"


def test_the_progress_page_reloads_itself_until_done(client, member, queued):
    """Catches: a waiting batch's page that never refreshes, or a done one that keeps refreshing."""
    location = send(client, csv_file([line(1), line(2)])).headers["Location"]
    page = client.get(location).get_data(as_text=True)
    assert only_batch().state == QUEUED
    assert '<meta http-equiv="refresh" content="2">' in page and "0 of 2 reports imported" in page
    assert run_outbox_job(db.session.scalars(select(OutboxJob.id)).one()) == "done"
    page = client.get(location).get_data(as_text=True)
    assert "refresh" not in page and "2 of 2 reports imported" in page


def test_the_job_run_twice_or_resumed_imports_each_line_once(client, member, queued, monkeypatch):
    """Catches: a re-run (or a run after a crash half-way) importing committed lines again."""
    from tipline.reports import service as intake

    monkeypatch.setattr(batches, "CHUNK", 2)
    send(client, csv_file([line(n) for n in range(1, 6)]))
    batch_id, job_id = only_batch().id, db.session.scalars(select(OutboxJob.id)).one()
    real = intake.submit_tip
    calls = []

    def crash_on_the_third(submission, files):
        calls.append(submission.description)
        if len(calls) == 3:
            raise RuntimeError("the worker died")
        return real(submission, files)

    monkeypatch.setattr(intake, "submit_tip", crash_on_the_third)
    assert run_outbox_job(job_id) == "failed"
    assert (only_batch().imported, count(Tip.id)) == (2, 2)  # the first chunk stayed
    monkeypatch.setattr(intake, "submit_tip", real)
    db.session.execute(OutboxJob.__table__.update().values(state="pending"))
    db.session.commit()
    assert run_outbox_job(job_id) == "done"
    batches.import_batch({"batch_id": batch_id})  # the job again, by hand: done already, does nothing
    db.session.execute(OrgBatch.__table__.update().values(state="running"))  # as if it died before "done"
    batches.import_batch({"batch_id": batch_id})
    db.session.commit()
    lines = db.session.scalars(select(OrgTip.batch_line).order_by(OrgTip.batch_line)).all()
    assert lines == [2, 3, 4, 5, 6] and count(Tip.id) == 5 and only_batch().state == DONE


def test_a_batch_that_keeps_failing_stops_and_starts_again_when_sent_again(client, member, queued, monkeypatch):
    """Catches: a batch left "importing" for ever after its job gave up, with no way to finish it."""
    from tipline.reports import service as intake

    rows = [line(1), line(2)]
    send(client, csv_file(rows))
    job_id = db.session.scalars(select(OutboxJob.id)).one()
    real = intake.submit_tip
    monkeypatch.setattr(intake, "submit_tip", lambda *a: (_ for _ in ()).throw(RuntimeError("down")))
    for _ in range(MAX_ATTEMPTS):
        run_outbox_job(job_id)
    batch = only_batch()
    assert (batch.state, batch.error) == (FAILED, "stopped")
    page = client.get(f"/org/batch/{batch.id}").get_data(as_text=True)
    assert "refresh" not in page and "send the same file again" in page
    monkeypatch.setattr(intake, "submit_tip", real)
    response = send(client, csv_file(rows))
    assert response.headers["Location"].endswith(f"/org/batch/{batch.id}")
    assert run_outbox_job(db.session.scalars(select(OutboxJob.id).where(OutboxJob.id != job_id)).one()) == "done"
    assert (only_batch().state, only_batch().imported, count(Tip.id)) == (DONE, 2, 2)


def test_another_organisation_cannot_see_the_batch(client, member, app):
    """Catches: batch pages looked up by id alone, showing one organisation's batch to another."""
    location = send(client, csv_file([line(1)])).headers["Location"]
    make_member(email="office@other.example", code=CODES[1], name="朝阳中学")
    other = app.test_client()
    sign_in(other, "office@other.example")
    assert other.get(location).status_code == 404
    assert "tips.csv" not in other.get("/org/batch").get_data(as_text=True)
    assert client.get(location).status_code == 200


def test_an_anonymous_upload_is_refused(client, app):
    """Catches: the upload open to anyone who finds the address."""
    make_member()
    token = csrf_token(client, "/org/login")
    data = {"csrf_token": token, "file": (io.BytesIO(csv_file([line(1)])), "tips.csv")}
    response = client.post("/org/batch", data=data, content_type="multipart/form-data")
    # Refused: sent to sign in (or 401), whichever tipline/organisations/accounts.py answers; nothing recorded.
    assert response.status_code == 401 or "/org/login" in response.headers["Location"]
    assert client.get("/org/batch").status_code == 302
    assert client.get("/org/batch/template.csv").status_code == 302
    assert count(OrgBatch.id) == count(Tip.id) == 0


def test_an_organisation_that_may_not_act_cannot_upload(client, member):
    """Catches: a suspended organisation still filing reports in bulk."""
    token = csrf_token(client, "/org/batch")
    member.organisation.status = SUSPENDED
    db.session.commit()
    page = client.get("/org/batch").get_data(as_text=True)
    assert 'type="file"' not in page and "cannot send reports" in page
    data = {"csrf_token": token, "file": (io.BytesIO(csv_file([line(1)])), "tips.csv")}
    assert client.post("/org/batch", data=data, content_type="multipart/form-data").status_code == 403
    assert count(OrgBatch.id) == 0


def test_a_file_without_its_csrf_token_is_refused(client, member):
    """Catches: the upload form accepting a post from another site."""
    data = {"file": (io.BytesIO(csv_file([line(1)])), "tips.csv")}
    response = client.post("/org/batch", data=data, content_type="multipart/form-data")
    assert response.status_code == 400 and count(OrgBatch.id) == 0


def test_the_real_worker_imports_a_batch(rq_config, client, member, app):
    """Catches: the import job unknown to the worker (not registered) or only working in-process."""
    from tests.tipline.test_jobs import run_worker

    send(client, csv_file([line(1), line(2), line(3)]))
    assert only_batch().state == QUEUED
    run_worker(app)
    batch = only_batch()
    assert (batch.state, batch.imported, count(Tip.id), count(OrgTip.tip_id)) == (DONE, 3, 3, 3)


@pytest.fixture
def rq_config(app_config, redis_prefix):
    from tests.services import REDIS_URL

    app_config.update(
        JOB_MODE="rq", REDIS_URL=REDIS_URL, RQ_QUEUE=redis_prefix, REDIS_KEY_PREFIX=redis_prefix, OUTBOX_RELAY_AFTER=0
    )
    return app_config
