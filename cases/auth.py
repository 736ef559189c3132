"""Staff sign-in and sign-out, the second factor, and the account page."""

import base64
import io

import segno
from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from cases.accounts import service
from cases.accounts.held import account_of, hold_pending, totp_setup_secret
from cases.accounts.held import pending as held_pending
from cases.accounts.models import StaffUser
from cases.blueprint import LOGIN_AT, bp
from cases.forms import LoginForm, PasswordForm, PlainForm, TimeZoneForm, TotpForm
from tipline.api import key_pages
from tipline.api.key_pages import ApiKeyForm
from tipline.clients import limit_key
from tipline.extensions import db, limiter, login_manager
from tipline.timeutil import app_zone, utcnow
from tipline.tracking.sessions import fresh_session
from tipline.web import answer_failure_late, keeps_input, no_store, note_request_start, safe_next

SESSION_TOKEN = "staff_session"
# Between password and second factor, encrypted (the session cookie is signed, not secret):
# {"user": "id:session_version" or None, "email": the address typed}. None when an account-wide
# lock sends every password on to the code step (service.CodeDecides).
PENDING = "staff_pending_user"
SETUP_SECRET = "staff_totp_setup"


def install_login(app):
    """Flask-Login for the staff surface."""
    login_manager.init_app(app)
    login_manager.login_view = "staff.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(value):
        user = account_of(value, StaffUser)
        if user is None or not service.session_is_live(user, session.get(SESSION_TOKEN)):
            return None  # signed out on the server, whatever the cookie says
        return user


def _finish_login(user):
    failed = service.record_success(user, limit_key())
    token = service.start_session(user)
    fresh_session()
    db.session.commit()
    session[SESSION_TOKEN] = token
    login_user(user)
    session[LOGIN_AT] = utcnow().timestamp()
    session.permanent = True
    if failed:
        flash(_("Failed sign-in attempts on your account since your last sign-in: %(n)d.", n=failed))


bp.before_request(note_request_start)


# Attempts per client address here; per account and client, and per account, in
# cases/accounts/throttle.py (failures only, so that signing in never locks anyone).
@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
@keeps_input
def login():
    """Email and password; then the second factor when the account has one."""
    if current_user.is_authenticated:
        return redirect(url_for("staff.queue"))
    form = LoginForm()
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            try:
                user = service.authenticate(form.email.data, form.password.data, limit_key())
            except service.CodeDecides as exc:
                db.session.commit()  # keep the failure count and the owner's notice
                return _to_code_step(exc.user, form.email.data)
            except service.AccountLocked:
                db.session.commit()  # keep the failure count and the owner's notice
                abort(429)  # the same answer for any address, known or not
            except service.AccountError as exc:
                db.session.commit()  # keep the failure count
                answer_failure_late()
                form.form_errors.append(str(exc.message))
                status = 401
            else:
                if user.totp_secret_encrypted:
                    db.session.commit()
                    return _to_code_step(user, user.email)
                _finish_login(user)
                return redirect(safe_next(request.args.get("next"), url_for("staff.queue")))
    return no_store(render_template("cases/login.html", form=form), status)


def _to_code_step(user, email):
    """On to the code step, the same way whether the password passed (`user`) or a lock hides that it did not."""
    target = safe_next(request.args.get("next"), url_for("staff.queue"))
    fresh_session()
    db.session.commit()
    hold_pending(PENDING, user, service.normalize_email(email))
    return redirect(url_for("staff.login_second_factor", next=target))


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login_second_factor():
    """The TOTP step of sign-in."""
    pending = held_pending(PENDING, StaffUser)
    if pending is None:
        session.pop(PENDING, None)
        return redirect(url_for("staff.login"))
    user, email = pending
    form = TotpForm()
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            try:
                if user is None:
                    service.refuse_code(email, form.code.data, limit_key())
                service.check_second_factor(user, form.code.data, limit_key())
            except service.AccountLocked as exc:
                db.session.commit()
                form.code.errors.append(str(exc.message))
                status = 429
            except service.AccountError as exc:
                db.session.commit()  # keep the failure count
                answer_failure_late()
                form.code.errors.append(str(exc.message))
                status = 401
            else:
                _finish_login(user)
                return redirect(safe_next(request.args.get("next"), url_for("staff.queue")))
    return no_store(render_template("cases/login_code.html", form=form), status)


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out on this device (a browser without a staff sign-in keeps what it holds)."""
    staff_sign_in = current_user.is_authenticated or PENDING in session
    if staff_sign_in and PlainForm().validate_on_submit():
        service.end_session(session.get(SESSION_TOKEN))
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("You are signed out."))
    return redirect(url_for("staff.login"))


@bp.route("/logout-everywhere", methods=["POST"])
@login_required
def logout_everywhere():
    """Sign out on every device at once."""
    if PlainForm().validate_on_submit():
        service.sign_out_everywhere(current_user)
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("You are signed out on every device."))
    return redirect(url_for("staff.login"))


def _qr_data_uri(uri):
    """The otpauth:// address as a QR code image, inline (no request leaves the page)."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=4, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


