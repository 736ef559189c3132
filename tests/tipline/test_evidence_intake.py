"""Evidence sent through the public forms: quarantined until the job cleans it, videos and PDFs lose their
metadata, pixels are bounded per request, PDF scripts are flagged however they are packed."""

import io
import os

import pikepdf
from PIL import Image
from sqlalchemy import func, select

from tests.tipline import images
from tests.tipline.test_report import post_report, tip_count
from tipline.evidence.models import DAMAGED, FLAGGED, PENDING, READY, UNREADABLE, Evidence
from tipline.evidence.storage import quarantine_storage
from tipline.extensions import db
from tipline.jobs.models import OutboxJob
from tipline.jobs.runner import run_outbox_job


def stored(app, evidence):
    return app.extensions["tipline_storage"].read(evidence.storage_key)


def only_evidence():
    return db.session.scalars(select(Evidence)).one()


def test_mp4_location_and_artist_are_removed(client, app):
    """Bug caught: videos were stored byte for byte, keeping the MP4 location key and the artist."""
    response = post_report(client, files=[("lesson.mp4", images.video_with_location("mp4"))])
    assert response.status_code == 200
    evidence = only_evidence()
    data = stored(app, evidence)
    assert images.LOCATION.encode() not in data and b"Wang Xiaoming" not in data
    assert evidence.mime_type == "video/mp4" and not evidence.metadata_kept
    assert images.is_playable_video(data)


def test_quicktime_iso6709_location_is_removed(client, app):
    """Bug caught: a QuickTime ©xyz (ISO 6709) location was kept in stored .mov files."""
    response = post_report(client, files=[("IMG_0001.MOV", images.video_with_location("mov"))])
    assert response.status_code == 200
    evidence = only_evidence()
    data = stored(app, evidence)
    assert b"\xa9xyz" not in data and images.LOCATION.encode() not in data and b"Wang Xiaoming" not in data
    assert evidence.mime_type == "video/quicktime" and images.is_playable_video(data)


def test_pdf_author_and_xmp_are_removed(client, app):
    """Bug caught: PDFs were stored byte for byte, keeping /Author and the XMP creator."""
    source = images.pdf(author="Wang Xiaoming", xmp_creator="Li Hua")
    response = post_report(client, files=[("课程表.pdf", source)])
    assert response.status_code == 200
    evidence = only_evidence()
    data = stored(app, evidence)
    assert b"Wang Xiaoming" not in data and b"Li Hua" not in data
    document = pikepdf.open(io.BytesIO(data))
    assert len(document.pages) == 1 and "/Metadata" not in document.Root and "/Author" not in document.docinfo
    assert evidence.state == READY and not evidence.metadata_kept


def test_video_ffmpeg_cannot_read_is_kept_and_marked(client, app):
    response = post_report(client, files=[("broken.mp4", images.MP4)])
    assert response.status_code == 200
    evidence = only_evidence()
    assert stored(app, evidence) == images.MP4 and evidence.metadata_kept


def test_upload_help_says_what_keeps_its_metadata(client):
    page = client.get("/report", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "removed from photos, videos and PDFs" in page and "kept as sent" in page


def test_script_in_compressed_object_stream_is_flagged(client, app):
    """Bug caught: a byte search missed /OpenAction JavaScript packed into a compressed object stream."""
    hidden = images.pdf(script="app.alert(1)", object_streams=True)
    response = post_report(client, files=[("通知.pdf", hidden)])
    assert response.status_code == 200
    evidence = only_evidence()
    assert evidence.state == FLAGGED
    assert {"JavaScript", "JS", "OpenAction"} <= set(evidence.check_note.split(", "))


def test_plain_pdf_passes(client):
    post_report(client, files=[("plain.pdf", images.pdf(object_streams=True))])
    evidence = only_evidence()
    assert evidence.state == READY and evidence.check_note == ""


def test_pdf_no_parser_reads_is_flagged_unreadable(client):
    post_report(client, files=[("odd.pdf", images.BROKEN_PDF)])
    evidence = only_evidence()
    assert evidence.state == FLAGGED and evidence.check_note == UNREADABLE and evidence.metadata_kept


def big_png(side):
    """A PNG of side x side pixels that is only a few kilobytes: one colour, compressed hard."""
    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, "PNG", optimize=True)
    return out.getvalue()


