"""Same evidence, same link, text alike: what the background matching finds and what the case page offers."""

import io
import random
import re

from PIL import Image, ImageDraw
from sqlalchemy import func, select

from cases import operations, states
from cases.matching.models import EVIDENCE, FILE, LINK, TEXT, TipMatch
from cases.models import Case
from tests.cases.conftest import HAIDIAN, post_form
from tipline.evidence import hashes
from tipline.evidence.files import accept_upload
from tipline.evidence.models import ImageHash
from tipline.extensions import db
from tipline.jobs.registry import handler_for
from tipline.jobs.schedule import PERIODIC_JOBS
from tipline.reports.models import Tip
from tipline.reports.service import TipSubmission, submit_tip

EN = {"Accept-Language": "en"}


def scene(seed, size=(800, 600)):
    """A screenshot-like picture: blocks, discs and captions placed at random (the same seed, the same picture)."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        box = [x, y, x + rng.randrange(20, 300), y + rng.randrange(20, 200)]
        rng.choice([draw.rectangle, draw.ellipse])(box, fill=tuple(rng.randrange(256) for _ in range(3)))
    for _ in range(10):
        draw.text((rng.randrange(size[0]), rng.randrange(size[1])), "GAME AD", fill=(255, 255, 255))
    return image


def jpeg(image, quality=90):
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


def altered(image):
    """The same picture as another phone would send it: resized by 10%, cropped by 5%, recompressed."""
    width, height = image.size
    smaller = image.resize((int(width * 0.9), int(height * 0.9)))
    w, h = smaller.size
    return jpeg(smaller.crop((int(w * 0.05), 0, w, int(h * 0.95))), quality=60)


def report(platform, category, text, photo=None, client="203.0.113.9", **fields):
    files = [accept_upload(photo, "screenshot.jpg", 10**8)] if photo else []
    tip, _code = submit_tip(
        TipSubmission(
            platform.name, category, "popup", text, "parent", "zh", client, platform_id=platform.id, **fields
        ),
        files,
    )
    db.session.commit()  # the evidence check runs now (JOB_MODE sync): the photo is cleaned and hashed
    return db.session.get(Tip, tip.id)


def sweep():
    handler_for("tips.match")({})
    db.session.commit()


def test_the_same_photo_altered_matches_and_a_different_one_does_not(app, make_platform):
    """Catches photos matched by their bytes only (a recompressed copy differs in every byte), a crop that moves
    the picture's hash too far, and a threshold so loose that an unrelated picture matches."""
    original, other = scene(1), scene(2)
    platform = make_platform(region_code=HAIDIAN)
    first = report(platform, "game_ads", "孩子上网课时弹出游戏广告，截图如下", jpeg(original))
    copy = report(platform, "social", "课程里有诱导充值的弹窗，这是截图", altered(original), "203.0.113.10")
    unrelated = report(platform, "teachers", "老师没有资格证，上课截图", jpeg(other), "203.0.113.11")
    assert db.session.scalar(select(func.count()).select_from(ImageHash)) == 3 * 10
    assert first.case_id != copy.case_id != unrelated.case_id
    assert {tip.matched_at for tip in (first, copy, unrelated)} == {None}  # hashed: waiting for the sweep

    sweep()
    found = {
        (m.tip_id, m.other_tip_id): m for m in db.session.scalars(select(TipMatch).where(TipMatch.kind == EVIDENCE))
    }
    assert set(found) == {(first.id, copy.id), (copy.id, first.id)}
    assert 0 <= found[(copy.id, first.id)].distance <= hashes.MATCH_DISTANCE
    sweep()  # nothing waits: nothing changes
    assert db.session.scalar(select(func.count()).select_from(TipMatch).where(TipMatch.kind == EVIDENCE)) == 2


