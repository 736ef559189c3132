"""The follow-up's jobs: the periodic scan that asks "is it fixed?", and the question mailed to a reporter."""

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from tipline.crypto import decrypt_contact
from tipline.extensions import db
from tipline.followup import service
from tipline.jobs.registry import job
from tipline.mail import send_mail
from tipline.timeutil import utcnow


@job("followup.ask")
def ask(payload):
    """Recorded once per FOLLOWUP_SCAN_MINUTES by a worker (tipline/jobs/schedule.py); asking twice asks once."""
    service.ask_due(utcnow())


@job(service.MAIL_JOB)
def mail_fix_question(payload):
    """The question, in the reporter's language, with the tracking link: nothing internal, never the receipt code."""
    from tipline.reports.models import Tip

    tip = db.session.get(Tip, payload["tip_id"])
    email = decrypt_contact(tip.contact_encrypted).get("email") if tip is not None else None
    if not email:
        return
    with force_locale("en" if tip.locale == "en" else "zh_Hans"):
        subject = _("Your report: is the problem gone?")
        body = "\n\n".join(
            [
                _(
                    "Some weeks ago staff confirmed the problem you reported and took action against the "
                    "platform. Is the problem gone now?"
                ),
                _(
                    "Answer with your receipt code at %(url)s. It takes one click, and tells staff whether "
                    "they need to look into it again.",
                    url=current_app.config["PUBLIC_URL"] + "/track",
                ),
            ]
        )
    send_mail(f"tip-{tip.id}-fix-question", email, subject, body)
