"""The work queue, further: sortable columns, saved filters per person, bulk assignment and triage under the
checks of the single-case routes, and what is new since you last looked."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, select, update

from cases import bulk, queue, states
from cases.audit import AuditEntry
from cases.models import Case, CaseEvent
from cases.operations import add_note
from cases.queue_order import SORTS
from cases.saved_filters import SavedFilter
from tests.cases.conftest import CHAOYANG, HAIDIAN, prefixed
from tests.conftest import csrf_token
from tipline.extensions import db
from tipline.timeutil import utcnow

CASE_LINK = re.compile(r'href="/staff/cases/(\d+)"')
NEXT_PAGE = re.compile(r'rel="next" href="([^"]+)"')
EN = {"Accept-Language": "en"}


def listed(client, query=""):
    response = client.get(f"/staff/?{query}")
    assert response.status_code == 200, response.status_code
    return [int(n) for n in CASE_LINK.findall(response.get_data(as_text=True))]


def every_page(client, query):
    """The case numbers of every page of the queue from `query` on, following its "next page" links."""
    seen, url = [], f"/staff/?{query}"
    while url:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        body = response.get_data(as_text=True)
        seen += [int(n) for n in CASE_LINK.findall(body)]
        found = NEXT_PAGE.search(body)
        url = found.group(1).replace("&amp;", "&") if found else None
    return seen


def post(client, action, data):
    """A staff form as an English browser sends it, with the session's token (from a page all staff see)."""
    token = csrf_token(client, "/staff/account")
    return client.post(action, data={"csrf_token": token, **prefixed(action, data)}, headers=EN)


def row_of(body, case_id):
    """The queue's table row of one case."""
    found = re.search(rf'<tr[^>]*>\s*<td class="pick"><input[^>]*id="pick-{case_id}".*?</tr>', body, re.S)
    assert found, f"no row for case #{case_id}"
    return found.group(0)


# --- sortable columns -------------------------------------------------------------------------


@pytest.fixture
def sortable(make_platform, file_tip, make_staff):
    """Seven open cases in Beijing whose every sortable column has ties, and two without a deadline."""
    names = ["beta课堂", "Alpha", "gamma", "星火学堂", "alpha", "Delta", "beta课堂"]
    cases = []
    for n, name in enumerate(names):
        region = CHAOYANG if n == len(names) - 1 else HAIDIAN  # the same name in another district
        tip = file_tip(make_platform(name=name, region_code=region), "game_ads")
        if n % 3 == 0:
            file_tip(tip.case.platform, "game_ads")  # a second report: the report counts differ
        cases.append(tip.case_id)
    now = utcnow().replace(microsecond=0)
    values = [
        # priority, state, deadline (None: none), created, updated
        (2, states.NEW, now + timedelta(days=2), now - timedelta(days=9), now - timedelta(hours=1)),
        (1, states.TRIAGED, None, now - timedelta(days=8), now - timedelta(hours=5)),
        (3, states.INVESTIGATING, now + timedelta(days=1), now - timedelta(days=8), now - timedelta(hours=3)),
        (2, states.NEW, now - timedelta(days=1), now - timedelta(days=7), now - timedelta(hours=3)),
        (4, states.TRIAGED, now + timedelta(days=2), now - timedelta(days=6), now - timedelta(hours=2)),
        (1, states.INVESTIGATING, None, now - timedelta(days=5), now - timedelta(hours=9)),
        (2, states.NEW, now + timedelta(days=5), now - timedelta(days=5), now - timedelta(hours=1)),
    ]
    for case_id, (priority, state, deadline, created, updated) in zip(cases, values, strict=True):
        db.session.execute(
            update(Case)
            .where(Case.id == case_id)
            .values(priority=priority, state=state, deadline_at=deadline, created_at=created, updated_at=updated)
        )
    db.session.commit()
    return {"cases": cases, "supervisor": make_staff("supervisor", "cyberspace", "110000")}


