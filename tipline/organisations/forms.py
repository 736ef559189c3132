"""Forms of the organisation surface."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    EmailField,
    FileField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from tipline import catalog
from tipline.forms import TiplineForm, readable_text, strip_text
from tipline.tracking.forms import AddInformationForm

TEXT = [strip_text]
EMAIL_CHECKS = [DataRequired(), Length(max=254), Email(_l("Enter an email address like name@example.com."))]
PASSWORD_HINT = _l("At least 12 characters; a few uncommon words make a strong one.")


class RegisterForm(TiplineForm):
    mark_optional = True

    name = StringField(
        _l("Name of the organisation"),
        filters=TEXT,
        validators=[DataRequired(_l("Give the organisation's name.")), Length(max=200), readable_text],
    )
    kind = RadioField(
        _l("Kind of organisation"),
        choices=catalog.choices(catalog.ORGANISATION_TYPES),
        validators=[DataRequired(_l("Choose the kind of organisation."))],
    )
    credit_code = StringField(
        _l("Unified social credit code"),
        filters=TEXT,
        validators=[Optional(), Length(max=40)],
        description=_l("18 characters, on the organisation's registration certificate."),
        render_kw={"autocapitalize": "characters", "spellcheck": "false"},
    )
    school_name = StringField(
        _l("School (parent committees without a code)"),
        filters=TEXT,
        validators=[Optional(), Length(max=200), readable_text],
        description=_l("A parent committee that has no credit code of its own names its school here."),
    )
    region = SelectField(_l("Region"), choices=[], validate_choice=True)
    contact_name = StringField(
        _l("Contact person"),
        filters=TEXT,
        validators=[DataRequired(_l("Name the contact person.")), Length(max=100), readable_text],
    )
    email = EmailField(
        _l("Email"),
        filters=TEXT,
        validators=EMAIL_CHECKS,
        description=_l("We send a link to confirm it. It is also the administrator's sign-in."),
    )
    phone = StringField(
        _l("Phone"),
        filters=TEXT,
        validators=[
            DataRequired(_l("Give a phone number staff can call.")),
            Regexp(r"^\+?[0-9 ()-]{5,20}$", message=_l("Enter a phone number with digits only.")),
        ],
    )
    proof = FileField(
        _l("Proof document"),
        description=_l(
            "A photo or PDF of the registration certificate, or a letter from the school for a parent committee."
        ),
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)], description=PASSWORD_HINT)
    submit = SubmitField(_l("Register"))


class LoginForm(TiplineForm):
    email = EmailField(_l("Email"), filters=TEXT, validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Sign in"))


class InviteForm(TiplineForm):
    form_prefix = "invite"

    email = EmailField(_l("Email of the new member"), filters=TEXT, validators=EMAIL_CHECKS)
    submit = SubmitField(_l("Send the invitation"))


class JoinForm(TiplineForm):
    name = StringField(
        _l("Your name"), filters=TEXT, validators=[DataRequired(_l("Give your name.")), Length(max=100), readable_text]
    )
    password = PasswordField(
        _l("Choose a password"), validators=[DataRequired(), Length(max=200)], description=PASSWORD_HINT
    )
    submit = SubmitField(_l("Join"))


class MemberPasswordForm(TiplineForm):
    form_prefix = "password"

    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)], description=PASSWORD_HINT)
    submit = SubmitField(_l("Change password"))


class CollectForm(TiplineForm):
    form_prefix = "collect"

    code = StringField(
        _l("Receipt code"),
        filters=TEXT,
        validators=[DataRequired(_l("Enter the receipt code.")), Length(max=60)],
        description=_l("The code a parent handed over: whoever knows it may follow the report."),
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    submit = SubmitField(_l("Add to our list"))


class AdditionForm(AddInformationForm):
    """An answer to staff, or more information or evidence, sent for the organisation."""

    submit = SubmitField(_l("Add to the report"))
