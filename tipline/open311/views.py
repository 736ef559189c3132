"""The GeoReport v2 endpoints, each in .json and .xml, with the specification's names, statuses and errors.

Filing goes through the API's own path (tipline/organisations/api.py file_for_organisation, the report
form's rules through TipIn); following goes through the organisation's list (tipline/organisations/tips.py).
"""

from datetime import datetime, timezone

from flask import Blueprint, current_app, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from tipline import catalog
from tipline.api.auth import presented_key
from tipline.api.tokens import TIPS_READ, TIPS_WRITE, authenticate
from tipline.evidence.intake import clean_form_files
from tipline.extensions import db, limiter
from tipline.open311.formats import Open311Error, answer
from tipline.organisations import tips as org_tips
from tipline.organisations.api import TipIn, file_for_organisation
from tipline.organisations.service import can_act
from tipline.reports.models import Tip, TipEvent
from tipline.tracking.status import CLOSED_FOUNDED, CLOSED_MERGED, CLOSED_UNFOUNDED, PUBLIC_STATUSES, public_status

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
limiter.limit(lambda: current_app.config["API_KEY_LIMIT"])(bp)

FORMATS = ("json", "xml")
CLOSED = (CLOSED_FOUNDED, CLOSED_UNFOUNDED, CLOSED_MERGED)
MAX_IDS = 50  # service_request_id=1,2,3... in one GET
# The attributes every service has, in the order a client shows them (GeoReport v2 service definition).
ATTRIBUTES = (
    ("platform", "string", True, None),
    ("platform_id", "number", False, None),
    ("location", "singlevaluelist", True, catalog.LOCATIONS),
    ("url", "string", False, None),
    ("seen_at", "datetime", False, None),
    ("reporter_type", "singlevaluelist", False, catalog.REPORTER_TYPES),
)


def _attribute_texts():
    return {
        "platform": (_("Platform"), _("The web site or app: its name as in the filing list, or its web address.")),
        "platform_id": (_("Platform number"), _("Its number in the filing list (/api/v1/platforms), when known.")),
        "location": (_("Where it was seen"), _("Where on the platform the problem was seen.")),
        "url": (_("Web address"), _("The address of the page where it happened.")),
        "seen_at": (_("When it was seen"), _("ISO 8601, with its offset.")),
        "reporter_type": (_("Who saw it"), _("The organisation's own kind when not given.")),
    }


def _format(fmt):
    if fmt not in FORMATS:
        raise Open311Error(404, _("Use .json or .xml at the end of the address."))
    return fmt


def _key(scope, optional=False):
    """The organisation member whose key came with the request, or a 401/403 error.

    The specification sends `api_key` as a field of the form (or the query string); a key in an
    `Authorization: Bearer` header is taken too, and keeps it out of the address (and so out of logs).
    """
    given = presented_key() or request.values.get("api_key", "")
    if optional and not given:
        return None
    token = authenticate(given)
    if token is None:
        raise Open311Error(401 if not given else 403, _("Send a valid api_key: an organisation's API key."))
    if token.is_staff or scope not in token.scopes:
        raise Open311Error(
            403, _("This api_key may not do this: use an organisation's key with %(scope)s.", scope=scope)
        )
    if token in db.session.dirty:
        db.session.commit()
    return token.owner


@bp.route("/discovery.<fmt>")
def discovery(fmt):
    """Where this endpoint is and what it speaks."""
    _format(fmt)
    return answer(
        fmt,
        "discovery",
        {
            "changeset": "2026-11-30T00:00:00Z",
            "contact": _("The tip line's operators, through its home page."),
            "key_service": _("An organisation's administrator makes API keys on the organisation's account page."),
            "endpoints": [
                {
                    "specification": "http://wiki.open311.org/GeoReport_v2",
                    "url": url_for("open311.services", fmt="json", _external=True).rsplit("/", 1)[0],
                    "changeset": "2026-11-30T00:00:00Z",
                    "type": "production",
                    "formats": ["application/json", "text/xml"],
                }
            ],
        },
    )


def _service(code, label):
    return {
        "service_code": code,
        "service_name": str(label),
        "description": str(label),
        "metadata": True,
        "type": "realtime",
        "keywords": "",
        "group": _("Harm to minors on online course platforms"),
    }


