"""An organisation reports as itself, collects parents' receipt codes, and follows every tip in one list and CSV."""

import csv
import io
import re
from datetime import timedelta

from sqlalchemy import select

from tests.organisations.helpers import add_member, make_org, member_client, post_form, valid_code
from tipline.extensions import db
from tipline.organisations.models import COLLECTED, FILED, OrgTip
from tipline.reports.models import Tip, TipEvent
from tipline.reports.service import TipSubmission, submit_tip

REPORT = {
    "platform_name": "快乐学习网",
    "category": "game_ads",
    "location": "popup",
    "description": "课程播放前弹出游戏广告，孩子点进去就是充值页面。",
    "reporter_type": "parent",
}


def public_tip(description=REPORT["description"], platform_name="快乐学习网", category="game_ads", client="10.0.0.9"):
    tip, code = submit_tip(
        TipSubmission(
            platform_name=platform_name,
            category=category,
            location="popup",
            description=description,
            reporter_type="parent",
            locale="zh_Hans",
            client=client,
        ),
        [],
    )
    db.session.commit()
    return tip, code


def file_report(client, **changes):
    return post_form(
        client,
        "/report",
        "/report",
        {**REPORT, **changes, "platform_checked": changes.get("platform_name", REPORT["platform_name"])},
    )


def test_a_member_reports_as_the_organisation_and_the_tip_is_in_its_list(app):
    """Catches: a signed-in member's report filed as anonymous, or filed but missing from the list."""
    organisation = make_org(kind="school")
    member = add_member(organisation, "teacher@school.example")
    client = member_client(app, "teacher@school.example")
    form = client.get("/report").get_data(as_text=True)
    assert re.search(r'<option selected value="school">|<option value="school" selected', form), "type not preset"
    response = file_report(client, reporter_type="school")
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    receipt = client.get("/report/receipt").get_data(as_text=True)
    assert 'data-testid="receipt-code"' in receipt  # the code is still shown
    tip = db.session.scalars(select(Tip)).one()
    assert (tip.organisation_id, tip.org_member_id) == (organisation.id, member.id)
    assert db.session.get(OrgTip, (organisation.id, tip.id)).source == FILED
    listing = client.get("/org/").get_data(as_text=True)
    assert f"#{tip.id}" in listing


def test_a_suspended_organisation_files_nothing_as_itself(app):
    """Catches: a suspended organisation's member still attaching its name (and weight) to new tips."""
    organisation = make_org()
    organisation.status = "suspended"
    db.session.commit()
    client = member_client(app)
    assert "cannot file reports as an organisation now" in client.get("/report").get_data(as_text=True)
    assert file_report(client).status_code == 303
    tip = db.session.scalars(select(Tip)).one()
    assert tip.organisation_id is None and db.session.query(OrgTip).count() == 0


def test_collecting_a_code_adds_the_tip_and_changes_nothing_in_it(app):
    """Catches: collecting that rewrites the tip (its organisation, its reporter), or adds it twice."""
    organisation = make_org()
    tip, code = public_tip()
    before = (tip.organisation_id, tip.reporter_type, tip.receipt_digest, len(tip.events))
    client = member_client(app)
    response = post_form(client, "/org/", "/org/collect", {"collect-code": code.lower().replace("-", " ")})
    assert response.status_code == 303
    db.session.expire_all()
    tip = db.session.get(Tip, tip.id)
    assert (tip.organisation_id, tip.reporter_type, tip.receipt_digest, len(tip.events)) == before
    assert db.session.get(OrgTip, (organisation.id, tip.id)).source == COLLECTED
    again = post_form(client, "/org/", "/org/collect", {"collect-code": code})
    assert again.status_code == 400 and "in your list already" in again.get_data(as_text=True)
    wrong = post_form(client, "/org/", "/org/collect", {"collect-code": "ABCD-EFGH-JKMN-PQRS-TVWX-YZ23"})
    assert wrong.status_code == 400 and "ABCD-EFGH" in wrong.get_data(as_text=True)  # kept as typed
    removed = post_form(client, f"/org/tips/{tip.id}", f"/org/tips/{tip.id}/remove", {})
    assert removed.status_code == 303 and db.session.get(OrgTip, (organisation.id, tip.id)) is None
    assert db.session.get(Tip, tip.id) is not None


def test_a_filed_tip_cannot_be_taken_out_of_the_list(app):
    """Catches: a crafted POST dropping a tip the organisation itself filed (and its record with it)."""
    organisation = make_org()
    client = member_client(app)
    file_report(client)
    tip = db.session.scalars(select(Tip)).one()
    post_form(client, f"/org/tips/{tip.id}", f"/org/tips/{tip.id}/remove", {})
    assert db.session.get(OrgTip, (organisation.id, tip.id)) is not None


