"""The personal lists: decisions waiting for me (actions, reviews, closings) and my department's open tasks."""

from datetime import timedelta
from types import SimpleNamespace

import pytest

from cases import states
from cases.actions import review, rules
from cases.actions.service import decide_action, propose_action
from cases.escalation import request_rectification_reviews
from cases.models import Case, CaseTask
from cases.operations import close_case, decide_closing
from cases.worklists import waiting_for
from tests.cases.conftest import BEIJING, CHAOYANG, HAIDIAN
from tipline.extensions import db
from tipline.timeutil import local_now, utcnow

LEGAL_BASIS = "《未成年人保护法》第七十四条"


@pytest.fixture
def people(make_staff):
    """Staff around a Haidian case led by the cyberspace department."""
    return SimpleNamespace(
        officer=make_staff("officer", "cyberspace", HAIDIAN),
        peer=make_staff("officer", "cyberspace", HAIDIAN),
        boss=make_staff("supervisor", "cyberspace", BEIJING),
        local_boss=make_staff("supervisor", "cyberspace", HAIDIAN),
        sibling_boss=make_staff("supervisor", "cyberspace", CHAOYANG),
        edu_officer=make_staff("officer", "education", HAIDIAN),
        edu_sibling=make_staff("officer", "education", CHAOYANG),
        edu_boss=make_staff("supervisor", "education", BEIJING),
        intake=make_staff("intake", "cyberspace", HAIDIAN),
        admin=make_staff("admin", "cyberspace", BEIJING),
    )


@pytest.fixture
def case(make_platform, file_tip):
    case = file_tip(make_platform(region_code=HAIDIAN), "game_ads").case
    assert (case.region_code, case.lead_department) == (HAIDIAN, "cyberspace")
    return case


def kinds(user):
    """(kind, case id, action id) of what waits for the user, in the list's order."""
    return [(w.kind, w.case.id, w.action.id if w.action else None) for w in waiting_for(user)]


def test_a_proposed_action_waits_for_the_supervisors_who_may_decide_it(case, people):
    """Catches: the list showing an action to the same-department officer, a sibling region's supervisor,
    another department's supervisor, or the supervisor who proposed it (four eyes), or keeping it once decided."""
    action = propose_action(case, people.officer, rules.SUSPEND_UPDATES, LEGAL_BASIS, public_reason="公开理由")
    own = propose_action(case, people.local_boss, rules.INTERVIEW, LEGAL_BASIS, public_reason="公开理由")
    db.session.commit()
    assert kinds(people.boss) == [("decide", case.id, action.id), ("decide", case.id, own.id)]
    assert kinds(people.local_boss) == [("decide", case.id, action.id)]  # not her own proposal
    for bystander in (people.peer, people.officer, people.sibling_boss, people.edu_boss, people.intake, people.admin):
        assert kinds(bystander) == [], bystander

    decide_action(action, people.boss, approve=True)
    db.session.commit()
    assert kinds(people.boss) == [("decide", case.id, own.id)]
    assert kinds(people.local_boss) == []


def test_a_proposed_lifting_is_named_as_such(case, people, staff_client):
    from cases.actions.service import propose_lift

    action = propose_action(case, people.officer, rules.SUSPEND_UPDATES, LEGAL_BASIS, public_reason="公开理由")
    decide_action(action, people.boss, approve=True)
    lift = propose_lift(action, people.officer, "整改完成", public_reason="解除的公开理由")
    db.session.commit()
    assert kinds(people.boss) == [("decide_lift", case.id, lift.id)]
    client = staff_client(people.boss)
    client.set_cookie("lang", "en")
    body = client.get("/staff/approvals").get_data(as_text=True)
    assert "Decide on lifting the action: Suspension of updates" in body


def test_a_closing_waits_for_a_supervisor_of_the_region_tree(case, people):
    """Catches: a closing shown to someone who may not agree to it (the proposer, an officer, a sibling
    region's supervisor), or still shown once agreed."""
    case.priority = 2
    db.session.commit()
    assert close_case(case, states.CLOSED_UNFOUNDED, people.intake, "经核查不属实", confirmed=True) is False
    db.session.commit()
    for who in (people.boss, people.local_boss, people.edu_boss, people.admin):
        assert kinds(who) == [("closing", case.id, None)], who
    for bystander in (people.intake, people.officer, people.sibling_boss, people.edu_officer):
        assert kinds(bystander) == [], bystander

    decide_closing(db.session.get(Case, case.id), people.local_boss, agree=True)
    db.session.commit()
    assert kinds(people.boss) == [] and kinds(people.admin) == []


def test_a_rectification_review_waits_for_the_education_department_then_for_a_second_person(case, people):
    """Catches: the review shown to another department or a sibling region, the recorder asked to confirm
    her own review, or either step still listed once done."""
    today = utcnow().date()
    action = propose_action(
        case,
        people.officer,
        rules.RECTIFICATION,
        LEGAL_BASIS,
        starts_on=today - timedelta(days=40),
        deadline_on=today - timedelta(days=10),
        public_reason="公开理由",
    )
    decide_action(action, people.boss, approve=True)
    request_rectification_reviews(utcnow())
    db.session.commit()
    for who in (people.edu_officer, people.edu_boss):
        assert kinds(who) == [("review", case.id, action.id)], who
    for bystander in (people.officer, people.boss, people.edu_sibling, people.intake):
        assert kinds(bystander) == [], bystander

    review.review_rectification(action, people.edu_officer, passed=False, note="仍有游戏弹窗")
    db.session.commit()
    assert kinds(people.edu_boss) == [("confirm_review", case.id, action.id)]
    assert kinds(people.edu_officer) == []  # recorded it; a second person confirms

    review.confirm_review(action, people.edu_boss, agree=True)
    db.session.commit()
    # The failed review proposes the next stronger action, for the lead department's supervisors.
    stronger = [w for w in waiting_for(people.boss)]
    assert [w.kind for w in stronger] == ["decide"] and stronger[0].action.type == rules.SUSPEND_UPDATES
    assert kinds(people.edu_boss) == [] and kinds(people.edu_officer) == []