@bp.route("/services.<fmt>")
def services(fmt):
    """One service per violation category."""
    _format(fmt)
    return answer(fmt, "services", [_service(code, label) for code, label in catalog.CATEGORIES.items()])


@bp.route("/services/<code>.<fmt>")
def service_definition(code, fmt):
    """The attributes of a service: the platform in place of the location, and the rest of the report form."""
    _format(fmt)
    if code not in catalog.CATEGORIES:
        raise Open311Error(404, _("There is no service with this code."))
    texts = _attribute_texts()
    attributes = []
    for order, (name, datatype, required, values) in enumerate(ATTRIBUTES, 1):
        label, about = texts[name]
        attribute = {
            "variable": True,
            "code": name,
            "datatype": datatype,
            "required": required,
            "datatype_description": str(about),
            "order": order,
            "description": str(label),
        }
        if values:
            attribute["values"] = [{"key": key, "name": str(text)} for key, text in values.items()]
        attributes.append(attribute)
    return answer(fmt, "service_definition", {"service_code": code, "attributes": attributes})


def _as_tip_fields(form):
    """The GeoReport v2 request's fields, named as the API's TipIn names them."""
    attribute = {key[len("attribute[") : -1]: value for key, value in form.items() if key.startswith("attribute[")}
    name = " ".join(filter(None, (form.get("first_name", ""), form.get("last_name", ""))))
    fields = {
        "platform_id": attribute.get("platform_id") or None,
        "platform_name": attribute.get("platform") or form.get("address_string", ""),
        "category": form.get("service_code", ""),
        "location": attribute.get("location", ""),
        "description": form.get("description", ""),
        "url": attribute.get("url") or form.get("media_url", ""),
        "seen_at": attribute.get("seen_at") or None,
        "reporter_type": attribute.get("reporter_type") or None,
        "contact_name": name,
        "contact_email": form.get("email", ""),
        "contact_phone": form.get("phone", ""),
    }
    return MultiDict({key: value for key, value in fields.items() if value is not None})


@bp.route("/requests.<fmt>", methods=["POST"])
def post_request(fmt):
    """File a tip for the key's organisation: service_code, attribute[platform], attribute[location], description."""
    _format(fmt)
    member = _key(TIPS_WRITE)
    if not can_act(member.organisation):
        raise Open311Error(403, _("Your organisation cannot do this as it stands now"))
    try:
        sent = TipIn().load(_as_tip_fields(request.form))
    except ValidationError as exc:
        raise Open311Error(400, *_messages(exc.messages)) from None
    clean, errors = clean_form_files(request.files.getlist("media"))
    if errors:
        raise Open311Error(400, *errors)
    tip = file_for_organisation(member, sent, clean)
    db.session.commit()
    return answer(
        fmt,
        "service_requests",
        [{"service_request_id": str(tip.id), "service_notice": _notice(tip), "account_id": None}],
        status=201,
    )


def _messages(messages):
    """ "field: message" for each refused field, named as GeoReport v2 names it."""
    named = {"platform_name": "attribute[platform]", "category": "service_code", "location": "attribute[location]"}
    found = []
    for field, problems in messages.items():
        for problem in problems if isinstance(problems, list) else [problems]:
            found.append(f"{named.get(field, field)}: {problem}")
    return found


def _notice(tip):
    return str(PUBLIC_STATUSES[public_status(tip)])


def _utc(moment):
    return moment.replace(tzinfo=timezone.utc).isoformat(timespec="seconds") if moment else None


def _last_changes(tips):
    """{tip id: when its history last changed}, in one query."""
    ids = [tip.id for tip in tips]
    if not ids:
        return {}
    query = select(TipEvent.tip_id, func.max(TipEvent.created_at)).where(TipEvent.tip_id.in_(ids))
    return dict(db.session.execute(query.group_by(TipEvent.tip_id)).all())


def _requests(tips, full=True):
    last = _last_changes(tips)
    return [_request(tip, full, last.get(tip.id)) for tip in tips]


