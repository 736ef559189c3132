"""The staff member's notices: newest first; opening the page marks them read."""

from flask import render_template
from flask_login import current_user
from sqlalchemy import select, update

from cases.access import staff_required
from cases.blueprint import bp
from cases.notices import Notice
from tipline.extensions import db
from tipline.timeutil import utcnow


@bp.route("/notices")
@staff_required()
def notices():
    """The latest notices of the signed-in member of staff."""
    rows = db.session.scalars(
        select(Notice).where(Notice.user_id == current_user.id).order_by(Notice.id.desc()).limit(100)
    ).all()
    unread = {n.id for n in rows if n.read_at is None}
    db.session.execute(
        update(Notice).where(Notice.user_id == current_user.id, Notice.read_at.is_(None)).values(read_at=utcnow())
    )
    db.session.commit()
    return render_template("cases/notices.html", notices=rows, unread=unread)
