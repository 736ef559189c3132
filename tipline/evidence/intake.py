"""Taking in the files of one form submission: checked within the limits, kept in quarantine until cleaned."""

from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from tipline.evidence.files import EvidenceRejected, accept_upload, display_name, read_limited, too_many_pixels
from tipline.evidence.models import Evidence
from tipline.evidence.storage import evidence_storage, quarantine_storage


def _megabytes(n):
    return n // (1024 * 1024)


def too_many_files():
    """The message for too many files, in the page's language (the form's script says it too)."""
    return _("Attach at most %(n)d files.", n=current_app.config["EVIDENCE_MAX_FILES"])


def file_too_big(name):
    """The message for one file over the size limit."""
    mb = _megabytes(current_app.config["EVIDENCE_MAX_FILE_BYTES"])
    return _("%(name)s: a file may be at most %(mb)d MB.", name=name, mb=mb)


def too_much_in_all():
    """The message for files over the limit together."""
    mb = _megabytes(current_app.config["EVIDENCE_MAX_TOTAL_BYTES"])
    return _("All files together may be at most %(mb)d MB.", mb=mb)


def clean_form_files(uploads):
    """Check the uploaded files of a form against the limits, by their bytes and headers only.

    Returns (accepted files, error messages). Any error means none is kept, so the
    reporter can fix the set and send it again. Nothing is decoded here: the files
    are returned raw, for quarantine, and the check job cleans them.
    """
    config = current_app.config
    chosen = [f for f in uploads or () if isinstance(f, FileStorage) and f.filename]
    if len(chosen) > config["EVIDENCE_MAX_FILES"]:
        return [], [too_many_files()]
    received, errors = _read_within_limits(chosen, config)
    accepted, pixels = [], 0
    for filename, data in received:
        try:
            accepted.append(accept_upload(data, filename, config["EVIDENCE_MAX_PIXELS"]))
            pixels += accepted[-1].pixels
        except EvidenceRejected as exc:
            # One format for every file error, with the colon of the page's language.
            errors.append(_("%(name)s: %(reason)s", name=exc.name, reason=exc.message))
    # Decoding costs time and memory by the pixel: one request may bring only so many for the job.
    if not errors and pixels > config["EVIDENCE_MAX_TOTAL_PIXELS"]:
        errors.append(str(too_many_pixels(config["EVIDENCE_MAX_TOTAL_PIXELS"])))
    return ([] if errors else accepted), errors


def _read_within_limits(chosen, config):
    received, errors, total = [], [], 0
    for upload in chosen:
        name = display_name(upload.filename)
        data = read_limited(upload.stream, config["EVIDENCE_MAX_FILE_BYTES"])
        if data is None:
            errors.append(file_too_big(name))
            continue
        total += len(data)
        if total > config["EVIDENCE_MAX_TOTAL_BYTES"]:
            errors.append(too_much_in_all())
            break
        received.append((upload.filename, data))
    return received, errors


def keep_evidence(tip, event, accepted):
    """A new Evidence row for an accepted file, its bytes stored: raw ones in quarantine, clean ones served.

    The caller adds the row and records the check job that cleans and checks it.
    """
    if accepted.raw:
        keys = {"raw_key": quarantine_storage().save(accepted.data)}
    else:
        keys = {"storage_key": evidence_storage().save(accepted.data)}
    return Evidence(
        tip=tip,
        event=event,
        kind=accepted.kind,
        mime_type=accepted.mime_type,
        size=len(accepted.data),
        sha256=accepted.sha256,
        original_name=accepted.original_name,
        metadata_kept=accepted.metadata_kept,
        **keys,
    )
