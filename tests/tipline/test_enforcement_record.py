"""The public enforcement record (/platforms/actions) and its Atom feed, and the public reason every proposal gives.

Each test names the one-line bug it catches.
"""

import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from cases.actions import rules
from cases.actions.models import Action
from cases.actions.service import decide_action, propose_action, propose_lift
from cases.operations import CaseError
from tests.cases import conftest as staff_fixtures
from tests.cases.conftest import CHAOYANG, HAIDIAN, post_form
from tipline.extensions import db
from tipline.platforms import record
from tipline.timeutil import app_today, utcnow

# The staff tests' fixtures: tips filed into cases, and signed-in staff clients.
file_tip, staff_client = staff_fixtures.file_tip, staff_fixtures.staff_client

NATION, SHANGHAI_DISTRICT = "100000", "310104"
ATOM = "{http://www.w3.org/2005/Atom}"
PUBLIC_URL = "https://tipline.example"
# What staff write that the public must never read.
LEGAL_BASIS = "《未成年人保护法》第七十四条"
DETAILS = "内部细节：举报人电话13800000000"
DECISION = "内部决定理由：证据已核实"
REJECTION = "驳回理由：证据不足"


@pytest.fixture
def desk(make_platform, file_tip, make_staff):
    """Platforms in Haidian, Chaoyang (both Beijing) and Shanghai, and national cyberspace staff to act on them."""
    officer = make_staff("officer", "cyberspace", NATION)
    supervisor = make_staff("supervisor", "cyberspace", NATION)
    platforms = SimpleNamespace(
        haidian=make_platform(name="星火学堂", name_en="Xinghuo Academy", region_code=HAIDIAN),
        chaoyang=make_platform(name="晨光网校", name_en="Morning Light", region_code=CHAOYANG),
        shanghai=make_platform(name="云朵网课", name_en="Cloud Lessons", region_code=SHANGHAI_DISTRICT),
    )

    def propose(platform, action_type=rules.INTERVIEW, public_reason=None, **dates):
        if action_type == rules.RECTIFICATION:
            dates.setdefault("deadline_on", app_today() + timedelta(days=30))
        case = file_tip(platform, "game_ads").case
        action = propose_action(
            case,
            officer,
            action_type,
            LEGAL_BASIS,
            DETAILS,
            public_reason=public_reason or f"{platform.name}：{rules.ACTION_TYPES[action_type]}的公开理由",
            **dates,
        )
        db.session.commit()
        return action

    def approve(action):
        decide_action(action, supervisor, approve=True, reason=DECISION)
        db.session.commit()
        return action

    def act(platform, action_type=rules.INTERVIEW, **kwargs):
        return approve(propose(platform, action_type, **kwargs))

    def reject(action):
        decide_action(action, supervisor, approve=False, reason=REJECTION)
        db.session.commit()
        return action

    def lift(action, public_reason="平台已整改完毕，解除措施。"):
        return propose_lift(action, officer, "整改完成", public_reason=public_reason)

    return SimpleNamespace(
        officer=officer,
        supervisor=supervisor,
        platforms=platforms,
        propose=propose,
        approve=approve,
        act=act,
        reject=reject,
        lift=lift,
    )


def shown(client, query="", lang="en"):
    """(status, ids of the actions the record page lists, body)."""
    response = client.get(f"/platforms/actions{query}", headers={"Accept-Language": lang})
    body = response.get_data(as_text=True)
    return response.status_code, [int(i) for i in re.findall(r'<tr role="row" id="action-(\d+)"', body)], body


def ids(client, query=""):
    status, found, _ = shown(client, query)
    assert status == 200
    return found


def feed(client, query="", lang="en"):
    """The feed parsed: (response, root element, entries)."""
    response = client.get(f"/platforms/actions.atom{query}", headers={"Accept-Language": lang})
    assert response.status_code == 200, response.get_data(as_text=True)
    root = ET.fromstring(response.get_data())
    return response, root, root.findall(f"{ATOM}entry")


def decided_days_ago(action, days):
    """Move a decision into the past, as if it had been taken `days` ago."""
    action.decided_at = utcnow() - timedelta(days=days)
    if action.ended_at is not None:
        action.ended_at = action.decided_at
    db.session.commit()


