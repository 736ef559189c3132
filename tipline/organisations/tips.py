"""An organisation's list of tips: those its members filed and those it collected by receipt code.

Collecting a code adds the tip to the list and changes nothing in the tip itself: knowing the
code is the right to follow the tip, and a parent who hands it over shares that right.
"""

import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import contains_eager, selectinload

from tipline import catalog
from tipline.extensions import db
from tipline.organisations.models import COLLECTED, FILED, OrgTip
from tipline.organisations.service import OrganisationError, can_act
from tipline.platforms.models import like_pattern
from tipline.reports.models import Tip, TipEvent
from tipline.timeutil import local_to_utc, typed_day
from tipline.tracking import status as public

PAGE_SIZE = 25
EXPORT_CAP = 20_000
STAFF_MESSAGE = "staff_message"


def add_to_list(organisation_id, tip, source, member=None, batch_id=None, batch_line=None):
    """Put a tip in the organisation's list (once: a second add of the same tip changes nothing)."""
    if db.session.get(OrgTip, (organisation_id, tip.id)) is not None:
        return None
    row = OrgTip(
        organisation_id=organisation_id,
        tip_id=tip.id,
        source=source,
        added_by_id=member.id if member is not None else None,
        batch_id=batch_id,
        batch_line=batch_line,
    )
    db.session.add(row)
    return row


def filed(member, tip):
    """A tip a member just filed as the organisation goes into its list."""
    db.session.flush()
    return add_to_list(member.organisation_id, tip, FILED, member)


def collect(member, code):
    """Add the tip a receipt code opens to the member's organisation's list; the tip itself is untouched.

    Raises MalformedReceiptCode for something that is not a code, and OrganisationError when no tip
    matches, when the tip is in the list already, or when the organisation may not act.
    """
    from tipline.reports.service import find_tip

    if not can_act(member.organisation):
        raise OrganisationError(_l("Your organisation cannot add reports to its list as it stands now."))
    tip = find_tip(code)
    if tip is None:
        raise OrganisationError(_l("No report matches this receipt code. Check it and try again."), "code")
    if add_to_list(member.organisation_id, tip, COLLECTED, member) is None:
        raise OrganisationError(_l("This report is in your list already."), "code")
    return tip


def uncollect(member, tip_id):
    """Take a collected tip out of the list again (a tip the organisation filed stays). True when removed."""
    row = db.session.get(OrgTip, (member.organisation_id, tip_id))
    if row is None or row.source != COLLECTED:
        return False
    db.session.delete(row)
    return True


def listed_tip(organisation_id, tip_id):
    """The organisation's list row of a tip, or None when the tip is not in its list."""
    return db.session.get(OrgTip, (organisation_id, tip_id))


def mark_read(row):
    """The organisation has seen every staff message of the tip up to now."""
    last = db.session.scalar(
        select(func.max(TipEvent.id)).where(TipEvent.tip_id == row.tip_id, TipEvent.kind == STAFF_MESSAGE)
    )
    if last and last > row.seen_event_id:
        db.session.execute(
            update(OrgTip)
            .where(OrgTip.organisation_id == row.organisation_id, OrgTip.tip_id == row.tip_id)
            .values(seen_event_id=last)
        )


# --- the list, its filters and its CSV --------------------------------------------------------


@dataclass
class ListFilters:
    status: str = ""
    category: str = ""
    platform: str = ""
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""
    before: int | None = None  # the page: tips older than this one
    errors: dict = field(default_factory=dict)  # field name -> message
    typed: dict = field(default_factory=dict)

    def as_args(self, page=False):
        args = {
            "status": self.status,
            "category": self.category,
            "platform": self.platform,
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
            "q": self.q,
        }
        if page and self.before:
            args["before"] = str(self.before)
        return {k: v for k, v in args.items() if v}


def _day(text, name, errors):
    if not text:
        return None
    try:
        return typed_day(text)
    except ValueError as exc:
        errors[name] = str(exc)
        return None


def read_filters(args):
    """The filters from a query string; what is wrong is kept in `errors`, field by field, as typed in `typed`."""
    typed = {name: (args.get(name) or "").strip()[:200] for name in ("status", "category", "platform", "q")}
    typed.update({name: (args.get(name) or "").strip()[:20] for name in ("date_from", "date_to", "before")})
    filters = ListFilters(typed=typed)
    errors = filters.errors
    if typed["status"] in public.PUBLIC_STATUSES:
        filters.status = typed["status"]
    elif typed["status"]:
        errors["status"] = _l("Choose a status from the list.")
    if typed["category"] in catalog.CATEGORIES:
        filters.category = typed["category"]
    elif typed["category"]:
        errors["category"] = _l("Choose a problem from the list.")
    for name in ("platform", "q"):
        if any(unicodedata.category(ch) == "Cc" and not ch.isspace() for ch in typed[name]):
            # NUL above all: no tip holds it, and PostgreSQL refuses it in a query.
            errors[name] = _l("Search with letters and digits only.")
            typed[name] = "".join(ch for ch in typed[name] if unicodedata.category(ch) != "Cc")
        else:
            setattr(filters, name, " ".join(typed[name].split())[:100])
    filters.date_from = _day(typed["date_from"], "date_from", errors)
    filters.date_to = _day(typed["date_to"], "date_to", errors)
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        errors["date_to"] = _l("The end date comes before the start date.")
    if typed["before"]:
        from tipline.web import parse_row_id

        filters.before = parse_row_id(typed["before"])
        if filters.before is None:
            errors["before"] = _l("That page does not exist.")
    return filters


