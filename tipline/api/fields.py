"""Schema fields of the API that take their rules from a page's form (tipline/forms.py FormRules)."""

from datetime import timezone

from marshmallow import ValidationError, fields


def checked(rules, name, required=None, **meta):
    """A text field trimmed and checked as the form's field is, documented with its longest length."""

    def check(value):
        problem = rules.problem(name, value)
        if problem is not None:
            raise ValidationError(str(problem))

    class Checked(fields.String):
        def _deserialize(self, value, attr, data, **kwargs):
            return rules.clean(name, super()._deserialize(value, attr, data, **kwargs))

    needed = rules.required(name) if required is None else required
    maximum = rules.max_length(name)
    if maximum:
        meta["maxLength"] = maximum
    if needed:
        return Checked(required=True, validate=check, metadata=meta)
    return Checked(load_default="", validate=check, metadata=meta)


class UtcDateTime(fields.DateTime):
    """A stored time (naive UTC) as RFC 3339 with its offset: 2026-11-30T05:18:09+00:00."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return super()._serialize(value, attr, obj, **kwargs)
