"""The evaluation (/staff/evaluation): every number on the page and in its CSV files equals a count made
directly from the rows, every count opens exactly the cases it counts, and only supervisors and admins of
the region tree see any of it.

The expected figures are worked out here from the rows with plain queries and Python (regions by their
codes, Beijing days as UTC+8, nearest-rank percentiles by their definition), never with the code under test.
"""

import csv
import html
import io
import math
import random
import re
import statistics
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from sqlalchemy import event, select

from cases import states
from cases.actions import rules
from cases.actions.models import Action
from cases.actions.service import decide_action, propose_action
from cases.escalation import escalate_overdue_cases
from cases.evaluation import measures, periods
from cases.evaluation.service import evaluate, percentile
from cases.models import Case, CaseEvent
from cases.operations import change_state, close_case, merge_cases
from tests.cases.conftest import BEIJING, CHAOYANG, HAIDIAN
from tests.organisations.helpers import CODE, make_org, valid_code
from tipline.extensions import db
from tipline.followup.models import FixCheck
from tipline.organisations.models import Organisation
from tipline.platforms.models import Platform
from tipline.regions.models import Region
from tipline.regions.service import EVERYWHERE, subtree_codes, tree
from tipline.reports.models import Tip
from tipline.timeutil import app_today, utcnow

NATION, XUHUI = "100000", "310104"
DEPARTMENTS = ("cyberspace", "education")
OPEN = (states.NEW, states.TRIAGED, states.INVESTIGATING)
CLOSINGS = (states.CLOSED_FOUNDED, states.CLOSED_UNFOUNDED)
MINUS = "\u2212"


def beijing(day, hour=0, minute=0, second=0):
    """A Beijing wall-clock time as the naive UTC the database keeps (Beijing is UTC+8, without summer time)."""
    return datetime.combine(day, time(hour, minute, second)) - timedelta(hours=8)


def bounds(first, last):
    """[start, end) in stored UTC of the Beijing days from `first` to `last`, both included."""
    return beijing(first), beijing(last + timedelta(days=1))


# --- percentiles ----------------------------------------------------------------------------


def test_percentiles_are_nearest_rank():
    """Catches a percentile that interpolates (median 3.5 of [1, 2, 3, 4, 10, 11]), takes the upper middle,
    or computes the rank in floats (0.9 * 10 = 9.000000000000002 rounds up to the 10th value)."""
    assert (percentile([1, 2, 3, 4, 10], 50), percentile([1, 2, 3, 4, 10], 90)) == (3, 10)
    assert percentile([4, 1, 3, 2], 50) == 2  # the lower middle, unsorted input
    assert percentile(list(range(1, 11)), 90) == 9
    assert percentile(list(range(1, 11)), 50) == 5
    assert percentile([7], 90) == percentile([7], 50) == 7
    assert percentile([], 50) is None
    assert percentile([timedelta(hours=5), timedelta(hours=1)], 90) == timedelta(hours=5)


def test_periods_are_beijing_days_and_the_previous_period_is_as_long(app):
    """Catches a period bounded by UTC days (a case opened at 00:30 Beijing time counted the day before),
    a previous period of another length, and quick choices a day off."""
    period = periods.Period(date(2026, 3, 1), date(2026, 3, 31))
    assert (period.start, period.end) == (datetime(2026, 2, 28, 16), datetime(2026, 3, 31, 16))
    assert period.previous() == periods.Period(date(2026, 1, 29), date(2026, 2, 28))
    wednesday = date(2026, 3, 4)
    assert periods.last_week(wednesday) == periods.Period(date(2026, 2, 23), date(2026, 3, 1))
    assert periods.last_month(wednesday) == periods.Period(date(2026, 2, 1), date(2026, 2, 28))
    assert periods.this_month(wednesday) == periods.Period(date(2026, 3, 1), wednesday)
    assert periods.last_week(date(2026, 3, 2)) == periods.Period(date(2026, 2, 23), date(2026, 3, 1))  # a Monday


# --- the seeded world -----------------------------------------------------------------------


@dataclass
class World:
    period: tuple  # (first, last) Beijing days
    previous: tuple
    people: dict


def _people(make_staff):
    """National staff who can move any case: they see every region."""
    people = {
        "intake": make_staff("intake", "cyberspace", NATION),
        "supervisor": make_staff("supervisor", "cyberspace", NATION),
    }
    for department in DEPARTMENTS:
        people[f"officer:{department}"] = make_staff("officer", department, NATION)
        people[f"supervisor:{department}"] = make_staff("supervisor", department, NATION)
    return people


def _act(case, people, action_type=rules.INTERVIEW):
    """An action proposed by an officer of the case's lead department and approved by its supervisor."""
    department = case.lead_department
    action = propose_action(
        case, people[f"officer:{department}"], action_type, "《未成年人保护法》", public_reason="约谈平台负责人"
    )
    decide_action(action, people[f"supervisor:{department}"], approve=True)
    return action


