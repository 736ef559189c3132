"""The priority rule: one function, documented, whose reasons the case page shows.

Score = severity of the category (1 to 3, tipline.catalog.CATEGORY_SEVERITY)
      + 1 with 3 or more independent reporters, + 2 with 10 or more
      + 1 when a verified organisation reported it and its record does not speak against it
        (tipline/organisations/trust.py: carries_weight; saying "school" on the public form is not enough)
      + 1 when the platform has a founded case before, or is on the black list.
Priority 1 (most urgent) for a score of 5 or more, 2 for 3-4, 3 for 2, 4 for 1.
A repeat offender (acted against in two or more cases within 12 months) is always priority 1.
"""

from functools import lru_cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, exists, func, select

from tipline.catalog import CATEGORY_SEVERITY
from tipline.extensions import db
from tipline.organisations.trust import carries_weight

PRIORITIES = {1: _l("P1 urgent"), 2: _l("P2 high"), 3: _l("P3 normal"), 4: _l("P4 low")}

REASONS = {
    "severity": _l("Severity of the problem: %(value)s of 3"),
    "reporters": _l("%(value)s independent reporters"),
    "organisation": _l("Reported by a verified organisation in good standing"),
    "history": _l("The platform has %(value)s founded case(s) before"),
    "black_list": _l("The platform is on the black list"),
    "repeat_offender": _l("Repeat offender: acted against in two or more cases within 12 months"),
}


def independent_reporters(case):
    """How many different people reported the case: tips from one client count once.

    Kept on the case as tips join it (`count_new_tip`), so that taking in the
    10,000th tip of a viral case reads none of the other 9,999.
    """
    return case.reporter_count


def count_new_tip(case, tip):
    """Update the case's reporter figures for a tip about to join it (call before it joins)."""
    from tipline.reports.models import Tip

    with db.session.no_autoflush:
        seen_before = case.id is not None and db.session.scalar(
            select(exists().where(Tip.case_id == case.id, Tip.client_digest == tip.client_digest))
        )
    case.tip_count = (case.tip_count or 0) + 1
    if not seen_before:
        case.reporter_count = (case.reporter_count or 0) + 1
    if tip.organisation_id is not None and carries_weight(tip.organisation_id):
        case.organisation_reported = True


def recount_figures(case):
    """Count the case's tip and reporter figures again from all its tips: after tips moved between cases."""
    from tipline.reports.models import Tip

    db.session.flush()
    tips, reporters = db.session.execute(
        select(func.count(Tip.id), func.count(func.distinct(Tip.client_digest))).where(Tip.case_id == case.id)
    ).one()
    organisations = db.session.scalars(
        select(Tip.organisation_id).where(Tip.case_id == case.id, Tip.organisation_id.is_not(None)).distinct()
    ).all()
    case.tip_count, case.reporter_count = tips, reporters
    case.organisation_reported = any(carries_weight(organisation_id) for organisation_id in organisations)


def _score_to_priority(score):
    if score >= 5:
        return 1
    if score >= 3:
        return 2
    return 3 if score == 2 else 4


# Founded cases before are counted up to this many (shown as "100+"): a platform's long
# record must not make each of its new tips slower to take in.
HISTORY_SHOWN = 100


@lru_cache(maxsize=1)
def _history_statement():
    """Built once: SQLAlchemy then finds its compiled form in its cache at once on every call."""
    from cases.actions.service import repeat_offences
    from cases.models import Case
    from cases.states import CLOSED_FOUNDED

    platform_id = bindparam("platform_id")
    founded = (
        select(Case.id)
        .where(Case.platform_id == platform_id, Case.state == CLOSED_FOUNDED, Case.id != bindparam("case_id"))
        .limit(HISTORY_SHOWN)
        .subquery()
    )
    return select(
        select(func.count()).select_from(founded).scalar_subquery(),
        repeat_offences(platform_id, bindparam("since")),
    )


def compute_priority(case):
    """(priority, reasons) for a case from its category, tips and platform; reasons are [code, value] pairs."""
    from cases.actions.service import repeat_window_start

    severity = CATEGORY_SEVERITY[case.category]
    reasons = [["severity", severity]]
    score = severity
    reporters = independent_reporters(case)
    if reporters >= 3:
        score += 2 if reporters >= 10 else 1
        reasons.append(["reporters", reporters])
    if case.organisation_reported:
        score += 1
        reasons.append(["organisation", 1])
    platform = case.platform
    if platform is not None:
        from cases.actions.service import REPEAT_CASES

        # The platform's record in one round trip: founded cases before this one, and repeat offences.
        founded, offences = db.session.execute(
            _history_statement(),
            {"platform_id": platform.id, "case_id": case.id or 0, "since": repeat_window_start()},
        ).one()
        if founded:
            reasons.append(["history", f"{founded}+" if founded >= HISTORY_SHOWN else founded])
        if platform.list_status == "black":
            reasons.append(["black_list", 1])
        if founded or platform.list_status == "black":
            score += 1
        if offences >= REPEAT_CASES:
            # A repeat offender's next case starts at the top, whatever else the rule says.
            reasons.append(["repeat_offender", 1])
            return 1, reasons
    return _score_to_priority(score), reasons


def reason_text(reason):
    """A stored [code, value] reason in the page's language."""
    code, value = reason
    return REASONS[code] % {"value": value} if code in REASONS else code