def test_too_many_pixels_in_one_request_are_refused_before_decoding(client, app):
    """Bug caught: each image was bounded alone, so five 6300x6300 PNGs were all decoded in one request."""
    app.config["EVIDENCE_MAX_PIXELS"] = 40_000_000
    app.config["EVIDENCE_MAX_TOTAL_PIXELS"] = 80_000_000
    files = [(f"scan{i}.png", big_png(6300)) for i in range(5)]
    assert sum(len(data) for _, data in files) < 1_000_000
    response = post_report(client, files=files, description="五张截图：课堂中弹出的游戏广告。")
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "五张截图：课堂中弹出的游戏广告。" in body  # what the reporter typed is kept
    errors = body[body.index('id="evidence-error"') :].split("</ul>", 1)[0]
    assert "80" in errors  # the bound, in megapixels, in the message next to the file field
    assert tip_count() == 0
    assert db.session.scalar(select(func.count(Evidence.id))) == 0
    assert not any(files for _, _, files in os.walk(app.config["UPLOAD_DIR"]))  # nothing stored


def test_images_within_the_request_budget_are_taken(client, app):
    app.config["EVIDENCE_MAX_TOTAL_PIXELS"] = 3 * 1200 * 800
    files = [(f"p{i}.png", images.png_image((1200, 800))) for i in range(3)]
    response = post_report(client, files=files)
    assert response.status_code == 200
    assert db.session.scalar(select(func.count(Evidence.id))) == 3


def files_under(folder):
    return [os.path.join(root, name) for root, _, names in os.walk(folder) for name in names]


def run_pending_jobs():
    """Run the outbox's pending jobs by hand, the ones they record included, as a worker would."""
    ran = []
    while pending := db.session.scalars(select(OutboxJob.id).where(OutboxJob.state == "pending")).all():
        ran += [run_outbox_job(job_id) for job_id in pending]
        db.session.expire_all()
    return ran


def test_upload_waits_in_quarantine_until_the_job_cleans_it(client, app):
    """The request only checks headers; the raw photo (with GPS) waits outside the clean store until the job."""
    app.config["JOB_MODE"] = "rq"  # no worker: the job waits, as it would behind a busy queue
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    response = post_report(client, files=[("photo.jpg", images.photo_with_gps())])
    assert response.status_code == 200
    evidence = only_evidence()
    assert evidence.state == PENDING and evidence.storage_key is None and evidence.sha256 == ""
    raw_key = evidence.raw_key
    assert quarantine_storage().read(raw_key) == images.photo_with_gps()
    assert run_pending_jobs() == ["done", "done"]  # the check, then the discarding of the upload
    evidence = only_evidence()
    assert evidence.state == READY and evidence.raw_key is None and evidence.thumbnail_key
    clean = stored(app, evidence)
    assert b"TestCam" not in clean and not Image.open(io.BytesIO(clean)).getexif().get_ifd(images.GPS_IFD)
    assert evidence.sha256 and evidence.size == len(clean)
    assert files_under(quarantine_storage().root) == []  # the upload as sent is gone


def test_image_the_job_cannot_decode_is_destroyed_and_reporter_told(client, app):
    """A header that parses over pixels that do not: nothing kept (its metadata could not be removed)."""
    from tests.tipline.test_tracking import add, look_up
    from tipline.reports.service import TipSubmission, submit_tip

    tip, code = submit_tip(
        TipSubmission("云朵网课", "teachers", "live", "直播课老师没有教师资格证。", "parent", "zh", "127.0.0.1"), []
    )
    db.session.commit()
    look_up(client, code)
    broken = images.png_image((64, 64))[:60]  # the header and a little: Pillow opens it, decoding fails
    assert add(client, "补充截图", [("broken.png", broken)]).status_code == 302
    evidence = only_evidence()
    assert evidence.state == DAMAGED and evidence.storage_key is None and evidence.raw_key is None
    assert files_under(app.config["UPLOAD_DIR"]) == []
    page = client.get("/track/tip", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "could not be read and was not kept" in page