def test_the_case_page_offers_the_match_and_merges_in_one_step(app, make_platform, make_staff, staff_client):
    """Catches a match the case page does not show (or shows without its distance and the other case's state),
    and a merge button that needs more than its one press."""
    platform = make_platform(region_code=HAIDIAN)
    picture = scene(3)
    first = report(platform, "game_ads", "网课里弹出游戏广告", jpeg(picture))
    second = report(platform, "page_surroundings", "上课时出现浮窗广告，截图", altered(picture), "203.0.113.20")
    sweep()
    officer = make_staff("officer", "cyberspace", HAIDIAN)
    client = staff_client(officer)
    merged_case = second.case_id
    body = client.get(f"/staff/cases/{second.case_id}", headers=EN).get_data(as_text=True)
    item = re.search(rf'<li id="match-{first.case_id}">(.*?)</form>', body, re.S).group(1)
    assert f"report #{first.id} hold the same picture, perhaps resized" in item and "of 64 bits apart" in item
    assert "New" in item  # the other case's state
    data = dict(re.findall(r'name="(merge-[a-z_]+)" value="([^"]*)"', item))
    assert data["merge-target_id"] == str(first.case_id) and data["merge-reason"]
    response = post_form(client, f"/staff/cases/{second.case_id}", f"/staff/cases/{second.case_id}/merge", {
        "target_id": data["merge-target_id"], "reason": data["merge-reason"]})  # fmt: skip
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Tip, second.id).case_id == first.case_id
    assert db.session.get(Case, merged_case).state == states.CLOSED_MERGED
    assert db.session.get(Tip, second.id).matched_at is None  # moved: matched again by the next sweep


def test_evidence_assessed_in_a_closed_case_is_marked_with_its_outcome(app, make_platform, make_staff, staff_client):
    """Catches staff made to look at the same harmful picture again with nothing to say it was judged before."""
    platform = make_platform(region_code=HAIDIAN)
    picture = scene(4)
    old = report(platform, "vulgar", "课程视频里出现不雅画面，截图", jpeg(picture))
    supervisor = make_staff("supervisor", "cyberspace", "110000")
    case = db.session.get(Case, old.case_id)
    operations.change_state(case, states.TRIAGED, supervisor)
    operations.change_state(case, states.INVESTIGATING, supervisor)
    operations.close_case(case, states.CLOSED_FOUNDED, supervisor, "查实，已处理", confirmed=True)
    db.session.commit()
    new = report(platform, "vulgar", "又看到了同样的画面", altered(picture), "203.0.113.30")
    assert new.case_id != old.case_id
    sweep()
    body = staff_client(supervisor).get(f"/staff/cases/{new.case_id}", headers=EN).get_data(as_text=True)
    assert f"Assessed before in case #{old.case_id}: Closed: founded" in body
    assert (
        f'action="/staff/cases/{new.case_id}/merge"' in body
    )  # the match listed, but a closed case is not merged into
    assert f'name="merge-target_id" value="{old.case_id}"' not in body


def test_same_link_and_text_alike_are_suggested_across_cases(app, make_platform, make_staff, staff_client):
    """Catches links compared as typed (tracking parameters keeping them apart), and text similarity that
    finds everything alike (or nothing)."""
    platform = make_platform(region_code=HAIDIAN)
    first = report(platform, "game_ads", "这节数学课的视频里插播抽卡游戏的广告，孩子点进去充了钱",
                   url="https://p.example/course/7?utm_source=wx")  # fmt: skip
    linked = report(platform, "syllabus", "课程内容不适合小学生", client="203.0.113.41",
                    url="http://www.p.example/course/7/?from=timeline")  # fmt: skip
    alike = report(
        platform, "page_surroundings", "数学课视频里插播了抽卡游戏广告，孩子点了以后充值了", client="203.0.113.42"
    )
    unlike = report(platform, "teachers", "老师没有教师资格证，讲课错误很多", client="203.0.113.43")
    sweep()
    kinds = {(m.tip_id, m.other_tip_id): m.kind for m in db.session.scalars(select(TipMatch))}
    assert kinds.get((linked.id, first.id)) == LINK
    assert kinds.get((alike.id, first.id)) == TEXT
    assert not any(unlike.id in pair for pair in kinds)
    body = (
        staff_client(make_staff("officer", "cyberspace", HAIDIAN))
        .get(f"/staff/cases/{first.case_id}", headers=EN)
        .get_data(as_text=True)
    )
    assert f'id="match-{linked.case_id}"' in body and f'id="match-{alike.case_id}"' in body
    assert f'id="match-{unlike.case_id}"' not in body
    assert PERIODIC_JOBS["tips.match"] == "MATCH_SWEEP_MINUTES"


