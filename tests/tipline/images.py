"""Test files made on the spot: photos with GPS metadata, PDFs, and things that only pretend."""

import io

from PIL import Image

GPS_IFD = 0x8825


def photo_with_gps(fmt="JPEG", size=(64, 48)):
    """A photo carrying camera make and GPS position in its EXIF."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make
    exif[0x0110] = "Model 1"  # Model
    exif[GPS_IFD] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 17.0)}
    out = io.BytesIO()
    image.save(out, fmt, exif=exif)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD), "the test photo must carry GPS"
    return data


def png_image(size=(32, 32)):
    out = io.BytesIO()
    Image.new("RGB", size, (0, 90, 200)).save(out, "PNG")
    return out.getvalue()


def pdf(author=None, xmp_creator=None, script=None, object_streams=False):
    """A one-page PDF made by pikepdf, optionally with /Author, XMP and an /OpenAction script."""
    import pikepdf

    document = pikepdf.new()
    document.add_blank_page()
    if author:
        document.docinfo["/Author"] = author
    if xmp_creator:
        with document.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            meta["dc:creator"] = [xmp_creator]
    if script:
        action = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String(script))
        document.Root.OpenAction = document.make_indirect(action)
    out = io.BytesIO()
    if object_streams:
        # Every dictionary packed into a compressed object stream: no name shows in the bytes.
        document.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate, compress_streams=True)
    else:
        document.save(out)
    return out.getvalue()


PDF = pdf()
# Hand-written, no page tree: a file no PDF parser can read.
BROKEN_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
# Only the header of an MP4: sniffed as a video, but no video to copy.
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
LOCATION = "+39.9042+116.4074/"  # Tiananmen, in ISO 6709


def video_with_location(container="mp4"):
    """A one-second video made by the bundled ffmpeg, carrying a location (MP4 keys or QuickTime ©xyz) and an artist."""
    import subprocess
    import tempfile
    from pathlib import Path

    from tipline.evidence.video import ffmpeg_exe

    with tempfile.TemporaryDirectory() as workdir:
        target = Path(workdir) / f"clip.{container}"
        command = [ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "color=c=red:s=32x32:d=1"]
        command += ["-c:v", "mpeg4", "-metadata", f"location={LOCATION}", "-metadata", "artist=Wang Xiaoming"]
        if container == "mp4":
            command += ["-movflags", "use_metadata_tags"]  # the location as an MP4 metadata key
        subprocess.run(command + [str(target)], check=True, capture_output=True, timeout=60)
        data = target.read_bytes()
    assert LOCATION.encode() in data and b"Wang Xiaoming" in data, "the test video must carry its metadata"
    if container == "mov":
        assert b"\xa9xyz" in data, "the QuickTime test video must carry a \xa9xyz location"
    return data


def video_with_cover():
    """A one-second MP4 whose cover picture is a photo with camera make and GPS in its EXIF."""
    import subprocess
    import tempfile
    from pathlib import Path

    from tipline.evidence.video import ffmpeg_exe

    with tempfile.TemporaryDirectory() as workdir:
        cover, target = Path(workdir) / "cover.jpg", Path(workdir) / "clip.mp4"
        cover.write_bytes(photo_with_gps())
        command = [ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "color=c=red:s=32x32:d=1"]
        command += ["-i", str(cover), "-map", "0", "-map", "1", "-c:v:0", "mpeg4", "-c:v:1", "copy"]
        command += ["-disposition:v:1", "attached_pic", str(target)]
        subprocess.run(command, check=True, capture_output=True, timeout=60)
        data = target.read_bytes()
    assert b"TestCam" in data, "the test video's cover must carry its EXIF"
    return data


def is_playable_video(data):
    """True when the bundled ffmpeg decodes every frame of the video without an error."""
    import subprocess
    import tempfile
    from pathlib import Path

    from tipline.evidence.video import ffmpeg_exe

    with tempfile.TemporaryDirectory() as workdir:
        source = Path(workdir) / "video"
        source.write_bytes(data)
        result = subprocess.run(
            [ffmpeg_exe(), "-nostdin", "-v", "error", "-i", str(source), "-f", "null", "-"],
            capture_output=True,
            timeout=60,
        )
    return result.returncode == 0 and not result.stderr


def decompression_bomb():
    """A tiny PNG file that claims an enormous picture."""
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG", optimize=True)
    return out.getvalue()
