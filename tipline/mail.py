"""Sending mail through SMTP (MAIL_SERVER, MAIL_PORT), once per message id."""

import smtplib
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate

from flask import current_app
from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from tipline.extensions import db
from tipline.timeutil import utcnow


class SentMail(db.Model):
    """A message handed to the SMTP server; a job run twice finds it here and sends nothing."""

    __tablename__ = "sent_mail"

    message_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    sent_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


def send_mail(message_id, to, subject, body):
    """Send one message unless a message with this id was sent already; True when it went out now.

    The caller's transaction records the sending; the job runner commits it with
    the job's DONE, so a job that ran to the end never sends twice.
    """
    if db.session.get(SentMail, message_id) is not None:
        return False
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = f"<{message_id}@{config['MAIL_SENDER'].split('@')[-1]}>"
    message.set_content(body)
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]) as smtp:
        smtp.send_message(message)
    db.session.add(SentMail(message_id=message_id, recipient=to))
    return True
