"""Checking an uploaded file by its bytes and making it safe to keep.

The browser's word and the file name are never trusted: the type comes from the
content. Photos are re-encoded from their pixels so that no location or device
metadata survives; decompression bombs are refused before they are decoded.
"""

import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass

import filetype
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, ImageSequence

# Accepted types, decided from the bytes, and the kind each is shown as.
ACCEPTED = {
    "image/jpeg": "image",
    "image/png": "image",
    "image/webp": "image",
    "image/gif": "image",
    "image/apng": "image",
    "video/mp4": "video",
    "video/quicktime": "video",
    "video/webm": "video",
    "video/3gpp": "video",
    "application/pdf": "pdf",
}
PIL_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/apng": "PNG", "image/webp": "WEBP", "image/gif": "GIF"}
MAX_FRAMES = 200


class EvidenceRejected(ValueError):
    """A file that cannot be kept as evidence; `message` says why, in the page's language."""

    def __init__(self, message, name=""):
        super().__init__(str(message))
        self.message = message
        self.name = name


@dataclass
class CleanFile:
    """An accepted file, ready to store."""

    kind: str
    mime_type: str
    data: bytes
    original_name: str
    sha256: str


def read_limited(stream, limit):
    """Read at most `limit` bytes; None if the stream holds more."""
    data = stream.read(limit + 1)
    return None if len(data) > limit else data


def display_name(filename):
    """The reporter's file name, made harmless for showing (never for storing)."""
    name = unicodedata.normalize("NFC", filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return name[:200] or "file"


def sniff(data):
    """The MIME type the bytes show, or None when the content is not one we accept."""
    guess = filetype.guess(data[:8192])
    mime = guess.mime if guess else None
    if mime in ACCEPTED:
        return mime
    return None


def clean_upload(data, filename, max_pixels):
    """Check one uploaded file and return it made safe to store.

    Raises EvidenceRejected with a message for the reporter.
    """
    name = display_name(filename)
    if not data:
        raise EvidenceRejected(_l("The file is empty."), name)
    mime = sniff(data)
    if mime is None:
        raise EvidenceRejected(
            _l(
                "This file is not an accepted type. Send images (JPEG, PNG, WebP, GIF), "
                "videos (MP4, MOV, WebM, 3GP) or PDF."
            ),
            name,
        )
    if ACCEPTED[mime] == "image":
        data = strip_image(data, mime, max_pixels, name)
    return CleanFile(
        kind=ACCEPTED[mime],
        mime_type=mime,
        data=data,
        original_name=name,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def strip_image(data, mime, max_pixels, name=""):
    """Re-encode an image from its pixels alone, dropping EXIF, GPS, XMP and comments.

    GIF, WebP and PNG animations keep their frames, up to MAX_FRAMES and half the pixel
    budget in all; other multi-image files (MPO photos from phone cameras) keep
    their first image.
    """
    fmt = PIL_FORMATS[mime]
    try:
        with Image.open(io.BytesIO(data)) as image:
            # The header gives the size before any pixel is decoded: refuse bombs here.
            if image.width * image.height > max_pixels:
                raise EvidenceRejected(_l("This image is too large to process."), name)
            if fmt in ("GIF", "WEBP", "PNG") and getattr(image, "is_animated", False):
                return _strip_animation(image, fmt, max_pixels // 2, name)
            image.seek(0)
            upright = ImageOps.exif_transpose(image)
            upright.load()
        upright.info = {}
        if fmt == "JPEG" and upright.mode not in ("RGB", "L"):
            upright = upright.convert("RGB")
        out = io.BytesIO()
        options = {"quality": 92} if fmt in ("JPEG", "WEBP") else {}
        upright.save(out, fmt, **options)
        return out.getvalue()
    except EvidenceRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise EvidenceRejected(_l("This image is too large to process."), name) from None
    except Exception:  # Pillow raises many kinds of error on hostile or broken files
        raise EvidenceRejected(_l("This image is damaged and cannot be read."), name) from None


def _strip_animation(image, fmt, pixel_budget, name):
    frames = []
    for index, frame in enumerate(ImageSequence.Iterator(image)):
        if index >= MAX_FRAMES or (index + 1) * image.width * image.height > pixel_budget:
            raise EvidenceRejected(_l("This animation has too many frames to process."), name)
        clean = frame.copy()
        clean.info = {}
        frames.append(clean)
    out = io.BytesIO()
    frames[0].save(
        out,
        fmt,
        save_all=True,
        append_images=frames[1:],
        duration=image.info.get("duration", 100),
        loop=image.info.get("loop", 0),
    )
    return out.getvalue()


def make_thumbnail(data, size=320):
    """A small JPEG preview of an image, or None when it cannot be made."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.thumbnail((size, size))
            preview = image.convert("RGB")
    except Exception:  # a preview is a nicety: any failure means no preview
        return None
    out = io.BytesIO()
    preview.save(out, "JPEG", quality=80)
    return out.getvalue()


# Names of PDF objects that run or open something when the document is opened.
PDF_ACTIVE_NAMES = ("JavaScript", "JS", "Launch", "EmbeddedFile", "OpenAction", "AA", "RichMedia", "XFA")
_PDF_NAME = re.compile(rb"/((?:[A-Za-z0-9]|#[0-9A-Fa-f]{2})+)")


def pdf_active_content(data):
    """The active-content names a PDF carries in its uncompressed parts (empty when none).

    Names may be written with #xx escapes (/J#53 is /JS); they are decoded first.
    Content inside compressed object streams is not seen: a flag here means "open
    with care", its absence is no guarantee.
    """
    found = set()
    for match in _PDF_NAME.finditer(data):
        name = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), match.group(1))
        text = name.decode("latin-1")
        if text in PDF_ACTIVE_NAMES:
            found.add(text)
    return sorted(found)
