"""The rollup behind the public figures: counts per Beijing month, region and category, rebuilt from the rows.

Counting millions of tips for every visit of /stats would cost a second or more a page;
grouping them once, by a job every FIGURES_REFRESH_MINUTES, costs that once. The counts
are kept twice: in the region they happened in, and summed up the tree into every region
above (`whole` rows). A page reads its region's whole rows for its totals and its children's
whole rows for the table by region (tipline/figures/service.py): a number of rows set by the
page (months, categories, children), not by how many tips or districts lie below. `make bench`
measures both the rebuild and the read. The rebuild replaces the whole rollup in one
transaction, so a reader sees the old figures or the new ones, never half of each.

What is counted, where and when:
- "tips": tips filed into a case (junk set aside is not counted), by the month they arrived,
  the region of their case and the category the reporter chose;
- "closed_founded", "closed_unfounded": cases by the month they closed, their region and category;
- "action:<type>": approved actions (not their liftings), by the month they were decided;
- "response_days", "action_days": tips by the month they arrived and the whole number of
  days (bucket) until staff first answered them, until an action was approved in their case
  (not by category: the figures show them by month alone);
- "platform:<status>": registered platforms now (month ""), by their home region and
  enforcement status.
"""

from datetime import timedelta

from sqlalchemy import (
    Integer,
    String,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    text,
    true,
)

from cases import states
from cases.actions import rules
from cases.actions.models import Action
from cases.models import Case
from tipline.extensions import db
from tipline.figures.models import FigureCount
from tipline.jobs.models import ScheduledTask
from tipline.jobs.registry import job
from tipline.platforms.models import Platform
from tipline.regions.models import Region
from tipline.regions.service import children_by_parent
from tipline.reports.models import Tip
from tipline.timeutil import app_zone, utcnow

TIPS = "tips"
CLOSED_FOUNDED = states.CLOSED_FOUNDED
CLOSED_UNFOUNDED = states.CLOSED_UNFOUNDED
RESPONSE_DAYS = "response_days"
ACTION_DAYS = "action_days"
ACTION_PREFIX = "action:"
PLATFORM_PREFIX = "platform:"
APPROVED = (rules.IN_FORCE, rules.ENDED)
# Regions summed up in one statement (the length of its IN list).
LEVEL_CHUNK = 500
# The row of scheduled_task that says when the rollup was last rebuilt.
REFRESHED = "figures.refreshed"


def _dialect():
    return db.session.get_bind().dialect.name


def _zone_hours():
    """Hours the app's zone is ahead of UTC. Beijing keeps no summer time, so one number serves every date."""
    return int(app_zone().utcoffset(utcnow()) / timedelta(hours=1))


def month_of(column):
    """SQL for the app-zone month ("YYYY-MM") of a naive UTC time column."""
    hours = _zone_hours()
    if _dialect() == "postgresql":
        return func.to_char(column + literal_column(f"interval '{hours} hours'"), "YYYY-MM")
    return func.strftime("%Y-%m", column, f"{hours:+d} hours")


def whole_days(start, end):
    """SQL for the whole number of days from `start` to `end` (both naive UTC), rounded down."""
    if _dialect() == "postgresql":
        return cast(func.floor(func.extract("epoch", end - start) / 86400), Integer)
    return cast(func.julianday(end) - func.julianday(start), Integer)


def _filed_tips():
    return (
        select()
        .select_from(Tip)
        .join(Case, Case.id == Tip.case_id)
        .where(Tip.junk_status.notin_(("suspected", "confirmed")))
    )


def _within(query, column, between):
    """The query limited to rows whose `column` falls in [start, end) when `between` is given."""
    if between is None:
        return query
    start, end = between
    return query.where(column >= start, column < end)


def _tip_counts(between=None):
    month = month_of(Tip.created_at)
    query = _filed_tips().add_columns(
        literal(TIPS, String), month, Case.region_code, Tip.category, literal(-1, Integer), func.count()
    )
    return _within(query, Tip.created_at, between).group_by(month, Case.region_code, Tip.category)


def _tip_days(measure, until):
    """Tips by days to `until`: the figures show these by month alone, so they are not kept by category."""
    month = month_of(Tip.created_at)
    days = whole_days(Tip.created_at, until)
    return (
        _filed_tips()
        .add_columns(literal(measure, String), month, Case.region_code, literal("", String), days, func.count())
        .where(until.is_not(None))
        .group_by(month, Case.region_code, days)
    )