def _move(case, flow, people):
    """Take a new case through the real operations as far as `flow` says."""
    if flow == "unfounded":
        close_case(case, states.CLOSED_UNFOUNDED, people["supervisor"], "经核查不属实。", confirmed=True)
        return
    if flow == "new":
        return
    change_state(case, states.TRIAGED, people["intake"])
    if flow == "triaged":
        return
    change_state(case, states.INVESTIGATING, people["supervisor"])
    if flow in ("acted", "founded"):
        _act(case, people)
    if flow in ("founded", "founded_bare"):
        close_case(case, states.CLOSED_FOUNDED, people["supervisor"], "经核查属实，已约谈。", confirmed=True)


def _set_times(case, created, rng, now):
    """Move the case's times into the seeded past, in the order the operations made them."""
    hours = [rng.uniform(0.2, 60), rng.uniform(1, 120), rng.uniform(1, 90)]
    case.created_at = created
    for tip in case.tips:
        tip.created_at = created
    if case.triaged_at is not None:
        case.triaged_at = created + timedelta(hours=hours[0])
    if case.first_action_at is not None:
        case.first_action_at = created + timedelta(hours=hours[0] + hours[1])
    if case.closed_at is not None:
        case.closed_at = created + timedelta(hours=sum(hours))
        if case.state == states.CLOSED_UNFOUNDED and case.first_action_at is None:
            case.triaged_at = case.closed_at  # closed straight from "new": that is when it left it
    if case.is_open:
        overdue = rng.random() < 0.4
        case.deadline_at = now - timedelta(hours=rng.uniform(2, 90)) if overdue else now + timedelta(days=3)


def _when(rng, first, last):
    """A random moment of the Beijing days from `first` to `last`."""
    start, end = bounds(first, last)
    return start + timedelta(seconds=rng.uniform(0, (end - start).total_seconds() - 1))


@pytest.fixture
def world(app, make_staff, make_platform, file_tip):
    """Cases in Haidian, Chaoyang, Beijing itself, Shanghai's Xuhui and at national level, opened in the
    period, the one before, and outside both, each moved by the real operations and then dated into the past;
    merged, escalated, repeat-offending and organisation-reported ones; "is it fixed?" questions and answers."""
    rng = random.Random(20261130)
    now, today = utcnow(), app_today()
    period = (today - timedelta(days=40), today - timedelta(days=11))
    previous = (today - timedelta(days=70), today - timedelta(days=41))
    people = _people(make_staff)
    flows = ["new", "triaged", "investigating", "acted", "founded", "founded_bare", "unfounded"]
    categories = ["game_ads", "teachers", "marketing", "vulgar", "unfiled", "syllabus"]
    specs = [  # (region, category, created, flow): the edges of the periods first
        (HAIDIAN, "game_ads", beijing(period[0]), "founded"),
        (HAIDIAN, "teachers", beijing(period[0]) - timedelta(seconds=1), "unfounded"),
        (CHAOYANG, "teachers", beijing(period[1], 23, 59, 59), "acted"),
        (CHAOYANG, "marketing", beijing(period[1] + timedelta(days=1)), "new"),
        (BEIJING, "marketing", beijing(period[0], 0, 30), "triaged"),
        (XUHUI, "vulgar", _when(rng, *period), "new"),
        (NATION, "other", _when(rng, *previous), "new"),
    ]
    before = (previous[0] - timedelta(days=60), previous[0] - timedelta(days=1))
    for region in (HAIDIAN, CHAOYANG, BEIJING, XUHUI):
        for days in (period, previous, before):
            for _ in range(4 if days == period else 3):
                specs.append((region, rng.choice(categories), _when(rng, *days), rng.choice(flows)))
    organisations = [
        make_org(name="海淀实验小学家长委员会", email="committee@haidian.example", code=CODE),
        make_org(
            name="朝阳星光中学",
            email="office@xingguang.example",
            code=valid_code("91110105MA01ABCD1"),
            kind="school",
            region_code=CHAOYANG,
        ),
    ]
    cases = []
    for region, category, created, flow in specs:
        platform = make_platform(region_code=region) if region != NATION else None
        case = db.session.get(Case, file_tip(platform, category).case_id)
        if rng.random() < 0.35 and region != NATION:  # an organisation reported it too
            organisation = rng.choice(organisations)
            tip = file_tip(platform, category, organisation_id=organisation.id)
            assert tip.case_id == case.id
        _move(case, flow, people)
        db.session.commit()
        cases.append((case, created))
    # A duplicate merged into another case of the period: counted as the other only.
    target = db.session.get(Case, file_tip(make_platform(region_code=HAIDIAN), "game_ads").case_id)
    source = db.session.get(Case, file_tip(make_platform(region_code=HAIDIAN), "social").case_id)
    merge_cases(source, target, people["supervisor"])
    db.session.commit()
    cases += [(target, _when(rng, *period)), (source, _when(rng, *period))]
    # Repeat offenders: acted against in two cases within 12 months (Haidian, Xuhui); not: one of the two
    # actions too old, or both actions in one case.
    long_ago = (previous[0] - timedelta(days=200), previous[0] - timedelta(days=100))
    for region, ages in ((HAIDIAN, (30, 200)), (XUHUI, (10, 20)), (HAIDIAN, (30, 400)), (CHAOYANG, (5,))):
        platform = make_platform(region_code=region)
        for n, age in enumerate(ages):
            case = db.session.get(Case, file_tip(platform, ("game_ads", "vulgar")[n]).case_id)
            _move(case, "acted", people)
            if len(ages) == 1:
                _act(case, people, rules.REFERRAL)  # a second action, in the same case
            db.session.commit()
            for action in db.session.scalars(select(Action).where(Action.case_id == case.id)):
                action.decided_at = now - timedelta(days=age)
            cases.append((case, _when(rng, *long_ago)))
    for case, created in cases:
        _set_times(case, created, rng, now)
    db.session.commit()
    # Escalations of the overdue cases, dated into either period or outside both.
    escalate_overdue_cases(now)
    db.session.commit()
    for item in db.session.scalars(select(CaseEvent).where(CaseEvent.kind == "escalated")):
        item.created_at = _when(rng, *rng.choice([period, previous, (period[1], today)]))
    # Org tips dated apart from their cases: in the period, the one before, or long ago.
    for tip in db.session.scalars(select(Tip).where(Tip.organisation_id.is_not(None))):
        tip.created_at = _when(rng, *rng.choice([period, previous, long_ago]))
    # "Is it fixed?": the reporters of the founded cases asked, some answered.
    for case in db.session.scalars(select(Case).where(Case.state == states.CLOSED_FOUNDED)):
        for tip in case.tips:
            asked = _when(rng, *rng.choice([period, previous, period]))
            answer = rng.choice([None, "fixed", "still_there"])
            answered = asked + timedelta(days=rng.uniform(0.1, 20)) if answer else None
            db.session.add(
                FixCheck(tip_id=tip.id, case_id=case.id, asked_at=asked, answer=answer, answered_at=answered)
            )
    db.session.commit()
    return World(period, previous, people)


