"""The base of every form, and validators shared by them: text that is safe to keep, web addresses."""

import unicodedata
from urllib.parse import urlsplit

from flask import g, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto
from werkzeug.datastructures import FileStorage, MultiDict
from wtforms.fields import FileField, HiddenField, SelectMultipleField
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

SUBMIT_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class TiplineForm(FlaskForm):
    """Every form of the app.

    Text fields take only text and file fields only files, whatever a client
    sends (JSON bodies, files in text fields, text in file fields): mismatches are
    simply absent, so validation answers them. A CSRF check that failed before the
    view ran (see tipline.errors) makes validation fail, so a re-shown form can
    never act.
    """

    # Field names and ids start with this (e.g. "note-body"), so that several forms on
    # one page never share an id and each label points at its own field.
    form_prefix = ""
    # Public forms mark optional fields as well as required ones, in the same style.
    mark_optional = False

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", self.form_prefix)
        super().__init__(*args, **kwargs)

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            if formdata is not _Auto:
                return formdata
            if request.method not in SUBMIT_METHODS:
                return None
            file_fields = {name for name, field in form._fields.items() if isinstance(field, FileField)}
            data = MultiDict()
            for key, value in request.form.items(multi=True):
                if key not in file_fields:
                    data.add(key, value)
            for key in file_fields:
                for upload in request.files.getlist(key):
                    if isinstance(upload, FileStorage):
                        data.add(key, upload)
            return data

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        # No one types NUL, and PostgreSQL refuses it in text (a 500 wherever a field's own
        # checks let it through, e.g. an email looked up at sign-in): refused in every field.
        for field in self:
            values = field.data if isinstance(field.data, (list, tuple)) else [field.data]
            if any(isinstance(v, str) and "\x00" in v for v in values):
                field.errors = [*field.errors, _l("The text contains control characters that are not allowed.")]
                valid = False
        if "limit_refused" in g:
            return False  # a refused request is only shown again, never acted on
        if g.get("csrf_failed") and "csrf_token" in self._fields:
            self.csrf_token.errors = [*self.csrf_token.errors, _l("The form has expired. Please send it again.")]
            return False
        return valid


class StampFields:
    """The hidden fields of a public form that may ask for a stamp (tipline/fairness.py)."""

    stamp = HiddenField()
    stamp_work = HiddenField()


def readable_text(form, field):
    """Refuse control characters and text whose encoding was broken in transit."""
    value = field.data or ""
    if "\ufffd" in value:
        raise ValidationError(_l("Some characters could not be read. Check the text's encoding and type it again."))
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in value):
        raise ValidationError(_l("The text contains control characters that are not allowed."))


def web_address(form, field):
    """An http(s) address with a host, or nothing."""
    value = (field.data or "").strip()
    if not value:
        return
    try:
        parts = urlsplit(value) if len(value) <= 2000 else None
        host = parts.hostname if parts else None
    except ValueError:
        parts = host = None
    if parts is None or not host or parts.scheme.lower() not in ("http", "https"):
        raise ValidationError(_l("Enter a web address starting with http:// or https://."))


def strip_text(value):
    """Trim surrounding white space from a typed value."""
    return value.strip() if isinstance(value, str) else value


def fold_width(value):
    """Full-width digits, brackets and hyphens (as Chinese keyboards type them) as their plain forms."""
    return unicodedata.normalize("NFKC", value) if isinstance(value, str) else value


class _Value:
    """Enough of a form field for a form's validators to check one value."""

    def __init__(self, data):
        self.data = data

    def gettext(self, string):
        return string

    def ngettext(self, singular, plural, n):
        return singular if n == 1 else plural


class FormRules:
    """A form's checks, asked field by field for what arrives without the form (a batch line, an API call).

    The rules of what may be sent live on the form's fields; the batch upload and the API ask them here,
    so that no rule is written twice. Filters (trimming) are applied as the form applies them.
    """

    def __init__(self, form_class):
        self.form_class = form_class

    def _field(self, name):
        return getattr(self.form_class, name)

    def checks(self, name):
        """The validators of the form's field."""
        return self._field(name).kwargs.get("validators", ())

    def required(self, name):
        from wtforms.validators import DataRequired, InputRequired

        return any(isinstance(check, (DataRequired, InputRequired)) for check in self.checks(name))

    def max_length(self, name):
        """The longest value the form takes for the field, or None."""
        from wtforms.validators import Length

        return next((c.max for c in self.checks(name) if isinstance(c, Length) and c.max != -1), None)

    def clean(self, name, value):
        """The value after the field's filters (the form trims text before checking it)."""
        for apply in self._field(name).kwargs.get("filters", ()):
            value = apply(value)
        return value

    def problem(self, name, value):
        """The first problem the form finds with a value of its field (in its own words), or None."""
        from wtforms.validators import DataRequired, InputRequired, Length, Optional

        if value in ("", None):
            needed = next((c for c in self.checks(name) if isinstance(c, (DataRequired, InputRequired))), None)
            return (needed.message or _l("Fill in this field.")) if needed else None
        for check in self.checks(name):
            if isinstance(check, (DataRequired, InputRequired, Optional)):
                continue
            if isinstance(check, Length):
                length = len(value)
                if length < check.min or (check.max != -1 and length > check.max):
                    return check.message or _l("Write at most %(max)d characters.", max=check.max)
                continue
            try:
                check(None, _Value(value))
            except ValidationError as exc:
                return exc.args[0] if exc.args else _l("This value is not valid.")
        return None


class MultiCheckboxField(SelectMultipleField):
    """A choice of several, as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
