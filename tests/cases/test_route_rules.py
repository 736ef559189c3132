"""Every staff and organisation route of the URL map, as every role, department and region, on objects in each state.

The routes come from `app.url_map`; how to drive each one is in tests/cases/routes/,
and a route it does not know fails the test by name. What each request may do
comes from the domain's rules: the roles the view declares (access.staff_required),
the region tree (404 outside it), and the predicates of the operations. An allowed
request must show its effect in the database; a refused one must answer 400/403
(404 outside the region tree) and leave every table and watched row as it was.
Nothing a page hides is reachable by a crafted POST.
"""

import pytest
from sqlalchemy import event

from tests.cases.conftest import BEIJING, CHAOYANG, HAIDIAN, prefixed
from tests.cases.routes import EXERCISES, OWN_ACCOUNT, guarded_routes
from tests.cases.routes.world import CYBER_ONLY, CYBER_WITH_EDUCATION, Builder, Snapshot
from tests.conftest import csrf_token
from tipline import catalog
from tipline.extensions import db

REGIONS = {BEIJING: "Beijing", HAIDIAN: "Haidian", CHAOYANG: "Chaoyang"}


def test_every_staff_and_organisation_route_is_exercised(app):
    """Catches a new route (staff or /org) that the rules test would silently leave untried."""
    unknown = [
        f"{method} {rule} ({endpoint})"
        for endpoint, method, rule in guarded_routes(app)
        if (endpoint, method) not in EXERCISES and (endpoint, method) not in OWN_ACCOUNT
    ]
    assert not unknown, "routes the rules test does not know how to exercise: " + ", ".join(unknown)
    stale = set(EXERCISES) | OWN_ACCOUNT
    stale -= {(endpoint, method) for endpoint, method, _ in guarded_routes(app)}
    assert not stale, f"exercises of routes that no longer exist: {sorted(stale)}"


def expected(app, endpoint, exercise, actor, scene):
    """What the rules say: 'ok', or the refusal ('role', 'hidden', 'refused')."""
    roles = getattr(app.view_functions[endpoint], "staff_roles", frozenset())
    if roles and actor.role not in roles:
        return "role"
    if exercise.hidden(actor, scene):
        return "hidden"
    return "ok" if exercise.allowed(actor, scene) else "refused"


REFUSALS = {"role": {403}, "hidden": {404}, "refused": {400, 403}}


def try_route(app, endpoint, exercise, actors, clients, builder):
    """Drive one route as each actor on each scene; returns the problems found."""
    problems = []
    for variant, build in exercise.scenes.items():
        scene = None
        for actor in actors:
            if scene is None:
                scene = builder.scene(build)
                before = Snapshot(scene["watch"])
            want = expected(app, endpoint, exercise, actor, scene)
            url = exercise.path(scene, actor)
            response = send(exercise, url, scene, actor, *clients[actor.id])
            after = Snapshot(scene["watch"])
            who = f"{actor.role}/{actor.department}/{REGIONS[actor.region_code]}"
            label = f"{endpoint}: {exercise.method} {url} [{variant}] as {who}"
            problems += [f"{label}: {p}" for p in judge(exercise, want, response, actor, scene, before, after)]
            if exercise.consumes and before.changes(after):
                builder.used_up(build)  # the next actor gets a fresh one
                scene = None
            before = after
    return problems


def send(exercise, url, scene, actor, client, token):
    """The request as the actor's browser would send it (a POST with the session's CSRF token)."""
    if exercise.method == "GET":
        return client.get(url)
    form = prefixed(url, exercise.form(scene, actor))
    return client.post(url, data={**form, "csrf_token": token})


def judge(exercise, want, response, actor, scene, before, after):
    """Problems with one answer: an allowed request must have its effect, a refused one none."""
    status = response.status_code
    if want == "ok":
        if status != exercise.ok:
            return [f"allowed by the rules, answered {status}"]
        return exercise.effect(actor, scene, before, response) if exercise.effect else []
    problems = []
    codes = {403} if exercise.method == "GET" and want == "refused" else REFUSALS[want]
    if status not in codes:
        problems.append(f"refused by the rules ({want}), answered {status}")
    changed = before.changes(after)
    if changed:
        problems.append(f"refused by the rules ({want}) but changed {changed}")
    return problems


QUICK_COMMITS = {"sqlite": "PRAGMA synchronous = OFF", "postgresql": "SET synchronous_commit = off"}


