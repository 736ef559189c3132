"""Statements of reasons for supervisors: the internal version of their region tree, for a period, as files.

Each download is a row of the audit log. The format: docs/statements-of-reasons.md.
"""

from flask import Response, render_template, request
from flask_login import current_user

from cases.access import staff_required
from cases.audit import audit
from cases.blueprint import bp
from tipline.extensions import db
from tipline.figures.statements import (
    MEDIA_TYPES,
    count_statements,
    export_file,
    file_name,
    parse_period,
)
from tipline.timeutil import FIRST_DAY, LAST_DAY

READERS = ("supervisor", "admin")


def _page(given, count=None):
    """The page: the period as typed, what is wrong with it, and the downloads when it is right."""
    return render_template(
        "cases/statements.html",
        typed=given.typed,
        errors=given.errors,
        period={"since": given.since.isoformat(), "until": given.until.isoformat()} if not given.errors else None,
        count=count,
        first_day=FIRST_DAY.isoformat(),
        last_day=LAST_DAY.isoformat(),
    )


@bp.route("/statements")
@staff_required(*READERS)
def statements():
    """Choose a period and download its statements of reasons."""
    given = parse_period(request.args)
    if given.errors:
        return _page(given), 400
    return _page(given, count_statements(given.since, given.until, current_user.region_code))


def _download(file_format):
    """The internal statements of the viewer's region tree for the period, streamed; audited first."""
    given = parse_period(request.args)
    if given.errors:
        return _page(given), 400
    region = current_user.region_code
    audit(
        current_user,
        "statements.export",
        "region",
        int(region),
        since=given.since.isoformat(),
        until=given.until.isoformat(),
        format=file_format,
        rows=count_statements(given.since, given.until, region),
    )
    db.session.commit()
    body = export_file(file_format, given.since, given.until, region_code=region)
    response = Response(body, content_type=MEDIA_TYPES[file_format])
    name = file_name(given.since, given.until, file_format)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/statements.jsonl")
@staff_required(*READERS)
def statements_jsonl():
    """The internal statements of reasons as JSON Lines."""
    return _download("jsonl")


@bp.route("/statements.csv")
@staff_required(*READERS)
def statements_csv():
    """The internal statements of reasons as CSV, for a spreadsheet."""
    return _download("csv")
