"""PDF evidence, read with a real PDF parser (pikepdf): identity metadata removed, active content found.

A small PDF can unpack to gigabytes once its object streams are read, so the parser
runs in a child process with bounded memory and time (`python -m tipline.evidence.pdf`);
a file that goes past the bounds is treated as unreadable.
"""

import io
import json
import resource
import subprocess
import sys
from pathlib import Path

import pikepdf

# Keys and name values that make a PDF run, launch, call out or carry something when it is opened or
# clicked. Found anywhere: in plain objects, in compressed object streams, in name trees. Plain web
# links (/URI) are everyday and not flagged.
PDF_ACTIVE_NAMES = frozenset(
    (
        "JavaScript",
        "JS",
        "Launch",
        "EmbeddedFile",
        "EmbeddedFiles",
        "AA",
        "RichMedia",
        "XFA",
        "GoToR",  # opens another file, e.g. on a network share (leaks the viewer's credentials)
        "GoToE",
        "SubmitForm",
        "ImportData",
    )
)
# Bounds of the child process that parses a PDF.
PARSER_MEMORY_BYTES = 512 * 1024 * 1024
PARSER_SECONDS = 60
PROJECT_ROOT = Path(__file__).resolve().parents[2]  # where `-m tipline.evidence.pdf` is found
# JPEG segments that carry metadata (APP1 Exif/XMP, APP2-APP13 and APP15 vendor data, COM comments);
# APP0 (JFIF) and APP14 (Adobe colour transform) are needed to show the picture right.
_JPEG_METADATA_MARKERS = frozenset([*range(0xE1, 0xEE), 0xEF, 0xFE])
# Annotation keys that name who made a comment and when; a form field's /T is its name and stays.
_ANNOTATION_IDENTITY_KEYS = ("/T", "/M", "/CreationDate")
# An /OpenAction that only shows a page (a destination, or a GoTo) is everyday; any other is active.
_HARMLESS_OPEN_ACTIONS = ("GoTo",)
# Metadata kept in objects besides the document's own: XMP on pages and images, private app data.
_METADATA_KEYS = ("/Metadata", "/PieceInfo")


class PdfUnreadable(ValueError):
    """The PDF parser could not read the file."""


def _open(data):
    try:
        return pikepdf.open(io.BytesIO(data))
    except Exception as exc:  # pikepdf raises several kinds on broken or hostile files
        raise PdfUnreadable(str(exc)) from None


def strip_pdf_metadata(data):
    """The PDF rewritten without its identity metadata, or None when it cannot be (the caller keeps it and says so).

    Gone: document info (/Author, /Creator, ...), XMP, private app data, comment authors
    and times, and the Exif/XMP/comments of embedded JPEG photos (GPS, camera, owner).
    Pages and their content are kept as they are. Parsed in a bounded child process.
    """
    result = _in_child("strip", data)
    return result if result else None


def pdf_active_content(data):
    """The active-content names a PDF carries anywhere (empty when none).

    Raises PdfUnreadable when the parser cannot read the file or it needs more memory
    or time than a PDF of evidence may (a decompression bomb).
    """
    result = _in_child("scan", data)
    if result is None:
        raise PdfUnreadable("the PDF could not be parsed within its bounds")
    return json.loads(result)