def expected_order(case_ids, key, direction):
    """The order the queue promises: by the column, the newest case first among equals, no deadline last."""
    rank = {state: n for n, state in enumerate(states.STATES)}
    read = {
        "priority": lambda c: c.priority,
        "id": lambda c: c.id,
        "platform": lambda c: c.platform_name.lower(),
        "reports": lambda c: c.tip_count,
        "state": lambda c: rank[c.state],
        "created": lambda c: c.created_at,
        "updated": lambda c: c.updated_at,
        "deadline": lambda c: c.deadline_at,
    }[key]
    cases = sorted((db.session.get(Case, n) for n in case_ids), key=lambda c: -c.id)
    valued = sorted((c for c in cases if read(c) is not None), key=read, reverse=direction == "desc")
    return [c.id for c in valued] + [c.id for c in cases if read(c) is None]


@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_every_column_sorts_both_ways_across_pages(sortable, staff_client, monkeypatch, direction):
    """Catches a sort key that orders differently on SQLite and PostgreSQL, a cursor that skips or repeats
    cases among equal values, and cases without a deadline sorted first one way."""
    monkeypatch.setattr(queue, "PAGE_SIZE", 2)
    client = staff_client(sortable["supervisor"])
    for key in SORTS:
        shown = every_page(client, f"sort={key}&dir={direction}")
        assert shown == expected_order(sortable["cases"], key, direction), key


def test_the_default_order_is_most_urgent_first_then_newest(sortable, staff_client):
    client = staff_client(sortable["supervisor"])
    assert listed(client) == expected_order(sortable["cases"], "priority", "asc")
    assert listed(client, "sort=nonsense&dir=sideways") == listed(client)  # an unknown order: the default one
    assert listed(client, "sort=deadline&dir=sideways") == expected_order(sortable["cases"], "deadline", "asc")


def test_headers_sort_keep_the_filters_and_say_how_they_sort(sortable, staff_client):
    """Catches a header link that drops the tab or a filter, and a sorted column that only colour shows."""
    client = staff_client(sortable["supervisor"])
    body = client.get("/staff/?scope=unassigned&category=game_ads&sort=deadline", headers=EN).get_data(as_text=True)
    sorted_header = re.search(r'<th scope="col" aria-sort="ascending"><a class="sort" href="([^"]+)">([^<]+)', body)
    assert sorted_header, "the sorted column says so"
    assert sorted_header.group(2).strip() == "Deadline" and "▲" in body
    assert sorted_header.group(1) == "/staff/?scope=unassigned&amp;category=game_ads&amp;sort=deadline&amp;dir=desc"
    assert body.count("aria-sort=") == 1
    others = re.findall(r'<a class="sort" href="([^"]+)">', body)
    assert "/staff/?scope=unassigned&amp;category=game_ads&amp;sort=reports&amp;dir=desc" in others
    assert "/staff/?scope=unassigned&amp;category=game_ads" in others  # priority: the default order
    # Tabs and "clear filters" keep the order; the filter form sends it again.
    assert 'href="/staff/?scope=open&amp;category=game_ads&amp;sort=deadline&amp;dir=asc"' in body
    assert '<a href="/staff/?scope=unassigned&amp;sort=deadline&amp;dir=asc">Clear filters</a>' in body
    assert '<input type="hidden" name="sort" value="deadline">' in body
    descending = client.get("/staff/?sort=reports&dir=desc").get_data(as_text=True)
    assert 'aria-sort="descending"' in descending and "▼" in descending


BAD_CURSORS = {
    "priority": ["abc", "1.99999999999", ".5", "x.5", "-5.5", "9.5"],
    "deadline": ["abc", "1.99999999999", "x.5", "9" * 30 + ".5", "1.5.5"],
    "reports": ["abc", ".5", "x.5", "9" * 30 + ".5"],
}


@pytest.mark.parametrize("key", list(BAD_CURSORS))
def test_a_page_cursor_of_another_order_is_a_clear_400(sortable, staff_client, key):
    """Catches a crafted cursor that reaches the database as a value of the wrong kind (a 500 on PostgreSQL)."""
    client = staff_client(sortable["supervisor"])
    for cursor in BAD_CURSORS[key]:
        response = client.get(f"/staff/?sort={key}&after={cursor}")
        assert response.status_code == 400 and 'role="alert"' in response.get_data(as_text=True), cursor
    # Cursors these orders write: past the last case there is simply nothing more.
    for key, cursor in (("deadline", ".1"), ("reports", "-5.1"), ("platform", "%EF%BF%BF.1")):
        assert listed(client, f"sort={key}&after={cursor}") == [], (key, cursor)


