"""Forms of the tracking pages: look a tip up, add to it, leave."""

from flask_babel import lazy_gettext as _l
from wtforms import MultipleFileField, StringField, SubmitField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from tipline.followup.models import FIXED, STILL_THERE
from tipline.forms import StampFields, TiplineForm, readable_text, strip_text


class LookupForm(StampFields, TiplineForm):
    """The receipt code, as the reporter types it."""

    code = StringField(
        _l("Receipt code"),
        filters=[strip_text],
        validators=[
            DataRequired(_l("Enter your receipt code.")),
            Length(max=64, message=_l("That is not a receipt code.")),
        ],
        description=_l("24 letters and digits, as on your receipt. Spaces, hyphens and case do not matter."),
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    submit = SubmitField(_l("Look up"))


class AddInformationForm(TiplineForm):
    """More information or evidence for a tip."""

    text = TextAreaField(
        _l("More information"),
        filters=[strip_text],
        validators=[
            Optional(),
            Length(max=5000, message=_l("Write at most 5000 characters.")),
            readable_text,
        ],
    )
    evidence = MultipleFileField(_l("More evidence files"))
    submit = SubmitField(_l("Add to my report"))


class LeaveForm(TiplineForm):
    """Close the reporter's view of the tip on this device."""

    submit = SubmitField(_l("Stop following my report on this device"))


class FixAnswerForm(TiplineForm):
    """The answer to "is the problem gone?" (tipline/followup): one of two buttons, and an optional comment."""

    form_prefix = "fix"
    # Sent by the button pressed (templates/tipline/_fix_question.html), never typed.
    answer = StringField(validators=[AnyOf((FIXED, STILL_THERE), message=_l("Choose one of the two answers."))])
    comment = TextAreaField(
        _l("Anything to add?"),
        filters=[strip_text],
        validators=[
            Optional(),
            Length(max=1000, message=_l("Write at most %(max)d characters.")),
            readable_text,
        ],
        description=_l("For example what you still see, and where. Staff read it; it is not published."),
    )
