"""The rest of the desk: queue, notices, junk tray, platforms, evidence."""

from sqlalchemy import select

from cases.access import may_see_organisation, visible_regions
from cases.actions.models import ListEntry
from cases.actions.service import may_keep_lists
from cases.junk_tray import may_see_tray_tip
from tests.cases.conftest import HAIDIAN
from tests.cases.routes.case_routes import case_hidden
from tests.cases.routes.exercise import ALWAYS, NOTHING, Exercise, audited, check, fixed
from tipline.evidence.models import Evidence
from tipline.extensions import db


def _platform_scene(list_status):
    """A Haidian platform, off the lists or on the black list."""

    def build(b):
        platform = b.make_platform(region_code=HAIDIAN)
        platform.list_status = list_status
        db.session.commit()
        return {"platform": platform, "watch": [platform]}

    return build


def _platform_hidden(actor, scene):
    return scene["platform"].region_code not in visible_regions(actor)


def _list_effect(actor, scene, before, response):
    platform = scene["platform"]
    return (
        check(platform.list_status == "white", "not on the white list")
        + check(before.added(ListEntry, platform_id=platform.id, actor_id=actor.id), "no list entry")
        + audited(before, actor, "platform.list", platform.id)
    )


def _tray_scene(junk_status):
    """A tip in the junk tray, suspected or confirmed as junk."""

    def build(b):
        tip = b.tray_tip(junk_status)
        return {"tip": tip, "watch": [tip]}

    return build


def _tray_hidden(actor, scene):
    return not may_see_tray_tip(actor, scene["tip"])


def _junk_effect(status, action):
    def effect(actor, scene, before, response):
        tip = scene["tip"]
        filed = status != "released" or tip.case_id is not None
        return check(tip.junk_status == status and filed, f"junk status is {tip.junk_status}") + audited(
            before, actor, action, tip.id
        )

    return effect


def _evidence_scene(b):
    """A photo on a tip of a case."""
    evidence = b.evidence()
    return {"evidence": evidence, "case": evidence.tip.case, "watch": [evidence]}


def _tray_evidence_scene(b):
    """Evidence of a tip in the junk tray: only the tray's people know it exists."""
    tip = b.tray_tip("suspected")
    evidence = db.session.scalars(select(Evidence).where(Evidence.tip_id == tip.id)).one()
    return {"evidence": evidence, "tip": tip, "watch": [evidence]}


def _proof_scene(pdf=False):
    """An organisation's proof document (a photo, or a PDF): evidence of no tip."""

    def build(b):
        organisation = b.organisation("pending", True, proof="pdf" if pdf else True)
        return {"evidence": organisation.proof, "organisation": organisation, "watch": [organisation.proof]}

    return build


_photo_proof, _pdf_proof = _proof_scene(), _proof_scene(pdf=True)


def _evidence_hidden(actor, scene):
    """Evidence of a case follows its case; evidence of a tray tip, the tray; a proof document, its organisation."""
    if "organisation" in scene:
        return not may_see_organisation(actor, scene["organisation"])
    return case_hidden(actor, scene) if "case" in scene else _tray_hidden(actor, scene)


def _pdf_scene(b):
    """A PDF on a tip of a case: its pages are drawn for the viewer."""
    evidence = b.evidence(pdf=True)
    return {"evidence": evidence, "case": evidence.tip.case, "watch": [evidence]}


def _looked_at(action):
    """The effect of a look at evidence: the actor's audit row for it."""

    def effect(actor, scene, before, response):
        return audited(before, actor, action, scene["evidence"].id)

    return effect


_download_effect = _looked_at("evidence.download")


def _notices_scene(b):
    """An unread notice for each actor, and one for someone else."""
    from cases.notices import Notice

    people = [*b.actors.values(), b.helper("officer", "cyberspace")]
    notices = {person.id: Notice(user_id=person.id, kind="assigned") for person in people}
    db.session.add_all(notices.values())
    db.session.commit()
    return {"notices": notices, "other": notices[people[-1].id], "watch": list(notices.values())}


def _notice(scene, actor, whose):
    return scene["other"] if whose == "other" else scene["notices"][actor.id]


def _notices_read(actor, scene, before, response):
    """The actor's notice is read; someone else's is not."""
    mine, other = scene["notices"][actor.id], scene["other"]
    return check(mine.read_at is not None, "the notice is not read") + check(
        other.read_at is None, "someone else's notice was marked read"
    )


