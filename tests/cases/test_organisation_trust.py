"""An organisation's weight in a case's priority: verified only, and lost on a record mostly unfounded."""

import pytest

from tests.tipline.test_organisations import CODE, HAIDIAN, PASSWORD, organisations
from tipline.extensions import db
from tipline.organisations.service import create_organisation


@pytest.fixture
def record(make_platform, file_tip):
    """Factory: a verified organisation whose tips closed as given ("F" founded, "U" unfounded), `days` ago."""
    from datetime import timedelta

    from cases.models import Case
    from cases.states import CLOSED_FOUNDED, CLOSED_UNFOUNDED
    from tipline.timeutil import utcnow

    def make(outcomes, days=10, **changes):
        organisation = create_organisation(
            "星光学校", "school", HAIDIAN, f"office{len(organisations())}@school.example", PASSWORD,
            credit_code=changes.pop("credit_code", CODE), verified=True,
        )  # fmt: skip
        db.session.commit()
        for outcome in outcomes:
            tip = file_tip(make_platform(region_code=HAIDIAN), "vulgar", organisation_id=organisation.id)
            case = db.session.get(Case, tip.case_id)
            case.state, case.open_key = (CLOSED_FOUNDED if outcome == "F" else CLOSED_UNFOUNDED), None
            case.closed_at = utcnow() - timedelta(days=days)
        db.session.commit()
        return organisation

    return make


@pytest.mark.parametrize(
    "outcomes, days, weighs",
    [
        ("", 10, True),
        ("UUUU", 10, True),  # too few closed to judge
        ("FFUUU", 10, False),  # five closed, most unfounded: no extra weight
        ("FFFUU", 10, True),
        ("FFUUU", 400, True),  # an old record is forgotten
    ],
)
def test_a_record_mostly_unfounded_takes_the_weight_away(record, outcomes, days, weighs):
    """Catches: the weight kept whatever the record, lost on too little of it, or a record that never fades."""
    from tipline.organisations.trust import carries_weight, track_record

    organisation = record(outcomes, days)
    assert carries_weight(organisation.id) is weighs
    assert track_record(organisation.id, days=None).closed == len(outcomes)


@pytest.mark.parametrize("status", ["pending", "refused", "suspended"])
def test_only_a_verified_organisation_weighs(record, status):
    from tipline.organisations.trust import carries_weight

    organisation = record("")
    organisation.status = status
    db.session.commit()
    assert carries_weight(organisation.id) is False