# --- the public reason, asked for on every proposal ------------------------------------------------------


def test_proposing_without_a_public_reason_is_refused_at_the_form_keeping_what_was_typed(desk, staff_client):
    """Catches: the view not passing the typed public reason on, or a refused proposal losing what was typed."""
    platform = desk.platforms.haidian
    case = desk.propose(platform).case
    client = staff_client(desk.officer)
    client.set_cookie("lang", "en")
    page, target = f"/staff/cases/{case.id}", f"/staff/cases/{case.id}/actions"
    typed = {"type": rules.SUSPEND_UPDATES, "legal_basis": "《网络安全法》第十二条", "details": "课程页面截图三张"}
    before = db.session.scalar(select(func.count(Action.id)))
    response = post_form(client, page, target, {**typed, "public_reason": "  "})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Give the public reason." in body and 'id="error-summary"' in body
    assert "《网络安全法》第十二条" in body and "课程页面截图三张" in body  # kept as typed
    assert db.session.scalar(select(func.count(Action.id))) == before

    response = post_form(client, page, target, {**typed, "public_reason": "平台在课程页面推送游戏广告，暂停更新。"})
    assert response.status_code == 302
    newest = db.session.scalars(select(Action).order_by(Action.id.desc())).first()
    assert (newest.type, newest.public_reason) == (rules.SUSPEND_UPDATES, "平台在课程页面推送游戏广告，暂停更新。")


