"""The tables of the evaluation, each from a few indexed queries per period (see cases/evaluation/service.py)."""

from collections import Counter, namedtuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from cases.actions import rules
from cases.actions.models import Action
from cases.actions.service import REPEAT_CASES, repeat_window_start
from cases.evaluation import measures
from cases.evaluation.cells import (
    ANY,
    COUNT,
    DAYS,
    PERCENT,
    PLATFORM,
    ROW_CAP,
    Cell,
    Row,
    Table,
    as_dimension,
    compared,
    count_cells,
    department_rows,
    in_department,
    percentile,
    region_name,
    value_cells,
)
from cases.evaluation.measures import CLOSINGS, WITHIN
from cases.models import Case, CaseEvent
from tipline import catalog
from tipline.extensions import db
from tipline.followup.models import FIXED, STILL_THERE, FixCheck
from tipline.organisations.models import Organisation
from tipline.platforms.models import Platform
from tipline.regions.models import Region
from tipline.regions.service import lies_in
from tipline.reports.models import Tip

# --- reading the rows ----------------------------------------------------------------------


OpenedCase = namedtuple("OpenedCase", "region_code lead co state to_triage to_action to_close")


def opened_cases(basis, period):
    """The cases opened in the period, each with how long it took from opening to triage, to its first
    approved action and to closing (None: not yet): one query on the created_at index."""
    rows = db.session.execute(
        select(
            Case.region_code,
            Case.lead_department,
            Case.co_department,
            Case.state,
            Case.created_at,
            Case.triaged_at,
            Case.first_action_at,
            Case.closed_at,
        ).where(*measures.case_conditions("opened", basis.scope(period)))
    )
    return [
        OpenedCase(
            code,
            lead,
            co,
            state,
            None if triaged is None else triaged - created,
            None if acted is None else acted - created,
            None if closed is None else closed - created,
        )
        for code, lead, co, state, created, triaged, acted, closed in rows
    ]


class Cohort:
    """The cases opened in a period (measure "opened") and what the measures "triaged" to "opened_open"
    count of them, said in Python as measures.py says it in SQL: each step's durations, and the counts."""

    def __init__(self, cases):
        self.cases = cases
        self.durations = {
            "to_triage": [case.to_triage for case in cases if case.to_triage is not None],
            "to_action": [case.to_action for case in cases if case.to_action is not None],
            "to_close": [case.to_close for case in cases if case.to_close is not None],
        }
        still_open = [case for case in cases if case.state in measures.OPEN]
        self.counts = {
            "opened": len(cases),
            "triaged": len(self.durations["to_triage"]),  # triaged_at IS NOT NULL
            "untriaged": len(cases) - len(self.durations["to_triage"]),  # triaged_at IS NULL
            "acted": len(self.durations["to_action"]),
            "unacted": sum(1 for case in still_open if case.to_action is None),
            "opened_closed": len(self.durations["to_close"]),
            "opened_open": len(still_open),
        }

    def days(self, step, p):
        """The p-th percentile of the days to `step` ("to_triage", "to_action", "to_close"), to one decimal."""
        return in_days(percentile(self.durations[step], p))


def in_days(duration):
    """A duration in days to one decimal, as every figure of days shows it (None stays None)."""
    return None if duration is None else round(duration.total_seconds() / 86400, 1)


def closed_counts(basis, period):
    """(state, lead, co, region code) -> how many cases closed founded or unfounded in the period."""
    rows = db.session.execute(
        select(Case.state, Case.lead_department, Case.co_department, Case.region_code, func.count())
        .where(*measures.case_conditions("closed", basis.scope(period)))
        .group_by(Case.state, Case.lead_department, Case.co_department, Case.region_code)
    ).all()
    return {tuple(row[:4]): row[4] for row in rows}


def now_counts(basis, measure):
    """(lead, co, region code) -> how many cases measure `measure` ("open_now", "overdue_now") counts now."""
    rows = db.session.execute(
        select(Case.lead_department, Case.co_department, Case.region_code, func.count())
        .where(*measures.case_conditions(measure, basis.scope()))
        .group_by(Case.lead_department, Case.co_department, Case.region_code)
    ).all()
    return {tuple(row[:3]): row[3] for row in rows}