# --- the figures, worked out from the rows ---------------------------------------------------


@dataclass
class Want:
    """An expected cell: its value, kind, and the cases its link lists (None: not a link)."""

    value: object
    kind: str = "count"
    cases: frozenset | None = None

    def html(self):
        if self.value is None:
            return "—"
        if self.kind == "text":
            return str(self.value)
        if self.kind == "change":
            size = f"{abs(self.value):.1f}" if isinstance(self.value, float) else str(abs(self.value))
            return ("+" if self.value > 0 else MINUS if self.value < 0 else "") + size
        if self.kind == "days":
            return f"{self.value:.1f}"
        if self.kind == "percent":
            return f"{self.value:.1f}%"
        return str(self.value)

    def csv(self):
        if self.value is None:
            return ""
        if isinstance(self.value, float):
            return f"{self.value:.1f}"
        return str(self.value)


def nearest_rank(values, p):
    """The nearest-rank percentile, by its definition: the value of rank ceil(p/100 * n)."""
    if not values:
        return None
    ordered = sorted(values)
    found = ordered[math.ceil(Fraction(p, 100) * len(ordered)) - 1]
    if p == 50:
        assert found == statistics.median_low(ordered)  # the same thing, said another way
    return found


def in_days(delta):
    return None if delta is None else round(delta.total_seconds() / 86400, 1)


def difference(a, b):
    if a is None or b is None:
        return None
    return round(a - b, 1) if isinstance(a, float) else a - b


def compared_counts(now_cases, before_cases, value=len):
    """This period, the previous period, the change: counts linking to their cases."""
    a, b = value(now_cases), value(before_cases)
    return [
        Want(a, "count", frozenset(c.id for c in now_cases)),
        Want(b, "count", frozenset(c.id for c in before_cases)),
        Want(difference(a, b), "change"),
    ]


