"""Staff looking at evidence: downloads named by detected type, every view audited, the checks' warnings shown."""

import pytest
from sqlalchemy import select

from cases.audit import AuditEntry
from tests.cases.conftest import HAIDIAN
from tests.tipline import images
from tipline.evidence.files import clean_upload
from tipline.evidence.models import Evidence
from tipline.extensions import db
from tipline.reports.service import add_to_tip


@pytest.fixture
def evidence_of(make_platform, file_tip, make_staff, staff_client):
    """Factory: (signed-in officer's client, evidence id) for a file sent under the given name."""
    officer = make_staff("officer", "cyberspace", HAIDIAN)
    tip = file_tip(make_platform(region_code=HAIDIAN), "game_ads")

    def make(data, name):
        add_to_tip(tip, "", [clean_upload(data, name, 10**8)])
        db.session.commit()
        newest = select(Evidence).where(Evidence.tip_id == tip.id).order_by(Evidence.id.desc())
        evidence = db.session.scalars(newest).first()
        return staff_client(officer), evidence, officer

    return make


def case_page(client, evidence):
    """The case page of the evidence's tip, in English."""
    return client.get(f"/staff/cases/{evidence.tip.case_id}", headers={"Accept-Language": "en"}).get_data(as_text=True)


HOSTILE_NAMES = [
    (images.PDF, "invoice.hta", "pdf"),
    (images.photo_with_gps(), "run.bat", "jpg"),
    (images.png_image(), "clip.html", "png"),
    (images.PDF, 'bill".pdf"; filename="x.hta', "pdf"),
    (images.PDF, "line\r\nContent-Type: text/html\r\n\r\n.pdf", "pdf"),
    (images.photo_with_gps(), "photo\u202egpj.exe", "jpg"),
]


@pytest.mark.parametrize("data, name, ext", HOSTILE_NAMES, ids=["hta", "bat", "html", "quotes", "crlf", "rtl"])
def test_download_is_named_by_detected_type_only(evidence_of, data, name, ext):
    """Bug caught: downloads were saved as evidence-<id>-<reporter's name>, keeping .hta, .bat or .html."""
    client, evidence, _officer = evidence_of(data, name)
    response = client.get(f"/staff/evidence/{evidence.id}/download")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f"attachment; filename=evidence-{evidence.id}.{ext}"
    assert response.headers["Content-Type"].split(";")[0] == evidence.mime_type
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # The reporter's name is shown on the case page as text, never as the link's file name.
    page = case_page(client, evidence)
    assert f"evidence-{evidence.id}.{ext}</a>" in page


def audit_rows(action, evidence_id):
    return db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == action, AuditEntry.target_id == evidence_id)
    ).all()


def test_thumbnail_view_is_audited(evidence_of):
    """Bug caught: thumbnails of evidence were served without an audit row."""
    client, evidence, officer = evidence_of(images.photo_with_gps(), "p.jpg")
    assert evidence.thumbnail_key
    response = client.get(f"/staff/evidence/{evidence.id}/thumbnail")
    assert response.status_code == 200 and response.data[:2] == b"\xff\xd8"
    rows = audit_rows("evidence.thumbnail", evidence.id)
    assert [(row.actor_id, row.target_type, row.region_code) for row in rows] == [(officer.id, "evidence", HAIDIAN)]
    assert rows[0].detail == {"tip_id": evidence.tip_id}


def test_download_is_audited(evidence_of):
    client, evidence, officer = evidence_of(images.PDF, "a.pdf")
    client.get(f"/staff/evidence/{evidence.id}/download")
    assert [row.actor_id for row in audit_rows("evidence.download", evidence.id)] == [officer.id]


def test_staff_are_told_when_metadata_could_not_be_removed(evidence_of):
    client, evidence, _officer = evidence_of(images.MP4, "broken.mp4")
    assert evidence.metadata_kept
    page = case_page(client, evidence)
    assert "Metadata could not be removed" in page


def test_staff_are_told_of_a_pdf_script_and_of_an_unreadable_pdf(evidence_of):
    client, scripted, _officer = evidence_of(images.pdf(script="app.alert(1)", object_streams=True), "a.pdf")
    page = case_page(client, scripted)
    assert "Open with care: it carries active content (" in page and "JavaScript" in page
    client, broken, _officer = evidence_of(images.BROKEN_PDF, "b.pdf")
    page = case_page(client, broken)
    assert "this PDF could not be read" in page


def test_upload_waiting_in_quarantine_is_never_served(app, evidence_of):
    """Before the job has cleaned it, the upload as sent (GPS and all) has no link and no download."""
    from tipline.evidence.files import accept_upload

    app.config["JOB_MODE"] = "rq"  # no worker runs the job
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    client, first, _officer = evidence_of(images.PDF, "a.pdf")
    tip = first.tip
    add_to_tip(tip, "", [accept_upload(images.photo_with_gps(), "photo.jpg", 10**8)])
    db.session.commit()
    waiting = db.session.scalars(select(Evidence).where(Evidence.raw_key.is_not(None))).one()
    assert waiting.storage_key is None
    assert client.get(f"/staff/evidence/{waiting.id}/download").status_code == 404
    assert client.get(f"/staff/evidence/{waiting.id}/thumbnail").status_code == 404
    page = case_page(client, waiting)
    assert f"/staff/evidence/{waiting.id}/download" not in page and "being checked" in page
    assert not audit_rows("evidence.download", waiting.id)