def _limit_child():
    resource.setrlimit(resource.RLIMIT_AS, (PARSER_MEMORY_BYTES, PARSER_MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (PARSER_SECONDS, PARSER_SECONDS))


def _in_child(operation, data):
    """Run `operation` on the PDF in a bounded child process; its output, or None when it failed."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "tipline.evidence.pdf", operation],
            cwd=PROJECT_ROOT,
            input=data,
            capture_output=True,
            timeout=PARSER_SECONDS * 2,
            preexec_fn=_limit_child,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None
    return done.stdout if done.returncode == 0 else None


def _strip(data):
    try:
        pdf = _open(data)
    except PdfUnreadable:
        return None
    try:
        with pdf:
            if "/Info" in pdf.trailer:
                del pdf.trailer["/Info"]
            for obj in pdf.objects:
                if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
                    for key in _METADATA_KEYS:
                        if key in obj:
                            del obj[key]
                    _strip_annotation(obj)
                if isinstance(obj, pikepdf.Stream):
                    _strip_jpeg(obj)
            out = io.BytesIO()
            # Streams are copied as they are, never decompressed (a compressed stream may be a bomb);
            # the file ID is made from the content, not from when and where it was saved.
            pdf.save(
                out,
                deterministic_id=True,
                fix_metadata_version=False,
                stream_decode_level=pikepdf.StreamDecodeLevel.none,
                recompress_flate=False,
            )
            if _had_trouble(pdf):
                return None  # some objects were not read: what they hold was not cleaned either
            return out.getvalue()
    except Exception:  # a file pikepdf opens but cannot write is kept as sent
        return None


def _had_trouble(pdf):
    """Whether the parser skipped or repaired anything (a broken file, or a bomb past the memory bound).

    qpdf treats an object it cannot read as null and carries on; what it hid must not pass as clean.
    """
    return bool(pdf.get_warnings())


def _name(value):
    return str(value)[1:] if isinstance(value, pikepdf.Name) else None


def _children(obj):
    if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
        return list(obj.items())
    if isinstance(obj, pikepdf.Array):
        return [(None, item) for item in obj]
    return []


def _strip_annotation(obj):
    if obj.get("/Type") == pikepdf.Name.Annot or ("/Subtype" in obj and "/Rect" in obj):
        if obj.get("/Subtype") == pikepdf.Name.Widget:
            return  # a form field: its /T is the field's name
        for key in _ANNOTATION_IDENTITY_KEYS:
            if key in obj:
                del obj[key]


def _strip_jpeg(stream):
    """An embedded JPEG photo without its metadata segments; the picture data is copied as it is."""
    if stream.get("/Subtype") != pikepdf.Name.Image or stream.get("/Filter") != pikepdf.Name.DCTDecode:
        return
    raw = stream.read_raw_bytes()
    cleaned = strip_jpeg_segments(raw)
    if cleaned != raw:
        stream.write(cleaned, filter=pikepdf.Name.DCTDecode, decode_parms=stream.get("/DecodeParms"))


def strip_jpeg_segments(jpeg):
    """A JPEG's bytes without its metadata segments (_JPEG_METADATA_MARKERS); unchanged if it is not a JPEG."""
    if not jpeg.startswith(b"\xff\xd8"):
        return jpeg
    out, at = bytearray(b"\xff\xd8"), 2
    while at + 4 <= len(jpeg) and jpeg[at] == 0xFF:
        marker = jpeg[at + 1]
        if marker == 0xDA:  # start of scan: the picture data follows, to the end
            break
        length = int.from_bytes(jpeg[at + 2 : at + 4], "big")
        if length < 2:
            return jpeg  # malformed: leave it to the caller's other checks
        if marker not in _JPEG_METADATA_MARKERS:
            out += jpeg[at : at + 2 + length]
        at += 2 + length
    return bytes(out + jpeg[at:])


def _scan(data):
    """Every object is visited once, including those packed in compressed object streams, so nothing
    hides from the check by compression or #xx escapes in names."""
    pdf = _open(data)
    found = set()
    with pdf:
        stack = [pdf.trailer] + list(pdf.objects)
        while stack:
            obj = stack.pop()
            for key, value in _children(obj):
                name = key[1:] if key else None
                if name in PDF_ACTIVE_NAMES:
                    found.add(name)
                if name == "OpenAction" and isinstance(value, pikepdf.Dictionary):
                    if _name(value.get("/S")) not in _HARMLESS_OPEN_ACTIONS:
                        found.add("OpenAction")
                value_name = _name(value)
                if value_name in PDF_ACTIVE_NAMES:
                    found.add(value_name)
                # Indirect objects are visited from pdf.objects: follow only direct ones.
                if isinstance(value, (pikepdf.Dictionary, pikepdf.Array, pikepdf.Stream)) and not value.is_indirect:
                    stack.append(value)
        if _had_trouble(pdf):
            raise PdfUnreadable("; ".join(pdf.get_warnings())[:500])
    return sorted(found)


def _main(operation):
    """The child process: the PDF on standard input, the result on standard output, exit 1 when unreadable."""
    data = sys.stdin.buffer.read()
    if operation == "strip":
        result = _strip(data)
    else:
        try:
            result = json.dumps(_scan(data)).encode()
        except PdfUnreadable:
            result = None
    if result is None:
        sys.exit(1)
    sys.stdout.buffer.write(result)


if __name__ == "__main__":
    _main(sys.argv[1])