# --- saved filters ----------------------------------------------------------------------------


def saved_by(user):
    return db.session.scalars(select(SavedFilter).where(SavedFilter.user_id == user.id)).all()


def test_a_saved_filter_is_its_owners_alone(make_staff, staff_client):
    """Catches a saved filter shown to, or deleted by, anyone but the person who saved it."""
    owner, other = make_staff("officer", "cyberspace", HAIDIAN), make_staff("officer", "cyberspace", HAIDIAN)
    mine, theirs = staff_client(owner), staff_client(other)
    query = "scope=mine&category=teachers&sort=deadline&dir=asc&after=1.5&next=https://evil.example&x=1"
    response = post(mine, "/staff/filters", {"name": "  我的 教师问题 ", "query": query})
    assert response.status_code == 303
    assert response.headers["Location"] == "/staff/?scope=mine&category=teachers&sort=deadline&dir=asc"
    (saved,) = saved_by(owner)
    assert saved.name == "我的 教师问题" and saved.query == "scope=mine&category=teachers&sort=deadline&dir=asc"
    page = mine.get("/staff/", headers=EN).get_data(as_text=True)
    assert 'href="/staff/?scope=mine&amp;category=teachers&amp;sort=deadline&amp;dir=asc"' in page
    assert "我的 教师问题" in page
    assert "我的 教师问题" not in theirs.get("/staff/").get_data(as_text=True)
    # Someone else's saved filter does not exist for them, whatever they post.
    assert post(theirs, f"/staff/filters/{saved.id}/delete", {}).status_code == 404
    assert post(theirs, "/staff/filters/999999/delete", {}).status_code == 404
    assert saved_by(owner)
    assert mine.post(f"/staff/filters/{saved.id}/delete", data={}).status_code == 400  # no token: nothing deleted
    assert saved_by(owner)
    assert post(mine, f"/staff/filters/{saved.id}/delete", {}).status_code == 303
    assert saved_by(owner) == []


