"""The case page and its forms: notes, tasks, messages, moves, triage, merge, split, contact, proposals."""

from cases import states
from cases.access import can_see_case, works_on
from cases.actions import rules
from cases.actions.models import Action
from cases.matching.addresses import may_add_address
from cases.models import Case, CaseEvent, CaseNote, CaseTask
from tests.cases.conftest import CHAOYANG
from tests.cases.routes.exercise import Exercise, audited, check
from tests.cases.routes.world import CYBER_ONLY, CYBER_WITH_EDUCATION, EDUCATION_ONLY, EDUCATION_WITH_CYBER
from tipline import catalog
from tipline.extensions import db
from tipline.reports.models import TipEvent


def case_scene(case, **more):
    """A case, watched with its tips."""
    return {"case": case, "watch": [case, *case.tips], **more}


def _case_scenes(tips):
    """Cases open and closed, led by either department, with and without the other co-handling."""
    return {
        "new, cyberspace": lambda b: case_scene(b.case(states.NEW, CYBER_ONLY, tips, {"email": "p@example.com"})),
        "triaged, education": lambda b: case_scene(b.case(states.TRIAGED, EDUCATION_ONLY, tips)),
        "investigating, education+cyberspace": lambda b: case_scene(
            b.case(states.INVESTIGATING, EDUCATION_WITH_CYBER, tips, {"email": "p@example.com"})
        ),
        "closed founded, cyberspace+education": lambda b: case_scene(
            b.case(states.CLOSED_FOUNDED, CYBER_WITH_EDUCATION, tips)
        ),
    }


CASE_SCENES = _case_scenes(tips=1)
ARRANGEMENTS = [CYBER_ONLY, EDUCATION_ONLY, CYBER_WITH_EDUCATION, EDUCATION_WITH_CYBER]


def case_hidden(actor, scene):
    """The case lies outside the actor's regions."""
    return not can_see_case(actor, scene["case"])


def case_path(tail=""):
    return lambda scene, actor: f"/staff/cases/{scene['case'].id}{tail}"


def _moves():
    """Every move of the state table, and one move from each state that the table does not have."""
    moves = list(states.TRANSITIONS)
    for frm in states.STATES:
        if frm == states.CLOSED_MERGED:
            continue
        missing = [to for to in states.STATES if to != frm and (frm, to) not in states.TRANSITIONS]
        moves.append((frm, missing[0]))
    return moves


def _state_scene(frm, to, n):
    """A case in `frm`, its departments arranged in turn, and the state a request will ask for."""
    return lambda b: {**case_scene(b.case(frm, ARRANGEMENTS[n % len(ARRANGEMENTS)])), "to": to}


STATE_SCENES = {f"{frm} -> {to}": _state_scene(frm, to, n) for n, (frm, to) in enumerate(_moves())}


def _state_allowed(actor, scene):
    return scene["to"] not in states.INDIRECT and states.may_transition(actor, scene["case"], scene["to"])


def _state_effect(actor, scene, before, response):
    case = scene["case"]
    return check(case.state == scene["to"], f"state is {case.state}") + audited(before, actor, "case.state", case.id)


def _triage_effect(actor, scene, before, response):
    case = scene["case"]
    return (
        check(case.state == states.TRIAGED, f"state is {case.state}")
        + check((case.lead_department, case.co_department) == ("education", "cyberspace"), "departments not rerouted")
        + audited(before, actor, "case.state", case.id)
    )


def _note_effect(actor, scene, before, response):
    case = scene["case"]
    return check(before.added(CaseNote, case_id=case.id, author_id=actor.id), "no note") + audited(
        before, actor, "case.note", case.id
    )


def _task_effect(actor, scene, before, response):
    case = scene["case"]
    added = before.added(CaseTask, case_id=case.id, created_by_id=actor.id, department="education")
    return check(added, "no task") + audited(before, actor, "case.task", case.id)