DESK_ROUTES = {
    ("staff.queue", "GET"): Exercise("GET", fixed("/staff/"), NOTHING, ok=200),
    ("staff.account", "GET"): Exercise("GET", fixed("/staff/account"), NOTHING, ok=200),
    ("staff.notices", "GET"): Exercise("GET", fixed("/staff/notices"), NOTHING, ok=200),
    ("staff.junk_tray", "GET"): Exercise("GET", fixed("/staff/junk"), NOTHING, ok=200),
    ("staff.evidence_thumbnail", "GET"): Exercise(
        "GET",
        lambda s, a: f"/staff/evidence/{s['evidence'].id}/thumbnail",
        {"case evidence": _evidence_scene, "junk tray evidence": _tray_evidence_scene, "proof document": _photo_proof},
        hidden=_evidence_hidden,
        ok=200,
    ),
    ("staff.evidence_download", "GET"): Exercise(
        "GET",
        lambda s, a: f"/staff/evidence/{s['evidence'].id}/download",
        {"case evidence": _evidence_scene, "junk tray evidence": _tray_evidence_scene, "proof document": _photo_proof},
        hidden=_evidence_hidden,
        effect=_download_effect,
        ok=200,
        consumes=False,
    ),
    ("staff.evidence_view", "GET"): Exercise(
        "GET",
        lambda s, a: f"/staff/evidence/{s['evidence'].id}",
        {
            "case evidence": _evidence_scene,
            "junk tray evidence": _tray_evidence_scene,
            "a PDF": _pdf_scene,
            "proof document": _photo_proof,
        },
        hidden=_evidence_hidden,
        effect=_looked_at("evidence.view"),
        ok=200,
        consumes=False,
    ),
    ("staff.evidence_inline", "GET"): Exercise(
        "GET",
        lambda s, a: f"/staff/evidence/{s['evidence'].id}/file",
        {"case evidence": _evidence_scene, "junk tray evidence": _tray_evidence_scene, "proof document": _photo_proof},
        hidden=_evidence_hidden,
        effect=_looked_at("evidence.inline"),
        ok=200,
        consumes=False,
    ),
    ("staff.evidence_page", "GET"): Exercise(
        "GET",
        lambda s, a: f"/staff/evidence/{s['evidence'].id}/pages/1",
        {"a PDF": _pdf_scene, "a PDF proof document": _pdf_proof},
        hidden=_evidence_hidden,
        effect=_looked_at("evidence.page"),
        ok=200,
        consumes=False,
    ),
    ("staff.platform", "GET"): Exercise(
        "GET",
        lambda s, a: f"/staff/platforms/{s['platform'].id}",
        {"platform": _platform_scene("none")},
        hidden=_platform_hidden,
        ok=200,
    ),
    ("staff.platform", "POST"): Exercise(
        "POST",
        lambda s, a: f"/staff/platforms/{s['platform'].id}",
        {"not listed": _platform_scene("none"), "black-listed": _platform_scene("black")},
        hidden=_platform_hidden,
        allowed=lambda a, s: may_keep_lists(a, s["platform"]) and s["platform"].list_status != "black",
        form=lambda s, a: {"list-list_status": "white", "list-reason": "复核合格", "list-public_reason": "内容合规"},
        effect=_list_effect,
    ),
    ("staff.confirm_junk", "POST"): Exercise(
        "POST",
        lambda s, a: f"/staff/junk/{s['tip'].id}/confirm",
        {"suspected": _tray_scene("suspected"), "confirmed": _tray_scene("confirmed")},
        hidden=_tray_hidden,
        allowed=lambda a, s: s["tip"].junk_status == "suspected",
        form=lambda s, a: {},
        effect=_junk_effect("confirmed", "tip.junk_confirmed"),
    ),
    ("staff.release_junk", "POST"): Exercise(
        "POST",
        lambda s, a: f"/staff/junk/{s['tip'].id}/release",
        {"suspected": _tray_scene("suspected"), "confirmed": _tray_scene("confirmed")},
        hidden=_tray_hidden,
        allowed=ALWAYS,
        form=lambda s, a: {},
        effect=_junk_effect("released", "tip.junk_released"),
    ),
    ("staff.read_notice", "POST"): Exercise(
        "POST",
        lambda s, a: f"/staff/notices/{_notice(s, a, s['whose']).id}/read",
        {
            "own notice": lambda b: {**_notices_scene(b), "whose": "own"},
            "someone else's notice": lambda b: {**_notices_scene(b), "whose": "other"},
        },
        hidden=lambda a, s: _notice(s, a, s["whose"]).user_id != a.id,
        form=lambda s, a: {},
        effect=_notices_read,
        ok=303,
        consumes=False,
    ),
    ("staff.read_all_notices", "POST"): Exercise(
        "POST",
        fixed("/staff/notices/read"),
        {"notices of everyone": _notices_scene},
        form=lambda s, a: {},
        effect=_notices_read,
        ok=303,
        consumes=False,
    ),
}
