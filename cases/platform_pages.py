"""The staff view of a platform: its cases, actions, and its place on the white list.

The black list is reached only through an approved action (cases/actions); the
white list is kept here by supervisors, each change with its reasons.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from cases.access import staff_required, visible_regions
from cases.actions.models import ListEntry
from cases.actions.service import WHITE_LIST_CHOICES, is_repeat_offender, keep_white_list, may_keep_lists, public_record
from cases.blueprint import bp
from cases.forms import ListForm
from cases.models import Case
from cases.operations import CaseError, NotAllowed
from tipline import catalog
from tipline.extensions import db
from tipline.platforms.models import Platform


def _platform_or_404(platform_id):
    platform = db.session.get(Platform, platform_id)
    if platform is None or platform.region_code not in visible_regions(current_user):
        abort(404)
    return platform


def _form():
    form = ListForm()
    form.list_status.choices = [(code, catalog.LIST_STATUSES[code]) for code in WHITE_LIST_CHOICES]
    return form


@bp.route("/platforms/<id:platform_id>", methods=["GET", "POST"])
@staff_required()
def platform(platform_id):
    """A platform in the user's regions, and (for supervisors) its white-list place."""
    platform = _platform_or_404(platform_id)
    form = _form()
    status = 200
    if request.method == "POST":
        if not may_keep_lists(current_user, platform):
            abort(403)
        status = 400
        if form.validate_on_submit():
            try:
                data = form.list_status.data, form.reason.data, form.public_reason.data
                keep_white_list(platform, current_user, *data)
            except CaseError as exc:
                db.session.rollback()
                form.list_status.errors = [str(exc.message)]
                status = 403 if isinstance(exc, NotAllowed) else 400
            else:
                db.session.commit()
                flash(_("The list is updated."))
                return redirect(url_for("staff.platform", platform_id=platform.id))
    cases = db.session.scalars(select(Case).where(Case.platform_id == platform.id).order_by(Case.id.desc())).all()
    entries = db.session.scalars(
        select(ListEntry).where(ListEntry.platform_id == platform.id).order_by(ListEntry.id.desc())
    ).all()
    return render_template(
        "cases/platform.html",
        platform=platform,
        form=form,
        cases=cases,
        entries=entries,
        record=public_record(platform),
        repeat_offender=is_repeat_offender(platform.id),
    ), status