# --- the tables ------------------------------------------------------------------------------

TIMELINESS_STEPS = [
    # (row key, label, the measure counted; or, for a percentile row, the step, p and the measure behind it)
    ("opened", _l("Cases opened"), "opened"),
    ("triaged", _l("Triaged"), "triaged"),
    ("untriaged", _l("Not yet triaged"), "untriaged"),
    ("triage_median", _l("Days to triage: median"), ("to_triage", 50, "triaged")),
    ("triage_p90", _l("Days to triage: 90th percentile"), ("to_triage", 90, "triaged")),
    ("acted", _l("With an approved action"), "acted"),
    ("unacted", _l("Open, without an approved action yet"), "unacted"),
    ("action_median", _l("Days to first action: median"), ("to_action", 50, "acted")),
    ("action_p90", _l("Days to first action: 90th percentile"), ("to_action", 90, "acted")),
    ("opened_closed", _l("Closed"), "opened_closed"),
    ("opened_open", _l("Still open"), "opened_open"),
    ("close_median", _l("Days to close: median"), ("to_close", 50, "opened_closed")),
    ("close_p90", _l("Days to close: 90th percentile"), ("to_close", 90, "opened_closed")),
]


def timeliness_table(basis, opened):
    """Counts and times of the cases opened in each period: triage, first action, closing."""
    table = Table(
        "timeliness",
        _l("Time to triage, to first action and to close"),
        [_l("Figure"), _l("This period"), _l("Previous period"), _l("Change")],
        note=_l(
            "Of the cases opened in the period (merged duplicates left out), from opening. Medians and "
            "90th percentiles are nearest-rank: the value that half (nine in ten) of the cases reached."
        ),
    )
    for key, label, what in TIMELINESS_STEPS:
        if isinstance(what, str):
            values = [cohort.counts[what] for cohort in opened]
            table.rows.append(Row(key, [Cell(label), *count_cells(basis, what, *values)]))
            continue
        step, p, behind = what
        values = [cohort.days(step, p) for cohort in opened]
        drills = [basis.drill(behind, basis.period), basis.drill(behind, basis.previous)]
        table.rows.append(Row(key, [Cell(label), *value_cells(DAYS, *values, *drills)]))
    return table


def departments_table(basis, opened, closed, open_now, overdue_now):
    """Open and overdue work now, and cases opened and closed in each period, per department."""
    columns = [_l("Department"), _l("Open now"), _l("Overdue now")]
    for label in (_l("Cases opened"), _l("Closed founded"), _l("Closed unfounded")):
        columns += compared(label)
    table = Table(
        "departments",
        _l("Open and overdue work per department"),
        columns,
        note=_l(
            "A case both departments handle (lead and co-handling) counts for each; the last row counts it "
            "once. Open and overdue are counted now; the other figures in each period."
        ),
    )
    opened = [Counter((case.lead, case.co) for case in cohort.cases) for cohort in opened]
    for department, label in department_rows():
        dept = as_dimension(department)

        def now(counts, department=department):
            return sum(n for (lead, co, _code), n in counts.items() if in_department(department, lead, co))

        cells = [
            Cell(label),
            Cell(now(open_now), COUNT, basis.drill("open_now", department=dept)),
            Cell(now(overdue_now), COUNT, basis.drill("overdue_now", department=dept)),
        ]
        values = [sum(n for (lead, co), n in teams.items() if in_department(department, lead, co)) for teams in opened]
        cells += count_cells(basis, "opened", *values, department=dept)
        for state in CLOSINGS:
            values = [
                sum(
                    n
                    for (s, lead, co, _code), n in counts.items()
                    if s == state and in_department(department, lead, co)
                )
                for counts in closed
            ]
            cells += count_cells(basis, "closed", *values, department=dept, state=state)
        table.rows.append(Row(department, cells))
    return table


