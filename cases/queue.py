"""The work queue at /staff/: filters, search over tip text, keyset pagination."""

from dataclasses import dataclass

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import selectinload

from cases import states
from cases.access import staff_required, visible_cases, visible_regions
from cases.blueprint import bp
from cases.models import Case
from cases.priority import PRIORITIES
from tipline import catalog
from tipline.extensions import db
from tipline.platforms.models import Platform, like_pattern, search_key
from tipline.regions.service import region_choices
from tipline.reports.models import Tip
from tipline.reports.search import text_matches, tips_holding_estimate
from tipline.timeutil import utcnow
from tipline.web import parse_row_id

PAGE_SIZE = 25

SCOPES = {
    "open": _l("All open cases"),
    "mine": _l("My cases"),
    "department": _l("My department's"),
    "unassigned": _l("Unassigned"),
    "overdue": _l("Overdue"),
    "escalated": _l("Escalated"),
    "closed": _l("Closed"),
}


FILTER_LABELS = {
    "scope": _l("Which cases"),
    "state": _l("State"),
    "priority": _l("Priority"),
    "category": _l("Problem"),
    "region": _l("Region"),
    "platform": _l("Platform"),
    "q": _l("Words in the reports"),
    "after": _l("Page"),
}
FILTER_ERRORS = {
    "platform": _l("Search for at most 100 characters."),
    "q": _l("Search for at most 100 characters."),
    "after": _l("That page does not exist."),
}


class QueueArgs(Schema):
    """The query string of the work queue."""

    class Meta:
        unknown = EXCLUDE

    scope = fields.String(load_default="open", validate=validate.OneOf(list(SCOPES)))
    state = fields.String(load_default="", validate=validate.OneOf([""] + list(states.STATES)))
    priority = fields.String(load_default="", validate=validate.OneOf(["", "1", "2", "3", "4"]))
    category = fields.String(load_default="", validate=validate.OneOf([""] + list(catalog.CATEGORIES)))
    region = fields.String(load_default="", validate=validate.Regexp(r"^(\d{6})?$"))
    platform = fields.String(load_default="", validate=validate.Length(max=100))
    q = fields.String(load_default="", validate=validate.Length(max=100))
    after = fields.String(load_default="", validate=validate.Regexp(r"^([1-4]\.\d{1,10})?$"))

    @validates("after")
    def _after_is_a_row(self, value, **kwargs):
        parts = value.split(".")
        if value and (len(parts) != 2 or parse_row_id(parts[1]) is None):
            raise ValidationError(_l("That page does not exist."))


# Counting stops here: past it the page says "1,000+" (a count of every match costs a scan).
COUNT_CAP = 1000


@dataclass
class QueuePage:
    cases: list
    next_cursor: str | None
    total: int | None  # matching cases, counted up to COUNT_CAP + 1; None for a text search


def work_queue(user, args, now):
    """One page of the cases the user may see, most urgent first, then newest."""
    query = visible_cases(user)
    scope = args["scope"]
    if scope == "closed":
        query = query.where(Case.state.in_(states.CLOSED_STATES))
    else:
        query = query.where(Case.state.in_(states.OPEN_STATES))
    if scope == "mine":
        query = query.where(Case.assignee_id == user.id)
    elif scope == "department":
        query = query.where(or_(Case.lead_department == user.department, Case.co_department == user.department))
    elif scope == "unassigned":
        query = query.where(Case.assignee_id.is_(None))
    elif scope == "overdue":
        query = query.where(Case.deadline_at < now)
    elif scope == "escalated":
        query = query.where(Case.escalated_for == Case.state_changed_at)
    if args["state"]:
        query = query.where(Case.state == args["state"])
    if args["priority"]:
        query = query.where(Case.priority == int(args["priority"]))
    if args["category"]:
        query = query.where(Case.category == args["category"])
    if args["region"]:
        from tipline.regions.service import subtree_codes

        query = query.where(Case.region_code.in_(subtree_codes(args["region"])))
    if args["platform"]:
        query = query.where(_platform_matches(args["platform"]))
    if args["q"]:
        query = query.where(_holding_words(search_key(args["q"]).split()))
    rows = _page_by_priority(query, args["after"])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    cursor = f"{rows[-1].priority}.{rows[-1].id}" if more else None
    # A text search is not counted: finding its matches is the costly part, and the page needs
    # only the first few (see _holding_words).
    return QueuePage(rows, cursor, None if args["q"] else count_matches(query))


