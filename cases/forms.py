"""Forms of the staff workspace."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    Field,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput

from tipline import catalog
from tipline.forms import MultiCheckboxField, TiplineForm, readable_text, strip_text
from tipline.timeutil import app_zone, time_zones

TEXT = [strip_text]


class LoginForm(TiplineForm):
    email = EmailField(_l("Email"), filters=TEXT, validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Sign in"))


class TotpForm(TiplineForm):
    code = StringField(
        _l("Code from your authenticator app"),
        filters=TEXT,
        # [0-9], not \d: \d also matches "١٢٣٤٥٦" and "１２３４５６", which the code check cannot compare.
        validators=[DataRequired(), Regexp(r"^[0-9]{3} ?[0-9]{3}$", message=_l("Enter the six digits."))],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    submit = SubmitField(_l("Continue"))


class PlainForm(TiplineForm):
    """A button with nothing but its CSRF token."""

    submit = SubmitField(_l("Confirm"))


def reason_field(label=None, required=False):
    label = label if label is not None else _l("Reason")
    validators = [DataRequired(_l("Give a reason."))] if required else [Optional()]
    return TextAreaField(label, filters=TEXT, validators=validators + [Length(max=2000), readable_text])


class TransitionForm(TiplineForm):
    form_prefix = "transition"

    to_state = HiddenField(validators=[DataRequired()])
    reason = reason_field()
    submit = SubmitField(_l("Move"))


class CloseForm(TiplineForm):
    """Close a case founded or unfounded: a reason the reporters read, and a confirmation."""

    form_prefix = "close"

    to_state = RadioField(
        _l("How the case closes"), choices=[], validators=[InputRequired(_l("Choose how the case closes."))]
    )
    reason = TextAreaField(
        _l("Reason for the reporters"),
        filters=TEXT,
        validators=[
            DataRequired(_l("Give the reason the reporters will read.")),
            Length(min=2, max=2000, message=_l("Write the reporters a reason of %(min)d to %(max)d characters.")),
            readable_text,
        ],
        description=_l("Every reporter of this case reads it with the new status: write it for them."),
    )
    confirmed = BooleanField(
        _l("I have checked the case: its reporters will see it closed"),
        validators=[DataRequired(_l("Confirm that the case should close."))],
    )
    submit = SubmitField(_l("Close the case"))


class ClosingDecisionForm(TiplineForm):
    """A supervisor agrees to a proposed closing, or refuses it."""

    form_prefix = "closing"

    agree = HiddenField(validators=[DataRequired()])
    note = reason_field(_l("Note (optional)"))
    submit = SubmitField(_l("Decide"))


def staff_choices(users):
    """Options for choosing a member of staff, with 'nobody' first."""
    from wtforms.fields.choices import SelectChoice

    empty = _l("Nobody")
    return [SelectChoice("", empty)] + [
        SelectChoice(str(u.id), f"{u.display_name} · {catalog.ROLES[u.role]} · {catalog.DEPARTMENTS[u.department]}")
        for u in users
    ]


class TriageForm(TiplineForm):
    form_prefix = "triage"

    lead_department = SelectField(_l("Lead department"), choices=catalog.choices(catalog.DEPARTMENTS))
    co_department = SelectField(_l("Co-handling department"), choices=catalog.choices(catalog.DEPARTMENTS, _l("None")))
    assignee = SelectField(_l("Assign to"), choices=[], validate_choice=True)
    reason = reason_field(_l("Note on the triage (optional)"))
    submit = SubmitField(_l("Triage"))


class AssignForm(TiplineForm):
    form_prefix = "assign"

    assignee = SelectField(_l("Assign to"), choices=[], validate_choice=True)
    confirmed = BooleanField(_l("Yes, make this officer of the co-handling department the case officer"))
    submit = SubmitField(_l("Assign"))


class NoteForm(TiplineForm):
    form_prefix = "note"

    body = TextAreaField(
        _l("Internal note"),
        filters=TEXT,
        validators=[DataRequired(_l("Write the note.")), Length(max=5000), readable_text],
        description=_l(
            "Seen by staff of both departments only, never by the reporter. "
            "Write @ and a colleague's name (or the part of their email before the @) to send them a notice."
        ),
    )
    submit = SubmitField(_l("Add note"))


class TaskForm(TiplineForm):
    form_prefix = "task"

    department = SelectField(_l("For"), choices=catalog.choices(catalog.DEPARTMENTS))
    title = StringField(
        _l("Task"), filters=TEXT, validators=[DataRequired(_l("Describe the task.")), Length(max=300), readable_text]
    )
    due_on = DateField(_l("Due (optional)"), validators=[Optional()])
    submit = SubmitField(_l("Add task"))


class MessageForm(TiplineForm):
    form_prefix = "message"

    tip_id = SelectField(_l("To the reporter of"), choices=[], validate_choice=True)
    body = TextAreaField(
        _l("Message to the reporter"),
        filters=TEXT,
        validators=[DataRequired(_l("Write the message.")), Length(max=3000), readable_text],
        description=_l("The reporter reads this on their tracking page. Do not name staff or internal details."),
    )
    submit = SubmitField(_l("Send to the reporter"))


class MergeForm(TiplineForm):
    form_prefix = "merge"

    # Other open cases on the same platform, offered by name; any other case by its number.
    target_choice = RadioField(_l("Merge this case into"), choices=[], validate_choice=False)
    target_id = IntegerField(
        _l("Or into case number"),
        validators=[Optional(), NumberRange(min=1, max=2**31 - 1)],
    )
    reason = reason_field(required=True)
    submit = SubmitField(_l("Merge"))


class AddressForm(TiplineForm):
    form_prefix = "address"

    address = StringField(
        _l("Web address or app-store link"),
        filters=[strip_text],
        validators=[DataRequired(message=_l("Enter the address to add.")), Length(max=500), readable_text],
    )
    submit = SubmitField(_l("Add to the platform"))


class SplitForm(TiplineForm):
    form_prefix = "split"

    tip_ids = MultiCheckboxField(_l("Reports to move"), choices=[], coerce=int)
    category = SelectField(
        _l("The problem they are about"),
        choices=catalog.choices(catalog.CATEGORIES, _l("Choose a kind of problem")),
        validators=[InputRequired(_l("Choose the problem the reports split off are about."))],
        description=_l("They join the open case on this platform for that problem, or start one."),
    )
    reason = reason_field(required=True)
    submit = SubmitField(_l("Split off"))


class UserForm(TiplineForm):
    email = EmailField(_l("Email"), filters=TEXT, validators=[DataRequired(), Length(max=254)])
    name = StringField(_l("Name"), filters=TEXT, validators=[Optional(), Length(max=100), readable_text])
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), Length(min=12, max=200)])
    role = SelectField(_l("Role"), choices=catalog.choices(catalog.ROLES))
    department = SelectField(_l("Department"), choices=catalog.choices(catalog.DEPARTMENTS))
    region = SelectField(_l("Region"), choices=[], validate_choice=True)
    submit = SubmitField(_l("Create account"))


class UserEditForm(TiplineForm):
    name = StringField(_l("Name"), filters=TEXT, validators=[Optional(), Length(max=100), readable_text])
    role = SelectField(_l("Role"), choices=catalog.choices(catalog.ROLES))
    department = SelectField(_l("Department"), choices=catalog.choices(catalog.DEPARTMENTS))
    region = SelectField(_l("Region"), choices=[], validate_choice=True)
    active = BooleanField(_l("Account active"))
    new_password = PasswordField(_l("New password (optional)"), validators=[Optional(), Length(min=12, max=200)])
    reset_totp = BooleanField(_l("Remove the second factor (the user sets it up again)"))
    submit = SubmitField(_l("Save"))


# What the public enforcement record (/platforms/actions and its feed) says of an action.
PUBLIC_REASON_MAX = 1000


def public_reason_field(label):
    """The public reason of an action or a lifting: shown to everyone, so short and naming no one."""
    return TextAreaField(
        label,
        filters=TEXT,
        validators=[
            DataRequired(_l("Give the public reason.")),
            Length(max=PUBLIC_REASON_MAX, message=_l("Keep the public reason to %(max)d characters or fewer.")),
            readable_text,
        ],
        description=_l(
            "Published on the public enforcement record and its feed, as you write it. Say briefly what the platform"
            " did and what is decided; name no person and give no personal data (no reporter, pupil, teacher or"
            " staff member, no address or telephone number)."
        ),
    )


class ActionForm(TiplineForm):
    form_prefix = "action"

    type = SelectField(_l("Action"), choices=[], validate_choice=True)
    legal_basis = TextAreaField(
        _l("Legal basis"),
        filters=TEXT,
        validators=[DataRequired(_l("Give the legal basis.")), Length(max=2000), readable_text],
    )
    public_reason = public_reason_field(_l("Public reason"))
    details = TextAreaField(
        _l("Details (optional)"), filters=TEXT, validators=[Optional(), Length(max=5000), readable_text]
    )
    starts_on = DateField(_l("Takes effect on (optional; today if empty)"), validators=[Optional()])
    deadline_on = DateField(_l("Rectification deadline (for a rectification)"), validators=[Optional()])
    submit = SubmitField(_l("Propose"))


class DecisionForm(TiplineForm):
    form_prefix = "decision"

    decision = HiddenField(validators=[DataRequired()])
    reason = reason_field(_l("Reason (required to reject)"))
    submit = SubmitField(_l("Decide"))


class OrganisationDecisionForm(TiplineForm):
    """Verify, refuse, suspend or reinstate an organisation: one button for each decision open to it."""

    form_prefix = "decision"

    decision = HiddenField(validators=[DataRequired()])
    reason = TextAreaField(
        _l("Reason (required to refuse or suspend)"),
        filters=TEXT,
        validators=[Optional(), Length(max=2000), readable_text],
        description=_l("The organisation reads this reason, as you write it, in the mail that tells it the decision."),
    )
    submit = SubmitField(_l("Decide"))


class LiftForm(TiplineForm):
    form_prefix = "lift"

    legal_basis = TextAreaField(
        _l("Legal basis for lifting"),
        filters=TEXT,
        validators=[DataRequired(_l("Give the legal basis.")), Length(max=2000), readable_text],
    )
    public_reason = public_reason_field(_l("Public reason for lifting"))
    submit = SubmitField(_l("Propose lifting"))


class PasswordForm(TiplineForm):
    form_prefix = "password"

    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    new = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=12, max=200, message=_l("Use a password of at least 12 characters."))],
    )
    submit = SubmitField(_l("Change password"))


class TimeZoneForm(TiplineForm):
    """One's own time zone: the app's first, then every IANA zone by name."""

    form_prefix = "zone"

    # Checked against the list by accounts.service.set_time_zone, which says so in the page's language.
    # The zones are named by their IANA ids, identifiers that no one should translate.
    time_zone = SelectField(
        _l("Time zone"),
        description=_l(
            "Times on staff pages are shown in this zone. Dates, such as when an action takes effect or a deadline,"
            " are calendar days of the default zone."
        ),
        choices=[],
        validate_choice=False,
        render_kw={"translate": "no"},
    )
    submit = SubmitField(_l("Save time zone"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        default = app_zone().key
        self.time_zone.choices = [(default, _l("%(zone)s (default)", zone=default))] + [
            (zone, zone) for zone in time_zones() if zone != default
        ]


class ReviewForm(TiplineForm):
    form_prefix = "review"

    outcome = HiddenField(validators=[DataRequired()])
    note = TextAreaField(_l("Review notes"), filters=TEXT, validators=[Optional(), Length(max=2000), readable_text])
    submit = SubmitField(_l("Record the review"))


class ConfirmReviewForm(TiplineForm):
    """The second person's answer to a recorded review: confirm it, or send it back with a reason."""

    form_prefix = "confirm"

    decision = HiddenField(validators=[DataRequired()])
    # Which recorded review the page showed (review.review_stamp).
    seen = HiddenField(validators=[DataRequired(), Length(max=80)])
    reason = reason_field(_l("Reason (required if you do not confirm)"))
    submit = SubmitField(_l("Decide"))


