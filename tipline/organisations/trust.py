"""How much an organisation's word weighs: its track record, and whether its tips raise a case's priority.

A verified organisation's tip adds 1 to its case's priority score (cases/priority.py), unless the
organisation's recent record speaks against it: of its tips whose cases closed in the last
RECORD_DAYS days, when at least RECORD_MIN closed and more than half were closed as unfounded, its
tips carry no extra weight until founded ones are at least half again. Unverified, refused and
suspended organisations never carry it; neither does a reporter who only says "school" on the form.
"""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from tipline.extensions import db
from tipline.timeutil import utcnow

RECORD_DAYS = 365
RECORD_MIN = 5


@dataclass(frozen=True)
class TrackRecord:
    """An organisation's tips whose cases closed, founded and unfounded."""

    founded: int = 0
    unfounded: int = 0

    @property
    def closed(self):
        return self.founded + self.unfounded

    @property
    def mostly_unfounded(self):
        return self.closed >= RECORD_MIN and self.unfounded * 2 > self.closed


def track_record(organisation_id, days=RECORD_DAYS, now=None):
    """The organisation's tips closed founded and unfounded, in the last `days` days (None: ever)."""
    from cases.models import Case
    from cases.states import CLOSED_FOUNDED, CLOSED_UNFOUNDED
    from tipline.reports.models import Tip

    query = (
        select(Case.state, func.count(Tip.id))
        .join(Tip.case)
        .where(Tip.organisation_id == organisation_id, Case.state.in_((CLOSED_FOUNDED, CLOSED_UNFOUNDED)))
        .group_by(Case.state)
    )
    if days is not None:
        query = query.where(Case.closed_at >= (now or utcnow()) - timedelta(days=days))
    counts = dict(db.session.execute(query).all())
    return TrackRecord(counts.get(CLOSED_FOUNDED, 0), counts.get(CLOSED_UNFOUNDED, 0))


def carries_weight(organisation_id, now=None):
    """Whether tips of this organisation raise their case's priority now."""
    from tipline.organisations.models import Organisation

    organisation = db.session.get(Organisation, organisation_id) if organisation_id is not None else None
    if organisation is None or not organisation.is_verified:
        return False
    return not track_record(organisation.id, now=now).mostly_unfounded
