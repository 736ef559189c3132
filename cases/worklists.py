"""A member of staff's own lists: the decisions waiting for them, and their department's open tasks.

What may be decided by whom is not decided here: candidates are narrowed in SQL
(waiting rows, cases in the user's regions) and then kept only where the rules of
cases/actions and cases/states say this user may decide them now.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import g, render_template, request
from flask_babel import format_date, format_timedelta
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from cases import states
from cases.access import staff_required, visible_regions
from cases.actions import rules
from cases.actions.models import Action
from cases.actions.review import may_confirm_review, may_review
from cases.actions.service import may_decide
from cases.blueprint import bp
from cases.models import Case, CaseTask
from tipline import catalog
from tipline.extensions import db
from tipline.timeutil import app_today, utcnow

# What waits, in words; the case page section it is decided in.
WAITING = {
    "decide": _l("Decide on the proposed action: %(type)s"),
    "decide_lift": _l("Decide on lifting the action: %(type)s"),
    "review": _l("Record the review of the rectification due %(deadline)s"),
    "confirm_review": _l("Confirm or send back the recorded review: %(outcome)s"),
    "closing": _l("Agree or not to closing the case as “%(state)s”"),
}


@dataclass
class Waiting:
    """One decision that waits for this member of staff."""

    kind: str  # a key of WAITING
    case: Case
    since: datetime  # when it began to wait
    by: object = None  # the StaffUser who asked for it; None when the deadline scan did
    action: Action | None = None

    @property
    def what(self):
        """What is to be decided, in the page's language."""
        action = self.action
        if self.kind == "closing":
            return WAITING["closing"] % {"state": states.STATES.get(self.case.closing_state, self.case.closing_state)}
        if self.kind == "review":
            deadline = format_date(action.deadline_on, "medium") if action.deadline_on else "—"
            return WAITING["review"] % {"deadline": deadline}
        if self.kind == "confirm_review":
            outcome = rules.REVIEW_OUTCOMES.get(action.review_outcome, action.review_outcome)
            return WAITING["confirm_review"] % {"outcome": outcome}
        return WAITING[self.kind] % {"type": rules.ACTION_TYPES.get(action.type, action.type)}

    @property
    def anchor(self):
        """The id of the case page's element where it is decided."""
        return "closing-waiting" if self.action is None else f"action-{self.action.id}"


# Roles that may decide something in one of the lists below (the rules' own tables); others have
# nothing to wait for, and no query is made for them.
DECIDING_ROLES = rules.APPROVER_ROLES | rules.REVIEW_CONFIRMER_ROLES | states.AGREEING_ROLES


def may_have_approvals(user):
    """Whether the user's role and department can ever have a decision waiting: approving or
    deciding actions, recording or confirming reviews, agreeing to closings."""
    if user.role in DECIDING_ROLES:
        return True
    return user.role in rules.REVIEW_RECORDER_ROLES and user.department == rules.REVIEW_DEPARTMENT


def waiting_for(user):
    """The decisions waiting for the user now, oldest first.

    Two queries, each on an index: actions waiting on someone (proposed, or a
    rectification whose review was asked for) and open cases with a closing waiting,
    both in the user's regions. The rules then keep what this user may decide.
    """
    if not may_have_approvals(user):
        return []
    regions = visible_regions(user)
    waiting_action = or_(
        Action.state == rules.PROPOSED,
        and_(Action.state == rules.IN_FORCE, Action.review_requested_at.is_not(None)),
    )
    action_query = (
        select(Action)
        .join(Action.case)
        .where(waiting_action, Case.region_code.in_(regions))
        .options(contains_eager(Action.case))
    )
    # Only an open case can wait for its closing to be agreed (cases/operations.py: close_case).
    closing_query = select(Case).where(
        Case.state.in_(states.OPEN_STATES), Case.closing_state.is_not(None), Case.region_code.in_(regions)
    )
    # Who asked is part of each item: loaded with it, never one query per person.
    action_query = action_query.options(selectinload(Action.proposed_by), selectinload(Action.reviewed_by))
    closing_query = closing_query.options(selectinload(Case.closing_proposed_by))
    found = []
    for action in db.session.scalars(action_query):
        if action.state == rules.PROPOSED:
            if may_decide(user, action):
                kind = "decide_lift" if action.is_lift else "decide"
                found.append(Waiting(kind, action.case, action.proposed_at, action.proposed_by, action))
        elif action.review_pending:
            if may_confirm_review(user, action):
                found.append(Waiting("confirm_review", action.case, action.reviewed_at, action.reviewed_by, action))
        elif may_review(user, action):
            found.append(Waiting("review", action.case, action.review_requested_at, None, action))
    for case in db.session.scalars(closing_query):
        if states.may_agree_to_close(user, case):
            found.append(Waiting("closing", case, case.closing_proposed_at, case.closing_proposed_by))
    return sorted(found, key=lambda w: (w.since or w.case.created_at, w.case.id, w.action.id if w.action else 0))


