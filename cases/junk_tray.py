"""The junk tray: tips set aside at intake, waiting for a person to confirm or release them."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from cases import operations
from cases.access import staff_required, visible_regions
from cases.blueprint import bp
from cases.forms import PlainForm
from cases.junk import REASONS
from cases.junk_filter.quality import quality_this_month
from cases.routing import NATIONAL, route_case
from tipline.extensions import db
from tipline.platforms.models import Platform
from tipline.reports.models import Tip
from tipline.web import parse_row_id

TRAY_ROLES = ("intake", "supervisor", "admin")


def tray_region(tip):
    """The region whose staff look at a suspected tip: where its case would go."""
    return route_case(tip.platform, tip.category)[0]


def may_see_tray_tip(user, tip):
    return (
        user.role in TRAY_ROLES
        and tip.junk_status in ("suspected", "confirmed")
        and (tray_region(tip) in visible_regions(user))
    )


TRAY_PAGE = 50


def tray_tips(user):
    """Tips of the tray's regions of the user, whatever their state: where their case would go is where
    they are looked at."""
    region = func.coalesce(Platform.region_code, NATIONAL)
    return select(Tip).outerjoin(Platform, Tip.platform_id == Platform.id).where(region.in_(visible_regions(user)))


def tray_query(user, junk_status):
    """Tips of the tray in the user's regions that are `junk_status` ("suspected" or "confirmed")."""
    return tray_tips(user).where(Tip.junk_status == junk_status)


@bp.route("/junk")
@staff_required(*TRAY_ROLES)
def junk_tray():
    """Suspected junk in the user's regions, oldest first; `?show=confirmed` lists what was kept aside."""
    show = "confirmed" if request.args.get("show") == "confirmed" else "suspected"
    before = parse_row_id(request.args.get("before"))
    query = tray_query(current_user, show)
    if show == "confirmed":
        query = query.order_by(Tip.id.desc())
        if before:
            query = query.where(Tip.id < before)
    else:
        query = query.order_by(Tip.id)
        if before:
            query = query.where(Tip.id > before)  # "before" is the last one shown, oldest first
    tips = db.session.scalars(query.limit(TRAY_PAGE + 1)).all()
    more = len(tips) > TRAY_PAGE
    tips = tips[:TRAY_PAGE]
    return render_template(
        "cases/junk.html",
        tips=tips,
        quality=quality_this_month(tray_tips(current_user)),
        threshold=current_app.config["JUNK_MODEL_THRESHOLD"],
        reasons=REASONS,
        plain=PlainForm(),
        show=show,
        next_cursor=tips[-1].id if more else None,
    )


def _refused(exc):
    """The tray again, with why the change could not be made (a 4xx: nothing was done)."""
    db.session.rollback()
    flash(str(exc.message), "error")
    return junk_tray(), 400


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
        return _refused(exc)
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
        return _refused(exc)
    db.session.commit()
    flash(_("Report #%(id)d is released into case #%(case)d.", id=tip.id, case=case.id))
    return redirect(url_for("staff.junk_tray"))