@pytest.mark.parametrize(
    ("name", "query", "message"),
    [
        ("", "scope=mine", "Give the filter a name."),
        ("x" * 61, "scope=mine", "Use a filter name of at most 60 characters."),
        ("超时", "scope=everything", "These filters cannot be saved: check them first."),
        ("超时", "region=310000", "These filters cannot be saved: check them first."),  # not a region of theirs
    ],
)
def test_a_filter_that_cannot_be_saved_says_why_and_keeps_what_was_typed(
    make_staff, staff_client, name, query, message
):
    user = make_staff("officer", "cyberspace", HAIDIAN)
    client = staff_client(user)
    response = client.post(
        "/staff/filters",
        data={"csrf_token": csrf_token(client, "/staff/"), "filter-name": name, "filter-query": query},
        headers=EN,
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and message in body and 'role="alert"' in body
    assert f'value="{name}"' in body or not name
    assert saved_by(user) == []


def test_a_name_is_used_once_per_person(make_staff, staff_client):
    first, second = make_staff("officer", "cyberspace", HAIDIAN), make_staff("officer", "cyberspace", HAIDIAN)
    client = staff_client(first)
    assert post(client, "/staff/filters", {"name": "逾期", "query": "scope=overdue"}).status_code == 303
    again = client.post(
        "/staff/filters",
        data={"csrf_token": csrf_token(client, "/staff/"), "filter-name": "逾期", "filter-query": "scope=mine"},
        headers=EN,
    )
    assert again.status_code == 400
    assert "You already have a saved filter named “逾期”: choose another name." in again.get_data(as_text=True)
    assert post(staff_client(second), "/staff/filters", {"name": "逾期", "query": "scope=mine"}).status_code == 303
    assert [s.query for s in saved_by(first)] == ["scope=overdue"]


def test_an_expired_form_keeps_what_was_typed(make_staff, staff_client):
    """Catches a saved filter's name, or a bulk form's ticks, lost when the page was open too long."""
    client = staff_client(make_staff("supervisor", "cyberspace", HAIDIAN))
    response = client.post("/staff/filters", data={"filter-name": "本周重点", "filter-query": "scope=mine"}, headers=EN)
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and 'value="本周重点"' in body and "The form had expired" in body
    assert db.session.scalars(select(SavedFilter)).all() == []


# --- bulk assignment and triage ---------------------------------------------------------------


# What a browser sends of the bulk form's other fields, left as the page offers them.
UNTOUCHED = {"assignee": "", "lead_department": "cyberspace", "co_department": "", "triage_assignee": "", "reason": ""}


def assign_single(client, case, assignee, confirmed=False):
    data = {"assignee": str(assignee.id) if assignee else ""}
    if confirmed:
        data["confirmed"] = "y"
    return post(client, f"/staff/cases/{case.id}/assign", data)


def assign_bulk(client, cases, assignee, confirmed=False):
    data = {**UNTOUCHED, "case_ids": [str(c.id) for c in cases], "assign": "1"}
    data["assignee"] = str(assignee.id) if assignee else "none"
    if confirmed:
        data["confirmed"] = "y"
    return post(client, "/staff/bulk", data)


def triage_single(client, case, lead="cyberspace", co="", assignee=None):
    data = {"lead_department": lead, "co_department": co, "assignee": str(assignee.id) if assignee else ""}
    return post(client, f"/staff/cases/{case.id}/triage", data)


def triage_bulk(client, cases, lead="cyberspace", co="", assignee=None):
    data = {
        **UNTOUCHED,
        "case_ids": [str(c.id) for c in cases],
        "lead_department": lead,
        "co_department": co,
        "triage_assignee": str(assignee.id) if assignee else "",
        "reason": "批量分办",
        "triage": "1",
    }
    return post(client, "/staff/bulk", data)


@pytest.fixture
def twins(make_platform, file_tip):
    """Factory: two cases alike (one for the single-case route, one for the bulk one)."""

    def make(category="game_ads", state=states.NEW, region=HAIDIAN):
        made = []
        for _ in range(2):
            case = file_tip(make_platform(region_code=region), category).case
            case.state = state
            made.append(case)
        db.session.commit()
        return made

    return make


def refused(response):
    """Whether the single-case route refused (and said so)."""
    return response.status_code in (400, 403, 404)


def bulk_outcome(client, response):
    """(cases changed, the failures the page or the flash lists)."""
    if response.status_code == 303:
        body = client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    else:
        assert response.status_code == 400
        body = response.get_data(as_text=True)
    return body


def test_bulk_assignment_refuses_what_the_case_page_refuses(make_staff, staff_client, twins):
    """Catches a bulk assignment that skips the region, state or confirmation checks of assigning one case."""
    supervisor = make_staff("supervisor", "cyberspace", HAIDIAN)
    education = make_staff("officer", "education", HAIDIAN)  # co-handles "marketing" cases, leads none of these
    cyber = make_staff("officer", "cyberspace", HAIDIAN)
    stranger = make_staff("supervisor", "cyberspace", CHAOYANG)  # a sibling region: sees none of them
    scenes = [
        # (who acts, twin cases, assignee, confirmed, refused?)
        (stranger, twins(), None, False, True),
        (supervisor, twins(state=states.CLOSED_FOUNDED), cyber, False, True),
        (supervisor, twins("marketing"), education, False, True),  # the co-handling department's officer
        (supervisor, twins("marketing"), education, True, False),  # ... once confirmed
        (supervisor, twins("teachers"), cyber, False, True),  # not a department of the case
        (make_staff("officer", "education", HAIDIAN), twins(), cyber, False, True),  # not their department
        (supervisor, twins(), cyber, False, False),
        (supervisor, twins(), None, False, False),  # to nobody
    ]
    for n, (actor, (one, other), assignee, confirmed, refusal) in enumerate(scenes):
        client = staff_client(actor)
        single = assign_single(client, one, assignee, confirmed)
        assert refused(single) == refusal, (n, single.status_code)
        response = assign_bulk(client, [other], assignee, confirmed)
        db.session.expire_all()
        assert (response.status_code == 400) == refusal, (n, response.status_code)
        assert one.assignee_id == other.assignee_id, n
        assert other.assignee_id == (None if refusal or assignee is None else assignee.id), n
        body = bulk_outcome(client, response)
        if refusal:
            assert f"#{other.id} (" in body, n
        else:
            assert "1 case assigned." in body, n


def test_bulk_triage_refuses_what_the_case_page_refuses(make_staff, staff_client, twins):
    intake = make_staff("intake", "cyberspace", HAIDIAN)
    officer = make_staff("officer", "cyberspace", HAIDIAN)
    scenes = [
        (intake, twins(), {}, False),
        (intake, twins(state=states.TRIAGED), {}, True),  # already triaged
        (make_staff("intake", "cyberspace", CHAOYANG), twins(), {}, True),  # outside their region
        (officer, twins(), {}, True),  # officers do not triage
        (intake, twins(), {"lead": "education", "co": "cyberspace", "assignee": officer}, False),
    ]
    for n, (actor, (one, other), options, refusal) in enumerate(scenes):
        client = staff_client(actor)
        single = triage_single(client, one, **options)
        assert refused(single) == refusal, (n, single.status_code)
        response = triage_bulk(client, [other], **options)
        assert (response.status_code == 400) == refusal, (n, response.status_code)
        db.session.expire_all()
        assert (one.state, one.lead_department, one.co_department, one.assignee_id) == (
            other.state,
            other.lead_department,
            other.co_department,
            other.assignee_id,
        ), n


def test_one_refusal_neither_stops_nor_undoes_the_others(make_staff, staff_client, twins):
    """Catches a bulk change that stops at the first refusal, silently skips a case the user cannot see,
    or records the changes without each case's own history and audit rows."""
    supervisor = make_staff("supervisor", "cyberspace", HAIDIAN)
    cyber = make_staff("officer", "cyberspace", HAIDIAN)
    first, second = twins()
    closed, _ = twins(state=states.CLOSED_FOUNDED)
    elsewhere, _ = twins(region=CHAOYANG)
    client = staff_client(supervisor)
    response = assign_bulk(client, [first, closed, elsewhere, second], cyber)
    assert response.status_code == 303
    body = client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    assert "2 cases assigned." in body
    assert f"These were not changed: #{closed.id} (You may not assign this case.); " in body
    assert f"#{elsewhere.id} (There is no case with this number that you can see.)" in body
    db.session.expire_all()
    assert [c.assignee_id for c in (first, second, closed, elsewhere)] == [cyber.id, cyber.id, None, None]
    for case in (first, second):
        kinds = db.session.scalars(
            select(CaseEvent.kind).where(CaseEvent.case_id == case.id, CaseEvent.actor_id == supervisor.id)
        ).all()
        audit = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "case.assign", AuditEntry.target_id == case.id)
        ).all()
        assert kinds == ["assigned"] and len(audit) == 1


