"""Suggestions for @mentions in a case's notes: the colleagues who can see the case, each with a handle
that cases/operations.py `mentioned` recognises as that person and nobody else."""

from dataclasses import dataclass

from flask import jsonify, request
from flask_login import current_user

from cases import states
from cases.access import active_staff_seeing, case_or_404, staff_required
from cases.blueprint import bp
from cases.operations import mention_handles, mention_names
from tipline import catalog
from tipline.extensions import db

SUGGESTIONS = 20
LONGEST_PREFIX = 100


@dataclass
class Candidate:
    """A colleague a note on the case may mention."""

    name: str
    handle: str  # what to type after the @
    department: str


def unique_handle(person, owners):
    """The handle that names `person` alone, or None when neither of their names does.

    `owners` maps each name a note may use (operations.mention_names) to the ids of the
    people it names. Their name comes first (what colleagues read in the note), then
    their email before the @. A handle must read back whole, as typed ("Li Wei" would be
    read as "Li"), and be nobody else's name or email.
    """
    for handle in (person.name or "", person.email.split("@")[0]):
        lowered = handle.lower()
        if handle and mention_handles(f"@{handle} ") == {lowered} and owners.get(lowered) == {person.id}:
            return handle
    return None


def _matches(person, handle, prefix):
    if not prefix:
        return True
    words = [handle, person.email.split("@")[0], *(person.name or "").split()]
    return any(word.lower().startswith(prefix) for word in words)


def mention_candidates(case, user, prefix="", limit=SUGGESTIONS):
    """Colleagues who can see the case and can be mentioned unmistakably, whose name, email or handle
    starts with `prefix` (case-insensitive): those working in the case's departments first, then by name.
    The user themself is left out (a note never notifies its author)."""
    people = db.session.scalars(active_staff_seeing(case)).all()
    prefix = prefix.strip().lstrip("@").lower()[:LONGEST_PREFIX]
    owners = {}
    for person in people:
        for name in mention_names(person):
            owners.setdefault(name, set()).add(person.id)
    found = []
    for person in people:
        if person.id == user.id:
            continue
        handle = unique_handle(person, owners)
        if handle is not None and _matches(person, handle, prefix):
            found.append((person, handle))
    found.sort(key=lambda pair: (not states.works_in_department(pair[0], case), pair[0].display_name.lower()))
    return [
        Candidate(person.display_name, handle, str(catalog.DEPARTMENTS.get(person.department, person.department)))
        for person, handle in found[:limit]
    ]


@bp.route("/cases/<id:case_id>/people", endpoint="mention_candidates")
@staff_required()
def mention_candidates_json(case_id):
    """The colleagues a note on this case may @mention, as JSON: [{name, handle, department}]."""
    case = case_or_404(current_user, case_id)
    prefix = request.args.get("q", "", type=str)
    return jsonify([vars(c) for c in mention_candidates(case, current_user, prefix)])
