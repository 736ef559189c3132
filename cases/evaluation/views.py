"""The evaluation pages: /staff/evaluation, a CSV file per table, and the cases behind each number.

Supervisors and administrators, over their own region tree: a region outside it is not offered,
and a drill-down into one answers 404, as every staff page does.
"""

from flask import abort, make_response, render_template, request
from flask_babel import format_decimal, format_number
from flask_babel import gettext as _
from flask_login import current_user

from cases.access import staff_required, visible_regions
from cases.blueprint import bp
from cases.evaluation import service
from cases.evaluation.cells import CHANGE, COUNT, DAYS, PERCENT
from cases.evaluation.filters import FIELD_LABELS, DrillRefused, read_ask, read_drill
from cases.evaluation.measures import WITHIN
from cases.evaluation.periods import QUICK
from tipline.extensions import db
from tipline.regions.models import Region
from tipline.regions.service import region_choices
from tipline.timeutil import FIRST_DAY, LAST_DAY, app_today, utcnow

READERS = ("supervisor", "admin")
ONE_DECIMAL = "#,##0.0"


@bp.app_template_filter("figure")
def figure(cell):
    """A cell's value as the page shows it, in the page's language: "—" where there is none."""
    value = cell.value
    if value is None:
        return "—"
    if cell.kind == COUNT:
        return format_number(value)
    if cell.kind == DAYS:
        return format_decimal(value, ONE_DECIMAL)
    if cell.kind == PERCENT:
        return format_decimal(value, ONE_DECIMAL) + "%"
    if cell.kind == CHANGE:
        size = format_decimal(abs(value), ONE_DECIMAL) if isinstance(value, float) else format_number(abs(value))
        return ("+" if value > 0 else "\u2212" if value < 0 else "") + size
    return str(value)


@bp.app_template_filter("days")
def days(value):
    """Days to one decimal, in the page's language."""
    return "—" if value is None else format_decimal(value, ONE_DECIMAL)


def _ask():
    """The evaluation the query string asks for, and the regions the reader may choose."""
    offered = region_choices(within=visible_regions(current_user))
    ask = read_ask(request.args, {code for code, _name in offered}, current_user.region_code, app_today())
    return ask, offered


def _page(ask, offered, result=None):
    """The evaluation page: the form as typed, its errors, and the tables when there are any."""
    errors = {name: (str(FIELD_LABELS[name]), message) for name, message in ask.errors.items()}
    return render_template(
        "cases/evaluation.html",
        typed=ask.typed,
        errors=errors,
        regions=offered,
        quick=[(key, label) for key, (label, _choose) in QUICK.items()],
        result=result,
        args=ask.as_args() if result else {},
        first_day=FIRST_DAY.isoformat(),
        last_day=LAST_DAY.isoformat(),
    )


@bp.route("/evaluation")
@staff_required(*READERS)
def evaluation():
    """The evaluation of a region of the reader's tree over a period, against the period before."""
    ask, offered = _ask()
    if ask.errors:
        return _page(ask, offered), 400
    result = service.evaluate(ask.region_code, ask.period.starts_on, ask.period.ends_on, utcnow())
    return _page(ask, offered, result)


@bp.route("/evaluation/<table>.csv")
@staff_required(*READERS)
def evaluation_csv(table):
    """One table of the evaluation as a CSV file: the numbers the page shows."""
    if table not in service.TABLE_KEYS:
        abort(404)
    ask, offered = _ask()
    if ask.errors:
        return _page(ask, offered), 400
    period = ask.period
    result = service.evaluate(ask.region_code, period.starts_on, period.ends_on, utcnow(), only={table})
    response = make_response(service.table_csv(result.tables[table]))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    name = f"evaluation-{table}-{ask.region_code}-{period.starts_on:%Y%m%d}-{period.ends_on:%Y%m%d}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/evaluation/cases")
@staff_required(*READERS)
def evaluation_cases():
    """The cases behind one number of the evaluation, newest first, a page at a time."""
    try:
        ask = read_drill(request.args)
    except DrillRefused as exc:
        return render_template("cases/evaluation_cases.html", error=str(exc)), 400
    if ask.region_code not in visible_regions(current_user):
        abort(404)
    now = utcnow()
    scope = service.drill_scope(ask.region_code, ask.period, now, own_level=ask.own_level, **ask.dims)
    total = service.count_cases(ask.measure, scope)
    return render_template(
        "cases/evaluation_cases.html",
        ask=ask,
        measure=service.MEASURES[ask.measure],
        region=db.session.get(Region, ask.region_code),
        narrowed=_narrowed_by(ask, total),
        total=total,
        page=service.case_page(ask.measure, scope, before=ask.before),
        args=ask.as_args(),
    )


def _narrowed_by(ask, total):
    """(label, value) of the list's dimensions, in words.

    An organisation is named only when the list holds cases of the reader's regions with its tips,
    as the evaluation page itself names it; otherwise by its number.
    """
    from cases import states
    from tipline import catalog
    from tipline.organisations.models import Organisation
    from tipline.platforms.models import Platform

    found = []
    dims = ask.dims
    if "department" in dims:
        found.append((_("Department"), catalog.DEPARTMENTS[dims["department"]]))
    if "state" in dims:
        found.append((_("State"), states.STATES[dims["state"]]))
    if "to_region" in dims:
        code = dims["to_region"]
        above = db.session.get(Region, code) if code != WITHIN else None
        where = _("Its own region only") if code == WITHIN else (above.name if above else code)
        found.append((_("Escalated to"), where))
    if "platform" in dims:
        platform = db.session.get(Platform, dims["platform"])
        found.append((_("Platform"), platform.name if platform else f"#{dims['platform']}"))
    if "organisation" in dims:
        organisation = db.session.get(Organisation, dims["organisation"]) if total else None
        found.append((_("Organisation"), organisation.name if organisation else f"#{dims['organisation']}"))
    return found
