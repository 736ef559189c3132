"""Handling a case together: triage, the state table, notes, tasks, messages, merge, split, contact details, junk."""

import pytest
from sqlalchemy import func, select

from cases import states
from cases.audit import AuditEntry
from cases.models import Case, CaseEvent
from cases.operations import NotAllowed, change_state, close_case, merge_cases, open_key, split_tips
from tests.cases.conftest import CHAOYANG, HAIDIAN, post_form
from tests.conftest import csrf_token
from tipline.extensions import db
from tipline.reports.models import Tip, TipEvent


def page(client, case_id):
    return client.get(f"/staff/cases/{case_id}", headers={"Accept-Language": "en"}).get_data(as_text=True)


def events(case_id):
    return db.session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)).all()


def audited(action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def track(app, tip):
    """A reporter's client, looked up with the tip's receipt code."""
    client = app.test_client()
    client.post("/track", data={"csrf_token": csrf_token(client, "/track"), "code": tip.receipt_code})
    return client


def test_state_table_is_complete():
    assert set(states.PUBLIC_STATUS) == set(states.STATES)
    assert set(states.DEADLINE_DAYS) == set(states.OPEN_STATES)
    for frm, to in states.TRANSITIONS:
        assert frm in states.STATES and to in states.STATES


def test_intake_officer_triages_and_assigns(make_platform, file_tip, make_staff, staff_client):
    tip = file_tip(make_platform(region_code=HAIDIAN), "teachers")
    intake = make_staff("intake", "cyberspace", "110000")
    officer = make_staff("officer", "education", HAIDIAN)
    client = staff_client(intake)
    response = post_form(
        client,
        f"/staff/cases/{tip.case_id}",
        f"/staff/cases/{tip.case_id}/triage",
        {
            "lead_department": "education",
            "co_department": "cyberspace",
            "assignee": str(officer.id),
            "reason": "教师问题",
        },
    )
    assert response.status_code == 302
    case = db.session.get(Case, tip.case_id)
    assert (case.state, case.lead_department, case.co_department, case.assignee_id) == (
        states.TRIAGED,
        "education",
        "cyberspace",
        officer.id,
    )
    assert events(case.id)[-3:] == ["rerouted", "assigned", "state_changed"]
    assert audited("case.state")[0].actor_id == intake.id
    assert case.deadline_at > case.state_changed_at


def test_an_officer_cannot_triage(make_platform, file_tip, make_staff, staff_client):
    tip = file_tip(make_platform(region_code=HAIDIAN))
    client = staff_client(make_staff("officer", "cyberspace", HAIDIAN))
    response = post_form(
        client,
        f"/staff/cases/{tip.case_id}",
        f"/staff/cases/{tip.case_id}/triage",
        {
            "lead_department": "cyberspace",
            "co_department": "",
            "assignee": "",
            "reason": "",
        },
    )
    assert response.status_code == 403
    assert db.session.get(Case, tip.case_id).state == states.NEW


def test_an_assignee_must_be_able_to_work_on_the_case(make_platform, file_tip, make_staff, staff_client):
    tip = file_tip(make_platform(region_code=HAIDIAN), "game_ads")
    sibling_officer = make_staff("officer", "cyberspace", "110105")
    client = staff_client(make_staff("supervisor", "cyberspace", HAIDIAN))
    response = post_form(
        client,
        f"/staff/cases/{tip.case_id}",
        f"/staff/cases/{tip.case_id}/assign",
        {"assignee": str(sibling_officer.id)},
    )
    assert response.status_code == 400
    assert db.session.get(Case, tip.case_id).assignee_id is None


def test_departments_limit_officers_but_not_supervisors(make_platform, file_tip, make_staff):
    tip = file_tip(make_platform(region_code=HAIDIAN), "game_ads")  # cyberspace leads, no co-handling
    case = tip.case
    change_state(case, states.TRIAGED, make_staff("intake"))
    with pytest.raises(NotAllowed):
        change_state(case, states.INVESTIGATING, make_staff("officer", "education"))
    change_state(case, states.INVESTIGATING, make_staff("officer", "cyberspace"))
    close_case(case, states.CLOSED_FOUNDED, make_staff("supervisor", "education"), "经核查", confirmed=True)
    assert case.state == states.CLOSED_FOUNDED and case.open_key is None
    with pytest.raises(NotAllowed):
        change_state(case, states.INVESTIGATING, make_staff("officer", "cyberspace"))  # reopening: supervisors


def test_other_department_adds_a_note_the_reporter_never_sees(app, make_platform, file_tip, make_staff, staff_client):
    tip = file_tip(make_platform(region_code=HAIDIAN), "game_ads")
    education = make_staff("officer", "education", HAIDIAN)
    client = staff_client(education)
    post_form(
        client,
        f"/staff/cases/{tip.case_id}",
        f"/staff/cases/{tip.case_id}/notes",
        {"body": "教育部门：该平台教师资质也需核查。"},
    )
    assert "该平台教师资质也需核查" in page(client, tip.case_id)
    reporter_page = track(app, tip).get("/track/tip").get_data(as_text=True)
    assert "该平台教师资质也需核查" not in reporter_page and education.email not in reporter_page


def test_tasks_for_either_department(make_platform, file_tip, make_staff, staff_client):
    tip = file_tip(make_platform(region_code=HAIDIAN), "game_ads")
    cyber, edu = make_staff("officer", "cyberspace"), make_staff("officer", "education")
    client = staff_client(cyber)
    post_form(
        client,
        f"/staff/cases/{tip.case_id}",
        f"/staff/cases/{tip.case_id}/tasks",
        {"department": "education", "title": "核查授课教师资格证", "due_on": "2030-01-01"},
    )
    case = db.session.get(Case, tip.case_id)
    task = case.tasks[0]
    refused = post_form(client, f"/staff/cases/{case.id}", f"/staff/cases/{case.id}/tasks/{task.id}/done", {})
    assert refused.status_code == 403  # only the department the task is for
    done = post_form(staff_client(edu), f"/staff/cases/{case.id}", f"/staff/cases/{case.id}/tasks/{task.id}/done", {})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Case, case.id).tasks[0].done_by_id == edu.id


