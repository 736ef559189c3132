"""Telling people: in-app notices and mail to staff, and mail to reporters who left an address.

Notices are rows written with the change that causes them; the mails are outbox
jobs recorded in the same transaction, sent by the worker.
"""

from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tipline.crypto import decrypt_contact
from tipline.extensions import db
from tipline.jobs.outbox import record_job
from tipline.jobs.registry import job
from tipline.mail import send_mail
from tipline.timeutil import utcnow

KINDS = {
    "assigned": _l("Case #%(case)s is assigned to you."),
    "approval": _l("An action in case #%(case)s waits for your approval."),
    "closing": _l("Closing case #%(case)s waits for your agreement."),
    "closing_agreed": _l("A supervisor agreed to your closing of case #%(case)s: it is closed."),
    "closing_refused": _l("A supervisor did not agree to your closing of case #%(case)s: it stays open."),
    "decided": _l("Your proposed action in case #%(case)s was decided: %(outcome)s."),
    "escalated": _l("Case #%(case)s is escalated: it is past its deadline."),
    "task": _l("%(who)s set your department a task in case #%(case)s: %(title)s"),
    "reporter_added": _l("A reporter added information or answered in case #%(case)s, which is assigned to you."),
    "mentioned": _l("%(who)s mentioned you in a note on case #%(case)s."),
    "review": _l("A rectification in case #%(case)s is past its deadline: review it."),
    "signin_locked": _l(
        "Repeated failed sign-in attempts locked sign-in to your account for %(minutes)s minutes. "
        "If they were not yours, tell your administrator."
    ),
    "review_recorded": _l("A rectification review in case #%(case)s waits for your confirmation."),
    "review_confirmed": _l("The rectification review you recorded in case #%(case)s is confirmed."),
    "review_disputed": _l("The rectification review you recorded in case #%(case)s was not confirmed."),
    # Is it fixed? (tipline/followup): reporters of a closed case say the problem is still there.
    "fix_reopened": _l("Reporters of case #%(case)s say the problem is still there: the case is open again."),
    "fix_followed": _l(
        "Reporters of closed case #%(old)s say the problem is still there: their answers are in case #%(case)s."
    ),
    # Told to the account's owner, so that someone who got hold of the password is noticed.
    "password_changed": _l(
        "The password of your account was changed. If you did not do this, tell your administrator at once."
    ),
    "totp_enabled": _l(
        "A second factor was set up for your account. If you did not do this, tell your administrator at once."
    ),
    "totp_disabled": _l(
        "An administrator turned off the second factor of your account; set up a new one at your next sign-in."
    ),
}

# The kinds whose sentence names who did it (%(who)s); the others show it beside the sentence.
NAMED_IN_TEXT = {"task", "mentioned"}


class Notice(db.Model):
    """Something a member of staff should know, shown in the app and mailed."""

    __tablename__ = "notice"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id"))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)

    user = relationship("StaffUser")

    def text(self):
        """The notice in the page's language."""
        from cases.actions.rules import ACTION_STATES

        params = dict(self.params)
        if "outcome" in params:
            params["outcome"] = ACTION_STATES.get(params["outcome"], params["outcome"])
        return KINDS[self.kind] % {"case": self.case_id, **params}

    @property
    def byline(self):
        """Who did what the notice tells, when its sentence does not name them already."""
        who = (self.params or {}).get("who")
        return who if who and self.kind not in NAMED_IN_TEXT else ""


def read_notices_of_case(user, case):
    """Opening a case reads the user's notices about it: what they told is now in front of them."""
    db.session.execute(
        update(Notice)
        .where(Notice.user_id == user.id, Notice.case_id == case.id, Notice.read_at.is_(None))
        .values(read_at=utcnow())
    )


def notify_staff(users, kind, case, **params):
    """A notice for each user (once per user), and a mail job for each."""
    seen = set()
    for user in users:
        if user is None or user.id in seen or not user.active:
            continue
        seen.add(user.id)
        notice = Notice(user_id=user.id, kind=kind, case_id=case.id if case else None, params=params)
        db.session.add(notice)
        db.session.flush()
        record_job("mail.staff_notice", notice_id=notice.id)


def notify_reporter(tip, status, event_id):
    """Mail a reporter who left an address that their report's public status is now `status`."""
    if tip.contact_encrypted is not None:
        record_job("mail.reporter_status", tip_id=tip.id, status=status, event_id=event_id)


@job("mail.staff_notice")
def mail_staff_notice(payload):
    notice = db.session.get(Notice, payload["notice_id"])
    if notice is None:
        return
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        text = notice.text() + (" " + _("(by %(who)s)", who=notice.byline) if notice.byline else "")
        body = text + "\n\n" + _("Open the staff workspace: %(url)s", url=_staff_url(notice))
        send_mail(f"notice-{notice.id}", notice.user.email, _("Tipline: %(text)s", text=notice.text()), body)


def _staff_url(notice):
    base = current_app.config["PUBLIC_URL"]
    return f"{base}/staff/cases/{notice.case_id}" if notice.case_id else f"{base}/staff/"


@job("mail.reporter_status")
def mail_reporter_status(payload):
    """The new public status, in the reporter's language, with nothing internal in it."""
    from tipline.reports.models import Tip
    from tipline.tracking.status import EXPLANATIONS, PUBLIC_STATUSES

    tip = db.session.get(Tip, payload["tip_id"])
    email = decrypt_contact(tip.contact_encrypted).get("email") if tip else None
    status = payload["status"]
    if not email or status not in PUBLIC_STATUSES:
        return
    with force_locale("en" if tip.locale == "en" else "zh_Hans"):
        subject = _("Your report: %(status)s", status=PUBLIC_STATUSES[status])
        body = "\n\n".join(
            [
                _("The status of your report is now: %(status)s.", status=PUBLIC_STATUSES[status]),
                str(EXPLANATIONS[status]),
                _(
                    "Follow your report with your receipt code at %(url)s",
                    url=current_app.config["PUBLIC_URL"] + "/track",
                ),
            ]
        )
    send_mail(f"tip-{tip.id}-status-{payload.get('event_id', status)}", email, subject, body)


def mark_notices_read(user, notice_id=None):
    """Mark the user's unread notices as read: all of them, or the one given.

    Returns False when `notice_id` names no notice of this user (nothing changes).
    """
    from sqlalchemy import select, update

    query = update(Notice).where(Notice.user_id == user.id, Notice.read_at.is_(None))
    if notice_id is not None:
        if db.session.scalar(select(Notice.id).where(Notice.id == notice_id, Notice.user_id == user.id)) is None:
            return False
        query = query.where(Notice.id == notice_id)
    db.session.execute(query.values(read_at=utcnow()))
    return True


def unread_count(user):
    """How many notices the user has not read."""
    from sqlalchemy import func, select

    return db.session.scalar(select(func.count(Notice.id)).where(Notice.user_id == user.id, Notice.read_at.is_(None)))