def waiting_count(user):
    """How many decisions wait for the user (once per request: the navigation shows it on every page)."""
    cache = g.setdefault("_waiting_count", {})
    if user.id not in cache:
        cache[user.id] = len(waiting_for(user))
    return cache[user.id]


def waited(since, now):
    """How long something has waited, in the page's language ("3 days")."""
    return format_timedelta(max(now - since, timedelta(0)), threshold=1.5) if since else "—"


@bp.app_context_processor
def approvals_navigation():
    """The navigation's approvals link: whether to show it, and how many decisions wait."""
    if getattr(current_user, "is_authenticated", False):
        return {
            "may_have_approvals": lambda: may_have_approvals(current_user),
            "waiting_approvals": lambda: waiting_count(current_user),
        }
    return {"may_have_approvals": lambda: False, "waiting_approvals": lambda: 0}


@bp.route("/approvals")
@staff_required()
def approvals():
    """The decisions waiting for the signed-in member of staff, oldest first."""
    items = waiting_for(current_user)
    g.setdefault("_waiting_count", {})[current_user.id] = len(items)
    return render_template(
        "cases/approvals.html",
        items=items,
        now=utcnow(),
        waited=waited,
        decides_anything=may_have_approvals(current_user),
    )


# --- tasks for my department -----------------------------------------------------------------

TASKS_SHOWN = 200


@dataclass
class DepartmentTasks:
    tasks: list
    more: bool  # more open tasks than TASKS_SHOWN match


def open_department_tasks(user, today, only_overdue=False):
    """The open tasks for the user's department in the cases the user may see: soonest due first,
    tasks without a due date last."""
    query = (
        select(CaseTask)
        .join(CaseTask.case)
        .where(
            CaseTask.done_at.is_(None),
            CaseTask.department == user.department,
            Case.state.in_(states.OPEN_STATES),  # a closed case's leftover task is no one's work
            Case.region_code.in_(visible_regions(user)),
        )
        .options(contains_eager(CaseTask.case), selectinload(CaseTask.created_by))
        .order_by(CaseTask.due_on.is_(None), CaseTask.due_on, CaseTask.id)
        .limit(TASKS_SHOWN + 1)
    )
    if only_overdue:
        query = query.where(CaseTask.due_on < today)
    tasks = db.session.scalars(query).all()
    return DepartmentTasks(tasks[:TASKS_SHOWN], len(tasks) > TASKS_SHOWN)


def due_text(due_on, today):
    """A task's due date in words: overdue, today, or the day."""
    if due_on is None:
        return _("No due date")
    day = format_date(due_on, "medium")
    if due_on < today:
        return _("Overdue: it was due %(day)s", day=day)
    if due_on == today:
        return _("Due today, %(day)s", day=day)
    return _("Due %(day)s", day=day)


@bp.route("/tasks")
@staff_required()
def department_tasks():
    """The open tasks set for the signed-in member of staff's department."""
    only_overdue = request.args.get("overdue") == "1"
    today: date = app_today()  # due dates are Beijing calendar days, like every legal date
    has_department = current_user.department in catalog.DEPARTMENTS
    listing = open_department_tasks(current_user, today, only_overdue) if has_department else None
    return render_template(
        "cases/department_tasks.html",
        listing=listing,
        has_department=has_department,
        only_overdue=only_overdue,
        today=today,
        due_text=due_text,
        shown=TASKS_SHOWN,
    )
