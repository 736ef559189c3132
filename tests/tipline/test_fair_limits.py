"""Fair limits from both sides: a school behind one address gets through; a script is slowed."""

import html
import itertools
import re
import secrets
import threading
import time

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token
from tests.tipline.test_report import CODE, report_data, tip_count
from tipline import fairness
from tipline.extensions import db
from tipline.reports.models import Tip
from tipline.reports.receipt import new_receipt_code

# What fifty parents at one school write, each in her own words (no two near-identical).
CLAUSES = [
    "数学直播课讲到一半弹出射击游戏广告",
    "页面右边一直闪着抽卡手游的横幅",
    "每隔几分钟跳出充值送皮肤的弹窗",
    "回放开头放了三十秒游戏视频",
    "答疑区有人发游戏代练链接",
    "老师让孩子下载一个游戏化学习应用",
    "关闭按钮很小孩子总是误点进游戏",
    "英语课的课间休息时间推送游戏礼包",
    "作业页面底部嵌着网页小游戏",
    "课程群里机器人每天推送游戏活动",
    "直播间弹幕里出现游戏推广口令",
    "孩子说同学都在课上偷偷玩里面的游戏",
]
PARENTS_WRITE = ["，".join(clauses) + "。" for clauses in itertools.combinations(CLAUSES, 3)][::4][:50]
STAMP = re.compile(r'name="stamp" value="([^"]*)" data-stamp-bits="(\d+)"')


def form_stamp(client, page):
    """The stamp a form page carries and the bits of work it asks, as the browser reads them."""
    found = STAMP.search(client.get(page).get_data(as_text=True))
    return html.unescape(found.group(1)), int(found.group(2))


def solve(token, bits):
    """What static/js/stamp.js computes: the first counter giving `bits` leading zero bits."""
    return next(str(n) for n in itertools.count() if fairness.work_done(token, n) >= bits)


def as_a_browser(client, page, data):
    """Send a form as a browser with JavaScript does: the work asked done first."""
    token, bits = form_stamp(client, page)
    return client.post(page, data={**data, "stamp": token, "stamp_work": solve(token, bits) if bits else ""})


@pytest.fixture
def client_factory(app):
    """New browsers, all behind the test client's one address."""
    return app.test_client


def wrong_code(client, **stamp):
    return client.post("/track", data={"csrf_token": csrf_token(client, "/track"), "code": new_receipt_code(), **stamp})


@pytest.mark.parametrize(
    "count, level, bits, wait",
    [
        (0, 0, 0, 0),
        (29, 0, 0, 0),
        (30, 1, 14, 10),
        (59, 1, 14, 10),
        (60, 2, 16, 20),
        (120, 3, 18, 40),
        (10**6, 4, 20, 60),
    ],
)
def test_the_work_asked_doubles_with_each_doubling_past_the_allowance(count, level, bits, wait):
    """Catches: work asked below the free allowance, or not growing (or growing without bound) past it."""
    assert fairness.demand_for(count, 30) == fairness.Demand(level, bits, wait)


def test_fifty_honest_reporters_behind_one_address_all_report_and_follow(app, client_factory):
    """Catches: per-address caps that lock a school out (30 reports an hour; 10 look-ups in 10 minutes,
    correct ones counted), and a stamp that a browser computing what the page asks cannot pass."""
    codes = []
    for pupil, text in enumerate(PARENTS_WRITE):
        parent = client_factory()  # her own phone and cookies, the school's one address
        response = as_a_browser(parent, "/report", report_data(parent, description=text))
        assert response.status_code == 303, (pupil, response.status_code)
        receipt = parent.get("/report/receipt").get_data(as_text=True)
        codes.append((parent, CODE.search(receipt).group(1).replace("<wbr>", "")))
    assert tip_count() == 50
    assert db.session.scalar(select(Tip).where(Tip.junk_status == "suspected")) is None
    for parent, code in codes:
        for _ in range(3):  # each checks her report a few times the same day
            response = as_a_browser(parent, "/track", {"csrf_token": csrf_token(parent, "/track"), "code": code})
            assert response.status_code == 302, response.status_code
        assert parent.get("/track/tip").status_code == 200
    assert form_stamp(client_factory(), "/track")[1] == 0  # 150 correct look-ups asked no work of anyone