def test_a_lifting_needs_its_own_public_reason_on_the_form(desk, staff_client):
    """Catches: the lifting form without its public reason field, or propose_lift storing the lifted action's."""
    action = desk.act(desk.platforms.haidian, rules.SUSPEND_UPDATES)
    client = staff_client(desk.officer)
    client.set_cookie("lang", "en")
    page, target = f"/staff/cases/{action.case_id}", f"/staff/actions/{action.id}/lift"
    response = post_form(client, page, target, {"legal_basis": "整改完成"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "Give the public reason." in body
    assert re.search(r"<details open><summary>Propose lifting", body)  # that action's form, opened again
    typed = {"legal_basis": "整改完成", "public_reason": "已整改，解除。"}
    assert post_form(client, page, target, typed).status_code == 302
    lifting = db.session.scalars(select(Action).where(Action.lifts_id == action.id)).one()
    assert lifting.public_reason == "已整改，解除。" and action.public_reason != lifting.public_reason


def test_the_operations_refuse_a_blank_public_reason_whatever_the_page_sends(desk):
    """Catches: propose_action or propose_lift trusting the form for the public reason."""
    case = desk.propose(desk.platforms.haidian).case
    with pytest.raises(CaseError):
        propose_action(case, desk.officer, rules.INTERVIEW, LEGAL_BASIS, public_reason=" \n ")
    in_force = desk.act(desk.platforms.haidian, rules.DELISTING)
    with pytest.raises(CaseError):
        desk.lift(in_force, public_reason="")
    db.session.rollback()


# --- what the record lists ---------------------------------------------------------------------------------


def test_the_record_lists_approved_decisions_and_liftings_never_proposals_or_rejections(desk, client):
    """Catches: the state condition dropped (proposed or rejected actions, or rejected liftings, made public)."""
    p = desk.platforms
    proposed = desk.propose(p.haidian, rules.SUSPEND_UPDATES)
    rejected = desk.reject(desk.propose(p.chaoyang, rules.DELISTING))
    interview = desk.act(p.shanghai)  # done at once: ended, still recent
    lifted = desk.act(p.haidian, rules.TEMPORARY_OFFLINE)
    lifting = desk.approve(desk.lift(lifted))
    refused_lifting = desk.reject(desk.lift(desk.act(p.chaoyang, rules.BLACKLIST)))
    in_force = refused_lifting.lifts
    listed = ids(client)
    assert set(listed) == {interview.id, lifted.id, lifting.id, in_force.id}
    assert proposed.id not in listed and rejected.id not in listed and refused_lifting.id not in listed


def test_the_record_shows_each_decision_as_the_public_may_read_it(desk, client):
    """Catches: a lifting shown as a new measure, the deadline or the platform link left out, or ended decisions
    shown as in force."""
    rectification = desk.act(desk.platforms.haidian, rules.RECTIFICATION)
    lifting = desk.approve(desk.lift(desk.act(desk.platforms.chaoyang, rules.SUSPEND_UPDATES)))
    _, _, body = shown(client)
    row = body.split(f'id="action-{rectification.id}"', 1)[1].split("</tr>", 1)[0]
    assert f'href="/platforms/{desk.platforms.haidian.id}"' in row
    assert "Rectification within a deadline" in row and "In force" in row
    deadline = rectification.deadline_on
    assert f"{deadline:%b} {deadline.day}, {deadline.year}" in row
    lifted_row = body.split(f'id="action-{lifting.id}"', 1)[1].split("</tr>", 1)[0]
    assert "Lifting: Suspension of updates" in lifted_row and "In force" not in lifted_row
    assert "平台已整改完毕，解除措施。" in lifted_row
    assert "Lifted on" in body.split(f'id="action-{lifting.lifts_id}"', 1)[1].split("</tr>", 1)[0]


def test_internal_text_never_reaches_the_page_or_the_feed(desk, client):
    """Catches: the decision reason, details, legal basis (when a public reason exists) or staff names shown."""
    desk.act(desk.platforms.haidian, rules.BLACKLIST)
    desk.reject(desk.propose(desk.platforms.chaoyang, public_reason="被驳回提议的公开理由"))
    _, _, page = shown(client)
    response, _, _ = feed(client)
    for text in (page, response.get_data(as_text=True)):
        assert "星火学堂：Placing on the black list的公开理由" in text
        for internal in (DECISION, REJECTION, DETAILS, "13800000000", LEGAL_BASIS, "被驳回提议的公开理由"):
            assert internal not in text, internal
        for person in (desk.officer, desk.supervisor):
            assert person.email not in text and person.display_name not in text


def test_a_decision_from_before_public_reasons_shows_its_legal_basis(desk, client):
    """Catches: the fallback to the legal basis dropped, leaving older decisions without any reason."""
    action = desk.act(desk.platforms.haidian, rules.SUSPEND_UPDATES)
    action.public_reason = ""  # approved before migration 0018
    db.session.commit()
    _, _, body = shown(client)
    assert LEGAL_BASIS in body.split(f'id="action-{action.id}"', 1)[1].split("</tr>", 1)[0]
    _, _, entries = feed(client)
    assert LEGAL_BASIS in entries[0].find(f"{ATOM}content").text


def test_older_decisions_show_while_in_force_and_recent_ones_always(desk, client):
    """Catches: the RECENT_DAYS window dropped, or applied to decisions still in force."""
    p = desk.platforms
    old_in_force = desk.act(p.haidian, rules.SUSPEND_UPDATES)
    old_ended = desk.act(p.chaoyang)
    recent_ended = desk.act(p.shanghai)
    decided_days_ago(old_in_force, record.RECENT_DAYS + 10)
    decided_days_ago(old_ended, record.RECENT_DAYS + 10)
    decided_days_ago(recent_ended, record.RECENT_DAYS - 10)
    assert set(ids(client)) == {old_in_force.id, recent_ended.id}


# --- filters --------------------------------------------------------------------------------------------------


@pytest.fixture
def spread(desk):
    """Approved decisions: Haidian suspension (in force), Chaoyang interview (done), Shanghai rectification."""
    p = desk.platforms
    return SimpleNamespace(
        haidian=desk.act(p.haidian, rules.SUSPEND_UPDATES),
        chaoyang=desk.act(p.chaoyang, rules.INTERVIEW),
        shanghai=desk.act(p.shanghai, rules.RECTIFICATION),
    )


def test_filter_by_action_type(client, spread):
    """Catches: the type filter ignored."""
    assert ids(client, "?type=interview") == [spread.chaoyang.id]


def test_filter_in_force_only(client, spread):
    """Catches: "in force only" still listing ended decisions."""
    assert set(ids(client, "?status=in_force")) == {spread.haidian.id, spread.shanghai.id}


def test_filter_by_province_takes_its_whole_subtree(client, spread):
    """Catches: the region compared with the platform's own code instead of the province's subtree."""
    assert set(ids(client, "?region=110000")) == {spread.haidian.id, spread.chaoyang.id}
    assert ids(client, "?region=310000") == [spread.shanghai.id]


def test_filter_by_platform_name(client, spread):
    """Catches: the name search ignored, or matching only the Chinese name."""
    assert ids(client, "?q=晨光") == [spread.chaoyang.id]
    assert ids(client, "?q=cloud+LESSONS") == [spread.shanghai.id]
    assert ids(client, "?q=晨光&type=suspend_updates") == []


@pytest.mark.parametrize(
    "query, field",
    [
        ("type=fine", "type"),
        ("status=ended_long_ago", "status"),
        ("region=abc", "region"),
        ("region=999999", "region"),
        ("region=110108", "region"),  # a district, not a province of the list
        ("q=" + "x" * 101, "q"),
        ("before=abc", "before"),
        ("before=0", "before"),
        ("before=%EF%BC%91", "before"),  # a full-width digit
        ("before=99999999999", "before"),
        ("before=2147483000", "before"),  # no such decision
    ],
)
def test_bad_filters_answer_400_in_the_page_language_keeping_the_input(client, spread, query, field):
    """Catches: a bad value answered 200 (or 500), without a message, or with the typed search lost."""
    status, listed, body = shown(client, f"?{query}&q=云朵" if not query.startswith("q=") else f"?{query}")
    assert status == 400 and listed == []
    assert 'role="alert"' in body
    if field != "q":
        assert 'value="云朵"' in body  # the other filters, as typed
    zh_status, _, zh_body = shown(client, f"?{query}", lang="zh-CN")
    assert zh_status == 400 and '<html lang="zh-Hans">' in zh_body
    assert client.get(f"/platforms/actions.atom?{query}").status_code == 400


def test_the_error_message_names_the_problem(client, spread):
    """Catches: a wrong or missing message for a type not in the list."""
    _, _, body = shown(client, "?type=fine")
    assert "Choose an action from the list." in body


def test_a_proposal_cannot_anchor_a_page(desk, client):
    """Catches: the paging key accepting a proposed action (whose place would leak)."""
    proposed = desk.propose(desk.platforms.haidian)
    assert shown(client, f"?before={proposed.id}")[0] == 400


# --- paging ----------------------------------------------------------------------------------------------------


def test_pages_by_keyset_newest_decision_first_ties_included(desk, client, monkeypatch):
    """Catches: ordering by id instead of decision time, or a keyset on the time alone that skips equal times."""
    monkeypatch.setattr(record, "PAGE_SIZE", 2)
    p = desk.platforms
    first_proposed = desk.propose(p.haidian, rules.SUSPEND_UPDATES)  # proposed first, decided last
    others = [desk.act(platform) for platform in (p.chaoyang, p.shanghai, p.haidian, p.chaoyang)]
    desk.approve(first_proposed)
    others[2].decided_at = others[3].decided_at  # two decisions at the same moment, across the first page's end
    db.session.commit()
    first_page = ids(client)
    assert first_page[0] == first_proposed.id and len(first_page) == 2
    _, _, body = shown(client)
    assert f"before={first_page[-1]}" in body
    seen = list(first_page)
    for _page in range(5):
        found = re.search(r'href="/platforms/actions\?before=(\d+)"[^>]*>Older decisions', body)
        if not found:
            break
        _, page_ids, body = shown(client, f"?before={found.group(1)}")
        seen += page_ids
    assert len(seen) == 5 and set(seen) == {first_proposed.id, *(a.id for a in others)}
    times = [db.session.get(Action, i).decided_at for i in seen]
    assert times == sorted(times, reverse=True)


def test_paging_keeps_the_filters(desk, client, monkeypatch):
    """Catches: the "older" link dropping the filters."""
    monkeypatch.setattr(record, "PAGE_SIZE", 1)
    for platform in (desk.platforms.haidian, desk.platforms.chaoyang, desk.platforms.shanghai):
        desk.act(platform)
    _, first, body = shown(client, "?region=110000")
    found = re.search(r'href="(/platforms/actions\?[^"]*before=[^"]*)"', body)
    assert found and "region=110000" in found.group(1)
    _, second, _ = shown(client, found.group(1).removeprefix("/platforms/actions").replace("&amp;", "&"))
    assert {db.session.get(Action, i).platform.region_code for i in first + second} == {HAIDIAN, CHAOYANG}


# --- the feed --------------------------------------------------------------------------------------------------


@pytest.fixture
def public_url(app_config):
    app_config["PUBLIC_URL"] = PUBLIC_URL


def test_the_feed_is_valid_atom_of_the_same_decisions(public_url, desk, client):
    """Catches: entries oldest first (feedgen prepends by default), ids that are not unique, relative links,
    or the wrong content type."""
    p = desk.platforms
    made = [desk.act(p.haidian), desk.act(p.chaoyang, rules.RECTIFICATION), desk.act(p.shanghai, rules.DELISTING)]
    desk.propose(p.shanghai, rules.BLACKLIST, public_reason="仍在审批的提议")
    response, root, entries = feed(client)
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert root.tag == f"{ATOM}feed" and root.find(f"{ATOM}id").text.startswith(PUBLIC_URL)
    entry_ids = [e.find(f"{ATOM}id").text for e in entries]
    assert len(entry_ids) == len(set(entry_ids)) == 3
    assert entry_ids == [f"{PUBLIC_URL}/platforms/actions#action-{a.id}" for a in reversed(made)]
    updated = [e.find(f"{ATOM}updated").text for e in entries]
    assert updated == sorted(updated, reverse=True)
    first = entries[0]
    assert first.find(f"{ATOM}title").text == "云朵网课: Delisting (taken off the shelf)"
    assert first.find(f"{ATOM}link").get("href") == f"{PUBLIC_URL}/platforms/{p.shanghai.id}"
    assert "云朵网课：Delisting (taken off the shelf)的公开理由" in first.find(f"{ATOM}content").text
    assert "仍在审批的提议" not in response.get_data(as_text=True)
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == f"{PUBLIC_URL}/platforms/actions.atom"


def test_the_feed_honours_the_filters_and_its_size(public_url, desk, client, monkeypatch):
    """Catches: the feed ignoring the page's filters, or its FEED_SIZE."""
    monkeypatch.setattr(record, "FEED_SIZE", 2)
    p = desk.platforms
    for platform in (p.haidian, p.chaoyang, p.shanghai):
        desk.act(platform)
    shanghai = desk.act(p.shanghai, rules.SUSPEND_UPDATES)
    assert len(feed(client)[2]) == 2
    _, root, entries = feed(client, "?region=310000&type=suspend_updates")
    assert [e.find(f"{ATOM}id").text.rsplit("-", 1)[1] for e in entries] == [str(shanghai.id)]
    self_link = root.find(f"{ATOM}link[@rel='self']").get("href")
    assert "region=310000" in self_link and "type=suspend_updates" in self_link


# --- languages and links -----------------------------------------------------------------------------------------


def test_headings_in_chinese_and_english(desk, client):
    """Catches: the page or the feed not following the request's language."""
    desk.act(desk.platforms.haidian)
    _, _, zh = shown(client, lang="zh-CN")
    assert '<html lang="zh-Hans">' in zh and "<h1>执法记录</h1>" in zh and "约谈" in zh
    _, _, en = shown(client, lang="en")
    assert '<html lang="en">' in en and "<h1>Enforcement record</h1>" in en and "Interview (formal warning)" in en
    _, zh_feed, _ = feed(client, lang="zh-CN")
    assert zh_feed.find(f"{ATOM}title").text.startswith("执法记录")
    assert zh_feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "zh-Hans"
    _, en_feed, _ = feed(client, lang="en")
    assert en_feed.find(f"{ATOM}title").text.startswith("Enforcement record")


def test_the_record_is_linked_and_announces_its_feed(client):
    """Catches: the feed's <link rel="alternate"> or the links from the filing list and home page lost."""
    _, _, body = shown(client, "?type=interview")
    head = body.split("</head>", 1)[0]
    announced = re.search(r'<link rel="alternate" type="application/atom\+xml"[^>]*href="([^"]+)"', head)
    assert announced and announced.group(1) == "/platforms/actions.atom?type=interview"
    assert 'href="/platforms/actions"' in client.get("/platforms").get_data(as_text=True)
    assert 'href="/platforms/actions"' in client.get("/").get_data(as_text=True)