def test_the_bulk_function_reports_each_case(make_staff, twins):
    """The rule without a request: which cases changed, which did not and why; no more than MAX_CASES."""
    supervisor = make_staff("supervisor", "cyberspace", HAIDIAN)
    education = make_staff("officer", "education", HAIDIAN)
    joint, _ = twins("marketing")
    result = bulk.assign_cases(supervisor, [joint.id, 10**9, joint.id], education)
    assert result.done == []
    assert [(case_id, str(reason)) for case_id, reason in result.failed] == [
        (joint.id, f"{education.display_name} works in the co-handling department, not the lead one. "
         "Confirm to make them the case officer."),
        (10**9, "There is no case with this number that you can see."),
    ]  # fmt: skip
    assert bulk.assign_cases(supervisor, [joint.id], education, confirmed=True).done == [joint.id]
    with pytest.raises(bulk.TooMany):
        bulk.assign_cases(supervisor, list(range(1, bulk.MAX_CASES + 2)), None)


def test_a_bulk_request_is_capped_and_checked(make_staff, staff_client, twins):
    supervisor = make_staff("supervisor", "cyberspace", HAIDIAN)
    case, _ = twins()
    client = staff_client(supervisor)
    too_many = [str(case.id)] + [str(n) for n in range(10**6, 10**6 + bulk.MAX_CASES)]
    response = post(client, "/staff/bulk", {**UNTOUCHED, "case_ids": too_many, "assignee": "none", "assign": "1"})
    assert response.status_code == 400 and "Choose at most 100 cases at a time." in response.get_data(as_text=True)
    for data in (
        {"case_ids": [], "assignee": "none", "assign": "1"},  # nothing ticked
        {"case_ids": ["１２"], "assignee": "none", "assign": "1"},  # not a case number
        {"case_ids": [str(case.id)], "assignee": "", "assign": "1"},  # nobody chosen
        {"case_ids": [str(case.id)], "assignee": "none", "assign": "1", "triage": "1"},  # both buttons
        {"case_ids": [str(case.id)], "assignee": "none"},  # neither
    ):
        response = post(client, "/staff/bulk", {**UNTOUCHED, **data})
        assert response.status_code == 400, data
        assert f'id="pick-{case.id}"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalars(select(CaseEvent).where(CaseEvent.kind == "assigned")).all() == []