class Rows:
    """The rows of the database, read once, and the region tree seen through the codes (GB/T 2260)."""

    def __init__(self, region, world, now):
        self.region, self.now = region, now
        self.cases = db.session.scalars(select(Case).order_by(Case.id)).all()
        self.spans = [bounds(*world.period), bounds(*world.previous)]
        children = db.session.scalars(select(Region.code).where(Region.parent_code == region)).all()
        self.children = sorted(children)

    def within(self, code):
        return self.region == NATION or code[:2] == self.region[:2]

    def part_of(self, code):
        """The child region a case's region lies in ('own' at the region's own level)."""
        if code == self.region:
            return "own"
        return code[:2] + "0000" if self.region == NATION else code

    def parts(self):
        return [*self.children, "own", "all"]

    def in_part(self, part, code):
        return self.within(code) and (part == "all" or self.part_of(code) == part)

    def opened(self, span, part="all"):
        return [
            c
            for c in self.cases
            if self.in_part(part, c.region_code)
            and span[0] <= c.created_at < span[1]
            and c.state != states.CLOSED_MERGED
        ]

    def closed(self, span, part="all"):
        return [
            c
            for c in self.cases
            if self.in_part(part, c.region_code)
            and c.closed_at
            and span[0] <= c.closed_at < span[1]
            and c.state in CLOSINGS
        ]

    def open_now(self, part="all"):
        return [c for c in self.cases if self.in_part(part, c.region_code) and c.state in OPEN]

    def overdue_now(self, part="all"):
        return [c for c in self.open_now(part) if c.deadline_at is not None and c.deadline_at < self.now]


def of_department(cases, department):
    return [c for c in cases if department == "all" or department in (c.lead_department, c.co_department)]


def timeliness(rows):
    opened = [rows.opened(span) for span in rows.spans]
    steps = {
        "opened": lambda c: True,
        "triaged": lambda c: c.triaged_at is not None,
        "untriaged": lambda c: c.triaged_at is None,
        "acted": lambda c: c.first_action_at is not None,
        "unacted": lambda c: c.first_action_at is None and c.state in OPEN,
        "opened_closed": lambda c: c.closed_at is not None,
        "opened_open": lambda c: c.state in OPEN,
    }
    times = {
        "triage": ("triaged_at", "triaged"),
        "action": ("first_action_at", "acted"),
        "close": ("closed_at", "opened_closed"),
    }
    table = []
    order = [
        "opened",
        "triaged",
        "untriaged",
        "triage",
        "acted",
        "unacted",
        "action",
        "opened_closed",
        "opened_open",
        "close",
    ]
    for key in order:
        if key in steps:
            table.append((key, compared_counts(*[[c for c in cases if steps[key](c)] for cases in opened])))
            continue
        column, done = times[key]
        behind = [[c for c in cases if steps[done](c)] for cases in opened]
        for p in (50, 90):
            values = [in_days(nearest_rank([getattr(c, column) - c.created_at for c in cases], p)) for cases in behind]
            cells = [Want(values[n], "days", frozenset(c.id for c in behind[n])) for n in (0, 1)]
            table.append((f"{key}_{'median' if p == 50 else 'p90'}", [*cells, Want(difference(*values), "change")]))
    return table


def departments(rows):
    table = []
    for department in (*DEPARTMENTS, "all"):
        open_now, overdue = of_department(rows.open_now(), department), of_department(rows.overdue_now(), department)
        cells = [Want(len(open_now), "count", frozenset(c.id for c in open_now))]
        cells.append(Want(len(overdue), "count", frozenset(c.id for c in overdue)))
        cells += compared_counts(*[of_department(rows.opened(span), department) for span in rows.spans])
        for state in CLOSINGS:
            closed = [
                [c for c in of_department(rows.closed(span), department) if c.state == state] for span in rows.spans
            ]
            cells += compared_counts(*closed)
        table.append((department, cells))
    return table


def regions(rows):
    table = []
    for part in rows.parts():
        if part == "own" and not rows.children:
            continue
        cells = compared_counts(*[rows.opened(span, part) for span in rows.spans])
        cells += compared_counts(*[rows.closed(span, part) for span in rows.spans])
        done = [[c for c in rows.opened(span, part) if c.closed_at is not None] for span in rows.spans]
        medians = [in_days(nearest_rank([c.closed_at - c.created_at for c in cases], 50)) for cases in done]
        cells += [Want(medians[n], "days", frozenset(c.id for c in done[n])) for n in (0, 1)]
        cells.append(Want(difference(*medians), "change"))
        overdue = rows.overdue_now(part)
        cells.append(Want(len(overdue), "count", frozenset(c.id for c in overdue)))
        table.append((part, cells))
    return table


def escalations(rows):
    by_id = {c.id: c for c in rows.cases}
    events = db.session.scalars(select(CaseEvent).where(CaseEvent.kind == "escalated")).all()
    seen = [
        [
            (by_id[e.case_id], e.detail.get("to_region") or "none")
            for e in events
            if span[0] <= e.created_at < span[1] and rows.within(by_id[e.case_id].region_code)
        ]
        for span in rows.spans
    ]
    targets = sorted({to for found in seen for _case, to in found}, key=lambda to: (to != "none", to))
    table = []
    for department in (*DEPARTMENTS, "all"):
        for target in ["any", *targets]:
            cases = [
                sorted(
                    {c for c, to in found if target in ("any", to) and of_department([c], department)},
                    key=lambda c: c.id,
                )
                for found in seen
            ]
            if target != "any" and not any(cases):
                continue
            table.append((f"{department}|{target}", [None, *compared_counts(*cases)]))  # None: the "escalated to" words
    return table


