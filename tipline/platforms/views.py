"""The public filing list, one page per platform, the enforcement record, and suggestions for the report form."""

from flask import Blueprint, abort, jsonify, render_template, request
from flask_babel import gettext as _
from marshmallow import ValidationError

from tipline import catalog
from tipline.extensions import db
from tipline.platforms import record
from tipline.platforms.models import Platform
from tipline.platforms.schemas import FilingListArgs, PlatformSuggestion
from tipline.platforms.service import filing_list, suggest_platforms
from tipline.regions.models import Region
from tipline.regions.service import region_choices

bp = Blueprint("platforms", __name__, url_prefix="/platforms")
# The public enforcement record (tipline/platforms/record.py) and its Atom feed.
bp.add_url_rule("/actions", "actions", record.actions_page)
bp.add_url_rule("/actions.atom", "actions_feed", record.actions_feed)


@bp.route("")
def index():
    """The filing list: search, filter by region, filing status and list."""
    try:
        args = FilingListArgs().load(request.args)
        errors = {}
    except ValidationError as exc:
        args, errors = FilingListArgs().load({}), exc.messages
    if args["region"] and db.session.get(Region, args["region"]) is None:
        errors["region"] = [_("Choose a region from the list.")]
    page = None
    if not errors:
        page = filing_list(args["q"], args["region"], args["filing"], args["list"], args["page"])
    shown = {k: request.args.get(k, "")[:100] for k in ("q", "region", "filing", "list")}
    return render_template(
        "tipline/platforms.html",
        page=page,
        args=shown,
        errors=errors,
        regions=region_choices(),
        filing_statuses=catalog.FILING_STATUSES,
        list_statuses=catalog.LIST_STATUSES,
    ), (400 if errors else 200)


@bp.route("/<id:platform_id>")
def detail(platform_id):
    """One platform's public details."""
    platform = db.session.get(Platform, platform_id)
    if platform is None:
        abort(404)
    from cases.actions.service import public_record

    return render_template("tipline/platform.html", platform=platform, record=public_record(platform))


@bp.route("/suggest")
def suggest():
    """Search-as-you-type for the report form: a short JSON list."""
    query = request.args.get("q", "")[:100]
    return jsonify(PlatformSuggestion(many=True).dump(suggest_platforms(query)))
