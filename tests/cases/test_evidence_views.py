"""Staff looking at evidence: downloads named by detected type, every view audited, the checks' warnings shown."""

import pytest
from sqlalchemy import select

from cases.audit import AuditEntry
from tests.cases.conftest import CHAOYANG, HAIDIAN
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
    """Bug caught: thumbnails of evidence were served without an audit row, or one row per page render
    (80 of 155 rows of a day's log were previews)."""
    client, evidence, officer = evidence_of(images.photo_with_gps(), "p.jpg")
    assert evidence.thumbnail_key
    response = client.get(f"/staff/evidence/{evidence.id}/thumbnail")
    assert response.status_code == 200 and response.data[:2] == b"\xff\xd8"
    assert client.get(f"/staff/evidence/{evidence.id}/thumbnail").status_code == 200  # the page shown again
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
    for view in ("", "/file", "/pages/1"):
        assert client.get(f"/staff/evidence/{waiting.id}{view}").status_code == 404, view
    page = case_page(client, waiting)
    assert f"/staff/evidence/{waiting.id}" not in page and "being checked" in page
    assert not audit_rows("evidence.download", waiting.id) and not audit_rows("evidence.view", waiting.id)


def test_a_picture_opens_in_the_page_and_each_look_is_audited(evidence_of):
    """Bug caught: the viewer page or the picture it shows served without an audit row, or the picture sniffable."""
    client, evidence, officer = evidence_of(images.photo_with_gps(), "p.jpg")
    assert f'href="/staff/evidence/{evidence.id}"' in case_page(client, evidence)
    page = client.get(f"/staff/evidence/{evidence.id}", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and "no-store" in page.headers["Cache-Control"]
    assert f'<img src="/staff/evidence/{evidence.id}/file"' in page.get_data(as_text=True)
    picture = client.get(f"/staff/evidence/{evidence.id}/file")
    assert picture.status_code == 200 and picture.data[:2] == b"\xff\xd8"
    assert "attachment" not in picture.headers.get("Content-Disposition", "")
    assert picture.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in picture.headers["Content-Security-Policy"]
    assert [row.actor_id for row in audit_rows("evidence.view", evidence.id)] == [officer.id]
    assert [row.actor_id for row in audit_rows("evidence.inline", evidence.id)] == [officer.id]


def test_a_pdf_is_read_as_pictures_of_its_pages(evidence_of):
    """Bug caught: the PDF itself sent to the browser to render (its scripts with it), or pages shown unaudited."""
    client, evidence, officer = evidence_of(images.pdf(script="app.alert(1)"), "a.pdf")
    page = client.get(f"/staff/evidence/{evidence.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Page 1 of 1" in page and f'src="/staff/evidence/{evidence.id}/pages/1"' in page
    assert f"/staff/evidence/{evidence.id}/file" not in page
    assert client.get(f"/staff/evidence/{evidence.id}/file").status_code == 404  # never inline
    drawn = client.get(f"/staff/evidence/{evidence.id}/pages/1")
    assert drawn.status_code == 200 and drawn.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert drawn.mimetype == "image/png" and "sandbox" in drawn.headers["Content-Security-Policy"]
    assert client.get(f"/staff/evidence/{evidence.id}/pages/2").status_code == 404
    assert client.get(f"/staff/evidence/{evidence.id}?page=99").status_code == 200  # shows page 1
    assert [row.detail["page"] for row in audit_rows("evidence.page", evidence.id)] == [1]
    assert [row.detail["page"] for row in audit_rows("evidence.view", evidence.id)] == [1, 1]


def test_an_unreadable_pdf_is_offered_for_download_only(evidence_of):
    client, evidence, _officer = evidence_of(images.BROKEN_PDF, "b.pdf")
    response = client.get(f"/staff/evidence/{evidence.id}", headers={"Accept-Language": "en"})
    assert response.status_code == 200 and "This PDF cannot be shown here." in response.get_data(as_text=True)
    assert client.get(f"/staff/evidence/{evidence.id}/pages/1").status_code == 404


def test_a_video_plays_in_the_page_and_its_ranges_are_audited_once(evidence_of):
    """Bug caught: every byte range a playing video asks for written to the audit log, or ranges not served."""
    client, evidence, officer = evidence_of(images.video_with_location(), "clip.mp4")
    page = client.get(f"/staff/evidence/{evidence.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f'<video controls preload="metadata" src="/staff/evidence/{evidence.id}/file"' in page
    first = client.get(f"/staff/evidence/{evidence.id}/file", headers={"Range": "bytes=0-99"})
    assert first.status_code == 206 and len(first.data) == 100
    later = client.get(f"/staff/evidence/{evidence.id}/file", headers={"Range": "bytes=100-199"})
    assert later.status_code == 206
    assert len(audit_rows("evidence.inline", evidence.id)) == 1


def test_a_range_past_the_first_byte_is_audited_too(evidence_of):
    """Bug caught: only a request from byte 0 audited, so `Range: bytes=1-` read a whole file unrecorded."""
    client, evidence, officer = evidence_of(images.photo_with_gps(), "p.jpg")
    response = client.get(f"/staff/evidence/{evidence.id}/file", headers={"Range": "bytes=1-"})
    assert response.status_code == 206
    assert [row.actor_id for row in audit_rows("evidence.inline", evidence.id)] == [officer.id]


def test_evidence_of_a_case_out_of_reach_is_not_found(evidence_of, make_staff, staff_client):
    """Bug caught: the viewer checking the case's region in the page but not in the picture or page routes."""
    _client, evidence, _officer = evidence_of(images.PDF, "a.pdf")
    stranger = staff_client(make_staff("officer", "cyberspace", CHAOYANG))
    for view in ("", "/pages/1", "/download"):
        assert stranger.get(f"/staff/evidence/{evidence.id}{view}").status_code == 404, view
    _client, photo, _officer = evidence_of(images.photo_with_gps(), "p.jpg")
    for view in ("", "/file", "/thumbnail"):
        assert stranger.get(f"/staff/evidence/{photo.id}{view}").status_code == 404, view