def repeat_offenders(rows):
    since = rows.now - timedelta(days=365)
    acts = [
        a
        for a in db.session.scalars(select(Action)).all()
        if a.lifts_id is None and a.state in (rules.IN_FORCE, rules.ENDED) and a.decided_at >= since
    ]
    by_id = {c.id: c for c in rows.cases}
    table = []
    for platform in db.session.scalars(select(Platform)).all():
        cases = {a.case_id for a in acts if a.platform_id == platform.id}
        if not rows.within(platform.region_code) or len(cases) < 2:
            continue
        here = frozenset(i for i in cases if rows.within(by_id[i].region_code))
        region = db.session.get(Region, platform.region_code)
        cells = [
            Want(region.name_en, "text"),
            Want(len(here), "count", here),
            Want(rules.ENFORCEMENT_STATUSES[platform.enforcement_status], "text"),
            Want("Not listed", "text"),
        ]
        table.append(((-len(here), platform.name, platform.id), str(platform.id), cells))
    return [(key, cells) for _order, key, cells in sorted(table)]


def organisations(rows):
    by_id = {c.id: c for c in rows.cases}
    tips = [
        t
        for t in db.session.scalars(select(Tip).where(Tip.organisation_id.is_not(None)))
        if t.case_id is not None and rows.within(by_id[t.case_id].region_code)
    ]
    found = []
    for organisation in db.session.scalars(select(Organisation)).all():
        mine = [
            [t for t in tips if t.organisation_id == organisation.id and span[0] <= t.created_at < span[1]]
            for span in rows.spans
        ]
        if not any(mine):
            continue

        def cells_of(chosen):
            return [
                Want(len(chosen[0]), "count", frozenset(t.case_id for t in chosen[0])),
                Want(len(chosen[1]), "count", frozenset(t.case_id for t in chosen[1])),
                Want(len(chosen[0]) - len(chosen[1]), "change"),
            ]

        cells = cells_of(mine)
        split = {
            state: [[t for t in period if by_id[t.case_id].state == state] for period in mine] for state in CLOSINGS
        }
        for state in CLOSINGS:
            cells += cells_of(split[state])
        shares = []
        for n in (0, 1):
            founded, unfounded = len(split[states.CLOSED_FOUNDED][n]), len(split[states.CLOSED_UNFOUNDED][n])
            shares.append(None if founded + unfounded == 0 else round(100 * founded / (founded + unfounded), 1))
        cells += [Want(shares[0], "percent"), Want(shares[1], "percent"), Want(difference(*shares), "change")]
        found.append(((-len(mine[0]), -len(mine[1]), organisation.name, organisation.id), str(organisation.id), cells))
    return [(key, cells) for _order, key, cells in sorted(found)]


def fixed(rows):
    by_id = {c.id: c for c in rows.cases}
    checks = db.session.scalars(select(FixCheck)).all()
    tests = {
        "asked": lambda f, span: span[0] <= f.asked_at < span[1],
        "fixed": lambda f, span: f.answer == "fixed" and span[0] <= f.answered_at < span[1],
        "still": lambda f, span: f.answer == "still_there" and span[0] <= f.answered_at < span[1],
    }
    table = []
    for part in rows.parts():
        if part == "own" and not rows.children:
            continue
        cells = []
        for test in tests.values():
            chosen = [
                [f for f in checks if rows.in_part(part, by_id[f.case_id].region_code) and test(f, span)]
                for span in rows.spans
            ]
            cells += [
                Want(len(chosen[0]), "count", frozenset(f.case_id for f in chosen[0])),
                Want(len(chosen[1]), "count", frozenset(f.case_id for f in chosen[1])),
                Want(len(chosen[0]) - len(chosen[1]), "change"),
            ]
        table.append((part, cells))
    return table


def expected(region, world, now):
    """Every table the evaluation of `region` must show: {key: [(row key, [Want for each cell but the first])]}."""
    db.session.expire_all()
    rows = Rows(region, world, now)
    return {
        "timeliness": timeliness(rows),
        "departments": departments(rows),
        "regions": regions(rows),
        "escalations": escalations(rows),
        "repeat_offenders": repeat_offenders(rows),
        "organisations": organisations(rows),
        "fixed": fixed(rows),
    }


# --- reading the page ------------------------------------------------------------------------