def test_another_organisations_tip_answers_404(app):
    """Catches: a tip reached by changing the number in the address."""
    make_org()
    other = make_org(name="别的学校", email="b@other.example", code=valid_code("91110108MA01ABCDE"), kind="school")
    tip, _code = public_tip()
    from tipline.organisations.tips import add_to_list

    add_to_list(other.id, tip, COLLECTED)
    db.session.commit()
    client = member_client(app)
    assert client.get(f"/org/tips/{tip.id}").status_code == 404
    assert post_form(client, "/org/", f"/org/tips/{tip.id}", {"text": "x"}).status_code == 404


def _listed(app, organisation, n=3):
    from tipline.organisations.tips import add_to_list

    tips = []
    for i in range(n):
        tip, _code = public_tip(
            description=f"课程页面第{i}次弹出游戏广告，诱导充值。" + "广告" * i,
            platform_name=["快乐学习网", "星星课堂", '=HYPERLINK("http://x")'][i % 3],
            category=["game_ads", "vulgar", "game_ads"][i % 3],
            client=f"10.0.1.{i}",
        )
        add_to_list(organisation.id, tip, COLLECTED)
        tips.append(tip)
    db.session.commit()
    return tips


def test_the_list_filters_and_searches(app, monkeypatch):
    """Catches: a filter ignored, or a filter (or count) that loses matches lying in a later chunk of the list."""
    from tipline.organisations import tips as org_tips

    monkeypatch.setattr(org_tips, "CHUNK", 2)  # three tips: every filter reads across two chunks
    organisation = make_org()
    tips = _listed(app, organisation)
    client = member_client(app)

    def shown(query=""):
        page = client.get("/org/" + query).get_data(as_text=True)
        return sorted(int(n) for n in re.findall(r'href="/org/tips/(\d+)"', page))

    assert shown() == sorted(t.id for t in tips)
    assert "1 report matches." in client.get("/org/?q=第0次").get_data(as_text=True)  # the oldest: the last chunk
    assert shown("?category=vulgar") == [tips[1].id]
    assert shown("?platform=星星") == [tips[1].id]
    assert shown("?status=received") == sorted(t.id for t in tips)
    assert shown("?status=closed_founded") == []
    assert shown("?q=第2次") == [tips[2].id]
    today = tips[0].created_at.date()
    assert shown(f"?date_from={(today + timedelta(days=2)).isoformat()}") == []
    bad = client.get("/org/?date_from=2026-02-30&status=nonsense")
    assert bad.status_code == 400 and "2026-02-30" in bad.get_data(as_text=True)


def test_the_list_pages_without_losing_or_repeating_a_tip(app, monkeypatch):
    """Catches: an off-by-one in the keyset paging, or in reading the list chunk by chunk."""
    from tipline.organisations import tips as org_tips

    monkeypatch.setattr(org_tips, "PAGE_SIZE", 3)
    monkeypatch.setattr(org_tips, "CHUNK", 2)
    organisation = make_org()
    tips = _listed(app, organisation, n=7)
    client = member_client(app)
    seen, url = [], "/org/"
    while url:
        page = client.get(url).get_data(as_text=True)
        seen += [int(n) for n in re.findall(r'href="/org/tips/(\d+)"', page)]
        more = re.search(r'href="(/org/\?before=\d+)"', page)
        url = more.group(1) if more else None
    assert seen == sorted((t.id for t in tips), reverse=True)
    rows = client.get("/org/tips.csv").data.decode("utf-8-sig").splitlines()
    assert len(rows) == 1 + 7


def test_the_csv_has_a_bom_and_neutralises_formulas(app):
    """Catches: a CSV that Excel opens as mojibake, or a platform name that runs as a formula."""
    organisation = make_org()
    tips = _listed(app, organisation)
    client = member_client(app)
    response = client.get("/org/tips.csv?category=game_ads")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert len(rows) == 1 + 2
    platforms = {row[2] for row in rows[1:]}
    assert '\'=HYPERLINK("http://x")' in platforms and "快乐学习网" in platforms
    assert {row[0] for row in rows[1:]} == {f"#{tips[0].id}", f"#{tips[2].id}"}
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_unread_staff_messages_are_counted_until_the_tip_is_opened(app):
    """Catches: unread counts that never clear, or that count the organisation's own additions."""
    organisation = make_org()
    [tip] = _listed(app, organisation, n=1)
    db.session.add(TipEvent(tip_id=tip.id, kind="staff_message", body="请补充截图。"))
    db.session.add(TipEvent(tip_id=tip.id, kind="info_added", body="补充"))
    db.session.commit()
    client = member_client(app)
    assert "1 unread" in client.get("/org/").get_data(as_text=True)
    page = client.get(f"/org/tips/{tip.id}").get_data(as_text=True)
    assert "请补充截图。" in page
    assert "unread" not in client.get("/org/").get_data(as_text=True)
    answer = post_form(client, f"/org/tips/{tip.id}", f"/org/tips/{tip.id}", {"text": "截图已补充。"})
    assert answer.status_code == 303
    assert (
        db.session.scalars(select(TipEvent.body).where(TipEvent.tip_id == tip.id).order_by(TipEvent.id.desc())).first()
        == "截图已补充。"
    )