def count_matches(query):
    """How many cases the filtered query holds, counted no further than COUNT_CAP + 1."""
    capped = query.with_only_columns(Case.id).order_by(None).limit(COUNT_CAP + 1).subquery()
    return db.session.scalar(select(func.count()).select_from(capped))


# Past this many tips holding the words, checking cases one by one in queue order
# finds a page sooner than gathering every matching tip through the index first.
COMMON_WORDS_TIPS = 5000


def _holding_words(words):
    """Some tip of the case holds every word (in any language).

    For words common enough (tipline/reports/search.py estimates how common, from
    the index's statistics), the subquery is kept apart (OFFSET 0), so that cases
    are checked in queue order and the page is found after a few hundred; rare words
    are gathered through the index.
    """
    matches = [m for w in words for m in text_matches(Tip.description, Tip.search_terms, w)]
    holding = select(Tip.id).where(Tip.case_id == Case.id, *matches)
    if db.engine.dialect.name == "postgresql":
        estimate = tips_holding_estimate(words)
        if estimate is None or estimate >= COMMON_WORDS_TIPS:
            holding = holding.offset(0)
    return exists(holding)


def _platform_matches(text):
    """Cases whose platform is named so (Chinese or English name, pinyin, operator, address, filing
    number: every typed word), or, for a platform not in the registry, named so by its reporters."""
    words = search_key(text).split() or [""]
    known = select(Platform.id).where(*[Platform.search_text.like(like_pattern(w), escape="\\") for w in words])
    named = and_(*[func.lower(Case.platform_name).like(like_pattern(w), escape="\\") for w in words])
    return or_(Case.platform_id.in_(known), named)


def _page_by_priority(query, after):
    """PAGE_SIZE + 1 cases in queue order (priority, then newest), after the cursor "priority.id".

    One query per priority level, each an index range scan on (priority, id) read
    backwards from the cursor, so that a page 1,000 pages deep costs what the first
    does: no OFFSET, and no sort of every case before the cursor.
    """
    level, before = (int(part) for part in after.split(".")) if after else (1, None)
    rows = []
    for priority in range(level, max(PRIORITIES) + 1):
        bounded = query.where(Case.priority == priority)
        if priority == level and before is not None:
            bounded = bounded.where(Case.id < before)
        rows += db.session.scalars(
            bounded.options(selectinload(Case.assignee), selectinload(Case.region))
            .order_by(Case.id.desc())
            .limit(PAGE_SIZE + 1 - len(rows))
        ).all()
        if len(rows) > PAGE_SIZE:
            break
    return rows


@bp.route("/")
@staff_required()
def queue():
    """The work queue."""
    errors = {}
    given = {key: value for key, value in request.args.items() if value != ""}
    try:
        args = QueueArgs().load(given)
    except ValidationError as exc:
        args, errors = QueueArgs().load({}), exc.messages
    if args["region"] and args["region"] not in visible_regions(current_user):
        errors["region"] = []
    # Say which filter is wrong in the page's language, not the validation library's.
    errors = {
        str(FILTER_LABELS.get(name, name)): FILTER_ERRORS.get(name, _l("Choose one of the values offered."))
        for name in errors
    }
    now = utcnow()
    page = None if errors else work_queue(current_user, args, now)
    shown = {k: given[k][:100] for k in QueueArgs().fields if k != "after" and k in given}
    return render_template(
        "cases/queue.html",
        page=page,
        args=shown,
        errors=errors,
        now=now,
        scopes=SCOPES,
        states=states.STATES,
        priorities=PRIORITIES,
        categories=catalog.CATEGORIES,
        regions=region_choices(within=visible_regions(current_user)),
        filters={k: v for k, v in shown.items() if k != "scope"},
        count_cap=COUNT_CAP,
    ), (400 if errors else 200)
