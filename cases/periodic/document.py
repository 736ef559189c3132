"""What a periodic report says, and its two files: one CSV of every table, and a PDF laid out for printing.

The counts are the public figures' counts (tipline/figures/rollup.py: counts_between),
exact (staff read them, so no number is hidden), for the period and the one before;
the evaluation's tables follow (cases/evaluation). The PDF is drawn by WeasyPrint from
`templates/cases/report_pdf.html`, with the same SVG charts as /stats and a CJK font.
"""

import csv
import io
from dataclasses import dataclass, field

from flask import render_template
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from PIL import ImageFile
from sqlalchemy import select

from cases.actions import rules
from cases.periodic.service import KINDS
from tipline import catalog
from tipline.extensions import db
from tipline.figures import charts, rollup
from tipline.figures.service import Cell, Table
from tipline.regions.models import Region
from tipline.regions.service import branches, children_by_parent
from tipline.spreadsheet import safe_cell
from tipline.timeutil import utcnow


@dataclass
class Document:
    title: str
    subtitle: str
    made_at: object
    tables: list = field(default_factory=list)
    charts: dict = field(default_factory=dict)


def _tally(period, owner):
    """{(measure, category): n}, {(measure, child region): n} over the period, inside the subtree."""
    by_category, by_child = {}, {}
    for measure, _month, code, category, _bucket, value in rollup.counts_between(period.start, period.end):
        if code not in owner:
            continue
        key = measure if not measure.startswith(rollup.ACTION_PREFIX) else rollup.ACTION_PREFIX
        for tally, dimension in ((by_category, category), (by_child, owner[code])):
            tally[(key, dimension)] = tally.get((key, dimension), 0) + value
        if key == rollup.ACTION_PREFIX:
            action_type = measure.removeprefix(rollup.ACTION_PREFIX)
            by_category[("type", action_type)] = by_category.get(("type", action_type), 0) + value
    return by_category, by_child


def _total(tally, measure):
    return sum(value for (key, _dimension), value in tally.items() if key == measure)


SUMMARY_MEASURES = (
    (rollup.TIPS, _l("Tips received")),
    (rollup.CLOSED_FOUNDED, _l("Cases closed: founded")),
    (rollup.CLOSED_UNFOUNDED, _l("Cases closed: unfounded")),
    (rollup.ACTION_PREFIX, _l("Actions taken")),
)