def _request(tip, full=True, updated=None):
    """The tip as a GeoReport v2 service request; without the organisation's key (`full` false), only what
    says how it stands: no description, platform or address that could point to who reported it."""
    status = public_status(tip)
    shown = {
        "service_request_id": str(tip.id),
        "status": "closed" if status in CLOSED else "open",
        "status_notes": _notice(tip),
        "service_name": str(catalog.CATEGORIES.get(tip.category, tip.category)),
        "service_code": tip.category,
        "description": tip.description,
        "agency_responsible": _("Cyberspace and education departments"),
        "service_notice": "",
        "requested_datetime": _utc(tip.created_at),
        "updated_datetime": _utc(updated or tip.created_at),
        "expected_datetime": None,
        "address": tip.platform.name if tip.platform else tip.platform_name,
        "address_id": str(tip.platform_id) if tip.platform_id else None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": tip.url or None,
    }
    if not full:
        shown.update(description="", address=None, address_id=None, media_url=None)
    return shown


def _day(text, name):
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, _("%(name)s: give a date and time as in ISO 8601.", name=name)) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


@bp.route("/requests.<fmt>")
def get_requests(fmt):
    """The key's organisation's tips: by service_request_id (a comma list), or by service_code, status and dates."""
    _format(fmt)
    ids = request.args.get("service_request_id", "")
    member = _key(TIPS_READ, optional=bool(ids))
    if ids:
        wanted = [part.strip() for part in ids.split(",") if part.strip()]
        if len(wanted) > MAX_IDS or not all(part.isascii() and part.isdigit() and len(part) < 10 for part in wanted):
            raise Open311Error(400, _("service_request_id: give up to 50 numbers, separated by commas."))
        if member is None:
            found = [_filed_by_an_organisation(int(part)) for part in wanted]
            return answer(fmt, "service_requests", _requests([tip for tip in found if tip is not None], full=False))
    listed = org_tips.filtered_rows(member.organisation_id, org_tips.ListFilters())
    if ids:
        listed = listed.where(Tip.id.in_([int(part) for part in wanted]))
    else:
        code = request.args.get("service_code", "")
        if code:
            if code not in catalog.CATEGORIES:
                raise Open311Error(400, _("service_code: there is no service with this code."))
            listed = listed.where(Tip.category == code)
        status = request.args.get("status", "")
        if status not in ("", "open", "closed", "open,closed", "closed,open"):
            raise Open311Error(400, _("status: use open or closed."))
        if request.args.get("start_date"):
            listed = listed.where(Tip.created_at >= _day(request.args["start_date"], "start_date"))
        if request.args.get("end_date"):
            listed = listed.where(Tip.created_at <= _day(request.args["end_date"], "end_date"))
        listed = listed.limit(1000)  # the specification's default window: the newest 1000
    found = [tip for _row, tip in db.session.execute(listed).all()]
    if not ids and status in ("open", "closed"):
        found = [tip for tip in found if (public_status(tip) in CLOSED) == (status == "closed")]
    return answer(fmt, "service_requests", _requests(found))


def _number(text):
    return text.isascii() and text.isdigit() and len(text) < 10


def _listed(member, text):
    """The list row of the organisation's tip numbered `text`, or None."""
    return org_tips.listed_tip(member.organisation_id, int(text)) if _number(text) else None


def _filed_by_an_organisation(tip_id):
    """A tip an organisation filed (through its pages, the API or Open311), or None: only those are read
    without a key, and only as to how they stand. A tip of the public is followed with its receipt code."""
    tip = db.session.get(Tip, tip_id)
    return tip if tip is not None and tip.organisation_id is not None else None


@bp.route("/requests/<request_id>.<fmt>")
def get_request(request_id, fmt):
    """One request: in full for the organisation whose list holds it; how it stands, for anyone else."""
    _format(fmt)
    member = _key(TIPS_READ, optional=True)
    if member is not None:
        row = _listed(member, request_id)
        found = row.tip if row is not None else None
    else:
        found = _filed_by_an_organisation(int(request_id)) if _number(request_id) else None
    if found is None:
        raise Open311Error(404, _("There is no request with this number."))
    return answer(fmt, "service_requests", _requests([found], full=member is not None))


@bp.route("/tokens/<token>.<fmt>")
def get_token(token, fmt):
    """Requests are filed at once, so a token is the request's own id (GeoReport v2 tokens/{token})."""
    _format(fmt)
    member = _key(TIPS_READ)
    row = _listed(member, token)
    if row is None:
        raise Open311Error(404, _("There is no request with this token."))
    return answer(fmt, "service_requests", [{"service_request_id": str(row.tip_id), "token": token}])