def test_a_refused_bulk_change_keeps_the_ticks_the_filters_and_the_order(make_staff, staff_client, twins):
    supervisor = make_staff("supervisor", "cyberspace", HAIDIAN)
    closed = twins(state=states.CLOSED_FOUNDED)
    client = staff_client(supervisor)
    response = post(
        client,
        "/staff/bulk",
        {
            **UNTOUCHED,
            "case_ids": [str(c.id) for c in closed],
            "assignee": "none",
            "assign": "1",
            "back": "scope=closed&sort=id&dir=asc&x=1",
        },
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="bulk-failures"' in body
    assert all(re.search(rf'id="pick-{c.id}"[^>]*checked', body) for c in closed)
    assert '<input type="hidden" name="sort" value="id">' in body
    assert '<a href="/staff/?scope=closed&amp;sort=id&amp;dir=asc" aria-current="page">' in body
    assert 'name="bulk-back" type="hidden" value="scope=closed&amp;sort=id&amp;dir=asc"' in body


# --- new since you last looked ----------------------------------------------------------------


def test_new_since_you_last_looked(make_platform, file_tip, make_staff, staff_client):
    """Catches a colleague's note that the queue does not show, a badge that stays after opening the case,
    and the viewer's own work shown as news to them."""
    viewer, colleague = make_staff("officer", "cyberspace", HAIDIAN), make_staff("officer", "cyberspace", HAIDIAN)
    case = file_tip(make_platform(region_code=HAIDIAN), "game_ads").case
    client = staff_client(viewer)

    def badge():
        body = client.get("/staff/", headers=EN).get_data(as_text=True)
        found = re.search(r'<span class="badge news">([^<]+)</span>', row_of(body, case.id))
        return found.group(1) if found else None

    assert badge() == "Not opened by you yet"
    assert client.get(f"/staff/cases/{case.id}").status_code == 200
    assert badge() is None
    add_note(db.session.get(Case, case.id), colleague, "已联系平台核实")
    db.session.commit()
    assert badge() == "New since you last looked"
    client.get(f"/staff/cases/{case.id}")
    assert badge() is None
    assert post(client, f"/staff/cases/{case.id}/notes", {"body": "我自己的备注"}).status_code == 302
    assert badge() is None  # one's own note is no news
    file_tip(case.platform, "game_ads")  # a new report joins the case
    assert badge() == "New since you last looked"


def test_the_news_of_a_page_cost_one_query(make_platform, file_tip, make_staff, staff_client):
    """Catches a look-up of "new since you last looked" per row."""
    viewer = make_staff("officer", "cyberspace", HAIDIAN)
    client = staff_client(viewer)

    def queries_for_the_page():
        statements = []

        def count(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            client.get("/staff/?sort=id")
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    file_tip(make_platform(region_code=HAIDIAN), "game_ads")
    few = queries_for_the_page()
    for _ in range(6):
        file_tip(make_platform(region_code=HAIDIAN), "game_ads")
    assert queries_for_the_page() == few
