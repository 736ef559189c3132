"""What each number of the evaluation counts, as conditions on cases.

The tables count with these conditions (grouped by a column where a table has one row per
department, region or organisation), and the drill-down lists the cases that meet the same
conditions with the cell's dimension added: so a number and its list cannot disagree. The
figures of the cases opened in a period are read in Python from one fetch under the conditions
of "opened"; cases/evaluation/tables.py: Cohort says in Python what "triaged" to "opened_open"
say here in SQL.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select

from cases import states
from cases.actions import rules
from cases.actions.models import Action
from cases.actions.service import repeat_window_start
from cases.models import Case, CaseEvent
from tipline.extensions import db
from tipline.followup.models import FIXED, STILL_THERE, FixCheck
from tipline.regions.service import lies_in
from tipline.reports.models import Tip

OPEN = states.OPEN_STATES
CLOSINGS = (states.CLOSED_FOUNDED, states.CLOSED_UNFOUNDED)
# An escalation that stayed with the supervisors of the case's own region (no region above was told).
WITHIN = "none"
PAGE_SIZE = 50


@dataclass(frozen=True)
class Scope:
    """Which cases a number counts: where they lie, the period, now, and the dimensions of its cell.

    A dimension left None does not narrow. `department` matches the lead and the co-handling
    department alike: a case both departments handle counts for each.
    """

    codes: tuple | str  # the region codes the cases lie in, or EVERYWHERE (tipline/regions/service.py: tree)
    start: datetime | None = None  # the period, as naive UTC: start <= t < end
    end: datetime | None = None
    now: datetime | None = None
    department: str | None = None
    platform: int | None = None  # "acted": the platform acted against
    organisation: int | None = None  # "org_tips": the organisation whose tips they hold
    to_region: str | None = None  # "escalated": WITHIN, or the code of the region above that was told
    state: str | None = None  # "closed", "org_tips": one of CLOSINGS


def in_period(column, scope):
    """The time `column` lies in the scope's period."""
    return and_(column >= scope.start, column < scope.end)


def _in_tree(scope):
    """The case lies in the scope's regions."""
    return lies_in(Case.region_code, scope.codes)


def _opened(scope):
    """Cases opened in the period; a case merged into another is the other's duplicate and counts there."""
    return [_in_tree(scope), in_period(Case.created_at, scope), Case.state != states.CLOSED_MERGED]


def _step(condition):
    """The cases opened in the period that also meet `condition`."""
    return lambda scope: [*_opened(scope), *condition]


def _closed(scope):
    """Cases closed founded or unfounded in the period, and closed still (a reopened case has no closed_at)."""
    return [_in_tree(scope), in_period(Case.closed_at, scope), Case.state.in_(CLOSINGS)]


def _open_now(scope):
    """Cases open now, in any state of the work."""
    return [_in_tree(scope), Case.state.in_(OPEN)]


def _overdue_now(scope):
    """Open and past the deadline of its state now, as Case.overdue(now) says."""
    return [*_open_now(scope), Case.deadline_at < scope.now]


def escalation_to(scope):
    """The condition on an escalation event's region above (its detail's "to_region")."""
    to_region = CaseEvent.detail["to_region"].as_string()
    return to_region.is_(None) if scope.to_region == WITHIN else to_region == scope.to_region


def escalation_events(scope):
    """Conditions on the "escalated" events of the period (cases/escalation.py writes them)."""
    found = [CaseEvent.kind == "escalated", in_period(CaseEvent.created_at, scope)]
    if scope.to_region is not None:
        found.append(escalation_to(scope))
    return found


def _escalated(scope):
    """Cases escalated at least once in the period (to the region above `to_region` when given)."""
    return [_in_tree(scope), Case.id.in_(select(CaseEvent.case_id).where(*escalation_events(scope)))]


def organisation_tips(scope):
    """Conditions on the tips an organisation filed in the period (all organisations when none is given)."""
    found = [in_period(Tip.created_at, scope)]
    found.append(
        Tip.organisation_id.is_not(None) if scope.organisation is None else Tip.organisation_id == scope.organisation
    )
    return found


def _org_tips(scope):
    """Cases holding tips the organisation filed in the period."""
    return [_in_tree(scope), Case.id.in_(select(Tip.case_id).where(*organisation_tips(scope)))]


def _fix(condition):
    """The cases of the "is it fixed?" questions that meet `condition` (Scope -> conditions on FixCheck)."""

    def conditions(scope):
        checks = select(FixCheck.case_id).where(*condition(scope))
        return [_in_tree(scope), Case.id.in_(checks)]

    return conditions


def fix_asked(scope):
    """Questions put in the period."""
    return [in_period(FixCheck.asked_at, scope)]


def fix_answered(answer):
    """Questions answered `answer` in the period."""
    return lambda scope: [FixCheck.answer == answer, in_period(FixCheck.answered_at, scope)]


def acted_against(since):
    """Conditions on the actions that make a repeat offender (cases/actions/service.py: repeat_offences)."""
    return [
        Action.lifts_id.is_(None),
        Action.state.in_((rules.IN_FORCE, rules.ENDED)),
        Action.decided_at >= since,
    ]


