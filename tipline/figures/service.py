"""The public figures of one region and period, read from the rollup (tipline/figures/rollup.py).

Each figure is a table (the numbers) that a chart draws and a CSV repeats: one
`Table` feeds all three, so they can never disagree. Counts above zero and below
FIGURES_MIN_COUNT are shown as "fewer than" that number, and a median is shown only
when that many tips stand behind it (SMALL_COUNT_RULE below, the one place it lives).
"""

import re
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select

from cases.actions import rules
from tipline import catalog
from tipline.extensions import db
from tipline.figures import rollup
from tipline.figures.models import FigureCount
from tipline.regions.models import Region
from tipline.timeutil import app_today

# ASCII digits only: Python reads "٢٠٢٦" or "２０２６" as 2026 too, and the address would name no period we list.
PERIOD = re.compile(r"(\d{4})(?:-(\d{2}))?", re.ASCII)
TREND_MONTHS = 12
OLDEST_YEAR = 2000


class PeriodError(ValueError):
    """The period typed is not one the figures can show; the message says why."""


@dataclass(frozen=True)
class Period:
    """A run of whole Beijing months, first to last, and the twelve months of the trend ending with the last."""

    text: str  # as typed in the address ("" for the last twelve months)
    months: tuple  # "YYYY-MM", oldest first
    trend: tuple

    @property
    def first(self):
        return self.months[0]

    @property
    def last(self):
        return self.months[-1]


def _month_key(year, month):
    return f"{year:04d}-{month:02d}"


