"""Intake whose cost does not grow with the case a tip joins, and tip-text search through an index."""

import pytest
from sqlalchemy import event, func, select, text

from cases.models import Case
from cases.operations import merge_cases, split_tips
from cases.priority import independent_reporters
from tests.cases.test_queue import listed
from tests.tipline.test_report import report_data
from tipline.extensions import db
from tipline.reports.models import Tip
from tipline.reports.search import search_terms


def reporters_by_brute_force(case_id):
    """What the kept figures must equal: counted from every tip of the case."""
    tips = db.session.scalars(select(Tip).where(Tip.case_id == case_id)).all()
    return len(tips), len({t.client_digest for t in tips}), any(t.organisation_id is not None for t in tips)


def verified_school():
    """A verified school in Haidian, whose tips weigh in the priority."""
    from tipline.organisations.service import create_organisation

    school = create_organisation(
        "海淀实验小学", "school", "110108", "office@school.example", "seven maple lanterns drift",
        credit_code="91350100M000100Y43", verified=True,
    )  # fmt: skip
    db.session.commit()
    return school


def kept(case_id):
    case = db.session.get(Case, case_id)
    db.session.refresh(case)
    return case.tip_count, independent_reporters(case), case.organisation_reported


def test_joining_a_case_reads_none_of_its_tips(make_platform, file_tip):
    # Bug caught: any step of intake that walks case.tips (priority, receipt count) again.
    platform = make_platform()
    first = file_tip(platform)
    for _ in range(12):
        file_tip(platform)
    db.session.expire_all()
    loaded = []
    listener = lambda target, context: loaded.append(target.id)  # noqa: E731
    event.listen(Tip, "load", listener)
    try:
        joined = file_tip(platform)
    finally:
        event.remove(Tip, "load", listener)
    assert joined.case_id == first.case_id
    assert loaded == []
    assert kept(first.case_id) == (14, 14, False) == reporters_by_brute_force(first.case_id)


def test_the_kept_reporter_figures_follow_tips_through_joins_merges_and_splits(make_platform, file_tip, make_staff):
    supervisor = make_staff("supervisor", "cyberspace", "100000")
    a_platform, b_platform = make_platform(), make_platform()
    # Texts far apart, so that one client's three tips are not taken for a flood.
    texts = iter(
        ["课间弹出游戏广告", "老师没有教师资格证", "录播课里出现低俗语言", "直播课推销网络游戏", "作业题里夹带广告链接"]
    )

    def tip(platform, client, **fields):
        return file_tip(platform, client=client, description=next(texts) + "，孩子无法专心学习。", **fields)

    a = [
        tip(a_platform, "192.0.2.1"),
        tip(a_platform, "192.0.2.1"),
        tip(a_platform, "192.0.2.2", reporter_type="school", organisation_id=verified_school().id),
    ]
    b = [tip(b_platform, "192.0.2.1"), tip(b_platform, "192.0.2.3")]
    a_case, b_case = a[0].case_id, b[0].case_id
    assert kept(a_case) == (3, 2, True) == reporters_by_brute_force(a_case)
    assert kept(b_case) == (2, 2, False) == reporters_by_brute_force(b_case)

    merge_cases(db.session.get(Case, a_case), db.session.get(Case, b_case), supervisor)
    db.session.commit()
    # 192.0.2.1 reported both: after the merge it still counts once.
    assert kept(b_case) == (5, 3, True) == reporters_by_brute_force(b_case)

    new = split_tips(db.session.get(Case, b_case), [a[2].id], supervisor, "ad_diversion")
    db.session.commit()
    assert kept(new.id) == (1, 1, True) == reporters_by_brute_force(new.id)
    assert kept(b_case) == (4, 2, False) == reporters_by_brute_force(b_case)
    assert ["organisation", 1] not in db.session.get(Case, b_case).priority_reasons


