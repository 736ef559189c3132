"""A tip as the API shows it, to those who may read it: the report's own fields, never its contact details.

The organisation's view (tipline/organisations/api.py) and the staff view (cases/api.py) add to it.
"""

from marshmallow import Schema, fields

from tipline.api.fields import UtcDateTime


class TipFields(Schema):
    id = fields.Integer()
    platform_id = fields.Integer(allow_none=True)
    platform_name = fields.String()
    category = fields.String()
    location = fields.String()
    description = fields.String()
    url = fields.String()
    seen_at = UtcDateTime(allow_none=True)
    reporter_type = fields.String()
    created_at = UtcDateTime()
