"""The work queue at /staff/: filters and sortable columns, search over tip text, keyset pages, and what
is new since you last looked; the forms it shows (saved filters, bulk changes) post to cases/queue_actions.py."""

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import selectinload

from cases import bulk, saved_filters, seen, states
from cases.access import staff_required, visible_cases, visible_regions
from cases.blueprint import bp
from cases.forms import BulkForm, SavedFilterForm, staff_choices
from cases.models import Case
from cases.priority import PRIORITIES
from cases.queue_order import DEFAULT, DESC, BadCursor, Order, order_from, page_in_order, parse_cursor, write_cursor
from tipline import catalog
from tipline.extensions import db
from tipline.platforms.models import Platform, like_pattern, search_key
from tipline.regions.service import region_choices
from tipline.reports.models import Tip
from tipline.reports.search import text_matches, tips_holding_estimate
from tipline.timeutil import utcnow

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
    "source": _l("Reported by"),
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
    # "organisation": only cases with a tip filed for an organisation (SPEC 4.3).
    source = fields.String(load_default="", validate=validate.OneOf(["", "organisation"]))
    # A page cursor of the order asked for (cases/queue_order.py), checked once the order is known.
    after = fields.String(load_default="", validate=validate.Length(max=300))


# The filters a link, a tab or a saved filter carries (the page cursor is not one of them).
FILTER_KEYS = ("scope", "state", "priority", "category", "region", "platform", "q", "source")

# The columns of the queue, and the order each one's header sorts by (None: not sortable).
COLUMNS = (
    ("id", _l("Case")),
    ("priority", _l("Priority")),
    ("platform", _l("Platform and problem")),
    ("reports", _l("Reports")),
    ("state", _l("State")),
    (None, _l("Handled by")),  # the case officer, the departments and the region, in one cell
    ("created", _l("Opened")),
    ("updated", _l("Last changed")),
    ("deadline", _l("Deadline")),
)
ARIA_SORT = {"asc": "ascending", "desc": "descending"}


@dataclass
class QueueAsk:
    """What a query string asks of the queue, checked."""

    args: dict  # the filters (QueueArgs), defaults where something was wrong
    order: Order
    cursor: tuple | None  # (sort value, case id) of the last case of the page before, or None
    errors: dict = field(default_factory=dict)  # filter label -> message, in the page's language
    shown: dict = field(default_factory=dict)  # the filters as given (no cursor): for the form and the links
    by_field: dict = field(default_factory=dict)  # query parameter -> message (for the API)

    @property
    def params(self):
        """The query parameters of this page of the queue without its cursor: filters, then the order."""
        return {**self.shown, **self.order.params()}


def read_queue_ask(user, params):
    """The filters, order and page that these query parameters (request.args, a saved filter) ask for.

    An unknown order is the default order, not an error; a filter or a page that does
    not exist is, said in the page's language.
    """
    given = {key: value for key in QueueArgs().fields if isinstance(value := params.get(key), str) and value != ""}
    errors = {}
    try:
        args = QueueArgs().load(given)
    except ValidationError as exc:
        args, errors = QueueArgs().load({}), dict(exc.messages)
    if args["region"] and args["region"] not in visible_regions(user):
        errors["region"] = []
    order = order_from(params.get("sort"), params.get("dir"))
    cursor = None
    if args["after"] and not errors:
        try:
            cursor = _cursor(order, args["after"])
        except BadCursor:
            errors["after"] = []
    # Say which filter is wrong in the page's language, not the validation library's.
    by_field = {name: FILTER_ERRORS.get(name, _l("Choose one of the values offered.")) for name in errors}
    labelled = {str(FILTER_LABELS.get(name, name)): message for name, message in by_field.items()}
    shown = {key: given[key][:100] for key in FILTER_KEYS if key in given}
    return QueueAsk(args, order, cursor, labelled, shown, by_field)


def _cursor(order, text):
    value, row_id = parse_cursor(order, text)
    if order.is_default and value not in PRIORITIES:
        raise BadCursor(text)
    return value, row_id


def queue_params(user, query):
    """The queue's own parameters in a query string (a filter to save, the page to go back to), checked;
    None when one of them is wrong. Anything else in it, and the page cursor, is left out."""
    asked = read_queue_ask(user, dict(parse_qsl(query or "")))
    return None if asked.errors else asked.params


# Counting stops here: past it the page says "1,000+" (a count of every match costs a scan).
COUNT_CAP = 1000


@dataclass
class QueuePage:
    cases: list
    next_cursor: str | None
    total: int | None  # matching cases, counted up to COUNT_CAP + 1; None for a text search
    news: dict = field(default_factory=dict)  # case id -> what is new to the viewer (cases/seen.py)


ROW_OPTIONS = (selectinload(Case.assignee), selectinload(Case.region))


