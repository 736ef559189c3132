"""/stats: the public figures, one chart, table and CSV file each, for a period and a region picked without script."""

from flask import Blueprint, abort, current_app, render_template, request
from sqlalchemy import select

from tipline.extensions import db
from tipline.figures import charts
from tipline.figures.service import figures, national_region, period_choices, read_choice
from tipline.regions.models import Region
from tipline.regions.service import region_choices, subtree_codes
from tipline.spreadsheet import csv_bytes

bp = Blueprint("figures", __name__, url_prefix="/stats")


def _choice():
    """The region and period asked for, the errors found, and the values as typed (to show again)."""
    return read_choice(request.args)


def _region_options(region):
    """The nation and the provinces; and, once a province (or a place in it) is picked, that province's places."""
    root = national_region()
    provinces = db.session.scalars(select(Region.code).where(Region.parent_code == root.code)).all()
    shown = {root.code, *provinces}
    province = next((r for r in region.path() if r.parent_code == root.code), None)
    if province is not None:
        shown.update(subtree_codes(province.code))
    return region_choices(within=shown)


@bp.route("")
def stats():
    """The figures page."""
    region, period, errors, typed = _choice()
    result = figures(region, period)
    return render_template(
        "tipline/stats.html",
        result=result,
        charts={table.key: charts.layout(table) for table in result.tables},
        errors=errors,
        typed=typed,
        regions=_region_options(region),
        periods=period_choices(),
        min_count=current_app.config["FIGURES_MIN_COUNT"],
    ), (400 if errors else 200)


@bp.route("/figures/<key>.csv")
def figure_csv(key):
    """One figure's numbers, exactly as the page shows them."""
    region, period, errors, _typed = _choice()
    if errors:
        return "\n".join(errors.values()) + "\n", 400, {"Content-Type": "text/plain; charset=utf-8"}
    table = figures(region, period).table(key)
    if table is None:
        abort(404)
    header, *rows = table.csv_rows()
    name = f"tipline-{key}-{region.code}-{period.first}-{period.last}.csv"
    return (
        csv_bytes(header, rows),
        200,
        {"Content-Type": "text/csv; charset=utf-8", "Content-Disposition": f'attachment; filename="{name}"'},
    )
