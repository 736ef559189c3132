"""Checking an uploaded file by its bytes, and making it safe to keep.

The browser's word and the file name are never trusted: the type comes from the
content. While the reporter waits, only the bytes and headers are read
(`accept_upload`): type, size, and the pixels an image declares. The costly part
(`clean_upload`) runs in the background job: photos are re-encoded from their
pixels so that no location or device metadata survives; videos are remuxed and
PDFs rewritten without theirs.
"""

import hashlib
import io
import unicodedata
from dataclasses import dataclass

import filetype
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, ImageSequence

from tipline.evidence.pdf import strip_pdf_metadata
from tipline.evidence.video import strip_video_metadata

# Accepted types, decided from the bytes: the kind each is shown as, and the file
# extension its downloads get (never the reporter's own, which may say .hta or .html).
TYPES = {
    "image/jpeg": ("image", "jpg"),
    "image/png": ("image", "png"),
    "image/webp": ("image", "webp"),
    "image/gif": ("image", "gif"),
    "image/apng": ("image", "png"),
    "video/mp4": ("video", "mp4"),
    "video/quicktime": ("video", "mov"),
    "video/webm": ("video", "webm"),
    "video/3gpp": ("video", "3gp"),
    "application/pdf": ("pdf", "pdf"),
}
ACCEPTED = {mime: kind for mime, (kind, _ext) in TYPES.items()}
EXTENSIONS = {mime: ext for mime, (_kind, ext) in TYPES.items()}
PIL_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/apng": "PNG", "image/webp": "WEBP", "image/gif": "GIF"}
MAX_FRAMES = 200
ANIMATED = ("GIF", "WEBP", "PNG")  # formats whose frames are all kept


class EvidenceRejected(ValueError):
    """A file that cannot be kept as evidence; `message` says why, in the page's language."""

    def __init__(self, message, name=""):
        super().__init__(str(message))
        self.message = message
        self.name = name


@dataclass
class CleanFile:
    """An accepted file, ready to store.

    `raw` files (from `accept_upload`) still carry their metadata: they are kept in
    quarantine, never served, until the check job cleans them.
    """

    kind: str
    mime_type: str
    data: bytes
    original_name: str
    sha256: str  # of the clean bytes; "" while raw (a hash of the original could match the reporter's copy)
    # True when the file could not be rewritten without its metadata and is kept as sent.
    metadata_kept: bool = False
    raw: bool = False
    pixels: int = 0  # what decoding a raw image will cost, as its headers declare


def too_many_pixels(total):
    """The reporter's message when the images of one request hold more than `total` pixels."""
    return _l(
        "These images are too large together: at most %(mp)d megapixels in all. Send fewer or smaller images.",
        mp=total // 1_000_000,
    )


def download_name(evidence_id, mime_type):
    """The name a download is saved under: the evidence number and the extension of its detected type."""
    return f"evidence-{int(evidence_id)}.{EXTENSIONS.get(mime_type, 'bin')}"


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


def _checked_type(data, name):
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
    return mime


def accept_upload(data, filename, max_pixels):
    """Check one uploaded file from its bytes and headers alone; returns it raw, for quarantine.

    Nothing is decoded: this is what a request may afford. Raises EvidenceRejected
    with a message for the reporter.
    """
    name = display_name(filename)
    mime = _checked_type(data, name)
    pixels = declared_pixels(data, max_pixels, name)
    return CleanFile(ACCEPTED[mime], mime, data, name, sha256="", raw=True, pixels=pixels)


def clean_upload(data, filename, max_pixels):
    """Check one file and return it made safe to store: the costly part, for the background job.

    Raises EvidenceRejected with a message for the reporter.
    """
    name = display_name(filename)
    mime = _checked_type(data, name)
    kind, metadata_kept = ACCEPTED[mime], False
    if kind == "image":
        data = strip_image(data, mime, max_pixels, name)
    else:
        # A file that cannot be rewritten is still evidence: kept as sent, and marked so.
        stripped = strip_pdf_metadata(data) if kind == "pdf" else strip_video_metadata(data, mime)
        stripped_mime = sniff(stripped) if stripped is not None else None
        if stripped_mime is not None:
            data, mime = stripped, stripped_mime
        else:
            metadata_kept = True
    return CleanFile(
        kind=kind,
        mime_type=mime,
        data=data,
        original_name=name,
        sha256=hashlib.sha256(data).hexdigest(),
        metadata_kept=metadata_kept,
    )


def declared_pixels(data, max_pixels, name=""):
    """The pixels decoding an image will cost, from its headers alone (0 for other files).

    Pillow opens lazily: sizes and frame counts come from the headers. Animation
    frames count each (as `strip_image` decodes them). Refuses an image over its
    limits, and one whose header cannot be read.
    """
    mime = sniff(data)
    if mime is None or ACCEPTED[mime] != "image":
        return 0
    try:
        with Image.open(io.BytesIO(data)) as image:
            frame = image.width * image.height
            animated = PIL_FORMATS[mime] in ANIMATED and getattr(image, "is_animated", False)
            frames = image.n_frames if animated else 1
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise EvidenceRejected(_l("This image is too large to process."), name) from None
    except Exception:  # Pillow raises many kinds of error on hostile or broken files
        raise EvidenceRejected(_l("This image is damaged and cannot be read."), name) from None
    if frame > max_pixels:
        raise EvidenceRejected(_l("This image is too large to process."), name)
    if animated and (frames > MAX_FRAMES or frames * frame > max_pixels // 2):
        raise EvidenceRejected(_l("This animation has too many frames to process."), name)
    return frame * frames


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
            if fmt in ANIMATED and getattr(image, "is_animated", False):
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
