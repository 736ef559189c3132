"""The evaluation of a region tree over a period: named tables of figures, each with the cases behind it.

Plain functions, no request needed: the staff page (cases/evaluation/views.py) and the
periodic reports call `evaluate` and turn its tables into HTML or CSV (`table_csv`).

How the figures are made, and why:
- Every count is a count of rows under the conditions of cases/evaluation/measures.py, the ones
  the drill-down lists with. Counts are indexed aggregate queries bounded by the period
  (case_record.created_at and closed_at are indexed) or by the open states; nothing is rolled
  up in advance, so a figure is never stale and always equals a count made from the rows.
- Times (days to triage, to first action, to close) are read for the cases opened in the period
  with one query per period, bounded by created_at, and their percentiles are taken in Python,
  so that SQLite and PostgreSQL give the very same figure. Percentiles are nearest-rank (see
  `percentile`); days are shown to one decimal.
- A case the cyberspace and the education department handle together counts for both
  departments; an "all departments" row counts it once. A case merged into another counts only
  as the other. Figures "now" (open, overdue, repeat offenders) have no previous period.
"""

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from cases.evaluation import tables
from cases.evaluation.cells import DAYS, PERCENT, Basis, Cell, Row, Table, percentile
from cases.evaluation.measures import MEASURES, Scope, case_page, count_cases
from cases.evaluation.periods import Period
from cases.evaluation.tables import TABLE_KEYS
from tipline.extensions import db
from tipline.regions.models import Region
from tipline.regions.service import subtree_codes, tree
from tipline.spreadsheet import safe_cell
from tipline.timeutil import utcnow

__all__ = [
    "MEASURES",
    "TABLE_KEYS",
    "Cell",
    "Evaluation",
    "Period",
    "Row",
    "Table",
    "case_page",
    "count_cases",
    "drill_scope",
    "evaluate",
    "percentile",
    "table_csv",
]


@dataclass
class Evaluation:
    """The tables of one region tree over one period, against the period before."""

    region: Region
    period: Period
    previous: Period
    now: datetime
    tables: dict  # key -> Table, in the order shown


def evaluate(region_code, starts_on, ends_on, now=None, only=None):
    """The evaluation of a region and every region below it, from `starts_on` to `ends_on` (Beijing days,
    both included) against the period of the same length just before; figures "now" at `now` (naive UTC).

    `only`: the keys of the tables wanted (TABLE_KEYS), all by default. Raises LookupError when the
    region does not exist. Reads only; needs an app context, no request.
    """
    region = db.session.get(Region, region_code)
    if region is None:
        raise LookupError(region_code)
    basis = Basis(region, Period(starts_on, ends_on), now or utcnow())
    found = tables.build_tables(basis, only)
    return Evaluation(region, basis.period, basis.previous, basis.now, {table.key: table for table in found})


def csv_value(cell):
    """A cell as the CSV file holds it: numbers plain (days and shares to one decimal, as shown), words made safe."""
    if cell.value is None:
        return ""
    if cell.kind in (DAYS, PERCENT) or isinstance(cell.value, float):
        return f"{cell.value:.1f}"
    if isinstance(cell.value, int):
        return str(cell.value)  # a number the evaluation made: "-3" is a change, no formula
    return safe_cell(str(cell.value))


def table_csv(table):
    """The table as a CSV file: its headings, then exactly the values shown; UTF-8 with a BOM for Excel."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(str(heading)) for heading in table.columns])
    for row in table.rows:
        writer.writerow([csv_value(cell) for cell in row.cells])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def drill_scope(region_code, period, now, own_level=False, **dims):
    """The scope of a drill-down: the region tree (or only the region's own level), the period (None for a
    figure of now) and the cell's dimensions (department, platform, organisation, to_region, state)."""
    codes = (region_code,) if own_level else tree(subtree_codes(region_code))
    start, end = (period.start, period.end) if period is not None else (None, None)
    return Scope(codes, start, end, now, **dims)
