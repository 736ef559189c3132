"""Turning the files of one form submission into clean evidence, within the limits."""

from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from tipline.evidence.files import EvidenceRejected, clean_upload, display_name, read_limited


def _megabytes(n):
    return n // (1024 * 1024)


def clean_form_files(uploads):
    """Check the uploaded files of a form against the limits and by content.

    Returns (clean files, error messages). Any error means none is kept, so the
    reporter can fix the set and send it again.
    """
    config = current_app.config
    chosen = [f for f in uploads or () if isinstance(f, FileStorage) and f.filename]
    errors = []
    if len(chosen) > config["EVIDENCE_MAX_FILES"]:
        return [], [_("Attach at most %(n)d files.", n=config["EVIDENCE_MAX_FILES"])]
    clean, total = [], 0
    for upload in chosen:
        name = display_name(upload.filename)
        data = read_limited(upload.stream, config["EVIDENCE_MAX_FILE_BYTES"])
        if data is None:
            errors.append(
                _(
                    "%(name)s: a file may be at most %(mb)d MB.",
                    name=name,
                    mb=_megabytes(config["EVIDENCE_MAX_FILE_BYTES"]),
                )
            )
            continue
        total += len(data)
        if total > config["EVIDENCE_MAX_TOTAL_BYTES"]:
            errors.append(
                _(
                    "All files together may be at most %(mb)d MB.",
                    mb=_megabytes(config["EVIDENCE_MAX_TOTAL_BYTES"]),
                )
            )
            break
        try:
            clean.append(clean_upload(data, upload.filename, config["EVIDENCE_MAX_PIXELS"]))
        except EvidenceRejected as exc:
            errors.append(f"{exc.name}: {exc.message}")
    return ([] if errors else clean), errors
