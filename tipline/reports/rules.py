"""The report form's checks, for what arrives without the form: a line of a batch file, a call of the API.

The rules of a report live on ReportForm's fields (tipline/reports/forms.py); the batch upload and the
API ask them here, field by field, so that no rule is written twice.
"""

from flask_babel import lazy_gettext as _l
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from tipline.reports.forms import ReportForm


class _Cell:
    """Enough of a form field for the report form's validators to check one value."""

    def __init__(self, data):
        self.data = data

    def gettext(self, string):
        return string

    def ngettext(self, singular, plural, n):
        return singular if n == 1 else plural


def checks(field):
    """The validators of the report form's field."""
    return getattr(ReportForm, field).kwargs.get("validators", ())


def required(field):
    """Whether the report form requires the field."""
    return any(isinstance(check, (DataRequired, InputRequired)) for check in checks(field))


def max_length(field):
    """The longest value the report form takes for the field, or None."""
    return next((check.max for check in checks(field) if isinstance(check, Length) and check.max != -1), None)


def field_problem(field, value):
    """The first problem the report form finds with a value of its field (its own words), or None."""
    if value in ("", None):
        needed = next((c for c in checks(field) if isinstance(c, (DataRequired, InputRequired))), None)
        return (needed.message or _l("Fill in this field.")) if needed else None
    for check in checks(field):
        if isinstance(check, (DataRequired, InputRequired, Optional)):
            continue
        if isinstance(check, Length):
            length = len(value)
            if length < check.min or (check.max != -1 and length > check.max):
                return check.message or _l("Write at most %(max)d characters.", max=check.max)
            continue
        try:
            check(None, _Cell(value))
        except ValidationError as exc:
            return exc.args[0] if exc.args else _l("This value is not valid.")
    return None
