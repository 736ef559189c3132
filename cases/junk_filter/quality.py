"""How well the junk filter did on the decisions staff made this month: its precision and its recall.

A decision is a confirm ("junk") or a release ("genuine") in the junk tray. The filter is
judged by what it said of each tip at intake (the reason "model" on the tip), never by what
a later version, trained on these very decisions, would say now. Only tips that reached the
tray are decided, so recall here is "of the junk staff confirmed, how much the filter caught"
(the rest was caught by the rules alone).
"""

from dataclasses import dataclass

from tipline.extensions import db
from tipline.reports.models import Tip
from tipline.timeutil import app_today, day_start


@dataclass(frozen=True)
class FilterQuality:
    decisions: int  # confirms and releases this month
    confirmed: int  # of them, confirmed as junk
    flagged: int  # of them, set aside by the filter
    caught: int  # flagged and confirmed

    @property
    def precision(self):
        """Of the tips the filter set aside, the share staff confirmed as junk; None when it set aside none."""
        return None if self.flagged == 0 else self.caught / self.flagged

    @property
    def recall(self):
        """Of the tips staff confirmed as junk, the share the filter had set aside; None when none was confirmed."""
        return None if self.confirmed == 0 else self.caught / self.confirmed


def quality_this_month(tray_tips, today=None):
    """The filter's quality on the decisions made this Beijing month among `tray_tips` (a SELECT of Tip: the
    reader's tray, cases/junk_tray.py)."""
    since = day_start((today or app_today()).replace(day=1))
    decided = tray_tips.where(Tip.junk_status.in_(("confirmed", "released")), Tip.junk_decided_at >= since)
    rows = db.session.execute(decided.with_only_columns(Tip.junk_status, Tip.junk_reasons)).all()
    confirmed = [status == "confirmed" for status, _reasons in rows]
    flagged = ["model" in (reasons or ()) for _status, reasons in rows]
    return FilterQuality(
        decisions=len(rows),
        confirmed=sum(confirmed),
        flagged=sum(flagged),
        caught=sum(c and f for c, f in zip(confirmed, flagged, strict=True)),
    )
