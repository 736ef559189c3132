"""cases/access.py on its own: region walls and who may work a case, without going through a page.

The access matrix (test_access_matrix.py) walks every route; these name each rule of the
module directly, so that `make mutants` can run them in seconds.
"""

from flask import g
from werkzeug.exceptions import NotFound

from cases.access import can_see_case, case_or_404, may_work_on, visible_cases, visible_regions, works_on
from tests.cases.conftest import BEIJING, CHAOYANG, HAIDIAN
from tipline.extensions import db


def _fresh():
    """Forget the per-request cache of visible regions, as a new request would."""
    g.pop("_visible_regions", None)


def test_staff_see_their_region_and_below_never_a_sibling_or_above(make_platform, file_tip, make_staff):
    case = file_tip(make_platform(region_code=HAIDIAN), "marketing").case
    beijing, haidian, chaoyang = (make_staff("officer", "cyberspace", code) for code in (BEIJING, HAIDIAN, CHAOYANG))
    assert {HAIDIAN, CHAOYANG, BEIJING} <= visible_regions(beijing) and "100000" not in visible_regions(beijing)
    assert HAIDIAN in visible_regions(haidian) and not {BEIJING, CHAOYANG} & visible_regions(haidian)
    assert [can_see_case(u, case) for u in (beijing, haidian, chaoyang)] == [True, True, False]
    assert [db.session.scalars(visible_cases(u)).all() for u in (beijing, haidian, chaoyang)] == [[case], [case], []]
    assert case_or_404(haidian, case.id) is case
    for user, case_id in ((chaoyang, case.id), (haidian, case.id + 1000)):
        try:
            case_or_404(user, case_id)
        except NotFound:
            pass
        else:
            raise AssertionError(f"{user.email} reached case {case_id}")


def test_visible_regions_are_cached_per_user_only(make_staff):
    haidian, chaoyang = make_staff("officer", "cyberspace", HAIDIAN), make_staff("officer", "cyberspace", CHAOYANG)
    _fresh()
    assert HAIDIAN in visible_regions(haidian)
    assert HAIDIAN not in visible_regions(chaoyang) and CHAOYANG in visible_regions(chaoyang)


def test_who_may_be_given_a_case(make_platform, file_tip, make_staff):
    case = file_tip(make_platform(region_code=HAIDIAN), "game_ads").case  # cyberspace only
    assert (case.lead_department, case.co_department) == ("cyberspace", None)
    may = {
        ("officer", "cyberspace", HAIDIAN): True,
        ("officer", "education", HAIDIAN): False,  # not the case's department
        ("intake", "education", HAIDIAN): True,
        ("supervisor", "education", BEIJING): True,
        ("admin", "cyberspace", HAIDIAN): False,  # admins keep accounts, they work no cases
        ("officer", "cyberspace", CHAOYANG): False,  # the wall
        ("supervisor", "cyberspace", CHAOYANG): False,
    }
    for (role, department, region), expected in may.items():
        assert may_work_on(make_staff(role, department, region), case) is expected, (role, department, region)


def test_who_works_a_case(make_platform, file_tip, make_staff):
    case = file_tip(make_platform(region_code=HAIDIAN), "game_ads").case
    intake = make_staff("intake", "cyberspace", HAIDIAN)
    works = {
        make_staff("officer", "cyberspace", HAIDIAN): True,
        make_staff("supervisor", "cyberspace", BEIJING): True,
        make_staff("officer", "education", HAIDIAN): False,
        make_staff("supervisor", "education", BEIJING): False,
        intake: False,
        make_staff("officer", "cyberspace", CHAOYANG): False,
    }
    for user, expected in works.items():
        assert works_on(user, case) is expected, user.email
    case.assignee_id = intake.id  # the assignee works it, whatever the role
    assert works_on(intake, case)
    outsider = make_staff("intake", "cyberspace", CHAOYANG)
    case.assignee_id = outsider.id  # even an assignee does not reach over the wall
    assert not works_on(outsider, case)
