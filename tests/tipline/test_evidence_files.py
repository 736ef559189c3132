"""Evidence files: type from the bytes, photos stripped of metadata, bombs and fakes refused."""

import io

import pytest
from PIL import Image

from tests.tipline import images
from tipline.evidence.files import (
    EvidenceRejected,
    clean_upload,
    display_name,
    make_thumbnail,
    pdf_active_content,
    read_limited,
    sniff,
)

MAX_PIXELS = 40_000_000


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP", "PNG"])
def test_photo_loses_location_and_device_metadata(fmt):
    clean = clean_upload(images.photo_with_gps(fmt), f"photo.{fmt.lower()}", MAX_PIXELS)
    assert clean.kind == "image"
    stored = Image.open(io.BytesIO(clean.data))
    exif = stored.getexif()
    assert not exif.get_ifd(images.GPS_IFD)
    assert 0x010F not in exif and 0x0110 not in exif
    assert b"TestCam" not in clean.data
    assert stored.size == (64, 48)


def test_type_comes_from_bytes_not_name():
    clean = clean_upload(images.PDF, "holiday.jpg", MAX_PIXELS)
    assert clean.mime_type == "application/pdf" and clean.kind == "pdf"
    with pytest.raises(EvidenceRejected):
        clean_upload(b"MZ\x90\x00 this is a windows program", "report.pdf", MAX_PIXELS)
    with pytest.raises(EvidenceRejected):
        clean_upload(b"<html><script>alert(1)</script></html>", "page.png", MAX_PIXELS)


def test_video_is_accepted_by_content():
    assert sniff(images.MP4) == "video/mp4"
    assert clean_upload(images.MP4, "lesson.mp4", MAX_PIXELS).kind == "video"


def test_decompression_bomb_is_refused_before_decoding():
    with pytest.raises(EvidenceRejected) as caught:
        clean_upload(images.decompression_bomb(), "bomb.png", MAX_PIXELS)
    assert "too large" in str(caught.value.message)


def test_truncated_image_is_refused():
    data = images.photo_with_gps()[:200]
    with pytest.raises(EvidenceRejected):
        clean_upload(data, "broken.jpg", MAX_PIXELS)


def test_empty_file_is_refused():
    with pytest.raises(EvidenceRejected):
        clean_upload(b"", "empty.jpg", MAX_PIXELS)


def test_read_limited_stops_at_the_limit():
    assert read_limited(io.BytesIO(b"x" * 10), 10) == b"x" * 10
    assert read_limited(io.BytesIO(b"x" * 11), 10) is None


def test_display_name_is_harmless():
    assert display_name("../../etc/passwd") == "passwd"
    assert display_name("C:\\Users\\me\\证据.jpg") == "证据.jpg"
    assert display_name("a\x00b\u202e.jpg") == "ab.jpg"
    assert display_name("") == "file"


def test_pdf_active_content_is_found():
    assert pdf_active_content(images.PDF) == []
    assert "/JavaScript" in pdf_active_content(images.PDF_WITH_SCRIPT)


def test_thumbnail_is_small():
    thumb = make_thumbnail(images.png_image((1200, 800)))
    assert max(Image.open(io.BytesIO(thumb)).size) <= 320
    assert make_thumbnail(b"not an image") is None
