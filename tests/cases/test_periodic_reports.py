"""Periodic reports: asked for and scheduled, made by the job, read back from their CSV and PDF, and guarded."""

import csv
import io
import shutil
import subprocess
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from cases import operations, states
from cases.audit import AuditEntry
from cases.models import Case
from cases.periodic import document, service
from cases.periodic.models import DONE, FAILED, MONTHLY, QUEUED, WEEKLY, PeriodicReport
from tests.cases.conftest import BEIJING, CHAOYANG, HAIDIAN
from tests.conftest import csrf_token
from tests.tipline.images import png_image
from tipline.evidence.files import EvidenceRejected, strip_image
from tipline.extensions import db
from tipline.regions.models import Region
from tipline.reports.models import Tip
from tipline.timeutil import app_today

PDFTOTEXT = shutil.which("pdftotext")


def pdf_text(data):
    """The text of a PDF as pdftotext reads it (layout kept, so a row's words stay on one line)."""
    assert PDFTOTEXT, "pdftotext (poppler-utils) is missing: make system-test-deps installs it"
    result = subprocess.run([PDFTOTEXT, "-layout", "-", "-"], input=data, capture_output=True, check=True)
    return result.stdout.decode("utf-8")


def csv_tables(data):
    """The report's CSV file as {table title: [rows]}."""
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    tables, title = {}, None
    for row in rows[2:]:
        if not row:
            title = None
        elif title is None:
            title = row[0]
            tables[title] = []
        else:
            tables[title].append(row)
    return tables


@pytest.fixture
def world(app, make_platform, file_tip, make_staff):
    """Tips in Haidian and Chaoyang last month, one case closed founded, one tip outside the period."""
    today = app_today()
    period_end = today.replace(day=1) - timedelta(days=1)
    period_start = period_end.replace(day=1)
    haidian, chaoyang = make_platform(region_code=HAIDIAN), make_platform(region_code=CHAOYANG)
    tips = [
        file_tip(haidian, category="game_ads"),
        file_tip(haidian, category="game_ads"),
        file_tip(chaoyang, category="page_surroundings"),
        file_tip(chaoyang, category="vulgar"),
    ]
    outside = file_tip(haidian, category="teachers")
    supervisor = make_staff(role="supervisor", region=BEIJING)
    case = tips[2].case
    operations.change_state(case, states.TRIAGED, supervisor)
    operations.change_state(case, states.INVESTIGATING, supervisor)
    operations.close_case(case, states.CLOSED_FOUNDED, supervisor, "弹窗问题查实", confirmed=True)
    db.session.commit()
    # Into the middle of last month (Beijing), and one tip the month before.
    middle = datetime.combine(period_start + timedelta(days=10), datetime.min.time())
    db.session.execute(update(Tip).where(Tip.id.in_([t.id for t in tips])).values(created_at=middle))
    db.session.execute(update(Case).where(Case.id == case.id).values(closed_at=middle + timedelta(days=2)))
    db.session.execute(update(Tip).where(Tip.id == outside.id).values(created_at=middle - timedelta(days=80)))
    db.session.commit()
    return {"start": period_start, "end": period_end, "supervisor": supervisor, "tips": tips}


def expected_tips(region_code, start, end):
    """Tips filed into cases of the region's tree between two Beijing days, counted straight from the rows."""
    from tipline.regions.service import subtree_codes
    from tipline.timeutil import day_start

    return db.session.scalar(
        select(func.count())
        .select_from(Tip)
        .join(Case, Case.id == Tip.case_id)
        .where(
            Case.region_code.in_(subtree_codes(region_code)),
            Tip.created_at >= day_start(start),
            Tip.created_at < day_start(end + timedelta(days=1)),
        )
    )


def ask(client, region, start, end):
    return client.post(
        "/staff/reports",
        data={
            "csrf_token": csrf_token(client, "/staff/reports"),
            "region": region,
            "starts_on": str(start),
            "ends_on": str(end),
        },
    )


