"""The public statements of reasons, downloadable from /stats: JSON Lines and CSV, without internal facts."""

from flask import Blueprint, Response, request, send_file

from tipline.figures.statements import MEDIA_TYPES, export_file, file_name, parse_period

bp = Blueprint("statements", __name__, url_prefix="/stats")

CACHE_SECONDS = 3600  # public data, the same for everyone; a new decision shows within the hour


def _download(file_format):
    """The public statements of the period asked for (the last 12 months by default), streamed."""
    given = parse_period(request.args)
    if given.errors:
        message = " ".join(given.errors.values())
        return Response(message + "\n", status=400, mimetype="text/plain")
    body = export_file(file_format, given.since, given.until, public=True)
    response = Response(body, content_type=MEDIA_TYPES[file_format])
    name = file_name(given.since, given.until, file_format, public=True)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    return response


@bp.route("/statements.jsonl")
def statements_jsonl():
    """The public statements of reasons as JSON Lines (docs/statements-of-reasons.md)."""
    return _download("jsonl")


@bp.route("/statements.csv")
def statements_csv():
    """The public statements of reasons as CSV, one row each, for a spreadsheet."""
    return _download("csv")


@bp.route("/statements.schema.json")
def statements_schema():
    """The JSON Schema the statements follow (docs/statement-of-reasons.schema.json), for whoever reads them."""
    from tipline.settings import ROOT

    response = send_file(ROOT / "docs" / "statement-of-reasons.schema.json", mimetype="application/schema+json")
    response.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    return response
