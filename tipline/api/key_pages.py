"""API keys on the account pages, staff and organisation alike: the form, making a key and showing it once,
revoking one. Each side's blueprint routes to these (cases/auth.py, tipline/organisations/account_pages.py).
"""

from flask import flash
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from tipline.api.tokens import TokenError, create_token, owners_keys, revoke_token, scopes_for
from tipline.extensions import db
from tipline.forms import MultiCheckboxField, TiplineForm, readable_text, strip_text


class ApiKeyForm(TiplineForm):
    form_prefix = "key"

    name = StringField(
        _l("Name of the key"),
        filters=[strip_text],
        validators=[
            DataRequired(_l("Give the key a name, such as the system that will use it.")),
            Length(max=80),
            readable_text,
        ],
        description=_l("Which system uses it, so that you know which key to revoke."),
    )
    scopes = MultiCheckboxField(_l("What it may do"), choices=[], validate_choice=False)  # create_token says why
    submit = SubmitField(_l("Make a key"))


def offer_scopes(form, owner):
    """The form with the scopes of the owner's kind to choose from."""
    form.scopes.choices = list(scopes_for(owner).items())
    return form


def blank_form(owner):
    """The form to make a key, every scope of the owner's kind ticked at first."""
    return offer_scopes(ApiKeyForm(formdata=None, data={"scopes": list(scopes_for(owner))}), owner)


def make_key(owner, form):
    """Make the key the form asks for and commit; (the key in clear, to show once) or None with the form's errors."""
    if not form.validate_on_submit():
        return None
    try:
        _token, key = create_token(owner, form.name.data, form.scopes.data)
    except TokenError as exc:
        target = getattr(form, exc.field).errors if exc.field else form.form_errors
        target.append(str(exc.message))
        db.session.rollback()
        return None
    db.session.commit()
    return key


def revoke_key(owner, token_id):
    """Revoke one of the owner's keys and say so (another's is not found)."""
    try:
        token = revoke_token(owner, token_id)
    except TokenError as exc:
        flash(str(exc.message))
        return
    db.session.commit()
    flash(_("The key “%(name)s” is revoked: it no longer works.", name=token.name))


def keys_section(owner, form=None, new_key=None):
    """What the account page's section on API keys needs."""
    return {
        "api_keys": owners_keys(owner),
        "key_form": form or blank_form(owner),
        "new_key": new_key,
    }