class PageTables(HTMLParser):
    """The evaluation page's tables: {key: [(row key, [(text, link), ...])]} (header rows left out)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables, self._rows, self._row, self._cell = {}, None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and (a.get("id") or "").startswith("t-"):
            self._rows = self.tables.setdefault(a["id"][2:], [])
        elif tag == "tr" and self._rows is not None and "data-key" in a:
            self._row = []
            self._rows.append((a["data-key"], self._row))
        elif tag in ("td", "th") and self._row is not None:
            self._cell = ["", None]
        elif tag == "a" and self._cell is not None:
            self._cell[1] = a["href"]

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[0] += data

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append((self._cell[0].strip(), self._cell[1]))
            self._cell = None
        elif tag == "tr":
            self._row = None
        elif tag == "table":
            self._rows = None


def page_tables(body):
    parser = PageTables()
    parser.feed(body)
    return parser.tables


NEXT = re.compile(r'rel="next" href="([^"]+)"')


def listed_cases(client, link):
    """Every case id the drill-down at `link` lists, following its pages."""
    found = []
    while link:
        response = client.get(link)
        assert response.status_code == 200, (link, response.status_code)
        body = response.get_data(as_text=True)
        found += [int(n) for n in re.findall(r'data-case="(\d+)"', body)]
        following = NEXT.search(body)
        link = html.unescape(following.group(1)) if following else None
    assert len(found) == len(set(found)), f"a case listed twice: {link}"
    return found


@pytest.fixture
def national_supervisor(make_staff, staff_client):
    client = staff_client(make_staff("supervisor", "education", NATION))
    client.set_cookie("lang", "en")
    return client


def seed_reaches_every_kind_of_figure(world, now):
    """A seed that left a table empty or a period without cases would let a test of zeros pass."""
    want, national = expected(BEIJING, world, now), expected(NATION, world, now)
    opened = dict(want["timeliness"])["opened"]
    assert opened[0].value >= 5 and opened[1].value >= 5
    assert len(want["organisations"]) == 2
    assert len(national["repeat_offenders"]) == 2 and len(want["repeat_offenders"]) == 1
    targets = {row.split("|")[1] for row, _cells in want["escalations"]}
    assert {"any", "none", BEIJING} <= targets  # within the region, and up the tree
    assert any(cells[6].value for row, cells in want["fixed"])  # "still there" answers in the period


def check_region(client, region, world, now):
    """Compare the page, its CSV files and what the periodic reports read (`evaluate`) with the rows;
    returns {drill-down link: the cases it must list}."""
    want = expected(region, world, now)
    query = {"region": region, "date_from": world.period[0].isoformat(), "date_to": world.period[1].isoformat()}
    response = client.get("/staff/evaluation?" + urlencode(query))
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    shown = page_tables(response.get_data(as_text=True))
    assert set(shown) == set(want)
    made = evaluate(region, *world.period, now).tables  # called as the periodic reports call it
    links = {}
    for key, rows in want.items():
        assert [row_key for row_key, _cells in shown[key]] == [row_key for row_key, _cells in rows], key
        labels = 2 if key == "escalations" else 1
        with_csv = client.get(f"/staff/evaluation/{key}.csv?" + urlencode(query))
        assert with_csv.status_code == 200 and with_csv.data.startswith("\ufeff".encode())
        lines = list(csv.reader(io.StringIO(with_csv.data.decode("utf-8-sig"))))
        assert len(lines) == len(rows) + 1, key
        for (row_key, cells), (_key, page_cells), line, row in zip(
            rows, shown[key], lines[1:], made[key].rows, strict=True
        ):
            where = (region, key, row_key)
            cells = [cell for cell in cells if cell is not None]
            assert len(page_cells) == len(cells) + labels, where
            assert [text for text, _link in page_cells[labels:]] == [cell.html() for cell in cells], where
            assert line[labels:] == [cell.csv() for cell in cells], where
            values = [c.value for c in row.cells[labels:] if c.kind != "text"]
            assert values == [cell.value for cell in cells if cell.kind != "text"], where
            for n, (cell, (_text, link)) in enumerate(zip(cells, page_cells[labels:], strict=True)):
                # A number of cases links to them; "—" (no case to take a median of) links nowhere.
                assert (link is not None) == (cell.cases is not None and cell.value is not None), (*where, n)
                if link:
                    links[link] = (key, n, cell.cases)
            if key == "repeat_offenders":
                assert page_cells[0][1] == f"/staff/platforms/{row_key}"
    return links


def test_every_figure_equals_a_count_made_from_the_rows(app, world, national_supervisor):
    """Catches any table figure that strays from the rows: a period bounded by UTC days, a merged duplicate
    counted, a co-handled case missing from its second department, an unfounded closing counted as founded,
    a percentile off by one rank, overdue taken from the wrong deadline, a child region's cases put in
    another, an escalation outside the period, a repeat offender counted by actions rather than cases, an
    organisation's old tips counted, an answer counted in the period it was asked; and any number whose
    drill-down lists other cases than it counted, or whose CSV file says another number than the page.

    For the nation and for a province (Beijing). Every link to a list of cases is followed, but of the many
    lists that must be empty (a province without cases) only the first of each column of each table.
    """
    now = utcnow()
    seed_reaches_every_kind_of_figure(world, now)
    links = {
        **check_region(national_supervisor, NATION, world, now),
        **check_region(national_supervisor, BEIJING, world, now),
    }
    empty_columns = set()
    for link, (key, column, cases) in links.items():
        if not cases:
            if (key, column) in empty_columns:
                continue
            empty_columns.add((key, column))
        assert sorted(listed_cases(national_supervisor, link)) == sorted(cases), link


# --- paging --------------------------------------------------------------------------------------


def test_drill_down_pages_by_keyset_without_offset(app, make_platform, file_tip, national_supervisor, monkeypatch):
    """Catches a drill-down paged by OFFSET (slow deep down, and it skips or repeats cases as cases change),
    and pages that lose or repeat a case."""
    for region in (HAIDIAN, CHAOYANG, XUHUI, HAIDIAN, BEIJING, CHAOYANG, HAIDIAN):
        file_tip(make_platform(region_code=region), "game_ads")
    monkeypatch.setattr(measures, "PAGE_SIZE", 3)
    offsets = []

    def note(conn, cursor, statement, parameters, context, executemany):
        compiled = getattr(context, "compiled", None)
        if getattr(getattr(compiled, "statement", None), "_offset_clause", None) is not None:
            offsets.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        query = {"measure": "open_now", "region": NATION}
        listed = listed_cases(national_supervisor, "/staff/evaluation/cases?" + urlencode(query))
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    cases = db.session.scalars(select(Case.id).where(Case.state.in_(OPEN))).all()
    assert len(cases) > 6 and listed == sorted(cases, reverse=True)
    assert not offsets


# --- who may see it ------------------------------------------------------------------------------


def _urls(region=BEIJING):
    dates = {"date_from": "2026-03-01", "date_to": "2026-03-31"}
    return [
        "/staff/evaluation?" + urlencode({"region": region, **dates}),
        "/staff/evaluation/timeliness.csv?" + urlencode({"region": region, **dates}),
        "/staff/evaluation/cases?" + urlencode({"measure": "opened", "region": region, **dates}),
        "/staff/evaluation/cases?" + urlencode({"measure": "open_now", "region": region}),
    ]


@pytest.mark.parametrize("role", ["intake", "officer"])
def test_intake_and_officers_may_not_evaluate(app, make_staff, staff_client, role):
    """Catches the page, a CSV file or a drill-down reachable by a crafted request from a role without it."""
    client = staff_client(make_staff(role, "cyberspace", NATION))
    for url in _urls(NATION):
        assert client.get(url).status_code == 403, url
    assert "/staff/evaluation" not in client.get("/staff/").get_data(as_text=True)


def test_a_supervisor_evaluates_only_their_own_region_tree(app, make_staff, make_platform, file_tip, staff_client):
    """Catches a region outside the reader's tree (a sibling province, or the region above) evaluated or
    drilled into, and a sibling's cases counted in the reader's figures."""
    file_tip(make_platform(region_code=HAIDIAN), "game_ads")
    shanghai = staff_client(make_staff("supervisor", "cyberspace", "310000"))
    haidian = staff_client(make_staff("supervisor", "cyberspace", HAIDIAN))
    for client in (shanghai, haidian):
        client.set_cookie("lang", "en")
        page, csv_file, drill, drill_now = (client.get(url) for url in _urls(BEIJING))
        assert page.status_code == 400 and "Choose a region from the list." in page.get_data(as_text=True)
        assert csv_file.status_code == 400
        assert drill.status_code == 404 and drill_now.status_code == 404
        own = client.get("/staff/evaluation")
        assert own.status_code == 200
        assert 'value="110000"' not in own.get_data(as_text=True)  # not offered
    page = shanghai.get("/staff/evaluation?" + urlencode({"region": "310000", "period": "this_month"}))
    open_now = page_tables(page.get_data(as_text=True))["departments"][-1][1][1]
    assert open_now[0] == "0"  # Haidian's open case is not Shanghai's
    mine = haidian.get("/staff/evaluation?period=this_month")
    assert page_tables(mine.get_data(as_text=True))["departments"][-1][1][1][0] == "1"


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, field, message",
    [
        ({"date_from": "2026-02-30", "date_to": "2026-03-31"}, "date_from", "Give a real date"),
        ({"date_from": "2026-03-31", "date_to": "2026-03-01"}, "date_to", "The end date is before the start date."),
        ({"date_from": "2026-03-01", "date_to": ""}, "date_to", "Give a date."),
        ({"date_from": "2024-01-01", "date_to": "2026-03-31"}, "date_to", "at most 366 days"),
        ({"date_from": "2026-03-01\x00", "date_to": "2026-03-31"}, "date_from", "Give a real date"),
        ({"date_from": "1999-12-31", "date_to": "2000-01-31"}, "date_from", "Give a date from"),
        ({"region": "110000\x00", "date_from": "2026-03-01", "date_to": "2026-03-31"}, "region", "Choose a region"),
        ({"period": "last_year"}, "period", "Choose a period from the list."),
    ],
)
def test_bad_input_is_refused_with_a_message_and_kept(app, make_staff, staff_client, query, field, message):
    """Catches a bad date, a reversed or too long period, a NUL byte or an unknown quick choice answered with a
    500, with figures, or with the typed value lost."""
    client = staff_client(make_staff("admin", "cyberspace", NATION))
    client.set_cookie("lang", "en")
    for path in ("/staff/evaluation", "/staff/evaluation/regions.csv"):
        response = client.get(path + "?" + urlencode(query))
        body = response.get_data(as_text=True)
        assert response.status_code == 400, (path, query)
        assert message in body
        assert field == "period" or f'id="f-{field}-error"' in body
        assert 'id="t-timeliness"' not in body
        for name in ("date_from", "date_to"):
            if query.get(name) and "\x00" not in query[name]:
                assert f'value="{query[name]}"' in body  # kept as typed


def test_the_chinese_page_speaks_chinese(app, make_staff, staff_client):
    """Catches a message of the form made in English once, at import, rather than in the page's language."""
    client = staff_client(make_staff("supervisor", "cyberspace", NATION))
    body = client.get("/staff/evaluation?date_from=2026-03-31&date_to=2026-03-01").get_data(as_text=True)
    assert "结束日期早于起始日期。" in body and "The end date" not in body