class ListForm(TiplineForm):
    form_prefix = "list"

    list_status = SelectField(_l("Black and white lists"), choices=[], validate_choice=True)
    reason = reason_field(_l("Reason (internal)"), required=True)
    public_reason = TextAreaField(
        _l("Reason shown to the public"),
        filters=TEXT,
        validators=[DataRequired(_l("Give the public reason.")), Length(max=500), readable_text],
    )
    submit = SubmitField(_l("Save"))


class SavedFilterForm(TiplineForm):
    """Save the work queue's filters (the query string of the page showing them) under a name of one's own."""

    form_prefix = "filter"

    name = StringField(
        _l("Save these filters as"),
        filters=TEXT,
        validators=[
            DataRequired(_l("Give the filter a name.")),
            Length(max=60, message=_l("Use a filter name of at most %(n)d characters.", n=60)),
            readable_text,
        ],
        render_kw={"maxlength": 60, "autocomplete": "off"},
    )
    query = HiddenField()
    submit = SubmitField(_l("Save filter"))


class CaseNumbersField(Field):
    """The case numbers ticked in a list (each an <input type=checkbox> of the list's own markup)."""

    widget = CheckboxInput()

    def process_formdata(self, valuelist):
        from tipline.web import parse_row_id

        numbers = [parse_row_id(value) if isinstance(value, str) else None for value in valuelist]
        if None in numbers:
            self.data = []
            raise ValueError(_l("Choose cases from the list."))
        self.data = list(dict.fromkeys(numbers))

    def _value(self):
        return ""


