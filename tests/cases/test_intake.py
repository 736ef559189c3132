"""Find together on intake, the junk tray, routing and the priority rule."""

import pytest
from sqlalchemy import func, select

from cases import states
from cases.junk import detect_junk
from cases.models import Case
from cases.operations import change_state, close_case
from cases.priority import compute_priority, independent_reporters
from cases.routing import NATIONAL, route_case
from tests.cases.conftest import HAIDIAN
from tipline.catalog import CATEGORIES, CATEGORY_DEPARTMENTS
from tipline.extensions import db
from tipline.organisations.service import create_organisation
from tipline.reports.models import Tip


def case_count():
    return db.session.scalar(select(func.count(Case.id)))


def test_two_tips_on_one_platform_and_problem_share_a_case(make_platform, file_tip):
    platform = make_platform()
    first, second = file_tip(platform), file_tip(platform)
    assert first.case_id == second.case_id
    case = db.session.get(Case, first.case_id)
    assert [t.id for t in case.tips] == [first.id, second.id]
    assert [e.kind for e in case.events][:2] == ["created", "tip_joined"]


def test_another_problem_or_platform_opens_another_case(make_platform, file_tip):
    a, b = make_platform(), make_platform()
    tips = [file_tip(a, "game_ads"), file_tip(a, "teachers"), file_tip(b, "game_ads")]
    assert len({t.case_id for t in tips}) == 3


def test_unregistered_platforms_are_found_together_by_name(file_tip):
    first = file_tip(None, platform_name="Happy  Study App")
    second = file_tip(None, platform_name="happy study app")
    assert first.case_id == second.case_id
    assert first.case.region_code == NATIONAL


def test_a_closed_case_is_not_joined(make_platform, file_tip, make_staff):
    platform = make_platform()
    first = file_tip(platform)
    close_case(first.case, states.CLOSED_UNFOUNDED, make_staff("intake"), "经核查", confirmed=True)
    db.session.commit()
    second = file_tip(platform)
    assert second.case_id != first.case_id and second.case.state == states.NEW


@pytest.mark.parametrize(
    "text, reason",
    [
        ("   ", "empty"),
        ("！！！", "empty"),
        ("https://spam.example/buy-now", "link_only"),
        ("Best fitness deal! Gym membership 50% off at https://fit.example", "unrelated"),
        ("低息贷款，当天到账，加微信", "unrelated"),
    ],
)
def test_junk_is_set_aside_not_dropped(make_platform, file_tip, text, reason):
    tip = file_tip(make_platform(), description=text)
    assert tip.junk_status == "suspected" and reason in tip.junk_reasons
    assert tip.case_id is None
    assert db.session.get(Tip, tip.id) is not None


def test_genuine_texts_are_not_junk(make_platform, file_tip):
    texts = [
        "孩子上数学课时弹出健身广告，老师也不管。",  # spam word, but about lessons
        "The teacher in the live English class shouts at the children.",
        "课程里有暴力画面",
        "老师骂学生",  # five characters say enough in Chinese
        "The app keeps updating itself and shows adult pop-ups during class.",  # "dating" inside a word
    ]
    for text in texts:
        tip = file_tip(make_platform(), description=text)
        assert tip.junk_status == "" and tip.case_id is not None, text


def test_floods_from_one_client_go_to_the_tray(make_platform, file_tip):
    platform = make_platform()
    text = "这个平台有问题，孩子看到了不良广告，请处理！！"
    tips = [file_tip(platform, description=text + "!" * i, client="203.0.113.9") for i in range(4)]
    assert [t.junk_status for t in tips] == ["", "", "suspected", "suspected"]
    assert "flood" in tips[3].junk_reasons
    # Another client writing the same is not a flood.
    assert file_tip(platform, description=text, client="203.0.113.10").junk_status == ""


@pytest.mark.parametrize("category", sorted(CATEGORIES))
def test_routing_follows_the_category_table(make_platform, category):
    platform = make_platform(region_code=HAIDIAN)
    region, lead, co = route_case(platform, category)
    assert region == HAIDIAN
    assert (lead, co) == CATEGORY_DEPARTMENTS[category]


def test_routing_examples_from_the_spec():
    assert route_case(None, "page_surroundings") == (NATIONAL, "cyberspace", None)
    assert route_case(None, "teachers") == (NATIONAL, "education", None)
    assert route_case(None, "unfiled")[1:] == ("education", "cyberspace")


def test_priority_rises_with_severity_reporters_organisations_and_history(make_platform, file_tip, make_staff):
    platform = make_platform()
    mild = file_tip(platform, "marketing")
    assert mild.case.priority == 4 and mild.case.priority_reasons == [["severity", 1]]
    severe = file_tip(platform, "vulgar")
    assert severe.case.priority == 2
    for _ in range(2):
        file_tip(platform, "vulgar")
    case = db.session.get(Case, severe.case_id)
    assert independent_reporters(case) == 3
    assert case.priority == 2 and ["reporters", 3] in case.priority_reasons
    # Saying "parent committee" on the public form weighs nothing: anyone can say it.
    file_tip(platform, "vulgar", reporter_type="parent_committee")
    case = db.session.get(Case, severe.case_id)
    assert case.priority == 2 and ["organisation", 1] not in case.priority_reasons
    committee = create_organisation(
        "实验小学家长委员会", "parent_committee", platform.region_code, "jwh@school.example",
        "seven maple lanterns drift", school_name="实验小学", verified=True,
    )  # fmt: skip
    file_tip(platform, "vulgar", reporter_type="parent_committee", organisation_id=committee.id)
    case = db.session.get(Case, severe.case_id)
    assert case.priority == 1 and ["organisation", 1] in case.priority_reasons


