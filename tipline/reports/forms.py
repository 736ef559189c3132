"""The public report form."""

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    MultipleFileField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, Regexp, ValidationError

from tipline import catalog
from tipline.forms import StampFields, TiplineForm, fold_width, readable_text, strip_text, web_address
from tipline.timeutil import local_now
from tipline.web import parse_row_id

TEXT = [strip_text]


def _positive_id(form, field):
    value = (field.data or "").strip()
    if value and parse_row_id(value) is None:
        raise ValidationError(_l("Choose the platform again from the list."))


def _not_in_future(form, field):
    """A time seen: after 2000, and not in the future.

    Compared as typed (Beijing time), never converted first: a browser can send any
    year from 1 to 9999 (and more), which would overflow a conversion to UTC.
    """
    if field.data is None:
        return
    if field.data.year < 2000:
        raise ValidationError(_l("Enter a date after the year 2000."))
    # Allow a day for time zones and clock drift.
    if field.data > local_now() + timedelta(days=1):
        raise ValidationError(_l("The time cannot be in the future."))


class ReportForm(StampFields, TiplineForm):
    """What a reporter tells us about a platform."""

    mark_optional = True

    platform_id = HiddenField(validators=[_positive_id])
    # The name for which the reporter saw the registry's matches and chose none (see reports.views).
    platform_checked = HiddenField(filters=TEXT)
    platform_name = StringField(
        _l("Platform (web site or app)"),
        filters=TEXT,
        validators=[DataRequired(_l("Name the platform.")), Length(max=200), readable_text],
        description=_l("Type part of its name in Chinese or Latin letters, or its web address."),
    )
    category = SelectField(
        _l("What is the problem?"),
        choices=catalog.choices(catalog.CATEGORIES, _l("Choose a kind of problem")),
        validators=[InputRequired(_l("Choose the kind of problem."))],
        validate_choice=True,
    )
    location = SelectField(
        _l("Where did you see it?"),
        choices=catalog.choices(catalog.LOCATIONS, _l("Choose where you saw it")),
        validators=[InputRequired(_l("Choose where you saw it."))],
    )
    description = TextAreaField(
        _l("What happened?"),
        filters=TEXT,
        validators=[
            DataRequired(_l("Describe what you saw.")),
            Length(min=10, max=5000, message=_l("Write between 10 and 5000 characters.")),
            readable_text,
        ],
        description=_l("At least 10 characters: what you saw, in which course or lesson, and why it harms minors."),
    )
    url = StringField(
        _l("Web address where it happened"),
        filters=TEXT,
        validators=[Optional(), Length(max=2000), web_address, readable_text],
    )
    seen_at = DateTimeLocalField(
        _l("When did you see it?"),
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        validators=[Optional(), _not_in_future],
    )
    evidence = MultipleFileField(_l("Evidence files"))
    reporter_type = SelectField(
        _l("You are"),
        choices=catalog.choices(catalog.REPORTER_TYPES),
        default="parent",
        validators=[InputRequired()],
    )
    contact_name = StringField(_l("Your name"), filters=TEXT, validators=[Optional(), Length(max=100), readable_text])
    contact_email = StringField(
        _l("Email"),
        filters=TEXT,
        validators=[Optional(), Length(max=254), Email(_l("Enter an email address like name@example.com."))],
    )
    contact_phone = StringField(
        _l("Phone"),
        filters=[fold_width, strip_text],
        validators=[
            Optional(),
            Regexp(r"^\+?[0-9 ()-]{5,20}$", message=_l("Enter a phone number with digits only.")),
        ],
    )
    find_platform = SubmitField(_l("Search the registry"))
    submit = SubmitField(_l("Send the report"))

    def contact(self):
        """The contact details as given; empty when the reporter stays anonymous."""
        return {
            "name": self.contact_name.data or "",
            "email": self.contact_email.data or "",
            "phone": self.contact_phone.data or "",
        }


class ReceiptSavedForm(TiplineForm):
    """The reporter says she saved her receipt code, and the server may forget it."""

    saved = BooleanField(
        _l("I have written down, printed or downloaded my receipt code"),
        validators=[DataRequired(_l("Tick the box once you have kept your receipt code."))],
    )
    submit = SubmitField(_l("Done: remove the code from this screen"))