def escalation_rows(basis, period):
    """(case id, lead, co, region above or WITHIN) of each escalation in the period in the region tree."""
    rows = db.session.execute(
        select(CaseEvent.case_id, Case.lead_department, Case.co_department, CaseEvent.detail)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(*measures.escalation_events(basis.scope(period)), lies_in(Case.region_code, basis.codes))
    ).all()
    return [(case_id, lead, co, (detail or {}).get("to_region") or WITHIN) for case_id, lead, co, detail in rows]


def escalations_table(basis, escalations):
    """Cases escalated in each period, per department and the region they were escalated to."""
    table = Table(
        "escalations",
        _l("Escalations"),
        [_l("Department"), _l("Escalated to"), *compared(_l("Cases escalated"))],
        note=_l(
            "Cases past the deadline of their state, escalated to the supervisors of their region, and for "
            "serious, cross-region or repeat-offender cases to the region above as well. A case counts once "
            "per row however often it was escalated."
        ),
    )
    targets = sorted({to for rows in escalations for *_rest, to in rows}, key=lambda to: (to != WITHIN, to))
    names = {r.code: r for r in db.session.scalars(select(Region).where(Region.code.in_(targets)))}
    for department, label in department_rows():
        for target in [ANY, *targets]:
            values = [
                len(
                    {
                        case_id
                        for case_id, lead, co, to in rows
                        if in_department(department, lead, co) and target in (ANY, to)
                    }
                )
                for rows in escalations
            ]
            if target != ANY and not any(values):
                continue
            if target == ANY:
                where = _l("Anywhere")
            elif target == WITHIN:
                where = _l("Its own region only")
            else:
                where = region_name(names[target]) if target in names else target
            to_region = None if target == ANY else target
            cells = [Cell(label), Cell(where)]
            cells += count_cells(basis, "escalated", *values, department=as_dimension(department), to_region=to_region)
            table.rows.append(Row(f"{department}|{target}", cells))
    return table


def repeat_offenders_table(basis):
    """Platforms of the region tree that are repeat offenders now, with the cases of the tree they were acted in."""
    since = repeat_window_start(basis.now)
    acted = measures.acted_against(since)
    cases_in_all = func.count(func.distinct(Action.case_id))
    offenders = (
        db.session.execute(
            select(Action.platform_id)
            .join(Platform, Platform.id == Action.platform_id)
            .where(*acted, lies_in(Platform.region_code, basis.codes))
            .group_by(Action.platform_id)
            .having(cases_in_all >= REPEAT_CASES)
        )
        .scalars()
        .all()
    )
    # The case's region looked up action by action (by its key): a join would read every case of the
    # tree to meet the few actions of the last 12 months.
    case_region = select(Case.region_code).where(Case.id == Action.case_id).scalar_subquery()
    in_tree = dict(
        db.session.execute(
            select(Action.platform_id, cases_in_all)
            .where(*acted, Action.platform_id.in_(offenders), lies_in(case_region, basis.codes))
            .group_by(Action.platform_id)
        ).all()
    )
    platforms = db.session.scalars(
        select(Platform).where(Platform.id.in_(offenders)).options(selectinload(Platform.region))
    ).all()
    platforms.sort(key=lambda p: (-in_tree.get(p.id, 0), p.name, p.id))
    table = Table(
        "repeat_offenders",
        _l("Repeat offenders"),
        [
            _l("Platform"),
            _l("Home region"),
            _l("Cases of this region acted in, last 12 months"),
            _l("Enforcement status"),
            _l("List"),
        ],
        note=_l(
            "Platforms of the region acted against in two or more cases in the last 12 months, now; "
            "at most %(cap)s, most cases first.",
            cap=ROW_CAP,
        ),
    )
    for platform in platforms[:ROW_CAP]:
        table.rows.append(
            Row(
                str(platform.id),
                [
                    Cell(platform.name, PLATFORM, ref=platform.id),
                    Cell(region_name(platform.region)),
                    Cell(in_tree.get(platform.id, 0), COUNT, basis.drill("acted_12m", platform=platform.id)),
                    Cell(rules.ENFORCEMENT_STATUSES.get(platform.enforcement_status, platform.enforcement_status)),
                    Cell(catalog.LIST_STATUSES.get(platform.list_status, platform.list_status)),
                ],
            )
        )
    return table


