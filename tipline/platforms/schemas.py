"""Marshmallow schemas for the registry: filter arguments in, public platform views out."""

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, fields, validate


class FilingListArgs(Schema):
    """The query string of /platforms."""

    class Meta:
        unknown = EXCLUDE

    q = fields.String(
        load_default="", validate=validate.Length(max=100, error=_l("Search for at most 100 characters."))
    )
    region = fields.String(
        load_default="", validate=validate.Regexp(r"^(\d{6})?$", error=_l("Choose a region from the list."))
    )
    filing = fields.String(
        load_default="",
        validate=validate.OneOf(["", "filed", "unfiled"], error=_l("Choose a filing status from the list.")),
    )
    list = fields.String(
        load_default="",
        validate=validate.OneOf(["", "none", "white", "black"], error=_l("Choose a list from the list.")),
    )
    page = fields.Integer(
        load_default=1,
        strict=False,
        validate=validate.Range(min=1, max=100000, error=_l("Page numbers start at 1.")),
        error_messages={"invalid": _l("Page numbers start at 1.")},
    )


class PlatformSuggestion(Schema):
    """What search-as-you-type shows of a platform."""

    id = fields.Integer()
    name = fields.String()
    name_en = fields.String()
    operator = fields.String()
    region = fields.Function(lambda p: p.region.name if p.region else "")
    filed = fields.Function(lambda p: bool(p.filing and p.filing.status == "filed"))
