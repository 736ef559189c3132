"""Organisations: the list, one organisation, and the decisions on it (verify, refuse, suspend, reinstate)."""

from urllib.parse import quote

from cases.access import may_decide_on_organisation, may_see_organisation, visible_regions
from tests.cases.routes.exercise import NOTHING, Exercise, audited, check
from tipline.jobs.models import OutboxJob
from tipline.organisations.service import DECISIONS, NEEDS_REASON, decisions_open

# Each status an organisation can be in, with whether its address is confirmed.
STANDINGS = {
    "pending, address unconfirmed": ("pending", False),
    "pending, address confirmed": ("pending", True),
    "verified": ("verified", True),
    "refused": ("refused", True),
    "suspended": ("suspended", True),
}


def _organisation_scene(status, confirmed, **extra):
    def build(b):
        organisation = b.organisation(status, confirmed)
        return {"organisation": organisation, "watch": [organisation], **extra}

    return build


def _hidden(actor, scene):
    return scene["organisation"].region_code not in visible_regions(actor)


def _page(scene, actor):
    return f"/staff/organisations/{scene['organisation'].id}"


def _listed(actor, scene, before, response):
    """The waiting organisation (if the scene has one) is on the list exactly when the actor may open it."""
    organisation = scene.get("organisation")
    if organisation is None:
        return []
    shown = f"/staff/organisations/{organisation.id}" in response.get_data(as_text=True)
    want = may_see_organisation(actor, organisation)
    return check(shown == want, f"{'missing from' if want else 'wrongly on'} the list")


def _list_path(scene, actor):
    """The list, searched for the scene's organisation by name (others made by other scenes may fill a page)."""
    organisation = scene.get("organisation")
    return "/staff/organisations" + (f"?q={quote(organisation.name)}" if organisation else "")


def _viewed(actor, scene, before, response):
    return audited(before, actor, "organisation.view", scene["organisation"].id)


def _decision_allowed(actor, scene):
    organisation, decision, reason = scene["organisation"], scene["decision"], scene["reason"]
    if not may_decide_on_organisation(actor, organisation) or decision not in decisions_open(organisation):
        return False
    return decision not in NEEDS_REASON or len(reason) >= 2


def _decided(actor, scene, before, response):
    organisation, decision = scene["organisation"], scene["decision"]
    target = DECISIONS[decision][1]
    jobs = before.added(OutboxJob, name="mail.org_decision")
    mailed = [j for j in jobs if j.payload.get("organisation_id") == organisation.id]
    return (
        check(organisation.status == target, f"status is {organisation.status}, not {target}")
        + audited(before, actor, f"organisation.{decision}", organisation.id)
        + check(mailed and mailed[0].payload.get("decision") == decision, "the organisation is not mailed")
    )


def _decision_scenes():
    scenes = {}
    for standing, (status, confirmed) in STANDINGS.items():
        for decision in DECISIONS:
            scenes[f"{decision} when {standing}"] = _organisation_scene(
                status, confirmed, decision=decision, reason="材料与登记信息一致"
            )
            if decision in NEEDS_REASON:
                scenes[f"{decision} without a reason when {standing}"] = _organisation_scene(
                    status, confirmed, decision=decision, reason=""
                )
    return scenes


ORGANISATION_ROUTES = {
    ("staff.organisations", "GET"): Exercise(
        "GET",
        _list_path,
        {**NOTHING, "one waiting": _organisation_scene("pending", True)},
        effect=_listed,
        ok=200,
    ),
    ("staff.organisation", "GET"): Exercise(
        "GET",
        _page,
        {standing: _organisation_scene(*values) for standing, values in STANDINGS.items()},
        hidden=_hidden,
        effect=_viewed,
        ok=200,
        consumes=False,
    ),
    ("staff.decide_organisation", "POST"): Exercise(
        "POST",
        lambda scene, actor: f"/staff/organisations/{scene['organisation'].id}/decide",
        _decision_scenes(),
        hidden=_hidden,
        allowed=_decision_allowed,
        form=lambda scene, actor: {"decision": scene["decision"], "reason": scene["reason"]},
        effect=_decided,
    ),
}