def work_queue(user, args, now, order=DEFAULT, cursor=None):
    """One page of the cases the user may see, in `order` (most urgent first, then newest, by default),
    after the case of `cursor`, each marked with what is new to the user since they last opened it."""
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
    if args["source"] == "organisation":
        query = query.where(exists().where(Tip.case_id == Case.id, Tip.organisation_id.is_not(None)))
    if order.is_default:
        rows = _page_by_priority(query, cursor)
        values = [row.priority for row in rows]
    else:
        found = page_in_order(query, order, cursor, PAGE_SIZE, ROW_OPTIONS)
        rows, values = [row[0] for row in found], [row.sort_value for row in found]
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    following = write_cursor(order, values[PAGE_SIZE - 1], rows[-1].id) if more else None
    # A text search is not counted: finding its matches is the costly part, and the page needs
    # only the first few (see _holding_words).
    total = None if args["q"] else count_matches(query)
    return QueuePage(rows, following, total, seen.news_for(user, [row.id for row in rows]))


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
    """PAGE_SIZE + 1 cases in queue order (priority, then newest), after the cursor (priority, id).

    One query per priority level, each an index range scan on (priority, id) read
    backwards from the cursor, so that a page 1,000 pages deep costs what the first
    does: no OFFSET, and no sort of every case before the cursor.
    """
    level, before = after or (min(PRIORITIES), None)
    rows = []
    for priority in range(level, max(PRIORITIES) + 1):
        bounded = query.where(Case.priority == priority)
        if priority == level and before is not None:
            bounded = bounded.where(Case.id < before)
        rows += db.session.scalars(
            bounded.options(*ROW_OPTIONS).order_by(Case.id.desc()).limit(PAGE_SIZE + 1 - len(rows))
        ).all()
        if len(rows) > PAGE_SIZE:
            break
    return rows


# --- pages ------------------------------------------------------------------------------------


@bp.route("/")
@staff_required()
def queue():
    """The work queue."""
    return render_queue(request.args)


def render_queue(params, status=None, bulk_form=None, filter_form=None, failures=()):
    """The queue page these query parameters ask for; a form that was refused is shown again as sent.

    `failures` lists the cases a bulk change could not change, with the reason.
    """
    asked = read_queue_ask(current_user, params)
    now = utcnow()
    page = None if asked.errors else work_queue(current_user, asked.args, now, asked.order, asked.cursor)
    # The page as shown, for the forms to come back to: its filters and order, and its cursor.
    cursor = {"after": asked.args["after"]} if asked.cursor else {}
    here = urlencode({**asked.params, **cursor})
    bulk_form = bulk_form or BulkForm(formdata=None)
    bulk_form.back.data = here
    offer_staff(bulk_form)
    filter_form = filter_form or SavedFilterForm(formdata=None)
    filter_form.query.data = here
    mine = saved_filters.filters_of(current_user)
    filters = {k: v for k, v in asked.shown.items() if k != "scope"}
    order = asked.order.params()
    scope = asked.shown.get("scope", "open")
    return render_template(
        "cases/queue.html",
        page=page,
        args=asked.shown,
        errors=asked.errors,
        now=now,
        scopes=SCOPES,
        states=states.STATES,
        priorities=PRIORITIES,
        categories=catalog.CATEGORIES,
        regions=region_choices(within=visible_regions(current_user)),
        filters=filters,
        order_params=order,
        # Tabs keep the filters and the order; clearing the filters keeps the tab and the order.
        tab_urls={code: url_for("staff.queue", scope=code, **filters, **order) for code in SCOPES},
        clear_url=url_for("staff.queue", scope=scope, **order),
        page_params=asked.params,
        headers=column_headers(asked.order, {"scope": scope, **filters}),
        count_cap=COUNT_CAP,
        news_labels=seen.BADGES,
        bulk=bulk_form,
        chosen=set(bulk_form.case_ids.data or ()),
        may_triage=current_user.role in states.TRANSITIONS[(states.NEW, states.TRIAGED)],
        failures=failures,
        saved=mine,
        saved_here=[s.id for s in mine if s.params == asked.params],
        filter_form=filter_form,
        max_cases=bulk.MAX_CASES,
    ), (status or (400 if asked.errors else 200))


def column_headers(order, keep):
    """Each column's header: its label, and for a sortable one the link that sorts by it (keeping the
    filters and the tab), its aria-sort and its arrow when the queue is sorted by it now."""
    headers = []
    for key, label in COLUMNS:
        header = {"label": label, "key": key, "url": None, "aria_sort": None, "arrow": ""}
        if key is not None:
            header["url"] = url_for("staff.queue", **keep, **order.toggled(key).params())
            if key == order.key:
                header["aria_sort"] = ARIA_SORT[order.direction]
                header["arrow"] = "▼" if order.direction == DESC else "▲"
        headers.append(header)
    return headers


def offer_staff(form):
    """The people the bulk form offers: everyone the user could give a case they see to."""
    people = staff_choices(bulk.assignable_staff(current_user))
    nobody, *others = people
    form.assignee.choices = [("", _("Choose a person")), ("none", _("Nobody (remove the case officer)"))]
    form.assignee.choices += others
    form.triage_assignee.choices = [nobody, *others]