def _assign_effect(actor, scene, before, response):
    case = scene["case"]
    added = before.added(CaseEvent, case_id=case.id, actor_id=actor.id, kind="assigned")
    return check(added and case.assignee_id is None, "no assignment") + audited(before, actor, "case.assign", case.id)


def _message_effect(actor, scene, before, response):
    tip = scene["case"].tips[0]
    added = before.added(TipEvent, tip_id=tip.id, kind="staff_message")
    return check(added, "no message to the reporter") + audited(before, actor, "tip.message", tip.id)


def _merge_scene(where):
    """A case to merge (open or closed) and an open case to merge it into (in Haidian, or moved to Chaoyang)."""

    def build(b):
        source = b.case(states.CLOSED_FOUNDED if where == "closed" else states.INVESTIGATING, CYBER_WITH_EDUCATION)
        target = b.case(states.TRIAGED, CYBER_ONLY)
        if where == "sibling region":
            target.region_code = CHAOYANG
            db.session.commit()
        return {"case": source, "target": target, "watch": [source, target, *source.tips]}

    return build


def _merge_allowed(actor, scene):
    """The source may be merged away into an open case of the actor's departments (states.may_merge) that they see."""
    source, target = scene["case"], scene["target"]
    return states.may_merge(actor, source, target) and can_see_case(actor, target)


def _merge_effect(actor, scene, before, response):
    source, target = scene["case"], scene["target"]
    return (
        check(source.state == states.CLOSED_MERGED and source.merged_into_id == target.id, "not merged")
        + check(all(t.case_id == target.id for t in scene["watch"][2:]), "tips not moved")
        + audited(before, actor, "case.merge", source.id)
    )


def _address_effect(actor, scene, before, response):
    platform = scene["case"].platform
    added = f"https://new-address.example/course/{scene['case'].id}" in (platform.addresses or [])
    return check(added, "address not added") + audited(before, actor, "platform.address_added", platform.id)


def _closing_for(case):
    """The closing a request asks for: the one the table has from this state, else one it has not."""
    return states.CLOSED_FOUNDED if case.state == states.INVESTIGATING else states.CLOSED_UNFOUNDED


def _urgent(state, arrangement):
    """A case at priority 2: closing it needs a supervisor's agreement."""

    def build(b):
        case = b.case(state, arrangement)
        case.priority = 2
        db.session.commit()
        return case_scene(case)

    return build


def _asking_to_close(build):
    """A scene, with the closing its request asks for decided before the request."""

    def scene(b):
        built = build(b)
        return {**built, "to": _closing_for(built["case"])}

    return scene


CLOSE_SCENES = {
    name: _asking_to_close(build)
    for name, build in {
        **CASE_SCENES,
        "new, cyberspace, priority 2": _urgent(states.NEW, CYBER_ONLY),
        "investigating, education+cyberspace, priority 2": _urgent(states.INVESTIGATING, EDUCATION_WITH_CYBER),
    }.items()
}


def _close_allowed(actor, scene):
    return scene["to"] in states.closings(actor, scene["case"])


def _close_effect(actor, scene, before, response):
    case, to = scene["case"], scene["to"]
    if states.may_close_alone(actor, case):
        return check(case.state == to, f"state is {case.state}") + audited(before, actor, "case.state", case.id)
    return check(case.closing_state == to and case.state != to, "closing not proposed") + audited(
        before, actor, "case.closing_proposed", case.id
    )


def _proposed_closing(state, arrangement):
    """An urgent case whose closing an intake or case officer proposed, waiting for agreement."""

    def build(b):
        from cases.operations import close_case

        case = b.case(state, arrangement)
        case.priority = 2
        role = "intake" if state == states.NEW else "officer"  # who may close from that state
        proposer = b.helper(role, arrangement_lead(arrangement))
        close_case(case, _closing_for(case), proposer, "经核查无此问题", confirmed=True)
        db.session.commit()
        return case_scene(case)

    return build