def test_a_supervisor_asks_for_a_report_and_reads_its_totals_in_the_pdf_and_csv(app, world, staff_client):
    client = staff_client(world["supervisor"])
    response = ask(client, BEIJING, world["start"], world["end"])
    assert response.status_code == 302
    report = db.session.scalars(select(PeriodicReport)).one()
    db.session.refresh(report)
    assert report.state == DONE and report.progress == 100  # the job ran (tests run jobs inline)
    tips = expected_tips(BEIJING, world["start"], world["end"])
    assert tips == 4

    csv_response = client.get(f"/staff/reports/{report.id}.csv")
    assert csv_response.status_code == 200
    tables = csv_tables(csv_response.data)
    summary = next(rows for title, rows in tables.items() if rows and rows[0][1:] == ["本期", "上期", "变化"])
    # Tips received: this period 4, the period before 0 (the outside tip is 80 days earlier, before both).
    assert summary[1][1:] == [str(tips), "0", str(tips)]
    assert summary[2][1:] == ["1", "0", "1"]  # closed founded (wrong closed_at column would give 0)

    pdf_response = client.get(f"/staff/reports/{report.id}.pdf")
    assert pdf_response.status_code == 200 and pdf_response.data.startswith(b"%PDF")
    text = pdf_text(pdf_response.data)
    assert "北京市" in text  # the CJK font is embedded: pdftotext reads the characters back
    tip_line = next(line for line in text.splitlines() if line.strip().startswith("收到的举报"))
    assert tip_line.split()[1:4] == [str(tips), "0", str(tips)]
    assert "海淀区" in text and "朝阳区" in text  # the districts' table

    # Every download is in the audit log.
    kinds = db.session.scalars(select(AuditEntry.action).where(AuditEntry.target_type == "report")).all()
    assert kinds.count("report.download") == 2 and "report.request" in kinds


def test_drawing_a_pdf_leaves_truncated_evidence_refused(app, world, staff_client):
    """WeasyPrint turns on Pillow's LOAD_TRUNCATED_IMAGES for the whole process when imported.

    Catches: pdf_file importing WeasyPrint without turning it back, after which a cut-off
    photo sent as evidence is kept half grey instead of refused.
    """
    client = staff_client(world["supervisor"])
    assert ask(client, BEIJING, world["start"], world["end"]).status_code == 302
    report = db.session.scalars(select(PeriodicReport)).one()
    assert client.get(f"/staff/reports/{report.id}.pdf").data.startswith(b"%PDF")
    with pytest.raises(EvidenceRejected):
        strip_image(png_image((64, 64))[:60], "image/png", 10_000_000)


def test_an_english_report_reads_in_english(app, world, staff_client):
    client = staff_client(world["supervisor"])
    client.get("/lang/en")
    assert ask(client, HAIDIAN, world["start"], world["end"]).status_code == 302
    report = db.session.scalars(select(PeriodicReport)).one()
    assert report.locale == "en"
    text = pdf_text(client.get(f"/staff/reports/{report.id}.pdf").data)
    line = next(line for line in text.splitlines() if line.strip().startswith("Tips received"))
    assert line.split()[2:5] == [str(expected_tips(HAIDIAN, world["start"], world["end"])), "0", "2"]


@pytest.mark.parametrize(
    "starts_on, ends_on, message",
    [
        ("2026-02-30", "2026-03-01", "real date"),
        ("yesterday", "2026-03-01", "real date"),
        ("2026-03-10", "2026-03-01", "on or after"),
        ("2020-01-01", "2026-01-01", "at most 366 days"),
        ("2099-01-01", "2099-01-02", "days that have begun"),
        ("2026-01-01\x00", "2026-01-02", "real date"),
    ],
)
def test_a_bad_period_is_refused_with_what_was_typed_kept(app, world, staff_client, starts_on, ends_on, message):
    client = staff_client(world["supervisor"])
    client.get("/lang/en")
    response = client.post(
        "/staff/reports",
        data={
            "csrf_token": csrf_token(client, "/staff/reports"),
            "region": BEIJING,
            "starts_on": starts_on,
            "ends_on": ends_on,
        },
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert f'value="{ends_on.replace(chr(0), "")}"' in page or f'value="{ends_on}"' in page
    assert db.session.scalar(select(func.count()).select_from(PeriodicReport)) == 0


def test_reports_are_for_supervisors_and_admins_of_the_region_tree_only(app, world, staff_client, make_staff):
    client = staff_client(world["supervisor"])
    ask(client, HAIDIAN, world["start"], world["end"])
    report = db.session.scalars(select(PeriodicReport)).one()
    for role in ("officer", "intake"):
        other = staff_client(make_staff(role=role, region=BEIJING))
        for url in ("/staff/reports", f"/staff/reports/{report.id}", f"/staff/reports/{report.id}.pdf"):
            assert other.get(url).status_code == 403, (role, url)
        crafted = other.post(
            "/staff/reports",
            data={"csrf_token": csrf_token(other, "/staff/"), "region": BEIJING, "starts_on": "2026-01-01"},
        )
        assert crafted.status_code == 403
    # A supervisor of Shanghai sees nothing of Beijing's, and may not ask for it.
    shanghai = staff_client(make_staff(role="supervisor", region="310000"))
    for url in (f"/staff/reports/{report.id}", f"/staff/reports/{report.id}.csv"):
        assert shanghai.get(url).status_code == 404
    assert f"/staff/reports/{report.id}" not in shanghai.get("/staff/reports").get_data(as_text=True)
    assert ask(shanghai, BEIJING, world["start"], world["end"]).status_code == 400
    # A Haidian supervisor may not ask for the whole of Beijing.
    haidian = staff_client(make_staff(role="supervisor", region=HAIDIAN))
    assert ask(haidian, BEIJING, world["start"], world["end"]).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(PeriodicReport)) == 1


