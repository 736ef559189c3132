"""The registry in the API, for anyone: the filing list, one platform, the black and white lists, the
enforcement record. The same services and filters as /platforms and /platforms/actions.
"""

from dataclasses import dataclass

from flask import request
from flask_babel import gettext as _
from marshmallow import EXCLUDE, Schema, fields, validate

from cases.actions import rules
from tipline import catalog
from tipline.api.auth import api_blueprint, public
from tipline.api.fields import UtcDateTime
from tipline.api.problems import ApiProblem, parameter_errors, refused
from tipline.extensions import db
from tipline.platforms import record
from tipline.platforms.models import Platform
from tipline.platforms.schemas import FilingListArgs
from tipline.platforms.service import filing_list
from tipline.regions.models import Region
from tipline.timeutil import app_today

bp = api_blueprint("api_platforms", __name__, description="Platforms, their filing, lists and enforcement: no key.")

RECORD_PAGE = 50


def _field_problem(errors):
    """422 with the refused query fields, as the pages word them."""
    return refused(parameter_errors(errors))


class FilingSchema(Schema):
    status = fields.String(metadata={"enum": list(catalog.FILING_STATUSES)})
    filing_number = fields.String()
    filed_features = fields.String()
    last_reviewed_on = fields.Date(allow_none=True)


class PlatformSchema(Schema):
    """A platform as the public filing list shows it."""

    id = fields.Integer()
    name = fields.String()
    name_en = fields.String()
    operator = fields.String()
    region = fields.String(attribute="region_code", metadata={"description": "GB/T 2260 code"})
    region_name = fields.Function(lambda p: p.region.name if p.region else "")
    addresses = fields.List(fields.String())
    teaches_subjects = fields.Boolean()
    list_status = fields.String(metadata={"enum": list(catalog.LIST_STATUSES)})
    enforcement_status = fields.String()
    filing = fields.Nested(FilingSchema, allow_none=True)


class PlatformPageSchema(Schema):
    items = fields.List(fields.Nested(PlatformSchema), attribute="platforms")
    total = fields.Integer()
    page = fields.Integer()
    pages = fields.Integer()


class DecisionSchema(Schema):
    """One approved enforcement decision (an action or its lifting), as the public record shows it."""

    id = fields.Integer()
    platform_id = fields.Function(lambda d: d.platform.id)
    platform_name = fields.Function(lambda d: d.platform.name)
    action = fields.String(metadata={"description": "The action, in the request's language."})
    is_lift = fields.Boolean()
    decided_on = fields.Date()
    starts_on = fields.Date()
    deadline_on = fields.Date(allow_none=True)
    in_force = fields.Boolean()
    status = fields.String()
    public_reason = fields.String()


class ListEntrySchema(Schema):
    list_status = fields.String(metadata={"enum": list(catalog.LIST_STATUSES)})
    public_reason = fields.String()
    created_at = UtcDateTime()


@dataclass
class PlatformDetail:
    """A platform and its public record, read as one object by PlatformDetailSchema."""

    platform: Platform
    in_force: list
    past: list
    list_entries: list

    def __getattr__(self, name):
        return getattr(self.platform, name)


class PlatformDetailSchema(PlatformSchema):
    """A platform with its public enforcement record."""

    in_force = fields.List(fields.Nested(DecisionSchema))
    past = fields.List(fields.Nested(DecisionSchema))
    list_entries = fields.List(fields.Nested(ListEntrySchema))


class RecordQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    q = fields.String(load_default="")
    type = fields.String(load_default="", validate=validate.OneOf(["", *rules.ACTION_TYPES]))
    status = fields.String(load_default="", validate=validate.OneOf(list(record.STATUS_CHOICES)))
    region = fields.String(load_default="")
    before = fields.String(load_default="", metadata={"description": "`next` of the previous page"})


class RecordPageSchema(Schema):
    items = fields.List(fields.Nested(DecisionSchema))
    next = fields.String(allow_none=True, metadata={"description": "Pass as `before` for the next page"})


@bp.route("/platforms")
@bp.arguments(FilingListArgs, location="query", as_kwargs=True)
@bp.response(200, PlatformPageSchema)
@public
def platforms(q, region, filing, list, page):  # noqa: A002 (the query string's own name)
    """The filing list: search by name, operator, address or filing number; filter by region, filing, list."""
    if region and db.session.get(Region, region) is None:
        raise _field_problem({"region": [_("Choose a region from the list.")]})
    return filing_list(q, region, filing, list, page)


@bp.route("/platforms/<id:platform_id>")
@bp.response(200, PlatformDetailSchema)
@public
def platform(platform_id):
    """One platform, with its actions in force, its past actions and its list entries."""
    from cases.actions.service import public_record

    found = db.session.get(Platform, platform_id)
    if found is None:
        raise ApiProblem(404, _("Not found"), _("There is no platform with this number."))
    history, today = public_record(found), app_today()
    return PlatformDetail(
        found,
        in_force=[record.public_decision(action, today) for action in history["in_force"]],
        past=[record.public_decision(action, today) for action in history["past"]],
        list_entries=history["list_entries"],
    )


@bp.route("/actions")
@bp.arguments(RecordQuery, location="query")
@bp.response(200, RecordPageSchema)
@public
def actions(_args):
    """The enforcement record: decisions in force and those of recent weeks, newest first (as /platforms/actions)."""
    args, errors = record.parse_filters(request.args)
    if errors:
        raise _field_problem(errors)
    decisions, more = record.enforcement_record(args, RECORD_PAGE)
    return {"items": decisions, "next": str(decisions[-1].id) if more else None}
