"""An organisation's reports in the API: file one with its evidence, list them, read one, add to one.

A key of an organisation member acts as that member does on the organisation's pages (/org/): the
same services, the same checks of the report form (tipline/reports/rules.py), the same list and
filters (tipline/organisations/tips.py). Tips of other organisations answer 404, as on the pages.
"""

from datetime import timezone

from flask import request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_smorest.fields import Upload
from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate, validates_schema

from tipline import catalog
from tipline.api.auth import api_blueprint, caller, require
from tipline.api.fields import UtcDateTime, checked
from tipline.api.idempotency import writes
from tipline.api.problems import ApiProblem, parameter_errors, refused
from tipline.api.tokens import TIPS_READ, TIPS_WRITE
from tipline.clients import client_address
from tipline.evidence.intake import clean_form_files
from tipline.extensions import db
from tipline.i18n import current_language
from tipline.organisations import tips as org_tips
from tipline.organisations.service import can_act
from tipline.reports import rules
from tipline.reports.schemas import TipFields
from tipline.reports.service import TipSubmission, add_to_tip, submit_tip
from tipline.timeutil import app_zone
from tipline.tracking.status import EXPLANATIONS, PUBLIC_STATUSES, public_status
from tipline.web import MAX_ROW_ID

bp = api_blueprint("api_org", __name__, description="An organisation's reports: an organisation member's key.")

# The events of a tip whose text the reporter (and so the organisation following it) may read.
PUBLIC_BODIES = ("info_added", "staff_message", "closing_reason", "fix_gone", "fix_still_there")


class TipIn(Schema):
    """A report, as the report form takes it: its fields and up to five evidence files (multipart/form-data)."""

    class Meta:
        unknown = EXCLUDE

    platform_id = fields.Integer(
        load_default=None,
        strict=False,
        validate=validate.Range(min=1, max=MAX_ROW_ID, error=_l("Choose the platform again from the list.")),
        metadata={"description": "A platform of the registry (GET /api/v1/platforms)"},
    )
    platform_name = checked(
        rules.REPORT, "platform_name", description="The platform's name, or the registry's when one is given"
    )
    category = fields.String(required=True, validate=validate.OneOf(list(catalog.CATEGORIES)))
    location = fields.String(required=True, validate=validate.OneOf(list(catalog.LOCATIONS)))
    description = checked(rules.REPORT, "description", description="What happened: 10 to 5000 characters")
    url = checked(rules.REPORT, "url", description="The web address where it happened")
    seen_at = fields.AwareDateTime(
        load_default=None,
        default_timezone=timezone.utc,
        metadata={"description": "When it was seen (RFC 3339; without an offset, UTC)"},
    )
    reporter_type = fields.String(
        load_default=None,
        validate=validate.OneOf(list(catalog.REPORTER_TYPES)),
        metadata={"description": "Who saw it; the organisation's own kind by default"},
    )
    contact_name = checked(rules.REPORT, "contact_name")
    contact_email = checked(rules.REPORT, "contact_email")
    contact_phone = checked(rules.REPORT, "contact_phone")
    evidence = fields.List(Upload(), load_default=list, metadata={"description": "Images, videos or PDFs"})

    @validates_schema
    def _seen_in_the_past(self, data, **kwargs):
        seen = data.get("seen_at")
        if seen is not None:
            # Checked as typed when far out of range (year 1, year 9999): converting it would overflow.
            local = seen.astimezone(app_zone()) if 2000 <= seen.year <= 9000 else seen
            problem = rules.field_problem("seen_at", local.replace(tzinfo=None))
            if problem is not None:
                raise ValidationError(str(problem), "seen_at")

    @post_load
    def _naive_utc(self, data, **kwargs):
        if data.get("seen_at") is not None:
            data["seen_at"] = data["seen_at"].astimezone(timezone.utc).replace(tzinfo=None)
        return data


class AdditionIn(Schema):
    """An answer to staff, information or evidence added to a report (multipart/form-data)."""

    class Meta:
        unknown = EXCLUDE

    text = fields.String(load_default="", validate=validate.Length(max=5000))
    evidence = fields.List(Upload(), load_default=list)


class ListQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    status = fields.String(load_default="", metadata={"enum": ["", *PUBLIC_STATUSES]})
    category = fields.String(load_default="", metadata={"enum": ["", *catalog.CATEGORIES]})
    platform = fields.String(load_default="", metadata={"description": "Part of the platform's name"})
    date_from = fields.String(load_default="", metadata={"format": "date"})
    date_to = fields.String(load_default="", metadata={"format": "date"})
    q = fields.String(load_default="", metadata={"description": "Words of the description"})
    before = fields.String(load_default="", metadata={"description": "`next` of the previous page"})


class FileOut(Schema):
    name = fields.String(attribute="original_name")
    size = fields.Integer()
    state = fields.String(metadata={"description": "A damaged file could not be read and was not kept"})


class EventOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    at = UtcDateTime(attribute="created_at")
    body = fields.Function(lambda event: event.body if event.kind in PUBLIC_BODIES else "")
    organisation = fields.Function(lambda event: event.organisation.name if event.organisation_id else None)
    files = fields.List(fields.Nested(FileOut), attribute="evidence")


