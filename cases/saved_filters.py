"""Saved filters: a member of staff names a set of work queue filters and comes back to it in one click.

Each person sees, uses and deletes only their own. What is kept is the queue's own
query string, reduced to the parameters the queue knows (cases/queue.py: queue_params).
"""

from datetime import datetime
from urllib.parse import parse_qsl, urlencode

from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, mapped_column

from tipline.extensions import db, insert_or_not
from tipline.timeutil import utcnow

NAME_MAX = 60
QUERY_MAX = 1000
# Enough for every way one person slices the queue; a bound on what one account can store.
MAX_PER_PERSON = 50


class SavedFilter(db.Model):
    """A named set of work queue filters belonging to one member of staff."""

    __tablename__ = "saved_filter"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    # The queue's query string, e.g. "scope=mine&category=teachers&sort=deadline&dir=asc".
    query: Mapped[str] = mapped_column(String(QUERY_MAX))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    @property
    def params(self):
        """The saved query string as the queue's parameters."""
        return dict(parse_qsl(self.query))


class FilterError(Exception):
    """A filter that cannot be saved; `message` says why, in the page's language."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def filters_of(user):
    """The user's saved filters, by name."""
    return db.session.scalars(
        select(SavedFilter).where(SavedFilter.user_id == user.id).order_by(SavedFilter.name, SavedFilter.id)
    ).all()


def save_filter(user, name, params):
    """Keep `params` (the queue's parameters, already checked) under `name` for this user; returns the filter.

    Names are the person's own labels: required, at most NAME_MAX characters, each
    used once per person.
    """
    name = " ".join((name or "").split())
    if not name:
        raise FilterError(_l("Give the filter a name."))
    if len(name) > NAME_MAX:
        raise FilterError(_l("Use a filter name of at most %(n)d characters.", n=NAME_MAX))
    query = urlencode(params)
    if len(query) > QUERY_MAX:
        raise FilterError(_l("These filters are too long to save."))
    mine = select(func.count()).select_from(SavedFilter).where(SavedFilter.user_id == user.id)
    if db.session.scalar(mine) >= MAX_PER_PERSON:
        raise FilterError(_l("You have %(n)d saved filters already: delete one first.", n=MAX_PER_PERSON))
    # One INSERT that gives way on the unique (person, name): a name taken, even a moment ago
    # from another tab, is a clear message rather than a failed transaction.
    saved_id = db.session.scalar(
        insert_or_not(SavedFilter)
        .values(user_id=user.id, name=name, query=query, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["user_id", "name"])
        .returning(SavedFilter.id)
    )
    if saved_id is None:
        raise FilterError(_l("You already have a saved filter named “%(name)s”: choose another name.", name=name))
    return db.session.get(SavedFilter, saved_id)


def own_filter(user, filter_id):
    """The user's own saved filter with this id, or None (someone else's is as good as missing)."""
    saved = db.session.get(SavedFilter, filter_id)
    return saved if saved is not None and saved.user_id == user.id else None


def delete_filter(saved):
    """Forget a saved filter."""
    db.session.delete(saved)