def test_a_receipt_counts_the_people_who_reported_the_case(make_platform, file_tip, client):
    platform = make_platform(name="星火学堂")
    for _ in range(3):
        file_tip(platform)
    form = report_data(client, platform_id=str(platform.id), platform_name=platform.name)
    assert client.post("/report", data=form).status_code == 303
    page = client.get("/report/receipt", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "(4 people so far)" in page


def test_search_terms_cut_chinese_into_characters_and_pairs_and_keep_latin_words():
    terms = search_terms("弹出游戏 Game-ADS, 第3次").split()
    assert sorted(terms) == sorted(["弹", "出", "游", "戏", "弹出", "出游", "游戏", "game", "ads", "第", "3", "次"])
    assert search_terms("") == "" and search_terms(None) == ""


@pytest.fixture
def worded(make_platform, file_tip):
    texts = {
        "game": "直播数学课弹出网络游戏广告，孩子被吸引去玩游戏。",
        "teacher": "The English teacher has no certificate and insults the pupils.",
        "vulgar": "录播课里出现低俗语言，不适合小学生。",
    }
    return {key: file_tip(make_platform(), description=body).case_id for key, body in texts.items()}


@pytest.mark.parametrize(
    "query, found",
    [
        ("游", {"game"}),  # one character
        ("游戏", {"game"}),  # two
        ("网络游戏广告", {"game"}),  # more, across word boundaries
        ("课", {"game", "vulgar"}),
        ("戏游", set()),  # both characters are there, not in that order
        ("网络 低俗", set()),  # every word in one tip
        ("cert", {"teacher"}),  # Latin words match from their start
        ("TEACHER insults", {"teacher"}),
        ("pupils.", {"teacher"}),
        ("%", set()),
    ],
)
@pytest.mark.parametrize("common", [False, True])
def test_tip_text_search_in_chinese_of_any_length_and_english(
    worded, make_staff, staff_client, monkeypatch, query, found, common
):
    # Both plans (rare words through the index, common words case by case) find the same cases.
    if common:
        monkeypatch.setattr("cases.queue.COMMON_WORDS_TIPS", 0)
    client = staff_client(make_staff("supervisor", "cyberspace", "100000"))
    assert set(listed(client, "q=" + query.replace("%", "%25").replace(" ", "+"))) == {worded[k] for k in found}


def test_postgresql_finds_tips_by_text_through_the_index(app, worded, make_staff, staff_client):
    # Bug caught: a query expression that no longer matches the index's, so every search scans every tip.
    from tipline.reports.search import text_matches

    if db.engine.dialect.name == "sqlite":  # no such index: the LIKE alone
        assert len(text_matches(Tip.description, Tip.search_terms, "游戏")) == 1
        return
    for word in ("游", "游戏", "网络游戏广告", "cert"):
        query = select(Tip.id).where(*text_matches(Tip.description, Tip.search_terms, word))
        compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(db.session.scalars(text(f"EXPLAIN {compiled}")))
        assert "ix_tip_search_terms" in plan, plan
    db.session.rollback()
    assert db.session.scalar(select(func.count(Tip.id))) == 3


def test_a_long_record_is_counted_up_to_a_cap(make_platform, file_tip, make_staff, monkeypatch):
    # Bug caught: counting every founded case of a big platform at each of its new tips.
    from cases import priority, states
    from cases.operations import change_state, close_case

    monkeypatch.setattr(priority, "HISTORY_SHOWN", 2)
    priority._history_statement.cache_clear()
    monkeypatch.setattr(priority, "_history_statement", priority._history_statement.__wrapped__)
    platform, officer = make_platform(), make_staff("supervisor")
    for category in ("game_ads", "vulgar", "teachers"):
        case = file_tip(platform, category).case
        for state in (states.TRIAGED, states.INVESTIGATING):
            change_state(case, state, officer)
        close_case(case, states.CLOSED_FOUNDED, officer, "经核查属实", confirmed=True)
        db.session.commit()
    assert ["history", "2+"] in file_tip(platform, "marketing").case.priority_reasons
    assert priority.reason_text(["history", "2+"]) == "The platform has 2+ founded case(s) before"
