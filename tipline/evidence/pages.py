"""A PDF's pages as pictures, so staff read a reported PDF without anything in it running.

PDFium (the engine of Chromium's own viewer) draws each page to a bitmap on the server;
the browser gets a PNG. Scripts, forms, links and embedded files of the PDF never reach it.
"""

import threading
from io import BytesIO

import pypdfium2 as pdfium

# The longest side of a drawn page, in pixels: readable on a wide screen, bounded for a hostile page size.
MAX_SIDE = 1600
# PDFium is not thread-safe: one document at a time per process (a threaded server shares it).
PDFIUM = threading.Lock()


class Unreadable(Exception):
    """The PDF cannot be opened or drawn."""


def page_count(path):
    """How many pages the PDF at `path` has."""
    with PDFIUM:
        return _page_count(path)


def _page_count(path):
    try:
        document = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        raise Unreadable(str(exc)) from exc
    try:
        return len(document)
    finally:
        document.close()


def render_page(path, number, max_side=MAX_SIDE):
    """Page `number` (from 1) of the PDF at `path` as PNG bytes, at most `max_side` pixels on its longest side."""
    with PDFIUM:
        return _render_page(path, number, max_side)


def _render_page(path, number, max_side):
    try:
        document = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        raise Unreadable(str(exc)) from exc
    try:
        if not 1 <= number <= len(document):
            raise IndexError(number)
        page = document[number - 1]
        width, height = page.get_size()
        scale = min(2.0, max_side / max(width, height, 1))
        image = page.render(scale=scale, may_draw_forms=False).to_pil()
        out = BytesIO()
        image.save(out, "PNG", optimize=False)
        return out.getvalue()
    except pdfium.PdfiumError as exc:
        raise Unreadable(str(exc)) from exc
    finally:
        document.close()
