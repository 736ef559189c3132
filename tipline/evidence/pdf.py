"""PDF evidence, read with a real PDF parser (pikepdf): identity metadata removed, active content found."""

import io

import pikepdf

# Keys and name values that make a PDF run, launch or carry something when it is opened.
# Found anywhere: in plain objects, in compressed object streams, in name trees.
PDF_ACTIVE_NAMES = frozenset(("JavaScript", "JS", "Launch", "EmbeddedFile", "EmbeddedFiles", "AA", "RichMedia", "XFA"))
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
    """The PDF rewritten without its document info (/Author, /Creator, ...) and XMP metadata.

    Pages and their content are kept as they are. Returns None when the file cannot
    be read, so that the caller keeps it as sent and says so.
    """
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
            return out.getvalue()
    except Exception:  # a file pikepdf opens but cannot write is kept as sent
        return None


def _name(value):
    return str(value)[1:] if isinstance(value, pikepdf.Name) else None


def _children(obj):
    if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
        return list(obj.items())
    if isinstance(obj, pikepdf.Array):
        return [(None, item) for item in obj]
    return []


def pdf_active_content(data):
    """The active-content names a PDF carries anywhere (empty when none).

    Every object is visited once, including those packed in compressed object
    streams, so nothing hides from the check by compression or #xx escapes in names.
    Raises PdfUnreadable when the parser cannot read the file.
    """
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
    return sorted(found)