@pytest.fixture
def quick_commits(app):
    """Commits without waiting for the disk, for the thousands this test makes: durability is not what it checks."""
    setting = QUICK_COMMITS[db.engine.dialect.name]

    @event.listens_for(db.engine, "connect")
    def _quick(connection, record):
        cursor = connection.cursor()
        cursor.execute(setting)
        cursor.close()
        connection.commit()  # PostgreSQL undoes a SET with the transaction it ran in

    db.session.remove()
    db.engine.dispose()


@pytest.fixture
def cast(app, quick_commits, make_staff, make_platform, file_tip, staff_client, request):
    """The actors of one role (each department, in Beijing, Haidian and Chaoyang), signed in, and a scene builder."""
    role = request.param
    actors = [make_staff(role, dept, region) for dept in catalog.DEPARTMENTS for region in REGIONS]
    clients = {}
    for actor in actors:
        client = staff_client(actor)
        clients[actor.id] = (client, csrf_token(client, "/staff/account"))
    builder = Builder(make_staff, make_platform, file_tip)
    builder.actors = {(a.role, a.department, a.region_code): a for a in actors}
    return actors, clients, builder


@pytest.mark.parametrize("cast", list(catalog.ROLES), indirect=True)
def test_every_route_does_what_the_rules_allow_and_nothing_else(app, cast):
    """Catches any route whose operation lets through what its rules refuse, or claims a change it did not make."""
    actors, clients, builder = cast
    problems = []
    for endpoint, method, rule in guarded_routes(app):
        exercise = EXERCISES.get((endpoint, method))
        if exercise is None:
            assert (endpoint, method) in OWN_ACCOUNT, f"no exercise for {method} {rule} ({endpoint})"
            continue
        problems += try_route(app, endpoint, exercise, actors, clients, builder)
        db.session.rollback()
    assert not problems, f"{len(problems)} requests broke the rules:\n" + "\n".join(problems)


def test_operations_check_region_and_role_themselves(app, make_staff, make_platform, file_tip):
    """Catches a junk-tray or merge operation that trusts its view to have checked the actor's region and role."""
    from cases import operations

    builder = Builder(make_staff, make_platform, file_tip)
    tip = builder.tray_tip("suspected")
    for role, region in (("intake", CHAOYANG), ("officer", HAIDIAN)):
        for sort in (operations.confirm_junk, operations.release_junk):
            with pytest.raises(operations.NotAllowed):
                sort(tip, make_staff(role, "cyberspace", region))
            db.session.rollback()
    source, target = builder.case(), builder.case()
    target.region_code = CHAOYANG
    db.session.commit()
    with pytest.raises(operations.NotAllowed):
        operations.merge_cases(source, target, make_staff("supervisor", "cyberspace", HAIDIAN))
    db.session.rollback()
    assert tip.junk_status == "suspected" and source.state == "new"


def test_action_operations_check_region_and_department_themselves(app, make_staff, make_platform, file_tip):
    """Catches propose_action/propose_lift/keep_white_list trusting their views for the region, or a merge
    into a case of another department (the view shows only a number field)."""
    from cases import operations, states
    from cases.actions import rules, service
    from cases.actions.models import Action

    builder = Builder(make_staff, make_platform, file_tip)
    action = builder.in_force(rules.SUSPEND_UPDATES)
    case = action.case
    stranger = make_staff("supervisor", "cyberspace", CHAOYANG)  # right role and department, sibling region
    proposals = db.session.query(Action).count()
    with pytest.raises(operations.NotAllowed):
        service.propose_action(case, stranger, rules.INTERVIEW, "《未成年人保护法》", public_reason="公开理由")
    db.session.rollback()
    with pytest.raises(operations.NotAllowed):
        service.propose_lift(action, stranger, "整改完成", public_reason="解除的公开理由")
    db.session.rollback()
    assert db.session.query(Action).count() == proposals
    platform = case.platform
    with pytest.raises(operations.NotAllowed):
        service.keep_white_list(platform, stranger, "white", "复核合格")
    db.session.rollback()
    with pytest.raises(operations.NotAllowed):
        service.keep_white_list(platform, make_staff("officer", "cyberspace", HAIDIAN), "white", "复核合格")
    db.session.rollback()
    assert platform.list_status == "none"
    # An education officer works the source (co-handled) but not a cyberspace-only target.
    source, target = builder.case(states.INVESTIGATING, CYBER_WITH_EDUCATION), builder.case(states.TRIAGED, CYBER_ONLY)
    with pytest.raises(operations.NotAllowed):
        operations.merge_cases(source, target, make_staff("officer", "education", HAIDIAN))
    db.session.rollback()
    assert source.state == states.INVESTIGATING
