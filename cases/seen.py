"""What each member of staff last saw of a case, so that the queue shows what is new to them."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, ForeignKey, Integer, UniqueConstraint, and_, or_, select
from sqlalchemy.orm import Mapped, mapped_column

from cases.models import CaseEvent
from tipline.extensions import db, insert_or_not
from tipline.timeutil import utcnow

# History entries that record someone looking, not something done: they make nothing new.
LOOKS = ("contact_viewed",)

NEVER_OPENED = "never_opened"
CHANGED = "changed"
BADGES = {
    NEVER_OPENED: _l("Not opened by you yet"),
    CHANGED: _l("New since you last looked"),
}


class CaseVisit(db.Model):
    """When a member of staff last opened a case's page."""

    __tablename__ = "case_visit"
    __table_args__ = (UniqueConstraint("user_id", "case_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"))
    seen_at: Mapped[datetime] = mapped_column(DateTime)


def mark_seen(user, case, now=None):
    """Record that the user has just looked at the case (one row per person and case, kept up to date).

    One INSERT that updates the row already there, so that two tabs opening the case
    at once never collide on the unique key.
    """
    statement = insert_or_not(CaseVisit).values(user_id=user.id, case_id=case.id, seen_at=now or utcnow())
    statement = statement.on_conflict_do_update(
        index_elements=["user_id", "case_id"], set_={"seen_at": statement.excluded.seen_at}
    )
    db.session.execute(statement)


def news_for(user, case_ids):
    """Which of these cases someone else touched since the user last opened them: {case id: NEVER_OPENED | CHANGED}.

    Anything in a case's history counts (a note, a reporter's addition, a new tip, a
    move, an assignment) unless the user did it or it was only a look. One query for
    the whole page.
    """
    if not case_ids:
        return {}
    visit = and_(CaseVisit.case_id == CaseEvent.case_id, CaseVisit.user_id == user.id)
    rows = db.session.execute(
        select(CaseEvent.case_id, CaseVisit.seen_at)
        .outerjoin(CaseVisit, visit)
        .where(
            CaseEvent.case_id.in_(case_ids),
            or_(CaseEvent.actor_id.is_(None), CaseEvent.actor_id != user.id),
            CaseEvent.kind.not_in(LOOKS),
            or_(CaseVisit.seen_at.is_(None), CaseEvent.created_at > CaseVisit.seen_at),
        )
        .distinct()
    ).all()
    return {case_id: NEVER_OPENED if seen_at is None else CHANGED for case_id, seen_at in rows}