@bp.route("/account/password", methods=["POST"])
@login_required
def change_password():
    """Change one's own password: every other session ends."""
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            service.change_own_password(current_user, form.current.data, form.new.data, limit_key())
        except service.AccountError as exc:
            if exc.field == "password":  # the new one is refused: nothing else to keep
                db.session.rollback()
            else:
                db.session.commit()  # a wrong current password counts as a failed attempt
            field = form.new if exc.field == "password" else form.current
            field.errors = [*field.errors, str(exc.message)]
        else:
            service.end_other_sessions(current_user, session.get(SESSION_TOKEN))
            db.session.commit()
            login_user(current_user)  # the new session version, this session kept
            flash(_("Your password is changed. Other sessions are signed out."))
            return redirect(url_for("staff.account"))
    return account(password_form=form, status=400)


@bp.route("/account/time-zone", methods=["POST"])
@login_required
def change_time_zone():
    """Choose the time zone one's own pages show times in; it applies from the next page on."""
    form = TimeZoneForm()
    if form.validate_on_submit():
        try:
            service.set_time_zone(current_user, form.time_zone.data)
        except service.AccountError as exc:
            form.time_zone.errors = [*form.time_zone.errors, str(exc.message)]
            # What was sent is named in the message; the list can only show a zone it has.
            form.time_zone.data = current_user.time_zone or app_zone().key
        else:
            db.session.commit()
            flash(_("Your time zone is saved: %(zone)s.", zone=form.time_zone.data))
            return redirect(url_for("staff.account"))
    return account(zone_form=form, status=400)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account(password_form=None, zone_form=None, status=200, key_form=None, new_key=None):
    """Own account: set up or check the second factor, change the password and time zone, sign out everywhere."""
    # Only the second-factor form posts here; the password form's failures are shown here too.
    form = TotpForm() if request.endpoint == "staff.account" else TotpForm(formdata=None)
    secret = totp_setup_secret(SETUP_SECRET, current_user)
    if secret is not None:
        if request.method == "POST" and request.endpoint == "staff.account":
            status = 400
            if form.validate_on_submit():
                try:
                    service.enable_totp(current_user, secret, form.code.data)
                except service.AccountError as exc:
                    form.code.errors.append(str(exc.message))
                else:
                    db.session.commit()
                    session.pop(SETUP_SECRET, None)
                    # enable_totp bumped the session version: sign this session in again.
                    login_user(current_user)
                    flash(_("Second factor is on. You will be asked for a code at every sign-in."))
                    return redirect(url_for("staff.account"))
    return no_store(
        render_template(
            "cases/account.html",
            form=form,
            secret=secret,
            qr=_qr_data_uri(service.totp_uri(current_user, secret)) if secret else None,
            has_totp=bool(current_user.totp_secret_encrypted),
            must_enrol=service.must_enrol(current_user),
            plain=PlainForm(),
            password_form=password_form or PasswordForm(),
            zone_form=zone_form or TimeZoneForm(data={"time_zone": current_user.time_zone or app_zone().key}),
            **key_pages.keys_section(current_user, key_form, new_key),
        ),
        status,
    )


@bp.route("/account/api-keys", methods=["POST"])
@login_required
def make_api_key():
    """Make an API key of one's own, and show it this once."""
    form = key_pages.offer_scopes(ApiKeyForm(), current_user)
    key = key_pages.make_key(current_user, form)
    if key is None:
        return account(key_form=form, status=400)
    return account(new_key=key)


@bp.route("/account/api-keys/<id:token_id>/revoke", methods=["POST"])
@login_required
def revoke_api_key(token_id):
    """Revoke one of one's own API keys."""
    form = PlainForm()
    if form.validate_on_submit():
        key_pages.revoke_key(current_user, token_id)
    return redirect(url_for("staff.account", _anchor="api-keys"), 303)
