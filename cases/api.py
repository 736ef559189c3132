"""Cases in the API, for staff keys: the work queue, one case, a note, an action proposed.

A staff key acts as its owner on the staff pages: the queue is the owner's queue (visible_cases), a case
the owner may not see answers 404, and a note or an action goes through the same operations, with their
rules on who may do what. Reporters' contact details are never in the API: on the pages each view of
them is asked for, and logged.
"""

from flask import request, url_for
from flask_babel import gettext as _
from marshmallow import EXCLUDE, Schema, fields, validate

from cases import operations, states
from cases.access import case_or_404
from cases.actions import rules as action_rules
from cases.actions import service as actions
from cases.forms import ActionForm, NoteForm
from cases.queue import QueueArgs, read_queue_ask, work_queue
from tipline import catalog
from tipline.api.auth import api_blueprint, caller, require
from tipline.api.fields import UtcDateTime, checked
from tipline.api.idempotency import writes
from tipline.api.problems import ApiProblem, parameter_errors, refused
from tipline.api.tokens import CASES_READ, CASES_WRITE
from tipline.extensions import db
from tipline.forms import FormRules
from tipline.reports.schemas import TipFields
from tipline.timeutil import utcnow

bp = api_blueprint("api_cases", __name__, description="Cases, as their pages show them: a staff key.")

NOTE, ACTION = FormRules(NoteForm), FormRules(ActionForm)


class QueueQuery(QueueArgs):
    """The work queue's filters, as on /staff/ (most urgent first)."""

    class Meta:
        unknown = EXCLUDE


class CaseLine(Schema):
    id = fields.Integer()
    platform_id = fields.Integer(allow_none=True)
    platform_name = fields.String()
    category = fields.String(metadata={"enum": list(catalog.CATEGORIES)})
    region = fields.String(attribute="region_code")
    lead_department = fields.String()
    co_department = fields.String(allow_none=True)
    assignee = fields.Function(lambda case: case.assignee.display_name if case.assignee else None)
    priority = fields.Integer()
    state = fields.String(metadata={"enum": list(states.STATES)})
    reporter_count = fields.Integer()
    tip_count = fields.Integer()
    deadline_at = UtcDateTime(allow_none=True)
    created_at = UtcDateTime()
    updated_at = UtcDateTime()
    closed_at = UtcDateTime(allow_none=True)


class QueueOut(Schema):
    items = fields.List(fields.Nested(CaseLine))
    total = fields.Integer(allow_none=True, metadata={"description": "Counted up to 1,001; none for a text search"})
    next = fields.String(allow_none=True, metadata={"description": "Pass as `after` for the next page"})


class CaseTip(TipFields):
    """A tip of the case, without its reporter's contact details (on the pages only, each view logged)."""

    class Meta:
        exclude = ("platform_id",)  # the case's own

    organisation = fields.Function(lambda tip: tip.organisation.name if tip.organisation_id else None)
    junk_status = fields.String(allow_none=True)


class CaseEventOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    actor = fields.Function(lambda event: event.actor.display_name if event.actor else None)
    detail = fields.Dict()
    at = UtcDateTime(attribute="created_at")


class NoteOut(Schema):
    id = fields.Integer()
    author = fields.Function(lambda note: note.author.display_name)
    department = fields.String()
    body = fields.String()
    at = UtcDateTime(attribute="created_at")


class ActionOut(Schema):
    id = fields.Integer()
    type = fields.String(metadata={"enum": list(action_rules.ACTION_TYPES)})
    state = fields.String()
    department = fields.String()
    legal_basis = fields.String()
    public_reason = fields.String()
    details = fields.String()
    starts_on = fields.Date()
    deadline_on = fields.Date(allow_none=True)
    proposed_at = UtcDateTime()
    decided_at = UtcDateTime(allow_none=True)


class CaseOut(CaseLine):
    """A case with its tips, history, internal notes and actions."""

    priority_reasons = fields.List(fields.String())
    tips = fields.List(fields.Nested(CaseTip))
    history = fields.List(fields.Nested(CaseEventOut), attribute="events")
    notes = fields.List(fields.Nested(NoteOut))
    actions = fields.Method("_actions")

    def _actions(self, case):
        from cases.actions.models import Action

        found = db.session.scalars(db.select(Action).where(Action.case_id == case.id).order_by(Action.id)).all()
        return ActionOut(many=True).dump(found)


class NoteIn(Schema):
    class Meta:
        unknown = EXCLUDE

    body = checked(NOTE, "body", description="Seen by staff of both departments only; @name notifies a colleague")


class ActionIn(Schema):
    class Meta:
        unknown = EXCLUDE

    type = fields.String(required=True, validate=validate.OneOf(list(action_rules.ACTION_TYPES)))
    legal_basis = checked(ACTION, "legal_basis")
    public_reason = checked(ACTION, "public_reason", description="What the public enforcement record says")
    details = checked(ACTION, "details")
    starts_on = fields.Date(load_default=None, metadata={"description": "Today (Beijing) by default"})
    deadline_on = fields.Date(load_default=None, metadata={"description": "For a rectification order"})


def _refused(exc):
    """A rule of the operation said no: 403 when the key's owner may not, 409 when the case does not allow it."""
    status = 403 if isinstance(exc, operations.NotAllowed) else 409
    return ApiProblem(status, _("This cannot be done"), str(exc))


@bp.route("/cases")
@require(CASES_READ, staff=True)
@bp.arguments(QueueQuery, location="query")
@bp.response(200, QueueOut)
def list_cases(_query):
    """The key owner's work queue: the cases of their region tree, filtered as on /staff/, most urgent first."""
    user = caller()
    ask = read_queue_ask(user, request.args)
    if ask.by_field:
        raise refused(parameter_errors(ask.by_field))
    page = work_queue(user, ask.args, utcnow(), cursor=ask.cursor)
    return {"items": page.cases, "total": page.total, "next": page.next_cursor}


@bp.route("/cases/<id:case_id>")
@require(CASES_READ, staff=True)
@bp.response(200, CaseOut)
def read_case(case_id):
    """One case the key's owner may see, with its tips, history, notes and actions."""
    return case_or_404(caller(), case_id)


@bp.route("/cases/<id:case_id>/notes", methods=["POST"])
@require(CASES_WRITE, staff=True)
@writes
@bp.arguments(NoteIn)
@bp.response(201, NoteOut)
def add_note(sent, case_id):
    """Add an internal note to the case, as its page does."""
    user = caller()
    case = case_or_404(user, case_id)
    try:
        note = operations.add_note(case, user, sent["body"])
    except operations.CaseError as exc:
        raise _refused(exc) from None
    db.session.flush()
    return note, 201, {"Location": url_for("api_cases.read_case", case_id=case.id)}


@bp.route("/cases/<id:case_id>/actions", methods=["POST"])
@require(CASES_WRITE, staff=True)
@writes
@bp.arguments(ActionIn)
@bp.response(201, ActionOut)
def propose_action(sent, case_id):
    """Propose an action on the case's platform; a supervisor decides on the staff pages."""
    user = caller()
    case = case_or_404(user, case_id)
    try:
        action = actions.propose_action(
            case,
            user,
            sent["type"],
            sent["legal_basis"],
            sent["details"],
            sent["starts_on"],
            sent["deadline_on"],
            public_reason=sent["public_reason"],
        )
    except operations.CaseError as exc:
        raise _refused(exc) from None
    db.session.flush()
    return action, 201