def test_the_schedule_makes_each_weekly_and_monthly_report_once(app, world):
    now = datetime(2026, 11, 30, 2, 0)  # Monday 10:00 in Beijing
    made = service.schedule_due(now)
    db.session.commit()
    provinces = db.session.scalar(select(func.count()).select_from(Region).where(Region.parent_code == "100000"))
    assert len(made) == 2 * (1 + provinces)
    weekly = db.session.scalars(
        select(PeriodicReport).where(PeriodicReport.kind == WEEKLY, PeriodicReport.region_code == "100000")
    ).one()
    assert (weekly.starts_on, weekly.ends_on) == (date(2026, 11, 23), date(2026, 11, 29))
    monthly = db.session.scalars(
        select(PeriodicReport).where(PeriodicReport.kind == MONTHLY, PeriodicReport.region_code == BEIJING)
    ).one()
    assert (monthly.starts_on, monthly.ends_on) == (date(2026, 10, 1), date(2026, 10, 31))
    assert all(r.state == DONE for r in made)  # each went to the job, which made it
    # Every worker may look again: nothing more is made until the next period ends.
    assert service.schedule_due(now + timedelta(hours=3)) == []
    assert service.schedule_due(now + timedelta(days=7))  # the next week's


def test_a_failed_report_says_why_and_can_be_made_again(app, world, staff_client, monkeypatch):
    client = staff_client(world["supervisor"])
    client.get("/lang/en")

    def no_font(_document):
        raise OSError("no Chinese font is installed")

    monkeypatch.setattr(document, "pdf_file", no_font)
    ask(client, BEIJING, world["start"], world["end"])
    report = db.session.scalars(select(PeriodicReport)).one()
    db.session.refresh(report)
    assert report.state == FAILED and "no Chinese font" in report.error and report.pdf_data is None
    page = client.get(f"/staff/reports/{report.id}").get_data(as_text=True)
    assert "no Chinese font is installed" in page and "Try again" in page
    assert client.get(f"/staff/reports/{report.id}.pdf").status_code == 404

    monkeypatch.undo()
    retry = client.post(
        f"/staff/reports/{report.id}/retry", data={"csrf_token": csrf_token(client, f"/staff/reports/{report.id}")}
    )
    assert retry.status_code == 302
    db.session.refresh(report)
    assert report.state == DONE and report.error == "" and report.pdf_data.startswith(b"%PDF")
    # A report that did not fail is not made again.
    again = client.post(
        f"/staff/reports/{report.id}/retry", data={"csrf_token": csrf_token(client, f"/staff/reports/{report.id}")}
    )
    assert again.status_code == 409


def test_a_report_being_made_shows_its_progress(app, world, staff_client):
    report = PeriodicReport(
        kind="on_demand", region_code=BEIJING, starts_on=world["start"], ends_on=world["end"], state=QUEUED
    )
    db.session.add(report)
    db.session.commit()
    service._progress(report.id, 40, state="running")
    page = staff_client(world["supervisor"]).get(f"/staff/reports/{report.id}").get_data(as_text=True)
    assert 'value="40"' in page and 'http-equiv="refresh"' in page
    # The job finishes it, and running it again leaves it as it is.
    service.make_report_job({"report_id": report.id})
    db.session.commit()
    db.session.refresh(report)
    finished = report.finished_at
    assert report.state == DONE
    service.make_report_job({"report_id": report.id})
    db.session.refresh(report)
    assert report.finished_at == finished
