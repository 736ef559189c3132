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


def test_staff_see_who_filed_a_tip_and_its_record(record, make_staff, staff_client):
    """Catches: an organisation's tip shown like an anonymous one, or its lost weight left unexplained."""
    from sqlalchemy import select

    from tipline.reports.models import Tip

    organisation = record("FFUUU")
    tip = db.session.scalars(select(Tip).where(Tip.organisation_id == organisation.id)).first()
    client = staff_client(make_staff("supervisor", "cyberspace", HAIDIAN))
    page = client.get(f"/staff/cases/{tip.case_id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f'Filed for <a href="/staff/organisations/{organisation.id}">星光学校</a> (School, verified)' in page
    assert "its closed reports: 2 founded, 3 unfounded" in page
    assert "it does not raise the priority" in page


def test_staff_filter_the_queue_to_cases_from_organisations(record, make_platform, file_tip, make_staff, staff_client):
    """Catches: the "reported by organisations" filter ignored, or a self-declared "school" counted."""
    from tests.cases.test_queue import listed

    organisation = record("")
    platform = make_platform(region_code=HAIDIAN)
    theirs = file_tip(platform, "vulgar", organisation_id=organisation.id).case_id
    claimed = file_tip(platform, "game_ads", reporter_type="school").case_id
    client = staff_client(make_staff("supervisor", "cyberspace", HAIDIAN))
    assert set(listed(client)) >= {theirs, claimed}
    assert listed(client, "source=organisation") == [theirs]
    assert client.get("/staff/?source=everyone").status_code == 400