def test_staff_message_reaches_the_reporter_and_the_answer_comes_back(
    app, make_platform, file_tip, make_staff, staff_client
):
    tip = file_tip(make_platform(region_code=HAIDIAN), "game_ads")
    client = staff_client(make_staff("officer", "cyberspace"))
    post_form(
        client,
        f"/staff/cases/{tip.case_id}",
        f"/staff/cases/{tip.case_id}/messages",
        {"tip_id": str(tip.id), "body": "请问广告出现在哪一节课？"},
    )
    reporter = track(app, tip)
    assert "请问广告出现在哪一节课？" in reporter.get("/track/tip").get_data(as_text=True)
    reporter.post(
        "/track/tip",
        data={"csrf_token": csrf_token(reporter, "/track/tip"), "text": "第三节数学课。"},
        content_type="multipart/form-data",
    )
    assert "reporter_added" in events(tip.case_id)
    assert "第三节数学课。" in page(client, tip.case_id)


def test_public_status_follows_the_case(app, make_platform, file_tip, make_staff):
    tip = file_tip(make_platform(region_code=HAIDIAN), "game_ads")
    reporter = track(app, tip)
    english = {"Accept-Language": "en"}
    assert "Received" in reporter.get("/track/tip", headers=english).get_data(as_text=True)
    supervisor = make_staff("supervisor")
    for to in (states.TRIAGED, states.INVESTIGATING):
        change_state(db.session.get(Case, tip.case_id), to, supervisor)
    db.session.commit()
    assert "Being handled" in reporter.get("/track/tip", headers=english).get_data(as_text=True)
    close_case(db.session.get(Case, tip.case_id), states.CLOSED_FOUNDED, supervisor, "经核查", confirmed=True)
    db.session.commit()
    body = reporter.get("/track/tip", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "已办结：查实" in body
    kinds = db.session.scalars(
        select(TipEvent.body).where(TipEvent.tip_id == tip.id, TipEvent.kind == "status_changed")
    )
    assert list(kinds) == ["being_handled", "closed_founded"]


def test_merge_keeps_every_tip_and_both_histories(make_platform, file_tip, make_staff, staff_client):
    platform = make_platform(region_code=HAIDIAN)
    a = file_tip(platform, "game_ads")
    b1, b2 = file_tip(platform, "page_surroundings"), file_tip(platform, "page_surroundings")
    source_id, target_id = b1.case_id, a.case_id
    client = staff_client(make_staff("supervisor"))
    response = post_form(
        client,
        f"/staff/cases/{source_id}",
        f"/staff/cases/{source_id}/merge",
        {"target_id": str(target_id), "reason": "同一弹窗广告"},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/staff/cases/{target_id}#timeline")
    source, target = db.session.get(Case, source_id), db.session.get(Case, target_id)
    assert source.state == states.CLOSED_MERGED and source.merged_into_id == target.id and not source.tips
    assert {t.id for t in target.tips} == {a.id, b1.id, b2.id}
    assert "merged_into" in events(source.id) and "merged_in" in events(target.id)
    assert db.session.scalars(select(TipEvent.kind).where(TipEvent.tip_id == b1.id)).all().count("merged") == 1
    # The merged case's platform and problem are free again: a new tip opens a new case.
    assert file_tip(platform, "page_surroundings").case_id not in (source.id, target.id)


def test_merge_refusals(make_platform, file_tip, make_staff):
    platform = make_platform(region_code=HAIDIAN)
    a, b = file_tip(platform, "game_ads"), file_tip(platform, "vulgar")
    supervisor = make_staff("supervisor")
    with pytest.raises(Exception, match="itself"):
        merge_cases(a.case, a.case, supervisor)
    close_case(b.case, states.CLOSED_UNFOUNDED, supervisor, "经核查", confirmed=True)
    with pytest.raises(Exception, match="open case"):
        merge_cases(a.case, b.case, supervisor)


def test_split_moves_chosen_tips_to_a_new_case(make_platform, file_tip, make_staff, staff_client):
    platform = make_platform(region_code=HAIDIAN)
    tips = [file_tip(platform, "game_ads") for _ in range(3)]
    client = staff_client(make_staff("officer", "cyberspace"))
    response = post_form(
        client,
        f"/staff/cases/{tips[0].case_id}",
        f"/staff/cases/{tips[0].case_id}/split",
        {"tip_ids": str(tips[2].id), "category": "page_surroundings", "reason": "这位家长说的是弹窗"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    new_case = db.session.get(Tip, tips[2].id).case
    assert new_case.id != tips[0].case_id and [t.id for t in new_case.tips] == [tips[2].id]
    assert new_case.category == "page_surroundings"
    assert new_case.open_key == open_key(platform.id, "", "page_surroundings")  # it is the one open case for it
    assert "split_out" in events(tips[0].case_id) and "split_from" in events(new_case.id)
    with pytest.raises(Exception, match="at least one"):
        split_tips(
            db.session.get(Case, tips[0].case_id), [tips[0].id, tips[1].id], make_staff("supervisor"), "teachers"
        )


def test_a_split_joins_the_open_case_for_its_problem_and_keeps_one_per_problem(make_platform, file_tip, make_staff):
    """Catches: a split making a second open case on the same platform and problem (the parent's
    category copied, or a new case beside the open one), and a reporter's status going back unexplained."""
    platform = make_platform(region_code=HAIDIAN)
    ads = [file_tip(platform, "game_ads") for _ in range(3)]
    popups = file_tip(platform, "page_surroundings")
    supervisor = make_staff("supervisor")
    ads_case = db.session.get(Case, ads[0].case_id)
    change_state(ads_case, states.TRIAGED, supervisor)
    db.session.commit()
    with pytest.raises(Exception, match="one open case for this platform and problem"):
        split_tips(ads_case, [ads[2].id], supervisor, "game_ads")
    joined = split_tips(ads_case, [ads[2].id], supervisor, "page_surroundings")
    db.session.commit()
    assert joined.id == popups.case_id  # the open case for pop-ups, not a new one
    assert sorted(t.id for t in joined.tips) == sorted([popups.id, ads[2].id])
    open_per_problem = db.session.execute(
        select(Case.category, func.count())
        .where(Case.platform_id == platform.id, Case.open_key.is_not(None))
        .group_by(Case.category)
    ).all()
    assert sorted(open_per_problem) == [("game_ads", 1), ("page_surroundings", 1)]
    moved = db.session.get(Tip, ads[2].id)
    kinds = [e.kind for e in moved.events]
    assert kinds[-2:] == ["merged", "status_changed"]  # being handled -> received, with the reason first


def test_contact_details_only_for_staff_working_the_case_and_audited(
    app, make_platform, file_tip, make_staff, staff_client
):
    tip = file_tip(make_platform(region_code=HAIDIAN), "game_ads", contact={"email": "parent@example.com"})
    anonymous = file_tip(make_platform(region_code=HAIDIAN), "game_ads")
    officer, intake = make_staff("officer", "cyberspace"), make_staff("intake", "cyberspace")
    officer_client = staff_client(officer)
    assert "parent@example.com" not in page(officer_client, tip.case_id)
    shown = post_form(officer_client, f"/staff/cases/{tip.case_id}", f"/staff/tips/{tip.id}/contact", {})
    assert shown.status_code == 200 and "parent@example.com" in shown.get_data(as_text=True)
    assert shown.headers["Cache-Control"] == "no-store"
    entry = audited("tip.contact_viewed")[0]
    assert (entry.actor_id, entry.target_id) == (officer.id, tip.id)
    refused = post_form(staff_client(intake), f"/staff/cases/{tip.case_id}", f"/staff/tips/{tip.id}/contact", {})
    assert refused.status_code == 403 and "parent@example.com" not in refused.get_data(as_text=True)
    assert len(audited("tip.contact_viewed")) == 1
    assert f"/staff/tips/{tip.id}/contact" in page(officer_client, tip.case_id)
    assert f"/staff/tips/{anonymous.id}/contact" not in page(officer_client, anonymous.case_id)


def test_junk_tray_confirm_and_release(app, make_platform, file_tip, make_staff, staff_client):
    platform = make_platform(region_code=HAIDIAN)
    junk, genuine = (
        file_tip(platform, description="https://spam.example/a"),
        file_tip(platform, description="https://spam.example/b"),
    )
    client = staff_client(make_staff("intake", "cyberspace", "110000"))
    tray = client.get("/staff/junk").get_data(as_text=True)
    assert f'id="tip-{junk.id}"' in tray and f'id="tip-{genuine.id}"' in tray
    post_form(client, "/staff/junk", f"/staff/junk/{junk.id}/confirm", {})
    post_form(client, "/staff/junk", f"/staff/junk/{genuine.id}/release", {})
    db.session.expire_all()
    assert db.session.get(Tip, junk.id).junk_status == "confirmed" and db.session.get(Tip, junk.id).case_id is None
    assert db.session.get(Tip, genuine.id).case_id is not None
    assert f'id="tip-{junk.id}"' not in client.get("/staff/junk").get_data(as_text=True)
    body = track(app, junk).get("/track/tip", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Closed: unfounded" in body
    assert {e.action for e in db.session.scalars(select(AuditEntry))} >= {"tip.junk_confirmed", "tip.junk_released"}


def test_bad_input_on_the_case_page_is_a_4xx_that_keeps_the_text(make_platform, file_tip, make_staff, staff_client):
    tip = file_tip(make_platform(region_code=HAIDIAN), "game_ads")
    client = staff_client(make_staff("officer", "cyberspace"))
    cases = [
        ("notes", {"body": ""}),
        ("notes", {"body": "坏字符\x00"}),
        ("tasks", {"department": "police", "title": "保留这段任务文字"}),
        ("messages", {"tip_id": "999999", "body": "保留这段消息文字"}),
        ("merge", {"target_id": "abc", "reason": "保留这段合并理由"}),
        ("merge", {"target_id": "999999999", "reason": "保留这段合并理由"}),
        ("state", {"to_state": "no-such-state", "reason": "保留这段理由"}),
        ("split", {"tip_ids": "abc", "reason": "保留这段拆分理由"}),
    ]
    for action, data in cases:
        response = post_form(client, f"/staff/cases/{tip.case_id}", f"/staff/cases/{tip.case_id}/{action}", data)
        assert 400 <= response.status_code < 500, (action, data)
        for value in data.values():
            if "保留" in value:
                assert value in response.get_data(as_text=True), (action, value)


def test_kept_aside_junk_can_be_seen_and_released_later(make_platform, file_tip, make_staff, staff_client):
    junk = file_tip(make_platform(region_code=HAIDIAN), description="https://spam.example/x")
    client = staff_client(make_staff("intake", "cyberspace", "110000"))
    post_form(client, "/staff/junk", f"/staff/junk/{junk.id}/confirm", {})
    assert f'id="tip-{junk.id}"' in client.get("/staff/junk?show=confirmed").get_data(as_text=True)
    released = post_form(client, "/staff/junk?show=confirmed", f"/staff/junk/{junk.id}/release", {})
    assert released.status_code == 302
    db.session.expire_all()
    assert db.session.get(Tip, junk.id).case_id is not None


def test_junk_tray_pages(app, make_platform, file_tip, make_staff, staff_client):
    from cases.junk_tray import TRAY_PAGE

    platform = make_platform(region_code=HAIDIAN)
    tips = [file_tip(platform, description=f"https://spam{i}.example") for i in range(TRAY_PAGE + 3)]
    client = staff_client(make_staff("intake", "cyberspace", "110000"))
    first = client.get("/staff/junk").get_data(as_text=True)
    assert first.count('class="card"') == TRAY_PAGE and f'id="tip-{tips[0].id}"' in first
    second = client.get(f"/staff/junk?before={tips[TRAY_PAGE - 1].id}").get_data(as_text=True)
    assert second.count('class="card"') == 3 and f'id="tip-{tips[-1].id}"' in second
    assert client.get("/staff/junk?before=99999999999").status_code == 200


def test_merge_offers_the_other_open_cases_on_the_platform(make_platform, file_tip, make_staff, staff_client):
    """Catches: merging only by typing a number (a caseworker must look the other case up first)."""
    platform = make_platform(region_code=HAIDIAN)
    ads, popups = file_tip(platform, "game_ads"), file_tip(platform, "page_surroundings")
    elsewhere = file_tip(make_platform(region_code=HAIDIAN), "game_ads")
    source, target = popups.case_id, ads.case_id
    client = staff_client(make_staff("supervisor"))
    page = client.get(f"/staff/cases/{popups.case_id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f'value="{ads.case_id}"' in page and "Online game advertising · 1 report" in page
    assert f'name="merge-target_choice" type="radio" value="{elsewhere.case_id}"' not in page
    nothing = post_form(
        client, f"/staff/cases/{popups.case_id}", f"/staff/cases/{popups.case_id}/merge", {"reason": "同一问题"}
    )
    assert nothing.status_code == 400
    merged = post_form(
        client,
        f"/staff/cases/{popups.case_id}",
        f"/staff/cases/{popups.case_id}/merge",
        {"target_choice": str(ads.case_id), "reason": "弹窗就是游戏广告"},
    )
    assert merged.status_code == 302
    db.session.expire_all()
    assert db.session.get(Case, source).merged_into_id == target


def test_the_timeline_names_who_was_assigned(make_platform, file_tip, make_staff, staff_client):
    """Catches: "Assignment changed." with no word of who now holds the case."""
    from cases.operations import assign

    tip = file_tip(make_platform(region_code=HAIDIAN), "game_ads")
    officer, supervisor = make_staff("officer", "cyberspace"), make_staff("supervisor")
    assign(db.session.get(Case, tip.case_id), supervisor, officer)
    db.session.commit()
    page = staff_client(supervisor).get(f"/staff/cases/{tip.case_id}", headers={"Accept-Language": "en"})
    assert f"Assigned to {officer.display_name} (Cyberspace department)." in page.get_data(as_text=True)


def test_assigning_the_co_departments_officer_asks_for_confirmation(make_platform, file_tip, make_staff, staff_client):
    """Catches: the other department's officer made case officer by a slip of the list, unasked."""
    tip = file_tip(make_platform(region_code=HAIDIAN), "unfiled")  # education leads, cyberspace co-handles
    case = db.session.get(Case, tip.case_id)
    assert (case.lead_department, case.co_department) == ("education", "cyberspace")
    cyber, education = make_staff("officer", "cyberspace"), make_staff("officer", "education")
    client = staff_client(make_staff("supervisor"))
    page = f"/staff/cases/{case.id}"
    asked = post_form(client, page, f"{page}/assign", {"assignee": str(cyber.id)})
    assert asked.status_code == 400 and "属于协办部门而非主办部门" in asked.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Case, case.id).assignee_id is None
    assert post_form(client, page, f"{page}/assign", {"assignee": str(education.id)}).status_code == 302
    confirmed = post_form(client, page, f"{page}/assign", {"assignee": str(cyber.id), "confirmed": "y"})
    assert confirmed.status_code == 302
    db.session.expire_all()
    assert db.session.get(Case, case.id).assignee_id == cyber.id


def test_someone_who_cannot_take_the_case_is_refused_before_any_confirmation(make_platform, file_tip, make_staff):
    """Catches: a confirmation asked for a person outside the case's region, then a refusal once confirmed."""
    from cases.operations import CaseError, NeedsConfirmation, assign

    tip = file_tip(make_platform(region_code=HAIDIAN), "unfiled")  # education leads, cyberspace co-handles
    elsewhere = make_staff("officer", "cyberspace", CHAOYANG)
    with pytest.raises(CaseError) as refused:
        assign(db.session.get(Case, tip.case_id), make_staff("supervisor"), elsewhere)
    assert not isinstance(refused.value, NeedsConfirmation)
