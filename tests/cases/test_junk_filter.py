"""The junk filter that learns: what it sets aside, what it lets through, and how decisions teach it."""

import math
import re

import pytest
from babel.numbers import format_percent
from sqlalchemy import func, select

from cases import operations
from cases.junk import SPAM_WORDS
from cases.junk_filter.learn import DECISION_WEIGHT, Example, estimators, retrain, starter_examples, train
from cases.junk_filter.models import JunkModel
from cases.junk_filter.quality import quality_this_month
from cases.junk_filter.score import Scorer, junk_verdict
from cases.junk_tray import tray_tips
from tests.cases.conftest import HAIDIAN, post_form
from tipline.extensions import db
from tipline.jobs.registry import handler_for
from tipline.jobs.schedule import PERIODIC_JOBS
from tipline.reports.models import Tip

# Written for this test, none of them in the starter set, and none using a word of the rules' list
# (SPAM_WORDS): only the filter can catch these adverts.
ADVERTS = [
    "一个月掉秤十五斤，喝的就是这款果蔬酵素，私信我发价格",
    "腰上的肉终于没了，每天一杯代餐，朋友都问我怎么做到的，想要的扫码",
    "身份证就能申请，最高额度十万，三分钟审核，利息一天只要几毛钱",
    "同城寂寞少妇在线聊天，今晚有空吗，点我头像",
    "真人视讯百家乐，充值立返百分之十，提款秒到账",
    "限制级手游，角色全解锁，深夜一个人玩的好选择",
    "Shed 20 pounds before summer with our keto drops, order today and save 40%",
    "Cash in your account in 15 minutes, any credit score accepted, apply now",
    "Single ladies in your city are waiting to chat, sign up for free tonight",
    "Free spins and a 300% deposit match for new players, withdraw anytime",
    "想要好身材？私人订制 meal plan，七天见效，DM 我",
    "Online 真人荷官 live dealer，新人首存翻倍，立即注册",
]
# Real reports, several about adverts of the very kinds above shown around lessons.
REPORTS = [
    "孩子上网课的时候，页面边上一直有借钱的广告，说学生身份证就能借，请查一下这个平台",
    "网课视频开头插了一个百家乐游戏的广告，我家孩子才上四年级",
    "直播课上老师推销代餐奶昔，让学生回家叫家长下单，这是给初中生上的数学课",
    "这个网校没有备案，老师也拿不出教师资格证，收了我们五千块学费",
    "课后练习页面弹出交友软件的广告，图片很暴露，孩子用它写作业",
    "My son's online math lessons show ads for a betting site before every video.",
    "The tutor in my daughter's live English class asked the kids to add him on a private chat app.",
    "This course app keeps popping up loan offers for students during the lessons.",
    "网课 app 里的单词游戏要先看一段手游广告，kids cannot skip it",
    "老师上课时间都在讲自己卖的减肥茶，我们交钱是来学英语的",
]


def test_adverts_in_plain_words_are_set_aside_and_reports_about_adverts_reach_the_queue(app, make_platform, file_tip):
    """Catches a filter that learnt nothing (every score 0.5 below the threshold, or above it), one that reads
    "advert" or "loan" as junk whatever the text says of lessons and children, and adverts passing for want of a
    listed word."""
    platform = make_platform(region_code=HAIDIAN)
    for text in ADVERTS:
        assert not SPAM_WORDS.search(text) or "课" in text  # the rules alone would let it through
        verdict = junk_verdict(text)
        assert verdict.is_junk(), (text, verdict)
    for text in REPORTS:
        verdict = junk_verdict(text)
        assert not verdict.is_junk(), (text, verdict)
    advert, report = file_tip(platform, description=ADVERTS[0]), file_tip(platform, description=REPORTS[0])
    assert advert.junk_status == "suspected" and advert.junk_reasons == ["model"] and advert.case_id is None
    assert advert.junk_score >= app.config["JUNK_MODEL_THRESHOLD"] and advert.junk_words
    assert report.junk_status == "" and report.case_id is not None and report.junk_score < 0.5
    assert db.session.get(Tip, advert.id).description == ADVERTS[0]  # set aside, never dropped


def test_the_scorer_gives_the_probabilities_scikit_learn_gives(app):
    """Catches scoring by hand that strays from the model trained: term frequency not sublinear, idf or the norm
    left out, the intercept forgotten, or the sign of the logistic function turned."""
    examples = starter_examples()
    vectorizer, classifier = estimators()
    matrix = vectorizer.fit_transform([e.text for e in examples])
    classifier.fit(matrix, [e.label for e in examples])
    scorer = Scorer(train(examples), None)
    texts = ADVERTS + REPORTS + ["直播课 直播课 直播课 老师", "", "？？？"]
    expected = classifier.predict_proba(vectorizer.transform(texts))[:, 1]
    for text, probability in zip(texts, expected, strict=True):
        assert math.isclose(scorer.verdict(text).score, probability, abs_tol=1e-4), text


