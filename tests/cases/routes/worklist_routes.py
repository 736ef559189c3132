"""The personal lists and @mention suggestions: each shows what the rules let the actor decide or see, nothing else."""

from sqlalchemy import select

from cases import states
from cases.access import can_see_case
from cases.actions.models import Action
from cases.actions.review import may_confirm_review, may_review
from cases.actions.service import may_decide
from cases.operations import close_case
from tests.cases.routes.case_routes import CASE_SCENES, case_hidden, case_path
from tests.cases.routes.exercise import Exercise, check, fixed
from tests.cases.routes.world import CYBER_ONLY
from tipline.extensions import db
from tipline.timeutil import utcnow


def _action_scene(make, rule):
    """An action at one step, the link the approvals list gives it, and whether the actor may decide it."""

    def build(b):
        action = make(b)
        return {
            "case": action.case,
            "link": f"/staff/cases/{action.case_id}#action-{action.id}",
            "may": lambda actor: rule(actor, action),
            "watch": [action],
        }

    return build


def _lift(b):
    """The proposed lifting of an action in force."""
    lifted = b.lift_pending()
    return db.session.scalars(select(Action).where(Action.lifts_id == lifted.id)).one()


def _closing_scene(b):
    """An urgent case whose closing, proposed by an intake officer, waits for agreement."""
    case = b.case(states.NEW, CYBER_ONLY)
    case.priority = 2
    close_case(case, states.CLOSED_UNFOUNDED, b.helper("intake", "cyberspace"), "经核查不属实", confirmed=True)
    db.session.commit()
    return {
        "case": case,
        "link": f"/staff/cases/{case.id}#closing-waiting",
        # The list keeps to the actor's regions, as deciding does (operations.decide_closing).
        "may": lambda actor: states.may_agree_to_close(actor, case) and can_see_case(actor, case),
        "watch": [case],
    }


APPROVAL_SCENES = {
    "proposed action": _action_scene(lambda b: b.proposed(), may_decide),
    "proposed lifting": _action_scene(_lift, may_decide),
    "review asked for": _action_scene(lambda b: b.review_requested(), may_review),
    "review recorded": _action_scene(lambda b: b.review_recorded(), may_confirm_review),
    "closing waiting": _closing_scene,
}


def _listed(actor, scene, before, response):
    """The item is on the actor's list exactly when the rules let them decide it."""
    body = response.get_data(as_text=True)
    want = scene["may"](actor)
    return check((scene["link"] in body) == want, f"{'missing from' if want else 'wrongly on'} the approvals list")


def _task_scene(department, done=False):
    def build(b):
        task = b.task(department)
        if done:
            task.done_at, task.done_by_id = utcnow(), task.created_by_id
            db.session.commit()
        return {"task": task, "case": task.case, "watch": [task]}

    return build


def _task_listed(actor, scene, before, response):
    """An open task is on the list of its own department's staff who can see its case; a done one on none."""
    task = scene["task"]
    want = task.done_at is None and actor.department == task.department and can_see_case(actor, task.case)
    shown = f"/staff/cases/{task.case_id}#tasks" in response.get_data(as_text=True)
    return check(shown == want, f"{'missing from' if want else 'wrongly on'} the department's task list")


def _people_effect(actor, scene, before, response):
    found = response.get_json(silent=True)
    return check(
        isinstance(found, list) and all({"name", "handle", "department"} <= set(i) for i in found),
        "not a list of people",
    )


WORKLIST_ROUTES = {
    ("staff.approvals", "GET"): Exercise("GET", fixed("/staff/approvals"), APPROVAL_SCENES, effect=_listed, ok=200),
    ("staff.department_tasks", "GET"): Exercise(
        "GET",
        fixed("/staff/tasks"),
        {
            "cyberspace task": _task_scene("cyberspace"),
            "education task": _task_scene("education"),
            "done task": _task_scene("cyberspace", done=True),
        },
        effect=_task_listed,
        ok=200,
    ),
    ("staff.mention_candidates", "GET"): Exercise(
        "GET", case_path("/people"), CASE_SCENES, hidden=case_hidden, effect=_people_effect, ok=200
    ),
}