def arrangement_lead(arrangement):
    return "education" if arrangement in (EDUCATION_ONLY, EDUCATION_WITH_CYBER) else "cyberspace"


def _closing_effect(actor, scene, before, response):
    case = scene["case"]
    return check(case.closing_state is None and case.state in states.CLOSINGS, "closing not agreed") + audited(
        before, actor, "case.state", case.id
    )


def _split_effect(actor, scene, before, response):
    case = scene["case"]
    moved = scene["watch"][2]
    new = before.added(Case)
    return check(new and moved.case_id == new[0].id, "the tip was not split off") + audited(
        before, actor, "case.split", case.id
    )


def _contact_effect(actor, scene, before, response):
    tip = scene["case"].tips[0]
    return audited(before, actor, "tip.contact_viewed", tip.id)


def _propose_allowed(actor, scene):
    """propose_action's own conditions, read from the rules table."""
    case = scene["case"]
    return (
        actor.role in rules.PROPOSER_ROLES
        and states.works_in_department(actor, case)
        and case.is_open
        and case.platform is not None
    )


def _propose_effect(actor, scene, before, response):
    case = scene["case"]
    added = before.added(Action, case_id=case.id, proposed_by_id=actor.id, state=rules.PROPOSED)
    return check(added, "no action proposed") + audited(before, actor, "action.propose", added[0].id if added else None)


def _task_scene(department, state=states.INVESTIGATING):
    """A task for one department, on a case both departments handle."""

    def build(b):
        task = b.task(department, state)
        return {"case": task.case, "task": task, "watch": [task, task.case]}

    return build


def _task_done_effect(actor, scene, before, response):
    task = scene["task"]
    return check(task.done_by_id == actor.id and task.done_at, "task not done") + audited(
        before, actor, "case.task_done", task.case_id
    )


