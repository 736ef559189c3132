"""The work queue's forms: saved filters (each person's own) and bulk assignment and triage (each case's own rules)."""

from sqlalchemy import select

from cases import states
from cases.access import can_see_case
from cases.saved_filters import SavedFilter, save_filter
from tests.cases.routes.case_routes import CASE_SCENES, _assign_effect, _triage_effect
from tests.cases.routes.exercise import NOTHING, Exercise, check, fixed, serial
from tipline.extensions import db

# What a browser sends of the bulk form's fields that the button pressed does not use.
UNTOUCHED = {"assignee": "", "lead_department": "cyberspace", "co_department": "", "triage_assignee": "", "reason": ""}


def _filters_scene(whose):
    """A saved filter of each actor's and one of someone else's; the request names the actor's own or the other.

    The scene keeps their numbers: a deleted filter's row object can no longer be read.
    """

    def build(b):
        people = [*b.actors.values(), b.helper("officer", "cyberspace")]
        filters = {person.id: save_filter(person, f"我的筛选{next(serial)}", {"scope": "mine"}) for person in people}
        db.session.commit()
        ids = {user_id: saved.id for user_id, saved in filters.items()}
        return {"filter_ids": ids, "other_id": ids[people[-1].id], "whose": whose, "watch": list(filters.values())}

    return build


def _filter_id(scene, actor):
    return scene["other_id"] if scene["whose"] == "other" else scene["filter_ids"][actor.id]


def _deleted(actor, scene, before, response):
    gone = _filter_id(scene, actor)
    left = db.session.scalars(select(SavedFilter.id).where(SavedFilter.id == gone)).all()
    return check(not left, "the saved filter is still there")


def _saved(actor, scene, before, response):
    return check(before.added(SavedFilter, user_id=actor.id, query="scope=mine"), "no saved filter of the actor's")


def _bulk_scenes():
    """Each case scene of the case page, asked to be assigned to nobody; the first two asked to be triaged."""
    scenes = {}
    for n, (name, build) in enumerate(CASE_SCENES.items()):
        scenes[f"assign: {name}"] = lambda b, build=build: {**build(b), "act": "assign"}
        if n < 2:
            scenes[f"triage: {name}"] = lambda b, build=build: {**build(b), "act": "triage"}
    return scenes


def _bulk_allowed(actor, scene):
    """What the case page's own route allows, on a case the actor can see (one they cannot is "not found")."""
    case = scene["case"]
    if not can_see_case(actor, case):
        return False
    if scene["act"] == "assign":
        return states.may_act(actor, case, "assign")
    return states.may_transition(actor, case, states.TRIAGED)


def _bulk_form(scene, actor):
    case_ids = str(scene["case"].id)
    if scene["act"] == "assign":
        return {**UNTOUCHED, "case_ids": case_ids, "assignee": "none", "assign": "1"}
    return {**UNTOUCHED, "case_ids": case_ids, "lead_department": "education", "co_department": "cyberspace",
            "triage": "1"}  # fmt: skip


def _bulk_effect(actor, scene, before, response):
    effect = _assign_effect if scene["act"] == "assign" else _triage_effect
    return effect(actor, scene, before, response)


QUEUE_ROUTES = {
    ("staff.save_filter", "POST"): Exercise(
        "POST",
        fixed("/staff/filters"),
        NOTHING,
        form=lambda s, a: {"name": f"逾期{next(serial)}", "query": "scope=mine&x=1"},
        effect=_saved,
        ok=303,
    ),
    ("staff.delete_filter", "POST"): Exercise(
        "POST",
        lambda s, a: f"/staff/filters/{_filter_id(s, a)}/delete",
        {"own saved filter": _filters_scene("own"), "someone else's saved filter": _filters_scene("other")},
        hidden=lambda a, s: s["whose"] == "other",  # someone else's is as good as missing
        form=lambda s, a: {},
        effect=_deleted,
        ok=303,
    ),
    ("staff.bulk_change", "POST"): Exercise(
        "POST",
        fixed("/staff/bulk"),
        _bulk_scenes(),
        allowed=_bulk_allowed,
        form=_bulk_form,
        effect=_bulk_effect,
        ok=303,
    ),
}