@pytest.mark.parametrize(
    "query, status",
    [
        ({"measure": "everything", "region": NATION}, 400),
        ({"measure": "opened", "region": NATION}, 400),  # a period is needed
        ({"measure": "opened", "region": NATION, "date_from": "2026-13-01", "date_to": "2026-03-31"}, 400),
        (
            {"measure": "opened", "region": NATION, "date_from": "2026-03-01", "date_to": "2026-03-31", "state": "x"},
            400,
        ),
        ({"measure": "acted_12m", "region": NATION}, 400),  # which platform?
        ({"measure": "open_now", "region": NATION, "before": "-1"}, 400),
        ({"measure": "open_now", "region": "999999"}, 404),
        ({"measure": "open_now", "region": "1\x0000000"}, 400),
        (
            {
                "measure": "org_tips",
                "region": NATION,
                "organisation": "9" * 40,
                "date_from": "2026-03-01",
                "date_to": "2026-03-31",
            },
            400,
        ),
    ],
)
def test_a_crafted_drill_down_is_refused(app, make_staff, staff_client, query, status):
    """Catches a drill-down that answers a list no number has (or a 500) to made-up arguments."""
    client = staff_client(make_staff("admin", "cyberspace", NATION))
    assert client.get("/staff/evaluation/cases?" + urlencode(query)).status_code == status


