"""Registering an organisation, confirming its address, signing in, the account page and the members page."""

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from cases.accounts import service as staff_accounts
from cases.accounts.held import hold_pending, totp_setup_secret
from cases.accounts.held import pending as held_pending
from cases.forms import PlainForm, TotpForm
from tipline.api import key_pages
from tipline.api.key_pages import ApiKeyForm
from tipline.api.tokens import may_hold_keys
from tipline.clients import limit_key
from tipline.crypto import encrypt_secret
from tipline.evidence.intake import clean_form_files
from tipline.extensions import db, limiter
from tipline.i18n import current_language
from tipline.organisations import accounts, service
from tipline.organisations import members as membership
from tipline.organisations.forms import InviteForm, JoinForm, LoginForm, MemberPasswordForm, RegisterForm
from tipline.organisations.links import LinkError, find_link, open_invitations
from tipline.organisations.models import INVITE, OrgMember
from tipline.organisations.views import bp
from tipline.regions.service import region_choices
from tipline.tracking.sessions import fresh_session
from tipline.web import answer_failure_late, keeps_input, no_store, note_request_start, safe_next

SETUP_SECRET = "org_totp_setup"
bp.before_request(note_request_start)


def _home():
    return url_for("org.tips")


# --- registering ------------------------------------------------------------------------------


def _register_form():
    form = RegisterForm()
    form.region.choices = [("", _("Choose a region"))] + region_choices()
    return form


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["ORG_REGISTER_LIMIT"], methods=["POST"])
@keeps_input
def register():
    """The registration form: the organisation, its contact, a proof document and the administrator's password."""
    form = _register_form()
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            clean, errors = clean_form_files([form.proof.data] if form.proof.data else [])
            if errors:
                form.proof.errors = [*form.proof.errors, *errors]
            else:
                try:
                    organisation = service.register_organisation(
                        dict(
                            name=form.name.data,
                            kind=form.kind.data,
                            region_code=form.region.data,
                            email=form.email.data,
                            password=form.password.data,
                            credit_code=form.credit_code.data,
                            school_name=form.school_name.data,
                            contact_name=form.contact_name.data,
                            phone=form.phone.data,
                        ),
                        clean[0] if clean else None,
                        current_language(),
                    )
                    db.session.commit()
                except service.OrganisationError as exc:
                    db.session.rollback()
                    _field_error(form, exc)
                except IntegrityError:
                    # The same code or address registered by a parallel request: the same answer as found above.
                    db.session.rollback()
                    form.form_errors.append(
                        _("An organisation with this credit code or email address is registered already.")
                    )
                else:
                    fresh_session()
                    session["org_registered"] = organisation.id
                    return redirect(url_for("org.registered"), 303)
        if form.errors and request.files.get(form.proof.name) and not form.proof.errors:
            form.proof.errors = [_("Your file was not kept. Please attach it again.")]
    return no_store(render_template("organisations/register.html", form=form), status)


def _field_error(form, exc):
    field = getattr(form, exc.field or "", None)
    if field is None or exc.field in ("csrf_token", "submit"):
        form.form_errors.append(str(exc.message))
    else:
        field.errors = [*field.errors, str(exc.message)]


@bp.route("/registered")
def registered():
    """What happens next: the mail to confirm the address, then staff's verification."""
    return no_store(render_template("organisations/registered.html"))


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token):
    """Confirm the address from the mailed link: a button, so that mail scanners opening links spend nothing."""
    form = PlainForm()
    try:
        link = find_link(token, "confirm")
    except LinkError as exc:
        return no_store(render_template("organisations/link_problem.html", problem=exc.message), 410)
    if request.method == "POST" and form.validate_on_submit():
        try:
            organisation = service.confirm_email(token)
        except LinkError as exc:
            db.session.rollback()
            return no_store(render_template("organisations/link_problem.html", problem=exc.message), 410)
        db.session.commit()
        flash(_("The address of %(org)s is confirmed. Staff will now verify the organisation.", org=organisation.name))
        return redirect(url_for("org.tips") if accounts.current_member() else url_for("org.login"), 303)
    return no_store(render_template("organisations/confirm.html", form=form, organisation=link.organisation))


@bp.route("/resend-confirmation", methods=["POST"])
@accounts.member_required(admin=True)
def resend_confirmation():
    """A new confirmation mail, while the address is unconfirmed."""
    if PlainForm().validate_on_submit():
        try:
            service.resend_confirmation(accounts.current_member().organisation)
        except service.OrganisationError as exc:
            flash(str(exc.message))
        else:
            db.session.commit()
            flash(_("A new confirmation mail is on its way. Only the newest link works."))
    return redirect(url_for("org.tips"), 303)


