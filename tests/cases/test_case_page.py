"""The case page: back to the section a form was sent from, its message there, errors at the form and focused."""

import re

import pytest

from cases.models import Case
from tests.cases.conftest import HAIDIAN, post_form
from tipline.extensions import db
from tipline.reports.service import add_to_tip

EN = {"Accept-Language": "en"}


@pytest.fixture
def officer_case(make_platform, file_tip, make_staff, staff_client):
    """(signed-in cyberspace officer's client, the officer, a new case in Haidian with two tips)."""
    platform = make_platform(region_code=HAIDIAN)
    tips = [file_tip(platform, "game_ads", description=f"课前弹出游戏广告 {n}") for n in range(2)]
    officer = make_staff("officer", "cyberspace", HAIDIAN)
    return staff_client(officer), officer, db.session.get(Case, tips[0].case_id)


def section(page, name):
    """The HTML of one <section id=name> of the case page."""
    found = re.search(rf'<section[^>]* id="{name}"[^>]*>(.*?)</section>', page, re.S)
    assert found, f"no section {name}"
    return found.group(1)


def test_a_note_returns_to_the_notes_with_the_message_there(officer_case):
    """Catches: the page reloading at the top with the message in the header, far from the form used."""
    client, _officer, case = officer_case
    url = f"/staff/cases/{case.id}"
    response = post_form(client, url, f"{url}/notes", {"body": "已联系平台运营方，等待回复。"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{url}#note")
    page = client.get(url, headers=EN).get_data(as_text=True)
    assert "备注已添加。" in section(page, "note")  # said in the language of the request that added it
    assert page.count("备注已添加。") == 1  # not repeated at the top of the page
    # The note's words are in the timeline, with who wrote it.
    assert "已联系平台运营方，等待回复。" in section(page, "timeline")


def test_a_form_error_is_shown_at_the_form_and_takes_the_focus(officer_case):
    """Catches: an error summary far down the page with the focus elsewhere (it looked like success)."""
    client, _officer, case = officer_case
    url = f"/staff/cases/{case.id}"
    response = post_form(client, url, f"{url}/messages", {"tip_id": str(case.tips[0].id), "body": "  "})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert page.count("autofocus") == 1
    message = section(page, "message")
    assert 'class="error-summary"' in message and "autofocus" in message


def test_a_refusal_by_a_rule_is_shown_at_the_form(officer_case, make_staff, staff_client):
    """Catches: a rule's refusal (403) flashed at the top of the page while the form, far below, looks untouched."""
    _client, _officer, case = officer_case
    outsider = make_staff("officer", "education", HAIDIAN)  # not a department of this new case
    client = staff_client(outsider)
    url = f"/staff/cases/{case.id}"
    response = post_form(client, url, f"{url}/messages", {"tip_id": str(case.tips[0].id), "body": "您好"})
    assert response.status_code == 403
    message = section(response.get_data(as_text=True), "message")
    assert 'class="error-summary"' in message and "autofocus" in message


def test_the_timeline_shows_a_reporters_answer_with_its_words(officer_case):
    """Catches: the timeline saying only "the reporter added information" without what they wrote."""
    client, _officer, case = officer_case
    tip = case.tips[1]
    add_to_tip(tip, "补充：广告在第二节课开始前出现。", [])
    db.session.commit()
    timeline = section(client.get(f"/staff/cases/{case.id}", headers=EN).get_data(as_text=True), "timeline")
    assert "补充：广告在第二节课开始前出现。" in timeline
    assert f"Reporter of report #{tip.id}" in timeline


def test_words_said_on_a_report_come_with_it_into_another_case(officer_case, file_tip, make_staff):
    """Catches: a reporter's answer vanishing from the timeline once their report is merged into another case."""
    from cases.operations import merge_cases

    client, _officer, case = officer_case
    tip = case.tips[0]
    add_to_tip(tip, "补充：广告每节课都会出现。", [])
    db.session.commit()
    other = db.session.get(Case, file_tip(case.platform, "page_surroundings").case_id)
    merge_cases(case, other, make_staff("supervisor"), "同一平台，合并办理。")
    db.session.commit()
    timeline = section(client.get(f"/staff/cases/{other.id}", headers=EN).get_data(as_text=True), "timeline")
    assert "补充：广告每节课都会出现。" in timeline
    assert f"The reporter of report #{tip.id} added information or answered." in timeline


def test_the_timeline_costs_the_same_few_queries_however_long_it_is(app, officer_case):
    """Catches: one query per reporter's addition (its files) or per person in the history."""
    from sqlalchemy import event

    from cases.timeline import case_timeline

    _client, _officer, case = officer_case

    def queries():
        db.session.expire_all()
        seen = []
        listen = lambda *args: seen.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listen)
        try:
            case_timeline(db.session.get(Case, case.id))
        finally:
            event.remove(db.engine, "before_cursor_execute", listen)
        return len(seen)

    add_to_tip(case.tips[0], "补充说明", [])
    db.session.commit()
    before = queries()
    for n in range(5):
        add_to_tip(case.tips[n % 2], f"补充说明 {n}", [])
        db.session.commit()
    assert queries() == before