def _acted(scope):
    """Cases in which the platform was acted against in the last 12 months (as the repeat-offender rule counts)."""
    actions = select(Action.case_id).where(
        Action.platform_id == scope.platform, *acted_against(repeat_window_start(scope.now))
    )
    return [_in_tree(scope), Case.id.in_(actions)]


@dataclass(frozen=True)
class Measure:
    """One kind of number: the cases it counts, and how the drill-down shows them."""

    label: object  # what the drill-down lists (lazy)
    conditions: Callable  # Scope -> conditions on Case
    period: bool = True  # whether it needs a period (else it counts now)
    days_to: str = "closed_at"  # the Case time the drill-down's days run to from opening (to now while empty)
    days_label: object = _l("Days open")
    needs: tuple = ()  # dimensions the drill-down must have
    takes: tuple = ("department",)  # dimensions it may have


TRIAGE_DAYS, ACTION_DAYS, CLOSE_DAYS = _l("Days to triage"), _l("Days to first action"), _l("Days to close")
MEASURES = {
    "opened": Measure(_l("Cases opened in the period"), _opened),
    "triaged": Measure(
        _l("Cases opened in the period and triaged"),
        _step([Case.triaged_at.is_not(None)]),
        days_to="triaged_at",
        days_label=TRIAGE_DAYS,
    ),
    "untriaged": Measure(
        _l("Cases opened in the period and not yet triaged"),
        _step([Case.triaged_at.is_(None)]),
        days_to="triaged_at",
        days_label=_l("Days waiting"),
    ),
    "acted": Measure(
        _l("Cases opened in the period with an approved action"),
        _step([Case.first_action_at.is_not(None)]),
        days_to="first_action_at",
        days_label=ACTION_DAYS,
    ),
    "unacted": Measure(
        _l("Cases opened in the period, still open, without an approved action"),
        _step([Case.first_action_at.is_(None), Case.state.in_(OPEN)]),
        days_to="first_action_at",
        days_label=_l("Days waiting"),
    ),
    "opened_closed": Measure(
        _l("Cases opened in the period and closed"),
        _step([Case.closed_at.is_not(None)]),
        days_label=CLOSE_DAYS,
    ),
    "opened_open": Measure(_l("Cases opened in the period and still open"), _step([Case.state.in_(OPEN)])),
    "closed": Measure(_l("Cases closed in the period"), _closed, days_label=CLOSE_DAYS, takes=("department", "state")),
    "open_now": Measure(_l("Open cases now"), _open_now, period=False),
    "overdue_now": Measure(_l("Cases overdue now"), _overdue_now, period=False),
    "escalated": Measure(_l("Cases escalated in the period"), _escalated, takes=("department", "to_region")),
    "org_tips": Measure(
        _l("Cases holding the organisation's tips of the period"),
        _org_tips,
        needs=("organisation",),
        takes=("department", "organisation", "state"),
    ),
    "fix_asked": Measure(_l("Cases whose reporters were asked “is it fixed?” in the period"), _fix(fix_asked)),
    "fix_fixed": Measure(_l("Cases whose reporters answered “fixed” in the period"), _fix(fix_answered(FIXED))),
    "fix_still": Measure(
        _l("Cases whose reporters answered “still there” in the period"), _fix(fix_answered(STILL_THERE))
    ),
    "acted_12m": Measure(
        _l("Cases in which the platform was acted against in the last 12 months"),
        _acted,
        period=False,
        needs=("platform",),
        takes=("platform",),
    ),
}


def case_conditions(key, scope):
    """The conditions on Case of measure `key` in this scope, its cell's dimensions included."""
    found = MEASURES[key].conditions(scope)
    if scope.department is not None:
        found.append(or_(Case.lead_department == scope.department, Case.co_department == scope.department))
    if scope.state is not None:
        found.append(Case.state == scope.state)
    return found


def count_cases(key, scope):
    """How many cases measure `key` counts in this scope."""
    return db.session.scalar(select(func.count()).select_from(Case).where(*case_conditions(key, scope)))


@dataclass
class CasePage:
    """One page of a drill-down, newest case first."""

    cases: list  # (Case, days) pairs; days from opening to the measure's time, or to now
    older: int | None  # the `before` of the next page, or None on the last


def days_between(earlier, later):
    """Days from one stored time to another, to one decimal (what every figure of days shows)."""
    return round((later - earlier).total_seconds() / 86400, 1)


def case_page(key, scope, before=None, size=None):
    """A page of the cases measure `key` counts (PAGE_SIZE of them), by keyset on the case id (never OFFSET)."""
    size = size or PAGE_SIZE
    query = select(Case).where(*case_conditions(key, scope)).order_by(Case.id.desc())
    if before is not None:
        query = query.where(Case.id < before)
    rows = db.session.scalars(query.limit(size + 1)).all()
    more = len(rows) > size
    rows = rows[:size]
    days_to = MEASURES[key].days_to
    now = scope.now
    cases = [(case, days_between(case.created_at, getattr(case, days_to) or now)) for case in rows]
    return CasePage(cases, rows[-1].id if more else None)