def test_staff_add_an_address_from_the_case_page_and_links_then_find_the_platform(
    app, make_platform, make_staff, staff_client, file_tip
):
    """Catches an address added only by hiding the form (an officer's crafted POST must fail), one that
    another platform already holds, and an address that does not then bring new tips to the platform."""
    platform = make_platform(region_code=HAIDIAN, addresses=["https://old-site.example"])
    tip = report(platform, "game_ads", "新域名的课程页面弹出游戏广告", url="https://new-site.example/course/1")
    officer, intake = make_staff("officer", "cyberspace", HAIDIAN), make_staff("intake", "cyberspace", "110000")
    action = f"/staff/cases/{tip.case_id}/address"
    refused = post_form(staff_client(officer), f"/staff/cases/{tip.case_id}", action, {"address": "new-site.example"})
    assert refused.status_code == 403
    client = staff_client(intake)
    page = client.get(f"/staff/cases/{tip.case_id}", headers=EN).get_data(as_text=True)
    assert 'value="https://new-site.example/course/1"' in page  # the tip's link, offered
    bad = post_form(client, f"/staff/cases/{tip.case_id}", action, {"address": "not an address"})
    assert bad.status_code == 400 and "not an address" in bad.get_data(as_text=True)
    make_platform(addresses=["https://taken.example"])
    taken = post_form(client, f"/staff/cases/{tip.case_id}", action, {"address": "https://taken.example"})
    assert taken.status_code == 400
    assert post_form(client, f"/staff/cases/{tip.case_id}", action, {"address": "new-site.example"}).status_code == 302
    db.session.expire_all()
    assert "new-site.example" in db.session.get(type(platform), platform.id).addresses
    later = file_tip(platform_name="不知道名字", url="https://www.new-site.example/course/2")
    assert later.platform_id == platform.id


def test_a_burst_of_tips_is_worked_through_batch_after_batch(app, make_platform, monkeypatch, file_tip):
    """Catches a sweep that matches one batch a period and leaves a burst of tips waiting behind it."""
    from cases.matching import service

    monkeypatch.setattr(service, "MATCH_BATCH", 2)
    platform = make_platform(region_code=HAIDIAN)
    tips = [file_tip(platform, category) for category in ("game_ads", "social", "teachers", "vulgar", "syllabus")]
    assert all(tip.matched_at is None for tip in tips)
    sweep()  # one batch here, the rest by the jobs it records (run at once in the tests' JOB_MODE)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Tip).where(Tip.matched_at.is_(None))) == 0


def test_the_very_same_file_is_found_by_its_digest(app, make_platform):
    """Catches files compared only as pictures: the same bytes sent twice are the same file, whatever they show."""
    platform = make_platform(region_code=HAIDIAN)
    photo = jpeg(scene(5))
    first = report(platform, "game_ads", "截图一张，课程里的游戏广告", photo)
    again = report(platform, "social", "同一张截图，课程里有陌生人私信", photo, "203.0.113.50")
    sweep()
    kinds = {m.kind for m in db.session.scalars(select(TipMatch).where(TipMatch.tip_id == again.id))}
    assert FILE in kinds
    assert (
        db.session.scalar(
            select(TipMatch.distance).where(
                TipMatch.tip_id == again.id, TipMatch.other_tip_id == first.id, TipMatch.kind == FILE
            )
        )
        == 0
    )