class TipOut(TipFields):
    """One of the organisation's reports, with its public status and history."""

    status = fields.Function(public_status, metadata={"enum": list(PUBLIC_STATUSES)})
    status_label = fields.Function(lambda tip: str(PUBLIC_STATUSES[public_status(tip)]))
    status_explanation = fields.Function(lambda tip: str(EXPLANATIONS[public_status(tip)]))
    history = fields.List(fields.Nested(EventOut), attribute="events")


class ListedOut(Schema):
    id = fields.Function(lambda line: line.tip.id)
    platform_name = fields.Function(
        lambda line: line.tip.platform.name if line.tip.platform else line.tip.platform_name
    )
    category = fields.Function(lambda line: line.tip.category)
    created_at = UtcDateTime(attribute="tip.created_at")
    status = fields.String()
    last_change = UtcDateTime()
    unread = fields.Integer(metadata={"description": "Staff messages the organisation has not read"})
    source = fields.Function(lambda line: line.row.source, metadata={"enum": ["filed", "collected"]})


class ListOut(Schema):
    items = fields.List(fields.Nested(ListedOut))
    total = fields.Integer()
    next = fields.String(allow_none=True, metadata={"description": "Pass as `before` for the next page"})


def file_for_organisation(member, sent, clean):
    """File a report checked by TipIn (with its evidence checked by the form's rules) for the member's
    organisation: the one way the API and Open311 file. Returns the tip, in the organisation's list."""
    tip, _code = submit_tip(
        TipSubmission(
            platform_id=sent["platform_id"],
            platform_name=sent["platform_name"],
            category=sent["category"],
            location=sent["location"],
            description=sent["description"],
            url=sent["url"] or "",
            seen_at=sent["seen_at"],
            reporter_type=sent["reporter_type"] or member.organisation.kind,
            contact={name: sent[f"contact_{name}"] or "" for name in ("name", "email", "phone")},
            locale=current_language(),
            client=client_address(),
            organisation_id=member.organisation_id,
            org_member_id=member.id,
        ),
        clean,
    )
    org_tips.filed(member, tip)
    db.session.flush()
    return tip


def _member_may_act():
    member = caller()
    if not can_act(member.organisation):
        raise ApiProblem(
            403,
            _("Your organisation cannot do this as it stands now"),
            _("An organisation whose address is unconfirmed, or that was refused or suspended, only reads."),
        )
    return member


def _files(uploads):
    """The evidence files, checked as the form checks them; 422 naming them when one is refused."""
    clean, errors = clean_form_files(uploads)
    if errors:
        raise refused(
            [{"pointer": "#/evidence", "detail": str(error)} for error in errors],
            _("None of the files was kept: correct them and send the request again."),
        )
    return clean


def _listed(tip_id):
    row = org_tips.listed_tip(caller().organisation_id, tip_id)
    if row is None:
        raise ApiProblem(404, _("Not found"), _("Your organisation's list holds no report with this number."))
    return row


@bp.route("/tips", methods=["POST"])
@require(TIPS_WRITE, staff=False)
@writes
@bp.arguments(TipIn, location="files")
@bp.response(201, TipOut, headers={"Location": {"schema": {"type": "string"}}})
def file_tip(sent):
    """File a report for the organisation; it joins the organisation's list as filed by the key's owner."""
    member = _member_may_act()
    tip = file_for_organisation(member, sent, _files(sent["evidence"]))
    return tip, 201, {"Location": url_for("api_org.read_tip", tip_id=tip.id)}


@bp.route("/tips")
@require(TIPS_READ, staff=False)
@bp.arguments(ListQuery, location="query")
@bp.response(200, ListOut)
def list_tips(_query):
    """The organisation's list, newest first, with the filters of its page; paged by `next`."""
    filters = org_tips.read_filters(request.args)
    if filters.errors:
        raise refused(parameter_errors(filters.errors))
    organisation_id = caller().organisation_id
    page = org_tips.list_page(organisation_id, filters)
    return {
        "items": page.lines,
        "total": org_tips.count(organisation_id, filters),
        "next": str(page.older) if page.older else None,
    }


@bp.route("/tips/<id:tip_id>")
@require(TIPS_READ, staff=False)
@bp.response(200, TipOut)
def read_tip(tip_id):
    """One report of the list: its public status, its history and the staff's messages (then marked read)."""
    row = _listed(tip_id)
    org_tips.mark_read(row)
    db.session.commit()
    return row.tip


@bp.route("/tips/<id:tip_id>/additions", methods=["POST"])
@require(TIPS_WRITE, staff=False)
@writes
@bp.arguments(AdditionIn, location="files")
@bp.response(201, TipOut)
def add_to(sent, tip_id):
    """Answer the staff, or add information or evidence to a report of the list, for the organisation."""
    member = _member_may_act()
    row = _listed(tip_id)
    clean = _files(sent["evidence"])
    text = sent["text"].strip()
    if not text and not clean:
        raise refused([{"pointer": "#/text", "detail": _("Write something or attach a file.")}])
    add_to_tip(row.tip, text, clean, member.organisation)
    db.session.flush()
    return row.tip, 201