CASE_ROUTES = {
    ("staff.case", "GET"): Exercise("GET", case_path(), CASE_SCENES, hidden=case_hidden, ok=200),
    ("staff.add_note", "POST"): Exercise(
        "POST",
        case_path("/notes"),
        CASE_SCENES,
        hidden=case_hidden,
        allowed=lambda a, s: states.may_act(a, s["case"], "note"),
        form=lambda s, a: {"body": "内部备注"},
        effect=_note_effect,
        consumes=False,
    ),
    ("staff.add_task", "POST"): Exercise(
        "POST",
        case_path("/tasks"),
        CASE_SCENES,
        hidden=case_hidden,
        allowed=lambda a, s: states.may_act(a, s["case"], "task"),
        form=lambda s, a: {"department": "education", "title": "核实教师资质"},
        effect=_task_effect,
        consumes=False,
    ),
    ("staff.complete_task", "POST"): Exercise(
        "POST",
        lambda s, a: f"/staff/cases/{s['case'].id}/tasks/{s['task'].id}/done",
        {
            "cyberspace task": _task_scene("cyberspace"),
            "education task": _task_scene("education"),
            "education task, closed case": _task_scene("education", states.CLOSED_FOUNDED),
        },
        hidden=case_hidden,
        allowed=lambda a, s: states.may_complete_task(a, s["task"]),
        form=lambda s, a: {},
        effect=_task_done_effect,
    ),
    ("staff.send_message", "POST"): Exercise(
        "POST",
        case_path("/messages"),
        CASE_SCENES,
        hidden=case_hidden,
        allowed=lambda a, s: states.may_act(a, s["case"], "message"),
        form=lambda s, a: {"tip_id": str(s["case"].tips[0].id), "body": "请补充截图。"},
        effect=_message_effect,
        consumes=False,
    ),
    ("staff.assign", "POST"): Exercise(
        "POST",
        case_path("/assign"),
        CASE_SCENES,
        hidden=case_hidden,
        allowed=lambda a, s: states.may_act(a, s["case"], "assign"),
        form=lambda s, a: {"assignee": ""},
        effect=_assign_effect,
        consumes=False,
    ),
    ("staff.change_state", "POST"): Exercise(
        "POST",
        case_path("/state"),
        STATE_SCENES,
        hidden=case_hidden,
        allowed=_state_allowed,
        form=lambda s, a: {"to_state": s["to"], "reason": "依规办理"},
        effect=_state_effect,
    ),
    ("staff.triage", "POST"): Exercise(
        "POST",
        case_path("/triage"),
        {name: CASE_SCENES[name] for name in ("new, cyberspace", "triaged, education")},
        hidden=case_hidden,
        allowed=lambda a, s: states.may_transition(a, s["case"], states.TRIAGED),
        form=lambda s, a: {"lead_department": "education", "co_department": "cyberspace", "assignee": "", "reason": ""},
        effect=_triage_effect,
    ),
    ("staff.merge", "POST"): Exercise(
        "POST",
        case_path("/merge"),
        {where: _merge_scene(where) for where in ("open", "closed", "sibling region")},
        hidden=case_hidden,
        allowed=_merge_allowed,
        form=lambda s, a: {"target_id": str(s["target"].id), "reason": "同一问题"},
        effect=_merge_effect,
    ),
    ("staff.add_address", "POST"): Exercise(
        "POST",
        case_path("/address"),
        CASE_SCENES,
        hidden=case_hidden,
        allowed=lambda a, s: may_add_address(a, s["case"]),
        # An address of this case's own: a platform of an earlier scene may hold another's.
        form=lambda s, a: {"address": f"https://new-address.example/course/{s['case'].id}"},
        effect=_address_effect,
    ),
    ("staff.close", "POST"): Exercise(
        "POST",
        case_path("/close"),
        CLOSE_SCENES,
        hidden=case_hidden,
        allowed=_close_allowed,
        form=lambda s, a: {"to_state": s["to"], "reason": "经核查", "confirmed": "y"},
        effect=_close_effect,
    ),
    ("staff.closing_decision", "POST"): Exercise(
        "POST",
        case_path("/closing"),
        {
            "new, cyberspace, closing proposed": _proposed_closing(states.NEW, CYBER_ONLY),
            "investigating, education+cyberspace, closing proposed": _proposed_closing(
                states.INVESTIGATING, EDUCATION_WITH_CYBER
            ),
        },
        hidden=case_hidden,
        allowed=lambda a, s: states.may_agree_to_close(a, s["case"]),
        form=lambda s, a: {"agree": "yes", "note": ""},
        effect=_closing_effect,
    ),
    ("staff.split", "POST"): Exercise(
        "POST",
        case_path("/split"),
        _case_scenes(tips=2),
        hidden=case_hidden,
        allowed=lambda a, s: states.may_act(a, s["case"], "split"),
        form=lambda s, a: {
            "tip_ids": str(s["case"].tips[1].id),
            "category": next(c for c in catalog.CATEGORIES if c != s["case"].category),
            "reason": "不同问题",
        },
        effect=_split_effect,
    ),
    ("staff.contact", "POST"): Exercise(
        "POST",
        lambda s, a: f"/staff/tips/{s['case'].tips[0].id}/contact",
        {name: CASE_SCENES[name] for name in ("new, cyberspace", "investigating, education+cyberspace")},
        hidden=case_hidden,
        allowed=lambda a, s: works_on(a, s["case"]),
        form=lambda s, a: {},
        effect=_contact_effect,
        ok=200,
        consumes=False,
    ),
    ("staff.propose_action", "POST"): Exercise(
        "POST",
        case_path("/actions"),
        CASE_SCENES,
        hidden=case_hidden,
        allowed=_propose_allowed,
        form=lambda s, a: {"type": rules.INTERVIEW, "legal_basis": "《未成年人保护法》", "public_reason": "公开理由"},
        effect=_propose_effect,
        consumes=False,
    ),
}