def organisation_counts(basis, period):
    """organisation id -> {case state: tips it filed in the period, in cases of the region tree}."""
    rows = db.session.execute(
        select(Tip.organisation_id, Case.state, func.count(Tip.id))
        .join(Case, Case.id == Tip.case_id)
        .where(*measures.organisation_tips(basis.scope(period)), lies_in(Case.region_code, basis.codes))
        .group_by(Tip.organisation_id, Case.state)
    ).all()
    found = {}
    for organisation_id, state, count in rows:
        found.setdefault(organisation_id, {})[state] = count
    return found


def _share(founded, unfounded):
    """The percentage of closed ones founded, to one decimal; None when none closed."""
    return None if founded + unfounded == 0 else round(100 * founded / (founded + unfounded), 1)


def organisations_table(basis, counts):
    """Per organisation: its tips of each period in the region's cases, and how many of their cases closed founded."""
    columns = [_l("Organisation")]
    for label in (_l("Tips filed"), _l("Case closed founded"), _l("Case closed unfounded"), _l("Share founded (%)")):
        columns += compared(label)
    table = Table(
        "organisations",
        _l("Organisations' reports: how many proved founded"),
        columns,
        note=_l(
            "Tips filed in the period by organisations, in cases of this region; founded and unfounded by where "
            "each tip's case stands now. The share counts closed cases only. At most %(cap)s organisations, "
            "most tips first.",
            cap=ROW_CAP,
        ),
    )
    ids = set(counts[0]) | set(counts[1])
    organisations = {o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)))}

    def tips(n, organisation_id, state=None):
        found = counts[n].get(organisation_id, {})
        return found.get(state, 0) if state else sum(found.values())

    order = sorted(ids, key=lambda i: (-tips(0, i), -tips(1, i), organisations[i].name, i))
    for organisation_id in order[:ROW_CAP]:
        cells = [Cell(organisations[organisation_id].name)]
        cells += count_cells(
            basis, "org_tips", tips(0, organisation_id), tips(1, organisation_id), organisation=organisation_id
        )
        for state in CLOSINGS:
            values = [tips(n, organisation_id, state) for n in (0, 1)]
            cells += count_cells(basis, "org_tips", *values, organisation=organisation_id, state=state)
        shares = [_share(*(tips(n, organisation_id, state) for state in CLOSINGS)) for n in (0, 1)]
        cells += value_cells(PERCENT, *shares)
        table.rows.append(Row(str(organisation_id), cells))
    return table


def fix_rows(basis, period):
    """(region code, asked at, answer, answered at) of the "is it fixed?" questions asked or answered in the period."""
    scope = basis.scope(period)
    return db.session.execute(
        select(Case.region_code, FixCheck.asked_at, FixCheck.answer, FixCheck.answered_at)
        .join(Case, Case.id == FixCheck.case_id)
        .where(
            lies_in(Case.region_code, basis.codes),
            or_(measures.in_period(FixCheck.asked_at, scope), measures.in_period(FixCheck.answered_at, scope)),
        )
    ).all()