# --- signing in -------------------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
@keeps_input
def login():
    """Email and password, then the second factor when the member has one: the staff's rules, apart from staff."""
    if accounts.current_member() is not None:
        return redirect(_home())
    form = LoginForm()
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            try:
                member = accounts.authenticate(form.email.data, form.password.data, limit_key())
            except staff_accounts.CodeDecides as exc:
                db.session.commit()
                return _to_code_step(exc.user, form.email.data)
            except staff_accounts.AccountLocked as exc:
                db.session.commit()
                form.form_errors.append(str(exc.message))
                status = 429
            except staff_accounts.AccountError as exc:
                db.session.commit()  # keep the failure count
                answer_failure_late()
                form.form_errors.append(str(exc.message))
                status = 401
            else:
                if member.totp_secret_encrypted:
                    db.session.commit()
                    return _to_code_step(member, member.email)
                return _finish(member)
    return no_store(render_template("organisations/login.html", form=form), status)


def _finish(member):
    failed = accounts.sign_in(member, limit_key())
    if failed:
        flash(_("Failed sign-in attempts on your account since your last sign-in: %(n)d.", n=failed))
    return redirect(safe_next(request.args.get("next"), _home()), 303)


def _to_code_step(member, email):
    fresh_session()
    db.session.commit()
    hold_pending(accounts.PENDING_KEY, member, staff_accounts.normalize_email(email))
    return redirect(url_for("org.login_second_factor", next=safe_next(request.args.get("next"), _home())), 303)


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login_second_factor():
    """The TOTP step of a member's sign-in."""
    pending = held_pending(accounts.PENDING_KEY, OrgMember)
    if pending is None:
        session.pop(accounts.PENDING_KEY, None)
        return redirect(url_for("org.login"))
    member, email = pending
    form = TotpForm()
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            try:
                if member is None:
                    accounts.refuse_code(email, form.code.data, limit_key())
                accounts.check_second_factor(member, form.code.data, limit_key())
            except staff_accounts.AccountLocked as exc:
                db.session.commit()
                form.code.errors.append(str(exc.message))
                status = 429
            except staff_accounts.AccountError as exc:
                db.session.commit()
                answer_failure_late()
                form.code.errors.append(str(exc.message))
                status = 401
            else:
                return _finish(member)
    return no_store(render_template("organisations/login_code.html", form=form), status)


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out on this device."""
    if PlainForm().validate_on_submit() and accounts.sign_out():
        flash(_("You are signed out."))
    return redirect(url_for("org.login"), 303)


@bp.route("/logout-everywhere", methods=["POST"])
@accounts.member_required()
def logout_everywhere():
    """Sign out on every device at once."""
    if PlainForm().validate_on_submit():
        accounts.sign_out_everywhere(accounts.current_member())
        db.session.commit()
        session.clear()
        flash(_("You are signed out on every device."))
        return redirect(url_for("org.login"), 303)
    return redirect(url_for("org.account"), 303)


# --- the account page -------------------------------------------------------------------------


def _totp_setup(member):
    return totp_setup_secret(SETUP_SECRET, member)


def _account_page(totp_form=None, password_form=None, status=200, key_form=None, new_key=None):
    from cases.auth import _qr_data_uri

    member = accounts.current_member()
    secret = _totp_setup(member)
    return no_store(
        render_template(
            "organisations/account.html",
            member=member,
            totp_form=totp_form or TotpForm(formdata=None),
            password_form=password_form or MemberPasswordForm(formdata=None),
            plain=PlainForm(formdata=None),
            secret=secret,
            qr=_qr_data_uri(staff_accounts.totp_uri(member, secret)) if secret else None,
            may_make_keys=may_hold_keys(member),
            **key_pages.keys_section(member, key_form, new_key),
        ),
        status,
    )


@bp.route("/account")
@accounts.member_required()
def account():
    """Own account: the optional second factor, the password, signing out everywhere."""
    return _account_page()


@bp.route("/account/api-keys", methods=["POST"])
@accounts.member_required(admin=True)
def make_api_key():
    """The administrator makes an API key for the organisation's systems, shown this once."""
    member = accounts.current_member()
    form = key_pages.offer_scopes(ApiKeyForm(), member)
    key = key_pages.make_key(member, form)
    if key is None:
        return _account_page(key_form=form, status=400)
    return _account_page(new_key=key)


@bp.route("/account/api-keys/<id:token_id>/revoke", methods=["POST"])
@accounts.member_required()
def revoke_api_key(token_id):
    """Revoke one of one's own API keys."""
    if PlainForm().validate_on_submit():
        key_pages.revoke_key(accounts.current_member(), token_id)
    return redirect(url_for("org.account", _anchor="api-keys"), 303)


@bp.route("/account/second-factor", methods=["POST"])
@accounts.member_required()
def enable_second_factor():
    member = accounts.current_member()
    form = TotpForm()
    secret = _totp_setup(member)
    if secret is None:
        return redirect(url_for("org.account"), 303)
    if form.validate_on_submit():
        step = staff_accounts.totp_step(secret, form.code.data)
        if step is not None:
            member.totp_secret_encrypted = encrypt_secret(secret)
            member.totp_last_step = step
            accounts.keep_this_session_only(member)
            db.session.commit()
            session.pop(SETUP_SECRET, None)
            flash(_("Second factor is on. You will be asked for a code at every sign-in."))
            return redirect(url_for("org.account"), 303)
        form.code.errors.append(_("That code is not correct. Check the time on your phone and try again."))
    return _account_page(totp_form=form, status=400)