def _months_back(year, month, count):
    """`count` month keys ending with year-month, oldest first."""
    keys = []
    for _step in range(count):
        keys.append(_month_key(year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return tuple(reversed(keys))


def parse_period(text, today=None):
    """The period named by `text`: "" (the last twelve months), "YYYY" (a year) or "YYYY-MM" (a month).

    Raises PeriodError with the message to show for anything else, or a period in the future.
    """
    today = today or app_today()
    text = (text or "").strip()
    if not text:
        months = _months_back(today.year, today.month, TREND_MONTHS)
        return Period("", months, months)
    found = PERIOD.fullmatch(text)
    if not found:
        raise PeriodError(_l("Choose a period from the list, or type a year (2026) or a month (2026-05)."))
    year, month = int(found.group(1)), found.group(2)
    if month is not None and not 1 <= int(month) <= 12:
        raise PeriodError(_l("Choose a period from the list, or type a year (2026) or a month (2026-05)."))
    if year < OLDEST_YEAR or (year, int(month or 1)) > (today.year, today.month):
        raise PeriodError(_l("There are no figures for that period yet."))
    if month is None:
        last = 12 if year < today.year else today.month
        months = tuple(_month_key(year, m) for m in range(1, last + 1))
    else:
        months = (_month_key(year, int(month)),)
    last_year, last_month = (int(part) for part in months[-1].split("-"))
    return Period(text, months, _months_back(last_year, last_month, TREND_MONTHS))


def period_choices(today=None):
    """(value, label) pairs for the period picker: the last twelve months, recent years, the last 24 months."""
    today = today or app_today()
    choices = [("", _l("The last 12 months"))]
    choices += [(str(year), str(year)) for year in range(today.year, today.year - 3, -1)]
    choices += [(key, key) for key in reversed(_months_back(today.year, today.month, 24))]
    return choices


# --- the small-count rule ------------------------------------------------------------------


def min_count():
    """Counts above zero and below this are not shown exactly (FIGURES_MIN_COUNT, one setting)."""
    return current_app.config["FIGURES_MIN_COUNT"]


@dataclass(frozen=True)
class Cell:
    """One number as the public sees it: exact, hidden as "fewer than N", or not available."""

    value: float | int | None  # the exact figure, None when there is none
    hidden: bool = False  # above zero but under the threshold

    @property
    def shown(self):
        """The text in tables and CSV files."""
        if self.hidden:
            return f"<{min_count()}"
        if self.value is None:
            return "–"
        return f"{self.value:g}" if isinstance(self.value, float) else str(self.value)

    @property
    def drawn(self):
        """The length of its bar: nothing for what is hidden or missing."""
        return 0 if self.hidden or self.value is None else self.value


def count_cell(value):
    """A count, hidden when it is small enough to point to a person (SMALL_COUNT_RULE)."""
    value = int(value or 0)
    return Cell(value, hidden=0 < value < min_count())


def median_cell(buckets):
    """The median of whole days from {days: tips}, shown only when enough tips stand behind it.

    Too few tips give no median ("–"), not "<N": in a column of days that would read as "under N days".
    The count of tips next to it is what is hidden as "<N".
    """
    total = sum(buckets.values())
    if total == 0 or total < min_count():
        return Cell(None)
    return Cell(median_of_counts(buckets))


def median_of_counts(buckets):
    """The median of a list given as {value: how many times}: the middle one, or the mean of the middle two."""
    total = sum(buckets.values())
    lower, upper = (total - 1) // 2, total // 2  # 0-based positions of the middle element(s)
    seen, low_value, high_value = 0, None, None
    for value in sorted(buckets):
        seen += buckets[value]
        if low_value is None and seen > lower:
            low_value = value
        if seen > upper:
            high_value = value
            break
    middle = (low_value + high_value) / 2
    return int(middle) if middle == int(middle) else middle


# --- tables --------------------------------------------------------------------------------


@dataclass
class Table:
    """One figure: a title, what its chart shows, its column headings and rows of cells."""

    key: str
    title: str
    description: str
    label_heading: str
    headings: list
    rows: list = field(default_factory=list)  # (row label, [Cell, ...])
    charted: tuple = (0,)  # the columns drawn as bars
    note: str = ""

    @property
    def short_labels(self):
        """Row labels short enough (months) to keep on one line."""
        return all(len(str(label)) <= 8 for label, _cells in self.rows)

    def csv_rows(self):
        """The header and the rows exactly as shown."""
        yield [str(self.label_heading), *(str(h) for h in self.headings)]
        for label, cells in self.rows:
            yield [str(label), *(cell.shown for cell in cells)]


@dataclass
class Figures:
    region: Region
    period: Period
    headline: dict
    tables: list
    refreshed_at: object

    def table(self, key):
        return next((t for t in self.tables if t.key == key), None)


def national_region():
    """The root of the region tree."""
    return db.session.scalars(select(Region).where(Region.parent_code.is_(None)).order_by(Region.code)).first()


def _whole_of(region_code):
    """The rollup rows that count the region and everything below it."""
    return and_(FigureCount.whole.is_(True), FigureCount.region_code == region_code)


def _split_under(region_code, children):
    """The rollup rows that count each child's whole subtree (under its code), and the region's own level."""
    return or_(
        and_(FigureCount.whole.is_(True), FigureCount.region_code.in_(children)),
        and_(FigureCount.whole.is_(False), FigureCount.region_code == region_code),
    )


def _sums(rows, measures, *group, months=None):
    """Sums of the rollup `rows` (a condition: _whole_of or _split_under) of `measures` (a condition on
    FigureCount.measure), grouped by the given columns; from the first to the last of `months` when given
    ("YYYY-MM" keys sort as the months they name)."""
    query = select(*group, func.sum(FigureCount.value)).where(rows, measures).group_by(*group)
    if months is not None:
        query = query.where(FigureCount.month.between(months[0], months[-1]))
    return db.session.execute(query).all()


def read_choice(args):
    """(region, period, errors by name, the values as typed) of a query string asking for figures.

    What is wrong falls back to the nation and the default period, and is said in `errors`.
    """
    asked = {name: args.get(name, "") for name in ("region", "period")}
    errors = {}
    region = national_region()
    if asked["region"]:
        found = (
            db.session.get(Region, asked["region"]) if asked["region"].isascii() and asked["region"].isdigit() else None
        )
        if found is None:
            errors["region"] = _("Choose a region from the list.")
        else:
            region = found
    try:
        period = parse_period(asked["period"])
    except PeriodError as exc:
        errors["period"] = str(exc)
        period = parse_period("")
    # Checked whole; shown again cut short (no region code or period is longer).
    return region, period, errors, {name: value[:20] for name, value in asked.items()}


def figures(region, period):
    """Every public figure of `region` (and below) over `period`.

    Every read is bounded by the shape of the page, never by how many tips there are: the region's
    own whole rows for its totals, its children's whole rows for the table by region.
    """
    below = db.session.scalars(select(Region.code).where(Region.parent_code == region.code)).all()
    whole = _whole_of(region.code)
    counted = (rollup.TIPS, rollup.CLOSED_FOUNDED, rollup.CLOSED_UNFOUNDED)
    action_measures = [rollup.ACTION_PREFIX + code for code in rules.ACTION_TYPES]
    outcomes = FigureCount.measure.in_([*counted, *action_measures])
    months = (min(period.first, period.trend[0]), period.last)  # the trend's twelve months and the period

    by_month, by_category, actions_by_type, actions_by_month = {}, {}, {}, {}
    for measure, month, category, value in _sums(
        whole, outcomes, FigureCount.measure, FigureCount.month, FigureCount.category, months=months
    ):
        if measure.startswith(rollup.ACTION_PREFIX):
            actions_by_month[month] = actions_by_month.get(month, 0) + value
            if month in period.months:
                action_type = measure.removeprefix(rollup.ACTION_PREFIX)
                actions_by_type[action_type] = actions_by_type.get(action_type, 0) + value
            continue
        by_month[(measure, month)] = by_month.get((measure, month), 0) + value
        if month in period.months:
            by_category[(measure, category)] = by_category.get((measure, category), 0) + value

    by_child = {}  # (measure, child code or the region's own) -> count; actions under ACTION_PREFIX
    if below:
        for measure, code, value in _sums(
            _split_under(region.code, below), outcomes, FigureCount.measure, FigureCount.region_code,
            months=period.months,
        ):  # fmt: skip
            key = (rollup.ACTION_PREFIX if measure.startswith(rollup.ACTION_PREFIX) else measure, code)
            by_child[key] = by_child.get(key, 0) + value

    platforms = {
        measure.removeprefix(rollup.PLATFORM_PREFIX): value
        for measure, value in _sums(
            whole,
            FigureCount.measure.in_([rollup.PLATFORM_PREFIX + code for code in rules.ENFORCEMENT_STATUSES]),
            FigureCount.measure,
        )
    }

    days = {}  # (measure, month) -> {days: tips}
    for measure, month, bucket, value in _sums(
        whole,
        FigureCount.measure.in_((rollup.RESPONSE_DAYS, rollup.ACTION_DAYS)),
        FigureCount.measure,
        FigureCount.month,
        FigureCount.bucket,
        months=months,
    ):
        days.setdefault((measure, month), {})[bucket] = value

    def period_total(measure):
        return sum(by_month.get((measure, m), 0) for m in period.months)

    headline = {
        "tips": count_cell(period_total(rollup.TIPS)),
        "closed_founded": count_cell(period_total(rollup.CLOSED_FOUNDED)),
        "closed_unfounded": count_cell(period_total(rollup.CLOSED_UNFOUNDED)),
        "actions": count_cell(sum(actions_by_type.values())),
    }
    tables = [
        _month_table(period, by_month, actions_by_month),
        _region_table(region, below, by_child),
        _category_table(by_category),
        _action_table(actions_by_type),
        _platform_table(platforms),
        _timeliness_table(period, days),
    ]
    return Figures(region, period, headline, [t for t in tables if t is not None], rollup.refreshed_at())


TIPS_HEADING = _l("Tips received")
FOUNDED_HEADING = _l("Cases closed: founded")
UNFOUNDED_HEADING = _l("Cases closed: unfounded")
ACTIONS_HEADING = _l("Actions taken")


def _month_table(period, by_month, actions_by_month):
    table = Table(
        "months",
        _l("Tips and outcomes by month"),
        _l("Tips received and cases closed founded in each of the twelve months up to the end of the period."),
        _l("Month"),
        [TIPS_HEADING, FOUNDED_HEADING, UNFOUNDED_HEADING, ACTIONS_HEADING],
        charted=(0, 1),
    )
    for month in period.trend:
        table.rows.append(
            (
                month,
                [
                    count_cell(by_month.get((rollup.TIPS, month))),
                    count_cell(by_month.get((rollup.CLOSED_FOUNDED, month))),
                    count_cell(by_month.get((rollup.CLOSED_UNFOUNDED, month))),
                    count_cell(actions_by_month.get(month)),
                ],
            )
        )
    return table


def _region_table(region, below, by_child):
    if not below:
        return None
    names = {r.code: r for r in db.session.scalars(select(Region).where(Region.code.in_(below)))}
    table = Table(
        "regions",
        _l("By region"),
        _l("Tips received in the period in each region below %(region)s.", region=region.name),
        _l("Region"),
        [TIPS_HEADING, FOUNDED_HEADING, UNFOUNDED_HEADING, ACTIONS_HEADING],
    )
    labels = [(code, names[code].name) for code in sorted(below)]
    # Cases of the region's own level (at national level: platforms not in the registry) get a row of
    # their own, so that the rows add up to the headline.
    labels.append((region.code, _l("%(region)s itself", region=region.name)))
    for code, label in labels:
        cells = [
            count_cell(by_child.get((rollup.TIPS, code))),
            count_cell(by_child.get((rollup.CLOSED_FOUNDED, code))),
            count_cell(by_child.get((rollup.CLOSED_UNFOUNDED, code))),
            count_cell(by_child.get((rollup.ACTION_PREFIX, code))),
        ]
        if code != region.code or any(cell.value for cell in cells):
            table.rows.append((label, cells))
    return table


def _category_table(by_category):
    table = Table(
        "categories",
        _l("By kind of problem"),
        _l("Tips received in the period for each kind of problem."),
        _l("Kind of problem"),
        [TIPS_HEADING, FOUNDED_HEADING, UNFOUNDED_HEADING],
    )
    for code, label in catalog.CATEGORIES.items():
        table.rows.append(
            (
                label,
                [
                    count_cell(by_category.get((rollup.TIPS, code))),
                    count_cell(by_category.get((rollup.CLOSED_FOUNDED, code))),
                    count_cell(by_category.get((rollup.CLOSED_UNFOUNDED, code))),
                ],
            )
        )
    return table


def _action_table(actions_by_type):
    table = Table(
        "actions",
        _l("Actions by type"),
        _l("Enforcement actions approved in the period, by type."),
        _l("Action"),
        [ACTIONS_HEADING],
    )
    for code, label in rules.ACTION_TYPES.items():
        table.rows.append((label, [count_cell(actions_by_type.get(code))]))
    return table


def _platform_table(platforms):
    table = Table(
        "platforms",
        _l("Registered platforms by enforcement status"),
        _l("Platforms in the registry today, by the enforcement status their actions in force give them."),
        _l("Enforcement status"),
        [_l("Registered platforms")],
        note=_l("Today, whatever the period."),
    )
    for code, label in rules.ENFORCEMENT_STATUSES.items():
        table.rows.append((label, [count_cell(platforms.get(code))]))
    return table


def _timeliness_table(period, days):
    table = Table(
        "timeliness",
        _l("Days to first response and to action"),
        _l("The median number of whole days from a tip to the first answer from staff, by the month the tip arrived."),
        _l("Month the tips arrived"),
        [
            _l("Median days to first response"),
            _l("Tips answered"),
            _l("Median days to action"),
            _l("Tips acted on"),
        ],
        note=_l("A median is shown when at least %(count)d tips stand behind it.", count=min_count()),
    )

    def row(label, months):
        response, action = {}, {}
        for month in months:
            for measure, target in ((rollup.RESPONSE_DAYS, response), (rollup.ACTION_DAYS, action)):
                for bucket, count in days.get((measure, month), {}).items():
                    target[bucket] = target.get(bucket, 0) + count
        cells = [
            median_cell(response),
            count_cell(sum(response.values())),
            median_cell(action),
            count_cell(sum(action.values())),
        ]
        table.rows.append((label, cells))

    for month in period.trend:
        row(month, (month,))
    row(_l("The whole period"), period.months)
    return table


def month_start(key):
    """The first day of a "YYYY-MM" month."""
    year, month = (int(part) for part in key.split("-"))
    return date(year, month, 1)
