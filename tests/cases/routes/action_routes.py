"""Actions: deciding, lifting, and the rectification review by two people."""

from sqlalchemy import select

from cases import states
from cases.access import can_see_case
from cases.actions import review, rules
from cases.actions import service as actions
from cases.actions.models import Action
from tests.cases.conftest import HAIDIAN
from tests.cases.routes.exercise import Exercise, audited, check
from tests.cases.routes.world import CYBER_ONLY, EDUCATION_ONLY, EDUCATION_WITH_CYBER
from tipline.extensions import db


def action_hidden(actor, scene):
    """The action's case lies outside the actor's regions."""
    return not can_see_case(actor, scene["action"].case)


def action_scene(action):
    """An action, watched with its case and platform (whose filing a review renews)."""
    return {"action": action, "watch": [action, action.case, action.platform, action.platform.filing]}


def action_path(tail):
    return lambda scene, actor: f"/staff/actions/{scene['action'].id}{tail}"


def _decide_effect(actor, scene, before, response):
    action = scene["action"]
    return check(action.decided_by_id == actor.id and action.state != rules.PROPOSED, "not decided") + audited(
        before, actor, "action.approve", action.id
    )


def _lift_allowed(actor, scene):
    """propose_lift's own conditions, read from the rules table."""
    action = scene["action"]
    pending = db.session.scalars(select(Action).where(Action.lifts_id == action.id, Action.state == rules.PROPOSED))
    return (
        actor.role in rules.PROPOSER_ROLES
        and states.works_in_department(actor, action.case)
        and action.state == rules.IN_FORCE
        and not action.is_lift
        and action.type in rules.LIFTABLE
        and pending.first() is None
    )


def _lift_effect(actor, scene, before, response):
    action = scene["action"]
    added = before.added(Action, lifts_id=action.id, proposed_by_id=actor.id, state=rules.PROPOSED)
    return check(added, "no lifting proposed") + audited(
        before, actor, "action.propose_lift", added[0].id if added else None
    )


def _review_effect(actor, scene, before, response):
    action = scene["action"]
    return (
        check(action.reviewed_by_id == actor.id and action.review_outcome == rules.PASSED, "review not recorded")
        + check(action.state == rules.IN_FORCE and action.platform.filing.status == scene["filing"], "took effect")
        + audited(before, actor, "action.review_record", action.id)
    )


def _confirm_effect(actor, scene, before, response):
    action = scene["action"]
    return (
        check(action.review_confirmed_by_id == actor.id and action.state == rules.ENDED, "review not confirmed")
        + check(action.platform.filing.status == "filed", "the platform is not filed")
        + audited(before, actor, "action.rectified", action.id)
    )


def _review_scene(make):
    def build(b):
        scene = action_scene(make(b))
        scene["filing"] = scene["action"].platform.filing.status
        return scene

    return build


def _recorded_by_an_actor(role, department="education"):
    """A review recorded by one of the test's actors (the Haidian one of that role and department)."""

    def build(b):
        recorder = b.actors.get((role, department, HAIDIAN)) or b.helper(role, department)
        return action_scene(b.review_recorded(recorder=recorder))

    return build


ACTION_ROUTES = {
    ("staff.decide_action", "POST"): Exercise(
        "POST",
        action_path("/decide"),
        {
            "proposed by cyberspace": lambda b: action_scene(b.proposed()),
            "proposed by education": lambda b: action_scene(
                b.proposed(b.case(states.INVESTIGATING, EDUCATION_WITH_CYBER))
            ),
            "proposed by an actor": lambda b: action_scene(
                b.proposed(proposer=b.actors.get(("supervisor", "cyberspace", HAIDIAN)))
            ),
            "lifting proposed": lambda b: action_scene(
                db.session.scalars(select(Action).where(Action.lifts_id == b.lift_pending().id)).one()
            ),
            "in force": lambda b: action_scene(b.in_force(rules.SUSPEND_UPDATES)),
        },
        hidden=action_hidden,
        allowed=lambda a, s: s["action"].state == rules.PROPOSED and actions.may_decide(a, s["action"]),
        form=lambda s, a: {"decision": "approve", "reason": "同意"},
        effect=_decide_effect,
    ),
    ("staff.lift_action", "POST"): Exercise(
        "POST",
        action_path("/lift"),
        {
            "rectification in force": lambda b: action_scene(b.in_force()),
            "suspension in force, education case": lambda b: action_scene(
                b.in_force(rules.SUSPEND_UPDATES, b.case(states.INVESTIGATING, EDUCATION_ONLY))
            ),
            "interview done": lambda b: action_scene(b.in_force(rules.INTERVIEW)),
            "lifting pending": lambda b: action_scene(b.lift_pending()),
            "proposed": lambda b: action_scene(b.proposed()),
        },
        hidden=action_hidden,
        allowed=_lift_allowed,
        form=lambda s, a: {"legal_basis": "整改完成", "public_reason": "平台已完成整改。"},
        effect=_lift_effect,
    ),
    ("staff.review_action", "POST"): Exercise(
        "POST",
        action_path("/review"),
        {
            "rectification before its deadline": _review_scene(lambda b: b.in_force()),
            "review requested, case of cyberspace alone": _review_scene(
                lambda b: b.review_requested(b.case(states.INVESTIGATING, CYBER_ONLY))
            ),
            "review requested, cyberspace and education": _review_scene(lambda b: b.review_requested()),
            "review requested, education case": _review_scene(
                lambda b: b.review_requested(b.case(states.INVESTIGATING, EDUCATION_ONLY))
            ),
            "review recorded already": _review_scene(lambda b: b.review_recorded()),
            "rectification ended": _review_scene(lambda b: b.review_confirmed()),
            "suspension in force": _review_scene(lambda b: b.in_force(rules.SUSPEND_UPDATES)),
        },
        hidden=action_hidden,
        allowed=lambda a, s: review.may_review(a, s["action"]),
        form=lambda s, a: {"outcome": rules.PASSED, "note": "已整改"},
        effect=_review_effect,
    ),
    ("staff.confirm_review", "POST"): Exercise(
        "POST",
        action_path("/review/confirm"),
        {
            "recorded by an education officer": lambda b: action_scene(b.review_recorded()),
            "recorded by an education supervisor actor": _recorded_by_an_actor("supervisor"),
            "review requested, none recorded": lambda b: action_scene(b.review_requested()),
            "confirmed already": lambda b: action_scene(b.review_confirmed()),
        },
        hidden=action_hidden,
        allowed=lambda a, s: review.may_confirm_review(a, s["action"]),
        form=lambda s, a: {"decision": "agree", "reason": "", "seen": review.review_stamp(s["action"]) or "none"},
        effect=_confirm_effect,
    ),
}