def test_an_unknown_table_has_no_csv_file(app, make_staff, staff_client):
    client = staff_client(make_staff("admin", "cyberspace", NATION))
    assert client.get("/staff/evaluation/everything.csv").status_code == 404


def test_the_quick_choices_fill_in_the_dates(app, make_staff, staff_client):
    """Catches a quick choice that works only with JavaScript, or shows other dates than it counted."""
    client = staff_client(make_staff("supervisor", "cyberspace", BEIJING))
    body = client.get("/staff/evaluation?region=110000&period=last_week&date_from=2020-01-01").get_data(as_text=True)
    week = periods.last_week(app_today())
    assert f'name="date_from" type="date" min="2000-01-01" max="2099-12-31" value="{week.starts_on}"' in body
    assert f'value="{week.ends_on}"' in body and f"date_to={week.ends_on}" in body.replace("&amp;", "&")
    assert 'name="period" value="this_month"' in body


def test_a_national_tree_reads_as_everywhere_and_a_province_as_its_codes(app):
    """Catches a national evaluation that checks every case against the list of all region codes (a scan of
    every case at scale), and a province's tree read as everywhere (its figures would count the whole nation)."""
    assert tree(subtree_codes(NATION)) == EVERYWHERE
    beijing = tree(subtree_codes(BEIJING))
    assert beijing != EVERYWHERE and {BEIJING, CHAOYANG, HAIDIAN} <= set(beijing) and XUHUI not in beijing
