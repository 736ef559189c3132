"""@mention suggestions: who a note on a case may mention, with a handle that notifies that person alone."""

import pytest
from sqlalchemy import delete, select

from cases.models import Case
from cases.notices import Notice
from cases.operations import add_note
from tests.cases.conftest import BEIJING, CHAOYANG, HAIDIAN
from tipline.extensions import db


def _named(make_staff, name, email, role="officer", department="cyberspace", region=HAIDIAN):
    person = make_staff(role, department, region, email=email)
    person.name = name
    db.session.commit()
    return person


@pytest.fixture
def world(make_platform, file_tip, make_staff):
    """A Haidian case and colleagues whose names make handles hard: spaces, namesakes, a name that is
    someone else's email, a trailing full stop, Chinese and Uyghur names."""
    case = file_tip(make_platform(region_code=HAIDIAN), "game_ads").case
    author = _named(make_staff, "", "author@example.com")
    people = {
        "wang": _named(make_staff, "王伟", "wang.wei@example.com", department="education"),
        "li": _named(make_staff, "Li Wei", "li.wei@example.com"),
        "zhang_1": _named(make_staff, "张三", "zhang.san@example.com", region=BEIJING, role="supervisor"),
        "zhang_2": _named(make_staff, "张三", "zhangsan2@example.com"),
        "chen": _named(make_staff, "chen", "chen.jie@example.com"),
        "chen_by_mail": _named(make_staff, "陈洁", "chen@example.com"),
        "dot": _named(make_staff, "Zhao.", "zhao-min@example.com"),
        "uyghur": _named(make_staff, "ئادىل", "adil@example.com", department="education"),
        "plus": _named(make_staff, "", "liu+tips@example.com"),
        "nation": _named(make_staff, "", "guo.jia@example.com", region="100000"),
    }
    elsewhere = {
        "sibling": _named(make_staff, "孙丽", "sun.li@example.com", region=CHAOYANG),
        "gone": _named(make_staff, "周明", "zhou.ming@example.com"),
    }
    elsewhere["gone"].active = False
    db.session.commit()
    return case, author, people, elsewhere


def suggestions(client, case_id, q=None):
    response = client.get(f"/staff/cases/{case_id}/people", query_string={} if q is None else {"q": q})
    assert response.status_code == 200, response.status_code
    assert response.is_json and response.cache_control.no_store
    return response.get_json()


def test_every_suggested_handle_notifies_exactly_that_person(world, staff_client):
    """Catches: a handle that `mentioned` does not read back (a name with a space, a trailing full stop),
    or that also names someone else (namesakes, a name that is another's email), which would notify the
    wrong colleague or several."""
    case, author, people, elsewhere = world
    found = suggestions(staff_client(author), case.id)
    by_handle = {item["handle"]: item for item in found}
    assert len(by_handle) == len(found)
    expected = {
        "王伟": people["wang"],  # the name, when it reads back whole and is nobody else's
        "li.wei": people["li"],  # "Li Wei" would be read as "Li": the email's part instead
        "zhang.san": people["zhang_1"],  # namesakes: each by their email's part
        "zhangsan2": people["zhang_2"],
        "chen.jie": people["chen"],  # "chen" is another's email: neither uses it
        "陈洁": people["chen_by_mail"],
        "zhao-min": people["dot"],  # "Zhao." would be read as "Zhao"
        "ئادىل": people["uyghur"],
        "guo.jia": people["nation"],  # the nation's staff see every case
    }
    assert {h: item["name"] for h, item in by_handle.items()} == {h: p.display_name for h, p in expected.items()}
    # "liu+tips" cannot be written as one @handle; the sibling region and the inactive account cannot see it.
    assert by_handle["王伟"]["department"] and "author@example.com" not in str(found)

    for handle, person in expected.items():
        db.session.execute(delete(Notice))
        add_note(db.session.get(Case, case.id), author, f"请 @{handle} 核实。")
        db.session.commit()
        notified = db.session.scalars(select(Notice.user_id).where(Notice.kind == "mentioned")).all()
        assert notified == [person.id], (handle, notified)


def test_suggestions_follow_the_typed_start(world, staff_client):
    case, author, people, _ = world
    client = staff_client(author)
    assert {i["handle"] for i in suggestions(client, case.id, "zha")} == {"zhang.san", "zhangsan2", "zhao-min"}
    assert {i["handle"] for i in suggestions(client, case.id, "@WEI")} == {"li.wei"}  # a word of the name, any case
    assert {i["handle"] for i in suggestions(client, case.id, "王")} == {"王伟"}
    assert suggestions(client, case.id, "nobody") == []


def test_colleagues_of_the_case_departments_come_first_and_at_most_twenty(case_and_crowd, staff_client):
    case, author, crowd = case_and_crowd
    client = staff_client(author)
    client.set_cookie("lang", "en")
    found = suggestions(client, case.id)
    assert len(found) == 20
    # The cyberspace department leads this case: its 12 (the author left out) before the education department.
    departments = [item["department"] for item in found]
    assert departments == ["Cyberspace department"] * 12 + ["Education department"] * 8


@pytest.fixture
def case_and_crowd(make_platform, file_tip, make_staff):
    case = file_tip(make_platform(region_code=HAIDIAN), "game_ads").case
    author = make_staff("officer", "cyberspace", HAIDIAN)
    crowd = [make_staff("officer", "education" if n % 2 else "cyberspace", HAIDIAN) for n in range(24)]
    return case, author, crowd


@pytest.mark.parametrize(
    "q",
    ["", " ", "a" * 10_000, "' OR 1=1 --", "%", "_", "\\", "a\x00b", "汉字", "\u202egnp.exe", "@", "@@", "😀", "[]"],
)
def test_any_typed_text_gets_an_answer(world, staff_client, q):
    """Catches: a 500 on text no person would type (the prefix never reaches SQL)."""
    case, author, _, _ = world
    found = suggestions(staff_client(author), case.id, q)
    assert isinstance(found, list) and len(found) <= 20


def test_a_case_outside_my_regions_is_not_found(world, staff_client, client):
    case, _, _, elsewhere = world
    sibling = staff_client(elsewhere["sibling"])
    assert sibling.get(f"/staff/cases/{case.id}/people?q=wang").status_code == 404
    assert sibling.get("/staff/cases/999999/people").status_code == 404
    signed_out = client.get(f"/staff/cases/{case.id}/people")
    assert signed_out.status_code == 302 and "/staff/login" in signed_out.headers["Location"]


def test_a_bare_at_sign_mentions_nobody(world):
    """Catches: "@-" or "@." read as the empty name, notifying every colleague who has no name set."""
    case, author, people, _ = world
    add_note(db.session.get(Case, case.id), author, "见附件 @- 和 @. 以及 email@ 结尾")
    db.session.commit()
    assert db.session.scalars(select(Notice).where(Notice.kind == "mentioned")).all() == []