def contents(report, period, progress):
    """Every table of the report (progress(percent) is told as it goes)."""
    region = db.session.get(Region, report.region_code)
    tree = children_by_parent()
    owner = branches(region.code, tree)
    children = tree.get(region.code, [])
    now_tally, child_tally = _tally(period, owner)
    before_tally, _before_child = _tally(period.previous(), owner)
    progress(20)
    document = Document(
        title=str(_l("%(kind)s report: %(region)s", kind=KINDS[report.kind], region=region.name)),
        subtitle=str(
            _l(
                "%(first)s to %(last)s (Beijing days), compared with %(before_first)s to %(before_last)s",
                first=format_date(period.starts_on, "long"),
                last=format_date(period.ends_on, "long"),
                before_first=format_date(period.previous().starts_on, "long"),
                before_last=format_date(period.previous().ends_on, "long"),
            )
        ),
        made_at=utcnow(),
    )
    summary = Table(
        "summary",
        _l("The period at a glance"),
        _l("Tips received, cases closed and actions taken in the period and in the period before."),
        _l("Figure"),
        [_l("This period"), _l("Period before"), _l("Change")],
    )
    for measure, label in SUMMARY_MEASURES:
        now, before = _total(now_tally, measure), _total(before_tally, measure)
        summary.rows.append((label, [Cell(now), Cell(before), Cell(now - before)]))
    document.tables.append(summary)

    categories = Table(
        "categories",
        _l("By kind of problem"),
        _l("Tips received in the period for each kind of problem."),
        _l("Kind of problem"),
        [_l("Tips received"), _l("Cases closed: founded"), _l("Cases closed: unfounded")],
    )
    for code, label in catalog.CATEGORIES.items():
        categories.rows.append(
            (
                label,
                [
                    Cell(now_tally.get((rollup.TIPS, code), 0)),
                    Cell(now_tally.get((rollup.CLOSED_FOUNDED, code), 0)),
                    Cell(now_tally.get((rollup.CLOSED_UNFOUNDED, code), 0)),
                ],
            )
        )
    document.tables.append(categories)

    actions = Table(
        "actions",
        _l("Actions by type"),
        _l("Enforcement actions approved in the period, by type."),
        _l("Action"),
        [_l("Actions taken")],
    )
    for code, label in rules.ACTION_TYPES.items():
        actions.rows.append((label, [Cell(now_tally.get(("type", code), 0))]))
    document.tables.append(actions)

    if children:
        names = {r.code: r.name for r in db.session.scalars(select(Region).where(Region.code.in_(children)))}
        regions = Table(
            "regions",
            _l("By region"),
            _l("Tips received in the period in each region below %(region)s.", region=region.name),
            _l("Region"),
            [_l("Tips received"), _l("Cases closed: founded"), _l("Cases closed: unfounded"), _l("Actions taken")],
        )
        for code in sorted(children):
            regions.rows.append(
                (
                    names[code],
                    [
                        Cell(child_tally.get((measure, code), 0))
                        for measure in (rollup.TIPS, rollup.CLOSED_FOUNDED, rollup.CLOSED_UNFOUNDED)
                    ]
                    + [Cell(child_tally.get((rollup.ACTION_PREFIX, code), 0))],
                )
            )
        document.tables.append(regions)
    progress(40)
    document.tables.extend(evaluation_tables(region, period))
    progress(60)
    document.charts = {
        table.key: charts.layout(table, id_prefix="report")
        for table in document.tables
        if table.key in ("categories", "actions", "regions")
    }
    return document


def evaluation_tables(region, period):
    """The evaluation's tables of the region and period (cases/evaluation), as report tables."""
    from cases.evaluation.cells import DAYS, PERCENT
    from cases.evaluation.service import evaluate

    def shown(cell):
        if cell.value is None:
            return Cell(None)
        if cell.kind in (DAYS, PERCENT) or isinstance(cell.value, float):
            return Cell(f"{cell.value:.1f}")
        return Cell(cell.value if isinstance(cell.value, int) else str(cell.value))

    tables = []
    for source in evaluate(region.code, period.starts_on, period.ends_on, utcnow()).tables.values():
        heading, *headings = source.columns
        table = Table(f"evaluation-{source.key}", source.title, source.note or "", heading, headings)
        for row in source.rows:
            first, *cells = row.cells
            table.rows.append((str(first.value), [shown(cell) for cell in cells]))
        tables.append(table)
    return tables


def csv_file(document):
    """Every table one after the other, each under its title, as one CSV file (UTF-8 with a BOM)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(document.title)])
    writer.writerow([safe_cell(document.subtitle)])
    for table in document.tables:
        writer.writerow([])
        writer.writerow([safe_cell(str(table.title))])
        for row in table.csv_rows():
            writer.writerow([safe_cell(cell) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _no_fetching(url, *args, **kwargs):
    """The PDF is drawn from what the page holds: nothing is fetched, from the network or from the disk."""
    raise ValueError(f"not fetched: {url[:80]}")


def _weasyprint_html():
    """WeasyPrint's HTML class, leaving Pillow as every other user of it expects.

    Importing WeasyPrint turns on Pillow's process-wide LOAD_TRUNCATED_IMAGES, under
    which a truncated photo decodes as grey instead of failing: evidence would then be
    kept half-read instead of refused. The report draws no image, so it is turned back.
    """
    truncated = ImageFile.LOAD_TRUNCATED_IMAGES
    from weasyprint import HTML

    ImageFile.LOAD_TRUNCATED_IMAGES = truncated
    return HTML


def pdf_file(document):
    """The report as a PDF laid out for A4 paper."""
    html = render_template("cases/report_pdf.html", document=document)
    return _weasyprint_html()(string=html, url_fetcher=_no_fetching).write_pdf()
