"""The benchmark's bulk loader writes rows as the app would: else `make bench` measures a database the app never makes.

PostgreSQL only: the loader uses COPY, and the benchmark runs on PostgreSQL alone.
"""

import psycopg
import pytest
from sqlalchemy import func, select

from bench.seed import VIRAL_SIZE, Seeder
from cases import states
from cases.models import Case
from cases.operations import file_tip, open_key
from tipline.crypto import encrypt_contact
from tipline.extensions import db
from tipline.regions.models import Region
from tipline.reports.models import Tip
from tipline.reports.search import search_terms

pytestmark = pytest.mark.parametrize("database", ["postgresql"], indirect=True)


@pytest.fixture
def seeded(app, make_staff):
    staff = [make_staff("officer", dept, "100000").id for dept in ("cyberspace", "education")]
    regions = list(db.session.scalars(select(Region.code)))
    url = app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(url) as conn:
        seeder = Seeder(conn, regions, staff, encrypt_contact)
        seeder.platforms(300)
        seeder.tips(1500, viral=True)
        seeder.tips(500)
        conn.commit()
    db.session.expire_all()
    return seeder


def test_kept_figures_match_the_tips_of_every_case(seeded):
    # Bug caught: a loader that miscounts, so the bench's priority and receipt figures are not the app's.
    counted = select(
        Tip.case_id,
        func.count(Tip.id),
        func.count(func.distinct(Tip.client_digest)),
        func.bool_or(Tip.organisation_id.is_not(None)),
    ).group_by(Tip.case_id)
    by_case = {row[0]: tuple(row[1:]) for row in db.session.execute(counted)}
    cases = db.session.scalars(select(Case)).all()
    assert len(cases) == seeded.cases and sum(c.tip_count for c in cases) == seeded.tips_loaded
    for case in cases:
        assert (case.tip_count, case.reporter_count, case.organisation_reported) == by_case[case.id], case.id


def test_search_terms_and_open_keys_are_the_apps(seeded):
    for description, terms in db.session.execute(select(Tip.description, Tip.search_terms)):
        assert terms == search_terms(description)
    for case in db.session.scalars(select(Case)):
        if case.state in states.OPEN_STATES:
            assert case.open_key == open_key(case.platform_id, "", case.category)
        else:
            assert case.open_key is None


def test_the_viral_case_is_found_by_intake_and_is_its_platforms_only_open_case(seeded):
    case_id, platform_id, category = seeded.viral_case
    viral = db.session.get(Case, case_id)
    assert (viral.tip_count, viral.state, platform_id) == (VIRAL_SIZE, states.NEW, 1)
    open_here = db.session.scalars(select(Case.id).where(Case.platform_id == 1, Case.open_key.is_not(None))).all()
    assert open_here == [case_id]
    tip = Tip(
        receipt_digest="f" * 64,
        platform_id=platform_id,
        platform_name="x",
        category=category,
        location="popup",
        description="又弹出游戏广告",
        reporter_type="parent",
        locale="zh",
        client_digest="e" * 64,
    )
    db.session.add(tip)
    assert file_tip(tip).id == case_id
    assert viral.tip_count == VIRAL_SIZE + 1
    db.session.rollback()