def _tray(file_tip, platform, texts):
    """Tips the rules set aside (a word of the trade, nothing about lessons), whatever the filter says."""
    tips = [file_tip(platform, description=f"{text} 加微信") for text in texts]
    assert all("unrelated" in tip.junk_reasons for tip in tips)
    return tips


def test_decisions_change_the_next_version(app, make_platform, file_tip, make_staff):
    """Catches retraining that ignores the tray's decisions (or reads a release as junk): confirms of a new kind
    of advert make the next version score it higher, releases of a kind of report make it score them lower."""
    platform = make_platform(region_code=HAIDIAN)
    staff = make_staff("intake", "cyberspace", "110000")
    first = retrain()
    db.session.commit()
    assert first.decisions == 0 and first.starter_examples == len(starter_examples())
    essay = "代写毕业论文和课程作业，保证查重通过，价格公道"
    essay_before = junk_verdict(essay).score
    school_notice = "社区居委会通知：明天下午开居民会议，请准时参加"
    notice_before = junk_verdict(school_notice).score

    for tip in _tray(file_tip, platform, [f"代写论文第{n}篇，包过查重，价格公道" for n in range(4)]):
        operations.confirm_junk(tip, staff)
    for tip in _tray(file_tip, platform, [f"居委会通知第{n}条：请居民准时参加会议" for n in range(4)]):
        operations.release_junk(tip, staff)
    db.session.commit()
    app.config["JUNK_MODEL_CHECK_SECONDS"] = 0  # the next look finds the new version at once

    handler_for("junk.retrain")({})
    db.session.commit()
    second = db.session.scalars(select(JunkModel).order_by(JunkModel.id.desc())).first()
    assert second.id > first.id and second.decisions == 8
    assert junk_verdict(essay).version == second.id
    assert junk_verdict(essay).score > essay_before + 0.1
    assert junk_verdict(school_notice).score < notice_before - 0.1
    # Decided tips learnt from three times as much as a starter example.
    assert DECISION_WEIGHT > 1

    handler_for("junk.retrain")({})  # nothing decided since: no new version
    assert db.session.scalar(select(func.count()).select_from(JunkModel)) == 2
    assert PERIODIC_JOBS["junk.retrain"] == "JUNK_RETRAIN_MINUTES"


def test_training_is_reproducible():
    """Catches training that depends on the order of a set or on a random seed: the same examples twice give the
    very same numbers."""
    examples = starter_examples() + [Example("代写论文，包过查重", 1, DECISION_WEIGHT)]
    assert train(examples) == train(list(examples))


def test_the_tray_says_why_and_how_the_filter_did_this_month(app, make_platform, file_tip, make_staff, staff_client):
    """Catches a tray that shows a badge without the filter's score and words, and precision or recall counted
    the wrong way round (or from a later version's scores rather than what the filter said at intake)."""
    platform = make_platform(region_code=HAIDIAN)
    staff = make_staff("intake", "cyberspace", "110000")
    by_filter = [file_tip(platform, description=text) for text in ADVERTS[:3]]
    assert all(tip.junk_reasons == ["model"] for tip in by_filter)
    by_rules = [file_tip(platform, description=f"https://files.example/{n}.html") for n in range(2)]
    assert all(tip.junk_reasons == ["link_only"] for tip in by_rules)
    # Decisions: two of the filter's confirmed, one released; both of the rules' confirmed.
    operations.confirm_junk(by_filter[0], staff)
    operations.confirm_junk(by_filter[1], staff)
    operations.release_junk(by_filter[2], staff)
    for tip in by_rules:
        operations.confirm_junk(tip, staff)
    waiting = file_tip(platform, description=ADVERTS[6])
    db.session.commit()

    quality = quality_this_month(tray_tips(staff))
    assert (quality.decisions, quality.confirmed, quality.flagged, quality.caught) == (5, 4, 3, 2)
    assert quality.precision == pytest.approx(2 / 3) and quality.recall == pytest.approx(2 / 4)

    client = staff_client(staff)
    body = client.get("/staff/junk", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "66.7%" in body and "50%" in body
    card = re.search(rf'<article class="card" id="tip-{waiting.id}">(.*?)</article>', body, re.S).group(1)
    shown = format_percent(waiting.junk_score, "#,##0.#%", locale="en")
    assert f"{shown} likely junk." in card
    for word in waiting.junk_words:
        assert f"<q>{word}</q>" in card
    assert "reads it as an advert" in card
    # The decisions made through the page count as well.
    post_form(client, "/staff/junk", f"/staff/junk/{waiting.id}/confirm", {})
    db.session.expire_all()
    assert quality_this_month(tray_tips(staff)).caught == 3
