"""The parts of an evaluation's tables: cells, rows, headings, percentiles, and the region tree they are read over."""

from dataclasses import dataclass, field

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from cases.evaluation.measures import Scope
from tipline import catalog
from tipline.extensions import db
from tipline.i18n import localized
from tipline.regions.models import Region
from tipline.regions.service import branches, tree

# Cell kinds: how a value is shown (cases/evaluation/views.py: figure).
TEXT, COUNT, DAYS, PERCENT, CHANGE, PLATFORM = "text", "count", "days", "percent", "change", "platform"
ALL = "all"  # the key of a row that counts every department, or every part of the region
OWN = "own"  # the key of the row of cases at the region's own level (not in a region below it)
ANY = "any"  # the key of "escalated to any region"
# Tables with a row per organisation or platform show the ones with the most, at most this many.
ROW_CAP = 100


def percentile(values, p):
    """The p-th percentile (p an integer from 1 to 100) by the nearest-rank method; None without values.

    The smallest value that at least p percent of the values are at or below: the value of
    rank ceil(p * n / 100) in ascending order, the rank computed in integers (no float error at
    p * n / 100 = 9 exactly). So the median (p=50) of an even number of values is the lower of
    the middle two, and every percentile is one of the values: [1, 2, 3, 4, 10] has median 3
    and 90th percentile 10.
    """
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, (p * len(ordered) + 99) // 100)
    return ordered[rank - 1]


@dataclass
class Cell:
    """One value of a table, and the drill-down filter listing the cases it counts (None: not a count of cases)."""

    value: object = None  # int, float, text (maybe lazy) or None (nothing to show)
    kind: str = TEXT
    drill: dict | None = None  # the drill-down's query arguments (cases/evaluation/views.py: evaluation_cases)
    ref: int | None = None  # PLATFORM: the platform's id, for the link to its staff page


@dataclass
class Row:
    """One row of a table: a stable key, and its cells."""

    key: str  # stable: a measure, a department, a region code, an organisation's or platform's id
    cells: list  # the first cell heads the row


@dataclass
class Table:
    """One table of the evaluation: its key (in URLs), title, column headings and rows."""

    key: str
    title: object  # lazy
    columns: list  # headings (lazy), one per cell of a row
    rows: list = field(default_factory=list)
    note: object = None  # how it counts, in a sentence (lazy)


# Words built of other words are translated when shown: in the reader's language, or a report's.


def compared(label):
    """The three headings of a figure compared with the previous period."""
    return [
        label,
        LazyString(lambda: _("%(figure)s: previous period", figure=label)),
        LazyString(lambda: _("%(figure)s: change", figure=label)),
    ]


def itself(region):
    """The row of the cases at the region's own level, in none of the regions below it."""
    name = region_name(region)
    return LazyString(lambda: _("%(region)s itself", region=name))


def all_of(region):
    """The row of the whole region tree."""
    name = region_name(region)
    return LazyString(lambda: _("All of %(region)s", region=name))


def change(current, previous):
    """The difference from the previous period; None when either is missing."""
    if current is None or previous is None:
        return None
    difference = current - previous
    return round(difference, 1) if isinstance(difference, float) else difference


class Basis:
    """What one evaluation reads over: the region tree and its branches, the two periods, now."""

    def __init__(self, region, period, now):
        self.region, self.period, self.previous, self.now = region, period, period.previous(), now
        owner = branches(region.code)
        self.branch_of = {code: OWN if child == region.code else child for code, child in owner.items()}
        below = {}
        for code, child in sorted(owner.items()):
            if child != region.code:
                below.setdefault(child, []).append(code)
        self.branches = {child: tuple(codes) for child, codes in sorted(below.items())}  # child -> its subtree
        self.codes = tree(self.branch_of)
        self.names = {r.code: r for r in db.session.scalars(select(Region).where(Region.code.in_(self.branches)))}

    def scope(self, period=None, **dims):
        """The measures' scope: the whole tree, the period (this one by default), now, and the dimensions."""
        period = period or self.period
        return Scope(self.codes, period.start, period.end, self.now, **dims)

    def drill(self, measure, period=None, region=None, **dims):
        """The drill-down's query arguments for a cell (a period of None: a figure of now)."""
        args = {"measure": measure, "region": self.region.code if region in (None, ALL, OWN) else region}
        if region == OWN:
            args["level"] = OWN
        if period is not None:
            args["date_from"], args["date_to"] = period.starts_on.isoformat(), period.ends_on.isoformat()
        args.update({name: str(value) for name, value in dims.items() if value is not None})
        return args

    def parts(self):
        """The rows of a table per region below: (key, label), the branches, then the region's own level, then all."""
        found = [(code, region_name(self.names[code])) for code in self.branches]
        if self.branches:
            found.append((OWN, itself(self.region)))
        found.append((ALL, all_of(self.region)))
        return found

    def split(self, items, region_of):
        """The items by the row of a per-region table they count in: {branch or OWN: [...], ALL: every item}."""
        found = {part: [] for part, _label in self.parts()}
        for item in items:
            part = self.branch_of.get(region_of(item))
            if part in found and part != ALL:
                found[part].append(item)
            found[ALL].append(item)
        return found


def region_name(region):
    """A region's name in the language of whoever reads it (the table may be read later, in a report)."""
    return LazyString(localized, region.name_zh, region.name_en)


def department_rows():
    """(key, label) of the rows per department: each department, then all of them."""
    return [*catalog.DEPARTMENTS.items(), (ALL, _l("All departments"))]


def in_department(department, lead, co):
    """Whether a case led by `lead` and co-handled by `co` counts for the row `department`."""
    return department == ALL or department in (lead, co)


def as_dimension(department):
    """A department as a drill-down dimension (None: every department)."""
    return None if department == ALL else department


def count_cells(basis, measure, current, previous, **drill):
    """A count this period, the previous period, and the change, each linking to its cases."""
    return [
        Cell(current, COUNT, basis.drill(measure, basis.period, **drill)),
        Cell(previous, COUNT, basis.drill(measure, basis.previous, **drill)),
        Cell(change(current, previous), CHANGE),
    ]


def value_cells(kind, current, previous, current_drill=None, previous_drill=None):
    """A value (days, a share) this period, the previous period, and the change."""
    return [
        Cell(current, kind, current_drill),
        Cell(previous, kind, previous_drill),
        Cell(change(current, previous), CHANGE),
    ]