def filtered_rows(organisation_id, filters):
    """A SELECT of (OrgTip, Tip) in the list under the filters, newest tip first."""
    from cases.models import Case
    from tipline.platforms.models import Platform

    query = (
        select(OrgTip, Tip)
        .join(Tip, Tip.id == OrgTip.tip_id)
        .outerjoin(Case, Case.id == Tip.case_id)
        .where(OrgTip.organisation_id == organisation_id)
        .order_by(OrgTip.tip_id.desc())
        # Each line's public status reads its case, and shows its platform: loaded with it, not one by one.
        .options(contains_eager(Tip.case), selectinload(Tip.platform))
    )
    if filters.status:
        query = query.where(public.public_status_condition(filters.status))
    if filters.category:
        query = query.where(Tip.category == filters.category)
    if filters.platform:
        pattern = like_pattern(filters.platform.lower())
        names = select(Platform.id).where(func.lower(Platform.name).like(pattern, escape="\\"))
        query = query.where(or_(func.lower(Tip.platform_name).like(pattern, escape="\\"), Tip.platform_id.in_(names)))
    if filters.date_from:
        query = query.where(Tip.created_at >= local_to_utc(datetime.combine(filters.date_from, time())))
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time())
        query = query.where(Tip.created_at < local_to_utc(end))
    # A plain match over the organisation's own tips (a few thousand at most), not the index over every
    # tip: that one grows with the whole table (make bench: org_filtered_growth).
    for word in filters.q.lower().split()[:5]:
        query = query.where(func.lower(Tip.description).like(like_pattern(word), escape="\\"))
    return query


@dataclass
class ListedTip:
    """One line of the list: the tip, how it came in, its public status, last change and unread messages."""

    row: OrgTip
    tip: Tip
    status: str
    last_change: datetime
    unread: int


def _described(pairs):
    """The list lines of (OrgTip, Tip) pairs, with their last change and unread messages in two queries."""
    tip_ids = [tip.id for _row, tip in pairs]
    if not tip_ids:
        return []
    last = dict(
        db.session.execute(
            select(TipEvent.tip_id, func.max(TipEvent.created_at))
            .where(TipEvent.tip_id.in_(tip_ids))
            .group_by(TipEvent.tip_id)
        ).all()
    )
    messages = db.session.execute(
        select(TipEvent.tip_id, TipEvent.id).where(TipEvent.tip_id.in_(tip_ids), TipEvent.kind == STAFF_MESSAGE)
    ).all()
    seen = {tip.id: row.seen_event_id for row, tip in pairs}
    unread = {}
    for tip_id, event_id in messages:
        if event_id > seen[tip_id]:
            unread[tip_id] = unread.get(tip_id, 0) + 1
    return [
        ListedTip(row, tip, public.public_status(tip), last.get(tip.id, tip.created_at), unread.get(tip.id, 0))
        for row, tip in pairs
    ]


@dataclass
class ListPage:
    lines: list
    older: int | None  # the `before` of the next page, or None on the last


# How many of the list's tip ids one query filters at a time (see _chunks).
CHUNK = 1000


def _chunks(organisation_id, before=None):
    """The list's tip ids, newest first, CHUNK at a time, read on the list's own key.

    Filters are applied to one chunk at a time (`Tip.id IN (...)`: the tips are read by their key), so
    that the work is bounded by the organisation's list, never by the whole tip table: left to itself, the
    planner walks every tip to find the few of one organisation that match a search (make bench:
    org_filtered_growth).
    """
    last = before
    while True:
        query = select(OrgTip.tip_id).where(OrgTip.organisation_id == organisation_id)
        if last is not None:
            query = query.where(OrgTip.tip_id < last)
        ids = db.session.scalars(query.order_by(OrgTip.tip_id.desc()).limit(CHUNK)).all()
        if not ids:
            return
        yield ids
        if len(ids) < CHUNK:
            return
        last = ids[-1]


def _matching(organisation_id, filters, want, before=None):
    """Up to `want` (OrgTip, Tip) pairs under the filters, newest first, after `before`."""
    found = []
    query = filtered_rows(organisation_id, filters)
    for ids in _chunks(organisation_id, before):
        found += db.session.execute(query.where(Tip.id.in_(ids)).limit(want - len(found))).all()
        if len(found) >= want:
            break
    return found


def list_page(organisation_id, filters):
    """One page of the list, newest first."""
    pairs = _matching(organisation_id, filters, PAGE_SIZE + 1, filters.before)
    more = len(pairs) > PAGE_SIZE
    pairs = pairs[:PAGE_SIZE]
    return ListPage(_described(pairs), pairs[-1][1].id if more else None)


def count(organisation_id, filters):
    """How many tips of the list match the filters (all of them, counted on the list's own key, without any)."""
    if not filters.as_args():
        return db.session.scalar(select(func.count()).where(OrgTip.organisation_id == organisation_id))
    matching = filtered_rows(organisation_id, filters).order_by(None).with_only_columns(func.count())
    return sum(db.session.scalar(matching.where(Tip.id.in_(ids))) for ids in _chunks(organisation_id))


def export_rows(organisation_id, filters, cap=EXPORT_CAP):
    """Every line under the filters (the newest `cap`), for the CSV file."""
    return _described(_matching(organisation_id, filters, cap))
