"""The priority rule: one function, documented, whose reasons the case page shows.

Score = severity of the category (1 to 3, tipline.catalog.CATEGORY_SEVERITY)
      + 1 with 3 or more independent reporters, + 2 with 10 or more
      + 1 when an organisation (school, parent committee, association) reported it
      + 1 when the platform has a founded case before, or is on the black list.
Priority 1 (most urgent) for a score of 5 or more, 2 for 3-4, 3 for 2, 4 for 1.
A repeat offender (acted against in two or more cases within 12 months) is always priority 1.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from tipline.catalog import CATEGORY_SEVERITY, ORGANISATION_REPORTERS
from tipline.extensions import db

PRIORITIES = {1: _l("P1 urgent"), 2: _l("P2 high"), 3: _l("P3 normal"), 4: _l("P4 low")}

REASONS = {
    "severity": _l("Severity of the problem: %(value)s of 3"),
    "reporters": _l("%(value)s independent reporters"),
    "organisation": _l("Reported by an organisation"),
    "history": _l("The platform has %(value)s founded case(s) before"),
    "black_list": _l("The platform is on the black list"),
    "repeat_offender": _l("Repeat offender: acted against in two or more cases within 12 months"),
}


def independent_reporters(case):
    """How many different people reported the case: tips from one client count once."""
    return len({tip.client_digest for tip in case.tips})


def _score_to_priority(score):
    if score >= 5:
        return 1
    if score >= 3:
        return 2
    return 3 if score == 2 else 4


def compute_priority(case):
    """(priority, reasons) for a case from its category, tips and platform; reasons are [code, value] pairs."""
    from cases.models import Case
    from cases.states import CLOSED_FOUNDED

    severity = CATEGORY_SEVERITY[case.category]
    reasons = [["severity", severity]]
    score = severity
    reporters = independent_reporters(case)
    if reporters >= 3:
        score += 2 if reporters >= 10 else 1
        reasons.append(["reporters", reporters])
    if any(tip.reporter_type in ORGANISATION_REPORTERS for tip in case.tips):
        score += 1
        reasons.append(["organisation", 1])
    platform = case.platform
    if platform is not None:
        founded = db.session.scalar(
            select(func.count(Case.id)).where(
                Case.platform_id == platform.id, Case.state == CLOSED_FOUNDED, Case.id != case.id
            )
        )
        if founded:
            reasons.append(["history", founded])
        if platform.list_status == "black":
            reasons.append(["black_list", 1])
        if founded or platform.list_status == "black":
            score += 1
        from cases.actions.service import is_repeat_offender

        if is_repeat_offender(platform.id):
            # A repeat offender's next case starts at the top, whatever else the rule says.
            reasons.append(["repeat_offender", 1])
            return 1, reasons
    return _score_to_priority(score), reasons


def reason_text(reason):
    """A stored [code, value] reason in the page's language."""
    code, value = reason
    return REASONS[code] % {"value": value} if code in REASONS else code