def test_a_script_guessing_codes_is_slowed_and_a_parent_behind_it_still_gets_in(client, client_factory, tip_and_code):
    """Catches: wrong codes costing nothing however many, or correct look-ups refused outright."""
    for _ in range(10):  # the free allowance of wrong codes
        assert wrong_code(client).status_code == 404
    refused = wrong_code(client)
    assert refused.status_code == 429 and "本次未提交" in refused.get_data(as_text=True)
    token, bits = form_stamp(client, "/track")
    assert bits == 14
    answered = wrong_code(client, stamp=token, stamp_work=solve(token, bits))
    assert answered.status_code == 404
    assert wrong_code(client, stamp=token, stamp_work=solve(token, bits)).status_code == 429  # spent
    # The wrong code's page comes back with a fresh stamp: the next try with its work goes through.
    fresh, bits = STAMP.search(answered.get_data(as_text=True)).groups()
    fresh = html.unescape(fresh)
    assert fresh != token
    assert wrong_code(client, stamp=fresh, stamp_work=solve(fresh, int(bits))).status_code == 404
    for _ in range(8):
        token, bits = form_stamp(client, "/track")
        assert wrong_code(client, stamp=token, stamp_work=solve(token, bits)).status_code == 404
    assert form_stamp(client, "/track")[1] == 16  # twice the wrong codes: four times the work

    parent = client_factory()  # behind the same address, with her correct code
    response = as_a_browser(parent, "/track", {"csrf_token": csrf_token(parent, "/track"), "code": tip_and_code[1]})
    assert response.status_code == 302


def test_without_javascript_a_short_wait_stands_in_for_the_work(app, client):
    """Catches: a browser without JavaScript locked out once work is asked, or the wait not enforced."""
    for _ in range(10):
        wrong_code(client)
    token, _bits = form_stamp(client, "/track")
    assert wrong_code(client, stamp=token).status_code == 429  # sent at once: too early
    with app.test_request_context():
        claims = fairness._serializer().loads(token)
        aged = fairness._serializer().dumps({**claims, "t": int(time.time()) - 11})
        forged = aged[:-2] + ("AA" if not aged.endswith("AA") else "BB")
    assert wrong_code(client, stamp=forged).status_code == 429  # not ours
    assert wrong_code(client, stamp=aged).status_code == 404  # waited 10 seconds: looked up

    def waited_out():
        with app.test_request_context():
            return fairness._serializer().dumps({**claims, "n": secrets.token_hex(12), "t": int(time.time()) - 61})

    # Stamps collected in advance and only waited out buy the allowance, not more.
    assert [wrong_code(client, stamp=waited_out()).status_code for _ in range(9)] == [404] * 9
    refused = wrong_code(client, stamp=waited_out())
    assert refused.status_code == 429 and "未启用 JavaScript" in refused.get_data(as_text=True)
    token, bits = form_stamp(client, "/track")
    assert wrong_code(client, stamp=token, stamp_work=solve(token, bits)).status_code == 404  # work still does


def test_a_burst_of_parallel_guesses_gets_no_more_than_the_allowance(app):
    """Catches: reading the count and adding to it in two steps (a burst all passes at the free level)."""
    guessers = [app.test_client() for _ in range(20)]
    forms = [{"csrf_token": csrf_token(c, "/track"), "code": new_receipt_code()} for c in guessers]
    statuses, start = [], threading.Barrier(len(guessers))

    def guess(client, data):
        start.wait()
        statuses.append(client.post("/track", data=data).status_code)

    threads = [threading.Thread(target=guess, args=pair) for pair in zip(guessers, forms, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [404] * 10 + [429] * 10


def test_a_flood_of_near_identical_reports_is_set_aside_and_slowed(client):
    """Catches: a flood stored as genuine tips, or a flood costing no more than honest reports."""
    flood = report_data(client, description="这个平台很差劲，大家快来举报，这个平台很差劲！")
    statuses = []
    for _ in range(6):
        flood["csrf_token"] = csrf_token(client, "/report")
        statuses.append(client.post("/report", data=flood).status_code)
    # Two pass as they would for anyone; then each flood tip counts tenfold, and the sixth needs work.
    assert statuses == [303, 303, 303, 303, 303, 429]
    tips = db.session.scalars(select(Tip).order_by(Tip.id)).all()
    assert len(tips) == 5
    assert [t.junk_status for t in tips][2:] == ["suspected"] * 3
    assert all("flood" in t.junk_reasons for t in tips[2:])
    flood["csrf_token"] = csrf_token(client, "/report")
    assert as_a_browser(client, "/report", flood).status_code == 303  # slowed, not silenced
    assert tip_count() == 6
