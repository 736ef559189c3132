"""Sending mail through SMTP (MAIL_SERVER, MAIL_PORT), exactly once per message key."""

import hashlib
import hmac
import re
import smtplib
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate

from flask import current_app
from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from tipline.crypto import derived_key
from tipline.extensions import db
from tipline.timeutil import utcnow


class SentMail(db.Model):
    """A message the SMTP server accepted; a job run again finds it here and sends nothing.

    Only the message's key is kept, never the recipient: a reporter's address
    lives encrypted in the tip's contact details and nowhere else.
    """

    __tablename__ = "sent_mail"

    message_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class MailNotSent(RuntimeError):
    """The SMTP server refused or could not be reached; the message says why, without the recipient."""


def header_message_id(key):
    """The Message-ID header of the message stored under `key`: stable, and opaque to its readers.

    The key names internal rows (`tip-12-status-40`); the header is an HMAC of it,
    so a mail reveals no tip, case or event number, and a retry carries the same id.
    """
    digest = hmac.new(derived_key("mail-message-id"), key.encode(), hashlib.sha256).hexdigest()[:40]
    return f"<{digest}@{current_app.config['MAIL_SENDER'].split('@')[-1]}>"


def send_mail(message_id, to, subject, body):
    """Send one message unless the message stored under `message_id` went out already; True when sent now."""
    if db.session.get(SentMail, message_id) is not None:
        return False
    try:
        message = _message(message_id, to, subject, body)
        _deliver(message, message_id)
    except (smtplib.SMTPException, OSError, ValueError) as exc:
        # SMTP errors quote the recipient (SMTPRecipientsRefused is keyed by it, servers
        # echo it in their replies); the job's error record and logs must not keep it.
        raise MailNotSent(_without(to, f"{type(exc).__name__}: {exc}")) from None
    return True


def _message(message_id, to, subject, body):
    """The message as it goes out: plain text, our sender, the opaque Message-ID."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = header_message_id(message_id)
    message.set_content(body)
    return message


def _deliver(message, message_id):
    """Hand the message to the SMTP server and record it as sent before saying goodbye."""
    config = current_app.config
    smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"])
    try:
        smtp.send_message(message)
        # The one place a job commits before its end. The server has accepted the
        # message: the record must be durable before anything else can fail (QUIT, the
        # job's DONE, a killed worker), or the job's retry would send it a second time.
        db.session.add(SentMail(message_id=message_id))
        db.session.commit()
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()  # the message is recorded; a failed goodbye changes nothing


def _without(address, text):
    """`text` with every spelling of `address` (any case, in <> or not) replaced."""
    return re.sub(re.escape(address), "<recipient>", text, flags=re.IGNORECASE)
