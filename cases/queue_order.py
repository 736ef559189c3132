"""The orders of the work queue: the columns it sorts by, and keyset pages in any of them.

Each order is one column, either way, with the newest case first among equals (the
case number breaks ties, so that pages never repeat or skip a case). Cases without a
deadline come last whichever way deadlines are sorted. A page's cursor is the last
case's sort value and number, as the database returned them: "value.id".
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case as sql_case
from sqlalchemy import func, or_

from cases import states
from cases.models import Case
from tipline.extensions import db
from tipline.web import parse_row_id

ASC, DESC = "asc", "desc"
DEFAULT_SORT = "priority"


@dataclass(frozen=True)
class SortKey:
    """One column the queue sorts by: how to read it, what kind of value it is, its first direction."""

    expression: object  # () -> the SQL expression sorted on
    kind: str  # "int", "time" or "text": how a cursor writes its value
    first: str  # the direction a first click sorts in
    nullable: bool = False


def _platform_name():
    # Case-blind, and in code point order on both databases (PostgreSQL's collation would differ).
    name = func.lower(Case.platform_name)
    return name.collate("C") if db.engine.dialect.name == "postgresql" else name


def _state_rank():
    # The order of the state table (new, triaged, investigating, closed...), not of the state codes.
    ranks = {state: rank for rank, state in enumerate(states.STATES)}
    return sql_case(ranks, value=Case.state, else_=len(ranks))


SORTS = {
    "priority": SortKey(lambda: Case.priority, "int", ASC),
    "id": SortKey(lambda: Case.id, "int", DESC),
    "platform": SortKey(_platform_name, "text", ASC),
    "reports": SortKey(lambda: Case.tip_count, "int", DESC),
    "state": SortKey(_state_rank, "int", ASC),
    "created": SortKey(lambda: Case.created_at, "time", DESC),
    "updated": SortKey(lambda: Case.updated_at, "time", DESC),
    "deadline": SortKey(lambda: Case.deadline_at, "time", ASC, nullable=True),
}


@dataclass(frozen=True)
class Order:
    """A sort key and a direction."""

    key: str = DEFAULT_SORT
    direction: str = ASC

    @property
    def is_default(self):
        return self == DEFAULT

    def params(self):
        """The query parameters that ask for this order (none for the default one)."""
        return {} if self.is_default else {"sort": self.key, "dir": self.direction}

    def toggled(self, key):
        """The order a click on `key`'s column header asks for: the other way if sorted by it now, else its first."""
        if key == self.key:
            return Order(key, DESC if self.direction == ASC else ASC)
        return Order(key, SORTS[key].first)


DEFAULT = Order(DEFAULT_SORT, SORTS[DEFAULT_SORT].first)


def order_from(sort, direction):
    """The order asked for; an unknown sort key is the default order, an unknown direction the key's first."""
    if sort not in SORTS:
        return DEFAULT
    return Order(sort, direction if direction in (ASC, DESC) else SORTS[sort].first)


class BadCursor(ValueError):
    """A page cursor that this order did not write."""


EPOCH = datetime(1970, 1, 1)
INT_RANGE = 2**31


def parse_cursor(order, text):
    """(value, id) from a cursor of this order; BadCursor when it is not one."""
    value, dot, row = text.rpartition(".")
    row_id = parse_row_id(row)
    if not dot or row_id is None:
        raise BadCursor(text)
    kind = SORTS[order.key].kind
    if kind == "text":
        if len(value) > 200 or "\x00" in value:
            raise BadCursor(text)
        return value, row_id
    if value == "" and SORTS[order.key].nullable:
        return None, row_id
    if not (value.isascii() and value.lstrip("-").isdigit() and len(value) <= 18):
        raise BadCursor(text)
    number = int(value)
    if kind == "int":
        if not -INT_RANGE < number < INT_RANGE:
            raise BadCursor(text)
        return number, row_id
    try:
        return EPOCH + timedelta(microseconds=number), row_id
    except OverflowError:
        raise BadCursor(text) from None


def write_cursor(order, value, row_id):
    """The cursor of the page that follows the case `row_id`, whose sort value is `value`."""
    if value is None:
        text = ""
    elif SORTS[order.key].kind == "time":
        text = str((value - EPOCH) // timedelta(microseconds=1))
    else:
        text = str(value)
    return f"{text}.{row_id}"


def page_in_order(query, order, after, size, options=()):
    """size + 1 rows (case, sort value) of the query in `order`, after the cursor's (value, id) if given."""
    key = SORTS[order.key]
    column = key.expression()
    ordered = query.add_columns(column.label("sort_value"))
    if after is not None:
        ordered = ordered.where(_after(order, column, *after))
    beyond = column.desc() if order.direction == DESC else column.asc()
    clauses = [column.is_(None), beyond] if key.nullable else [beyond]
    if order.key != "id":
        clauses.append(Case.id.desc())
    return db.session.execute(ordered.options(*options).order_by(*clauses).limit(size + 1)).all()


def _after(order, column, value, row_id):
    """The rows that come after (value, row_id) in this order: further along, or equal and older."""
    if order.key == "id":
        return Case.id > row_id if order.direction == ASC else Case.id < row_id
    if value is None:  # only cases without a value are left, the newest first
        return column.is_(None) & (Case.id < row_id)
    further = column > value if order.direction == ASC else column < value
    after = or_(further, (column == value) & (Case.id < row_id))
    return or_(after, column.is_(None)) if SORTS[order.key].nullable else after
