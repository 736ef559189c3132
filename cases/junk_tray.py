"""The junk tray: tips set aside at intake, waiting for a person to confirm or release them."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from cases import operations
from cases.access import staff_required, visible_regions
from cases.blueprint import bp
from cases.forms import PlainForm
from cases.junk import REASONS
from cases.routing import route_case
from tipline.extensions import db
from tipline.reports.models import Tip

TRAY_ROLES = ("intake", "supervisor", "admin")


def tray_region(tip):
    """The region whose staff look at a suspected tip: where its case would go."""
    return route_case(tip.platform, tip.category)[0]


def may_see_tray_tip(user, tip):
    return user.role in TRAY_ROLES and tray_region(tip) in visible_regions(user)


@bp.route("/junk")
@staff_required(*TRAY_ROLES)
def junk_tray():
    """Suspected junk in the user's regions, oldest first."""
    tips = db.session.scalars(select(Tip).where(Tip.junk_status == "suspected").order_by(Tip.id)).all()
    tips = [tip for tip in tips if may_see_tray_tip(current_user, tip)]
    return render_template("cases/junk.html", tips=tips, reasons=REASONS, plain=PlainForm())


def _tray_tip_or_404(tip_id):
    tip = db.session.get(Tip, tip_id)
    if tip is None or not may_see_tray_tip(current_user, tip):
        abort(404)
    return tip


@bp.route("/junk/<id:tip_id>/confirm", methods=["POST"])
@staff_required(*TRAY_ROLES)
def confirm_junk(tip_id):
    tip = _tray_tip_or_404(tip_id)
    if not PlainForm().validate_on_submit():
        abort(400)
    try:
        operations.confirm_junk(tip, current_user)
    except operations.CaseError as exc:
        flash(str(exc.message), "error")
        return redirect(url_for("staff.junk_tray"))
    db.session.commit()
    flash(_("Report #%(id)d is kept aside as junk.", id=tip.id))
    return redirect(url_for("staff.junk_tray"))


@bp.route("/junk/<id:tip_id>/release", methods=["POST"])
@staff_required(*TRAY_ROLES)
def release_junk(tip_id):
    tip = _tray_tip_or_404(tip_id)
    if not PlainForm().validate_on_submit():
        abort(400)
    try:
        case = operations.release_junk(tip, current_user)
    except operations.CaseError as exc:
        flash(str(exc.message), "error")
        return redirect(url_for("staff.junk_tray"))
    db.session.commit()
    flash(_("Report #%(id)d is released into case #%(case)d.", id=tip.id, case=case.id))
    return redirect(url_for("staff.junk_tray"))