def fixed_table(basis, checks):
    """Reporters asked "is it fixed?" in each period, and their answers, per region below."""
    periods = (basis.period, basis.previous)

    def within(moment, period):
        return moment is not None and period.start <= moment < period.end

    tests = {
        "fix_asked": lambda row, period: within(row.asked_at, period),
        "fix_fixed": lambda row, period: row.answer == FIXED and within(row.answered_at, period),
        "fix_still": lambda row, period: row.answer == STILL_THERE and within(row.answered_at, period),
    }
    columns = [_l("Region")]
    for label in (_l("Asked"), _l("Answered: fixed"), _l("Answered: still there")):
        columns += compared(label)
    table = Table(
        "fixed",
        _l("Is it fixed? Reporters' answers"),
        columns,
        note=_l(
            "Reporters of cases closed founded are asked some weeks later whether the problem is gone; "
            "each reporter's question and answer counts once, in the period it was asked or answered."
        ),
    )
    checks = [basis.split(rows, lambda row: row.region_code) for rows in checks]
    for part, label in basis.parts():
        cells = [Cell(label)]
        for measure, test in tests.items():
            values = [
                sum(1 for row in rows[part] if test(row, period)) for rows, period in zip(checks, periods, strict=True)
            ]
            cells += count_cells(basis, measure, *values, region=part)
        table.rows.append(Row(part, cells))
    return table


def regions_table(basis, opened, closed, overdue_now):
    """The main figures side by side for each region below the region (and its own level)."""
    columns = [_l("Region"), *compared(_l("Cases opened")), *compared(_l("Cases closed"))]
    columns += compared(_l("Median days to close"))
    columns.append(_l("Overdue now"))
    table = Table(
        "regions",
        _l("Regions below compared"),
        columns,
        note=_l(
            "Opened and closed (founded or unfounded) in each period; median days to close of the cases "
            "opened in the period that are closed; overdue now."
        ),
    )
    opened = [basis.split(cohort.cases, lambda case: case.region_code) for cohort in opened]
    closed = [basis.split(counts.items(), lambda item: item[0][3]) for counts in closed]
    overdue_now = basis.split(overdue_now.items(), lambda item: item[0][2])
    for part, label in basis.parts():
        cells = [Cell(label)]
        cells += count_cells(basis, "opened", *(len(cases[part]) for cases in opened), region=part)
        values = [sum(n for _key, n in counts[part]) for counts in closed]
        cells += count_cells(basis, "closed", *values, region=part)
        medians = [
            in_days(percentile([c.to_close for c in cases[part] if c.to_close is not None], 50)) for cases in opened
        ]
        cells += value_cells(
            DAYS,
            *medians,
            basis.drill("opened_closed", basis.period, region=part),
            basis.drill("opened_closed", basis.previous, region=part),
        )
        overdue = sum(n for _key, n in overdue_now[part])
        cells.append(Cell(overdue, COUNT, basis.drill("overdue_now", region=part)))
        table.rows.append(Row(part, cells))
    if not basis.branches:
        table.note = _l("This region has no regions below it: the row holds its own figures.")
    return table


def build_tables(basis, only=None):
    """The tables in the order shown (only those whose keys are in `only`, when given).

    Each read is made once, for both periods, and only when a table asked for needs it.
    """
    periods = (basis.period, basis.previous)
    reads = {}

    def read(name, reader, *args):
        if name not in reads:
            reads[name] = reader(*args)
        return reads[name]

    def opened():
        return read("opened", lambda: [Cohort(opened_cases(basis, period)) for period in periods])

    def closed():
        return read("closed", lambda: [closed_counts(basis, period) for period in periods])

    def overdue_now():
        return read("overdue_now", now_counts, basis, "overdue_now")

    builders = {
        "timeliness": lambda: timeliness_table(basis, opened()),
        "departments": lambda: departments_table(
            basis, opened(), closed(), now_counts(basis, "open_now"), overdue_now()
        ),
        "regions": lambda: regions_table(basis, opened(), closed(), overdue_now()),
        "escalations": lambda: escalations_table(basis, [escalation_rows(basis, period) for period in periods]),
        "repeat_offenders": lambda: repeat_offenders_table(basis),
        "organisations": lambda: organisations_table(basis, [organisation_counts(basis, period) for period in periods]),
        "fixed": lambda: fixed_table(basis, [fix_rows(basis, period) for period in periods]),
    }
    return [build() for key, build in builders.items() if only is None or key in only]


TABLE_KEYS = (
    "timeliness",
    "departments",
    "regions",
    "escalations",
    "repeat_offenders",
    "organisations",
    "fixed",
)