def test_the_page_lists_the_oldest_first_with_links_and_words(case, people, make_platform, file_tip, staff_client):
    """Catches: a list in no useful order, rows without a link to where the decision is made, an empty list
    without words, and a navigation badge that does not count."""
    second = file_tip(make_platform(region_code=HAIDIAN), "game_ads").case
    newer = propose_action(case, people.officer, rules.INTERVIEW, LEGAL_BASIS, public_reason="公开理由")
    older = propose_action(second, people.officer, rules.REFERRAL, LEGAL_BASIS, public_reason="公开理由")
    older.proposed_at = utcnow() - timedelta(days=3)
    db.session.commit()
    client = staff_client(people.boss)
    client.set_cookie("lang", "en")
    response = client.get("/staff/approvals")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and response.cache_control.no_store
    first = body.index(f'href="/staff/cases/{second.id}#action-{older.id}"')
    assert first < body.index(f'href="/staff/cases/{case.id}#action-{newer.id}"')
    assert "Decide on the proposed action: Referral for investigation and penalty" in body
    assert people.officer.display_name in body and "3 days" in body
    assert '2<span class="visually-hidden"> waiting for you</span>' in body  # the navigation's badge

    empty = staff_client(people.sibling_boss)
    empty.set_cookie("lang", "en")
    body = empty.get("/staff/approvals").get_data(as_text=True)
    assert "Nothing waits for your decision." in body and 'href="/staff/approvals"' in body


def test_roles_that_decide_nothing_get_no_link_and_a_clear_page(people, staff_client):
    client = staff_client(people.intake)
    client.set_cookie("lang", "en")
    assert 'href="/staff/approvals"' not in client.get("/staff/").get_data(as_text=True)
    response = client.get("/staff/approvals")
    assert response.status_code == 200
    assert "your role does not approve actions" in response.get_data(as_text=True)
    # A cyberspace officer decides nothing either; an education officer records reviews.
    assert 'href="/staff/approvals"' not in staff_client(people.officer).get("/staff/").get_data(as_text=True)
    assert 'href="/staff/approvals"' in staff_client(people.edu_officer).get("/staff/").get_data(as_text=True)


# --- tasks for my department -----------------------------------------------------------------


def _task(case, department, title, setter, due_on=None, done=False):
    task = CaseTask(case=case, department=department, title=title, due_on=due_on, created_by_id=setter.id)
    if done:
        task.done_at, task.done_by_id = utcnow(), setter.id
    db.session.add(task)
    db.session.commit()
    return task


def test_the_task_list_shows_my_departments_open_tasks_in_cases_i_can_see(
    case, people, make_platform, file_tip, staff_client
):
    """Catches: another department's task, a done task, or a task in a case outside my regions on my list,
    and an overdue task told by colour alone."""
    today = local_now().date()
    chaoyang = file_tip(make_platform(region_code=CHAOYANG), "game_ads").case
    assert chaoyang.region_code == CHAOYANG
    overdue = _task(case, "cyberspace", "核实弹窗广告来源", people.edu_officer, due_on=today - timedelta(days=2))
    later = _task(case, "cyberspace", "约谈平台负责人", people.edu_officer, due_on=today + timedelta(days=5))
    undated = _task(case, "cyberspace", "整理证据材料", people.officer)
    _task(case, "education", "核实教师资格", people.officer)
    _task(case, "cyberspace", "已完成的任务", people.officer, done=True)
    far = _task(chaoyang, "cyberspace", "朝阳区的任务", people.officer)

    client = staff_client(people.peer)  # cyberspace, Haidian
    client.set_cookie("lang", "en")
    response = client.get("/staff/tasks")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and response.cache_control.no_store
    shown = [t.title for t in (overdue, later, undated) if t.title in body]
    assert shown == ["核实弹窗广告来源", "约谈平台负责人", "整理证据材料"]
    assert body.index(overdue.title) < body.index(later.title) < body.index(undated.title)  # soonest due first
    for hidden in ("核实教师资格", "已完成的任务", far.title):
        assert hidden not in body
    assert "Overdue: it was due" in body and f'href="/staff/cases/{case.id}#tasks"' in body
    assert people.edu_officer.display_name in body and "3 open tasks" in body

    only_overdue = client.get("/staff/tasks?overdue=1").get_data(as_text=True)
    assert overdue.title in only_overdue and later.title not in only_overdue and undated.title not in only_overdue

    beijing = staff_client(people.boss)  # the region above sees Chaoyang's task too
    assert far.title in beijing.get("/staff/tasks").get_data(as_text=True)
    education = staff_client(people.edu_officer).get("/staff/tasks").get_data(as_text=True)
    assert "核实教师资格" in education and overdue.title not in education


def test_the_task_list_says_so_when_empty_or_without_a_department(people, staff_client):
    client = staff_client(people.peer)
    client.set_cookie("lang", "en")
    assert "Your department has no open tasks" in client.get("/staff/tasks").get_data(as_text=True)
    assert "No task of your department is overdue" in client.get("/staff/tasks?overdue=1").get_data(as_text=True)
    people.admin.department = ""  # an account from before departments were required
    db.session.commit()
    admin = staff_client(people.admin)
    admin.set_cookie("lang", "en")
    response = admin.get("/staff/tasks?overdue=yes%00")
    assert response.status_code == 200
    assert "Your account belongs to no department" in response.get_data(as_text=True)