def _closed_counts(between=None):
    month = month_of(Case.closed_at)
    query = select(Case.state, month, Case.region_code, Case.category, literal(-1, Integer), func.count()).where(
        Case.state.in_((CLOSED_FOUNDED, CLOSED_UNFOUNDED)), Case.closed_at.is_not(None)
    )
    return _within(query, Case.closed_at, between).group_by(Case.state, month, Case.region_code, Case.category)


def _action_counts(between=None):
    month = month_of(Action.decided_at)
    measure = literal(ACTION_PREFIX, String).concat(Action.type)
    query = (
        select(measure, month, Case.region_code, Case.category, literal(-1, Integer), func.count())
        .join(Case, Case.id == Action.case_id)
        .where(Action.state.in_(APPROVED), Action.lifts_id.is_(None), Action.decided_at.is_not(None))
    )
    return _within(query, Action.decided_at, between).group_by(Action.type, month, Case.region_code, Case.category)


def counts_between(start, end):
    """Tips, closings and actions from `start` to `end` (naive UTC, end excluded), counted straight from the rows
    as the rollup counts them: (measure, month, region_code, category, bucket, value) rows, for the periodic
    reports, whose periods are days rather than whole months."""
    rows = []
    for query in (_tip_counts((start, end)), _closed_counts((start, end)), _action_counts((start, end))):
        rows.extend(db.session.execute(query).all())
    return rows


def _platform_counts():
    measure = literal(PLATFORM_PREFIX, String).concat(Platform.enforcement_status)
    return select(
        measure, literal("", String), Platform.region_code, literal("", String), literal(-1, Integer), func.count()
    ).group_by(Platform.enforcement_status, Platform.region_code)


def refresh_figures(now=None):
    """Rebuild the whole rollup from the rows (the caller commits); returns the number of rollup rows."""
    columns = ["measure", "month", "region_code", "category", "bucket", "value"]
    db.session.execute(delete(FigureCount))
    for query in (
        _tip_counts(),
        _tip_days(RESPONSE_DAYS, Tip.first_response_at),
        _tip_days(ACTION_DAYS, Tip.acted_at),
        _closed_counts(),
        _action_counts(),
        _platform_counts(),
    ):
        db.session.execute(insert(FigureCount).from_select(columns, query))
    _sum_up_the_tree()
    if _dialect() == "postgresql":
        # The table was emptied and filled again: without fresh statistics the planner would read the
        # new rows as the old, or as none, and scan the table for a page's few hundred.
        db.session.execute(text("ANALYZE figure_count"))
    mark = db.session.get(ScheduledTask, REFRESHED) or ScheduledTask(name=REFRESHED)
    mark.last_run_at = now or utcnow()
    db.session.add(mark)
    return db.session.scalar(select(func.count()).select_from(FigureCount))


def _levels():
    """The region codes by depth in the tree, deepest level first."""
    children = children_by_parent()
    levels, stack = {}, [(code, 0) for code in children.get(None, ())]
    while stack:
        code, depth = stack.pop()
        levels.setdefault(depth, []).append(code)
        stack.extend((child, depth + 1) for child in children.get(code, ()))
    return [sorted(levels[depth]) for depth in sorted(levels, reverse=True)]


def _sum_up_the_tree():
    """Add every region's whole rows: its own counts plus its children's whole rows, from the leaves up."""
    under = case((FigureCount.whole, Region.parent_code), else_=FigureCount.region_code)
    grouping = (FigureCount.measure, FigureCount.month, under, FigureCount.category, FigureCount.bucket)
    columns = ["measure", "month", "region_code", "category", "bucket", "value", "whole"]
    for codes in _levels():
        for start in range(0, len(codes), LEVEL_CHUNK):
            chunk = codes[start : start + LEVEL_CHUNK]
            query = (
                select(*grouping, func.sum(FigureCount.value), true())
                .join(Region, Region.code == FigureCount.region_code)
                .where(
                    or_(
                        and_(FigureCount.whole.is_(False), FigureCount.region_code.in_(chunk)),
                        and_(FigureCount.whole.is_(True), Region.parent_code.in_(chunk)),
                    )
                )
                .group_by(*grouping)
            )
            db.session.execute(insert(FigureCount).from_select(columns, query))


def refreshed_at():
    """When the rollup was last rebuilt (naive UTC), or None if never."""
    mark = db.session.get(ScheduledTask, REFRESHED)
    return mark.last_run_at if mark else None


@job("figures.refresh")
def refresh_figures_job(payload):
    """The periodic job (tipline/jobs/schedule.py): rebuild the rollup."""
    refresh_figures()
