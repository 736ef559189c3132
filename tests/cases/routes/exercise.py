"""One route as the route rules test drives it: scenes, request, what the rules allow, and its effect."""

from dataclasses import dataclass
from itertools import count
from typing import Callable

from cases.audit import AuditEntry

NEVER = lambda actor, scene: False  # noqa: E731
ALWAYS = lambda actor, scene: True  # noqa: E731
serial = count(1)


@dataclass
class Exercise:
    """One route as the test drives it."""

    method: str
    path: Callable  # (scene, actor) -> the URL
    scenes: dict  # name -> (builder -> scene dict; its "watch" lists the rows a refusal must leave alone)
    allowed: Callable = ALWAYS  # (actor, scene) -> whether the rules let the actor do it now
    hidden: Callable = NEVER  # (actor, scene) -> whether the object lies outside the actor's regions (404)
    form: Callable = None  # (scene, actor) -> the form fields (POST)
    effect: Callable = None  # (actor, scene, before, response) -> problems, for an allowed request
    ok: int = 302
    consumes: bool = True  # an allowed request uses the scene up (it is built again for the next actor)


def audited(before, actor, action, target_id):
    """Problems, if the actor's audit row for `action` on `target_id` was not written."""
    rows = before.added(AuditEntry, actor_id=actor.id, action=action, target_id=target_id)
    return [] if rows else [f"no audit row {action} #{target_id} by the actor"]


def check(condition, text):
    """[text] when the condition does not hold: a problem to report."""
    return [] if condition else [text]


def fixed(path):
    """A path without an object in it."""
    return lambda scene, actor: path


NOTHING = {"no object": lambda b: {"watch": []}}  # the scenes of a route that names no object
