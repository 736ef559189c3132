"""The staff member's notices: newest first; reading one (or all) is a POST, opening the page changes nothing."""

from flask import abort, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from cases.access import staff_required
from cases.blueprint import bp
from cases.forms import PlainForm
from cases.notices import Notice, mark_notices_read
from tipline.extensions import db


@bp.route("/notices")
@staff_required()
def notices():
    """The latest notices of the signed-in member of staff, unread ones marked."""
    rows = db.session.scalars(
        select(Notice).where(Notice.user_id == current_user.id).order_by(Notice.id.desc()).limit(100)
    ).all()
    unread = {n.id for n in rows if n.read_at is None}
    return render_template("cases/notices.html", notices=rows, unread=unread, plain=PlainForm())


@bp.route("/notices/read", methods=["POST"])
@staff_required()
def read_all_notices():
    """Mark every notice of the signed-in member of staff as read."""
    return _mark_read(None)


@bp.route("/notices/<id:notice_id>/read", methods=["POST"])
@staff_required()
def read_notice(notice_id):
    """Mark one of one's own notices as read (another's answers 404)."""
    return _mark_read(notice_id)


def _mark_read(notice_id):
    if not PlainForm().validate_on_submit():
        abort(400)
    if not mark_notices_read(current_user, notice_id):
        abort(404)
    db.session.commit()
    return redirect(url_for("staff.notices"), 303)