class BulkForm(TiplineForm):
    """Assign or triage the cases ticked in the work queue: one button for each."""

    form_prefix = "bulk"

    case_ids = CaseNumbersField(_l("Cases"), default=list)
    # The queue's query string, to return to the same filters and order.
    back = HiddenField()
    assignee = SelectField(_l("Assign to"), choices=[], validate_choice=True)
    confirmed = BooleanField(_l("Yes, officers of the co-handling department may become case officer"))
    assign = SubmitField(_l("Assign the chosen cases"))
    lead_department = SelectField(_l("Lead department"), choices=catalog.choices(catalog.DEPARTMENTS))
    co_department = SelectField(_l("Co-handling department"), choices=catalog.choices(catalog.DEPARTMENTS, _l("None")))
    triage_assignee = SelectField(_l("Assign to"), choices=[], validate_choice=True)
    reason = reason_field(_l("Note on the triage (optional)"))
    triage = SubmitField(_l("Triage the chosen cases"))

    def validate_case_ids(self, field):
        if not field.data and not field.errors:
            raise ValidationError(_l("Tick the cases to change."))


class ReportRequestForm(TiplineForm):
    """Asking for a periodic report (cases/periodic/views.py checks the values, to answer in words)."""

    region = StringField(_l("Region"))
    starts_on = StringField(_l("First day"))
    ends_on = StringField(_l("Last day"))