@bp.route("/account/password", methods=["POST"])
@accounts.member_required()
def change_password():
    member = accounts.current_member()
    form = MemberPasswordForm()
    if form.validate_on_submit():
        try:
            membership.change_password(member, form.current.data, form.new.data, limit_key())
        except staff_accounts.AccountError as exc:
            if exc.field == "password":
                db.session.rollback()
                form.new.errors = [*form.new.errors, str(exc.message)]
            else:
                db.session.commit()  # a wrong current password counts as a failed attempt
                form.current.errors = [*form.current.errors, str(exc.message)]
        else:
            db.session.commit()
            flash(_("Your password is changed. Other sessions are signed out."))
            return redirect(url_for("org.account"), 303)
    return _account_page(password_form=form, status=400)


# --- members ----------------------------------------------------------------------------------


def _members_page(invite_form=None, status=200):
    member = accounts.current_member()
    organisation = member.organisation
    return no_store(
        render_template(
            "organisations/members.html",
            member=member,
            organisation=organisation,
            people=[m for m in organisation.members if m.active],
            invitations=open_invitations(organisation.id) if member.is_admin else [],
            invite_form=invite_form or InviteForm(formdata=None),
            plain=PlainForm(formdata=None),
            can_act=service.can_act(organisation),
        ),
        status,
    )


@bp.route("/members")
@accounts.member_required()
def members():
    """Who reports for the organisation; the administrator invites, removes and hands the role over here."""
    return _members_page()


@bp.route("/members/invite", methods=["POST"])
@limiter.limit(lambda: current_app.config["ORG_INVITE_LIMIT"], methods=["POST"])
@accounts.member_required(admin=True)
def invite():
    form = InviteForm()
    if form.validate_on_submit():
        try:
            membership.invite(accounts.current_member(), form.email.data)
        except service.OrganisationError as exc:
            db.session.rollback()
            _field_error(form, exc)
        else:
            db.session.commit()
            flash(_("The invitation is on its way to %(email)s.", email=form.email.data))
            return redirect(url_for("org.members"), 303)
    return _members_page(invite_form=form, status=400)


@bp.route("/members/invitations/<id:link_id>/withdraw", methods=["POST"])
@accounts.member_required(admin=True)
def withdraw_invitation(link_id):
    if PlainForm().validate_on_submit():
        if membership.withdraw_invitation(accounts.current_member(), link_id):
            db.session.commit()
            flash(_("The invitation is withdrawn: its link no longer works."))
        else:
            flash(_("That invitation was used, withdrawn or expired already."))
    return redirect(url_for("org.members"), 303)


def _member_or_404(member_id):
    from flask import abort

    member = membership.member_of(accounts.current_member(), member_id)
    if member is None:
        abort(404)
    return member


@bp.route("/members/<id:member_id>/remove", methods=["POST"])
@accounts.member_required(admin=True)
def remove_member(member_id):
    member = _member_or_404(member_id)
    if PlainForm().validate_on_submit():
        try:
            membership.remove_member(accounts.current_member(), member)
        except service.OrganisationError as exc:
            flash(str(exc.message))
            return redirect(url_for("org.members"), 303)
        db.session.commit()
        flash(_("%(name)s is removed and signed out everywhere.", name=member.display_name))
    return redirect(url_for("org.members"), 303)


@bp.route("/members/<id:member_id>/make-admin", methods=["POST"])
@accounts.member_required(admin=True)
def hand_over(member_id):
    member = _member_or_404(member_id)
    if PlainForm().validate_on_submit():
        try:
            membership.hand_over(accounts.current_member(), member)
        except service.OrganisationError as exc:
            flash(str(exc.message))
            return redirect(url_for("org.members"), 303)
        db.session.commit()
        flash(_("%(name)s now administers the organisation.", name=member.display_name))
    return redirect(url_for("org.members"), 303)


@bp.route("/join/<token>", methods=["GET", "POST"])
@keeps_input
def join(token):
    """Accept an invitation: a name and a password of one's own, then sign in."""
    try:
        link = find_link(token, INVITE)
    except LinkError as exc:
        # Shown again after a failed CSRF check (tipline/errors.py), the answer stays that check's 400.
        gone = 400 if g.get("csrf_failed") else 410
        return no_store(render_template("organisations/link_problem.html", problem=exc.message), gone)
    form = JoinForm()
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            try:
                member = membership.join(token, form.name.data, form.password.data)
            except LinkError as exc:
                db.session.rollback()
                return no_store(render_template("organisations/link_problem.html", problem=exc.message), 410)
            except service.OrganisationError as exc:
                db.session.rollback()
                _field_error(form, exc)
            else:
                try:
                    db.session.commit()
                except IntegrityError:  # the same invitation sent twice at once: the first one joined
                    db.session.rollback()
                    return no_store(
                        render_template("organisations/link_problem.html", problem=LinkError("used").message), 410
                    )
                accounts.sign_in(member, limit_key())
                flash(_("Welcome. You now report for %(org)s.", org=link.organisation.name))
                return redirect(_home(), 303)
    return no_store(render_template("organisations/join.html", form=form, link=link), status)
