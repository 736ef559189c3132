"""What a case page shows of the matching (cases/matching/service.py): the other cases its tips were found with."""

from dataclasses import dataclass, field

from sqlalchemy import or_, select

from cases import states
from cases.matching.models import EVIDENCE, FILE, TipMatch
from cases.models import Case
from tipline.extensions import db


@dataclass
class Suggestion:
    """Another case some of this case's tips match, and why."""

    case: Case
    reasons: list = field(default_factory=list)  # (kind, tip id here, tip id there, distance)

    @property
    def assessed(self):
        """The other case's outcome when staff closed it (founded or unfounded), else None."""
        return self.case.state if self.case.state in (states.CLOSED_FOUNDED, states.CLOSED_UNFOUNDED) else None


def suggestions_for(case, visible):
    """The other cases the tips of `case` match (in the reader's `visible` regions), open ones first, each
    with its reasons; and {evidence id of this case: (other case, outcome)} for files staff already assessed."""
    tip_ids = [tip.id for tip in case.tips]
    if not tip_ids:
        return [], {}
    rows = db.session.scalars(
        select(TipMatch).where(or_(TipMatch.tip_id.in_(tip_ids), TipMatch.other_tip_id.in_(tip_ids)))
    ).all()
    by_case, assessed = {}, {}
    for row in rows:
        here, there = (row.tip, row.other_tip) if row.tip_id in tip_ids else (row.other_tip, row.tip)
        evidence_here = row.evidence_id if row.tip_id in tip_ids else row.other_evidence_id
        other = there.case
        if other is None or other.id == case.id or other.region_code not in visible:
            continue
        suggestion = by_case.setdefault(other.id, Suggestion(other))
        reason = (row.kind, here.id, there.id, row.distance)
        if reason not in suggestion.reasons:
            suggestion.reasons.append(reason)
        if row.kind in (FILE, EVIDENCE) and suggestion.assessed and evidence_here is not None:
            assessed.setdefault(evidence_here, (other, suggestion.assessed))
    order = sorted(by_case.values(), key=lambda s: (s.case.state not in states.OPEN_STATES, -s.case.id))
    return order, assessed
