"""Administration: staff accounts within the admin's regions, and the audit log."""

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from cases.access import staff_required, visible_regions
from cases.accounts import service
from cases.accounts.models import StaffUser
from cases.audit_log import (
    EXPORT_CAP,
    FILTER_LABELS,
    SYSTEM,
    audit_page,
    export_audit_log,
    parse_filters,
    people_in_log,
    zone_name,
)
from cases.audit_words import kind_choices
from cases.blueprint import bp
from cases.forms import UserEditForm, UserForm
from tipline.extensions import db
from tipline.regions.service import region_choices
from tipline.timeutil import FIRST_DAY, LAST_DAY, utcnow


def _regions():
    return region_choices(within=visible_regions(current_user))


def _show_error(form, exc, password_field="password"):
    """Put a domain refusal next to the field it is about (the whole form when it names none)."""
    name = password_field if exc.field == "password" else exc.field
    field = getattr(form, name, None) if name else None
    if field is None:
        form.form_errors.append(str(exc.message))
    else:
        field.errors = [*field.errors, str(exc.message)]


def _check_grant(form):
    """An admin may not create another admin at their own level (only below it)."""
    if form.role.data == "admin" and form.region.data == current_user.region_code:
        form.role.errors = [*form.role.errors, _("Administrators of your own region are created one level up.")]
        return False
    return True


def may_manage(admin, user):
    """An admin manages accounts below their region, and non-admin accounts in it; never their own here."""
    if user.id == admin.id or user.region_code not in visible_regions(admin):
        return False
    return user.region_code != admin.region_code or user.role != "admin"


def _user_or_404(user_id):
    user = db.session.get(StaffUser, user_id)
    if user is None or user.region_code not in visible_regions(current_user):
        abort(404)
    if not may_manage(current_user, user):
        abort(403)
    return user


@bp.route("/admin/users")
@staff_required("admin")
def users():
    """Staff accounts in the admin's regions."""
    rows = db.session.scalars(
        select(StaffUser).where(StaffUser.region_code.in_(visible_regions(current_user))).order_by(StaffUser.email)
    ).all()
    return render_template("cases/users.html", users=rows, may_manage=may_manage)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@staff_required("admin")
def new_user():
    form = UserForm()
    form.region.choices = _regions()
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit() and _check_grant(form):
            try:
                user = service.create_user(
                    form.email.data,
                    form.password.data,
                    form.role.data,
                    form.department.data,
                    form.region.data,
                    name=form.name.data or "",
                    actor=current_user,
                )
            except service.AccountError as exc:
                _show_error(form, exc)
            else:
                db.session.commit()
                flash(_("Account %(email)s created.", email=user.email))
                return redirect(url_for("staff.users"))
    return render_template("cases/user_form.html", form=form, user=None), status


@bp.route("/admin/users/<id:user_id>", methods=["GET", "POST"])
@staff_required("admin")
def edit_user(user_id):
    user = _user_or_404(user_id)
    form = UserEditForm(obj=user, region=user.region_code)
    form.region.choices = _regions()
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit() and _check_grant(form):
            try:
                service.update_user(
                    user,
                    current_user,
                    name=form.name.data or "",
                    role=form.role.data,
                    department=form.department.data,
                    region_code=form.region.data,
                    active=form.active.data,
                )
                if form.new_password.data:
                    service.set_password(user, form.new_password.data, actor=current_user)
            except service.AccountError as exc:
                db.session.rollback()
                _show_error(form, exc, password_field="new_password")
            else:
                if form.reset_totp.data and user.totp_secret_encrypted:
                    service.disable_totp(user, current_user)
                db.session.commit()
                flash(_("Account %(email)s saved.", email=user.email))
                return redirect(url_for("staff.users"))
    return render_template("cases/user_form.html", form=form, user=user), status


def _audit_log_page(given, people, page=None):
    """The audit log page: the filters as typed, what is wrong with them, and a page of entries."""
    errors = {name: (str(FILTER_LABELS[name]), message) for name, message in given.errors.items()}
    return render_template(
        "cases/audit.html",
        typed=given.typed,
        errors=errors,
        filters=given.filters.as_args(),
        people=people,
        system=SYSTEM,
        kinds=kind_choices(),
        page=page,
        paged=given.filters.before is not None,
        export_cap=EXPORT_CAP,
        zone=zone_name(),
        first_day=FIRST_DAY.isoformat(),
        last_day=LAST_DAY.isoformat(),
    )


@bp.route("/admin/audit")
@staff_required("admin", "supervisor")
def audit_log():
    """The audit log of the user's regions in words, filtered by person, case, kind and dates."""
    people = people_in_log(current_user)
    given = parse_filters(request.args, people)
    if given.errors:
        return _audit_log_page(given, people), 400
    return _audit_log_page(given, people, audit_page(current_user, given.filters))


@bp.route("/admin/audit.csv")
@staff_required("admin", "supervisor")
def audit_log_csv():
    """The filtered audit log as a CSV file for a spreadsheet; the export is itself audited."""
    people = people_in_log(current_user)
    given = parse_filters(request.args, people)
    if given.errors:
        return _audit_log_page(given, people), 400
    export = export_audit_log(current_user, given.filters)
    db.session.commit()
    response = make_response(export.body)
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    stamp = utcnow().strftime("%Y%m%d-%H%M%S")
    response.headers["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