def test_same_client_counts_once(make_platform, file_tip):
    platform = make_platform()
    tips = [
        file_tip(platform, "game_ads", description=f"第{i}次：弹窗游戏广告打断了孩子的直播课。", client="192.0.2.1")
        for i in range(2)
    ]
    assert independent_reporters(tips[0].case) == 1


def test_platform_history_counts(make_platform, file_tip, make_staff):
    platform = make_platform()
    officer = make_staff("supervisor")
    old = file_tip(platform, "game_ads")
    change_state(old.case, states.TRIAGED, officer)
    change_state(old.case, states.INVESTIGATING, officer)
    close_case(old.case, states.CLOSED_FOUNDED, officer, "经核查", confirmed=True)
    db.session.commit()
    new = file_tip(platform, "game_ads")
    priority, reasons = compute_priority(new.case)
    assert ["history", 1] in reasons and priority == 2


def test_junk_detection_is_a_plain_function(make_platform):
    tip = Tip(description="https://x.example", client_digest="d", platform_name="p")
    assert detect_junk(tip) == ["link_only"]


def test_one_open_case_per_platform_and_problem_is_enforced_by_the_database(make_platform, file_tip):
    tip = file_tip(make_platform())
    clone = Case(
        platform_id=tip.case.platform_id,
        platform_name="x",
        category=tip.category,
        region_code=HAIDIAN,
        lead_department="cyberspace",
        priority=3,
        open_key=tip.case.open_key,
    )
    db.session.add(clone)
    with pytest.raises(Exception, match="(?i)unique"):
        db.session.flush()
    db.session.rollback()
    assert case_count() == 1


def _wait_for_a_blocked_insert(backend):
    """Return once another transaction waits for a lock (PostgreSQL), or after a moment (SQLite).

    On PostgreSQL the second tip's INSERT of the case waits on the unique open_key that the
    first, uncommitted transaction holds; SQLite instead makes the second writer wait for the
    first one's whole transaction (its database-wide write lock).
    """
    import time

    from sqlalchemy import text

    if backend != "postgresql":
        time.sleep(0.5)
        return
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        " AND query LIKE 'INSERT INTO case_record %'"
    )
    for _ in range(200):
        with db.engine.connect() as conn:
            if conn.scalar(query):
                return
        time.sleep(0.05)
    raise AssertionError("the second tip never waited on the unique key of the first one's case")


def test_two_tips_racing_to_open_a_case_end_up_in_one(app, backend, make_platform):
    """Catches _open_case raising when it loses the race for the unique open_key instead of joining the winner.

    The first tip opens the case and holds its transaction open after the flush; the second,
    not seeing that case yet, inserts its own and waits on the unique key; then the first commits.
    """
    import threading

    from tipline.reports.service import TipSubmission, submit_tip

    platform_id = make_platform().id
    # Whatever the first tip of a day sets up (the day's client key) is committed before the race.
    submit_tip(
        TipSubmission(
            platform_name="另一个网课App",
            category="teachers",
            location="live",
            description="老师在直播课上骂学生。",
            reporter_type="parent",
            locale="zh",
            client="198.51.100.200",
        ),
        [],
    )
    db.session.commit()
    db.session.close()
    opened, go_on = threading.Event(), threading.Event()
    filed, errors = {}, []

    def submit(name, hold):
        with app.app_context():
            try:
                tip, _ = submit_tip(
                    TipSubmission(
                        platform_id=platform_id,
                        platform_name="",
                        category="game_ads",
                        location="popup",
                        description=f"{name}：孩子上直播课时弹出游戏广告。",
                        reporter_type="parent",
                        locale="zh",
                        client=f"198.51.100.{len(name)}",
                    ),
                    [],
                )
                if hold:
                    opened.set()
                    assert go_on.wait(30)
                db.session.commit()
                filed[name] = (tip.id, tip.case_id)
            except Exception as exc:  # reported below, with the other thread's outcome
                errors.append(repr(exc))
                db.session.rollback()
            finally:
                opened.set()
                db.session.remove()

    first = threading.Thread(target=submit, args=("first", True))
    first.start()
    assert opened.wait(30)
    second = threading.Thread(target=submit, args=("second tip", False))
    second.start()
    _wait_for_a_blocked_insert(backend)
    go_on.set()
    first.join(60)
    second.join(60)
    assert errors == []
    assert filed["first"][1] == filed["second tip"][1] is not None
    case = db.session.get(Case, filed["first"][1])
    assert case_count() == 2  # this one and the warm-up tip's
    assert sorted(t.id for t in case.tips) == sorted(tip_id for tip_id, _ in filed.values())
    assert sorted(e.kind for e in case.events) == ["created", "tip_joined"]
