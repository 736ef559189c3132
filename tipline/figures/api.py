"""The public figures of /stats in the API, for anyone: the same tables, the same small-count rule.

A count the page shows as "fewer than N" has no value here either: `value` is null and `shown` says
"<N", so that no number hidden on the page can be read from the API.
"""

from flask import request
from marshmallow import EXCLUDE, Schema, fields

from tipline.api.auth import api_blueprint, public
from tipline.api.fields import UtcDateTime
from tipline.api.problems import parameter_errors, refused
from tipline.figures.service import figures, read_choice

bp = api_blueprint("api_figures", __name__, description="The public figures of /stats: no key.")


class FiguresQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    region = fields.String(load_default="", metadata={"description": "A region code; the nation by default"})
    period = fields.String(
        load_default="", metadata={"description": "YYYY-MM, or YYYY-MM..YYYY-MM; the last 12 months by default"}
    )


class CellOut(Schema):
    value = fields.Function(lambda cell: None if cell.hidden else cell.value, allow_none=True)
    shown = fields.String(metadata={"description": "As the page and its CSV show it"})
    hidden = fields.Boolean(metadata={"description": "Above zero but under the threshold: not given exactly"})


class RowOut(Schema):
    label = fields.Function(lambda row: str(row[0]))
    cells = fields.Function(lambda row: CellOut(many=True).dump(row[1]))


class TableOut(Schema):
    key = fields.String()
    title = fields.Function(lambda table: str(table.title))
    description = fields.Function(lambda table: str(table.description))
    columns = fields.Function(lambda table: [str(table.label_heading), *(str(h) for h in table.headings)])
    rows = fields.List(fields.Nested(RowOut))


class FiguresOut(Schema):
    region = fields.Function(lambda result: {"code": result.region.code, "name": result.region.name})
    first_month = fields.Function(lambda result: result.period.first)
    last_month = fields.Function(lambda result: result.period.last)
    refreshed_at = UtcDateTime(allow_none=True)
    headline = fields.Function(lambda result: {name: CellOut().dump(cell) for name, cell in result.headline.items()})
    tables = fields.List(fields.Nested(TableOut))


@bp.route("/stats")
@public
@bp.arguments(FiguresQuery, location="query")
@bp.response(200, FiguresOut)
def stats(_query):
    """The figures of a region (and below) over a period of months, as /stats shows them."""
    region, period, errors, _typed = read_choice(request.args)
    if errors:
        raise refused(parameter_errors(errors))
    return figures(region, period)
