"""Mail to reporters leaves no trace of their address in the database and names nothing internal."""

import email
import json
import logging
import re
from email import policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from cases import states
from cases.operations import change_state
from tests.cases.conftest import HAIDIAN
from tests.conftest import MailBox
from tests.services import free_port
from tipline.extensions import db
from tipline.jobs.models import DONE, PENDING, OutboxJob
from tipline.jobs.runner import run_outbox_job

# Mixed case: a server may echo it in either; the check must not depend on spelling.
ADDRESS = "Parent.Of.Pupil@Example.com"


def columns_holding(text):
    """Every `table.column` of every table whose stored value contains `text` (any case)."""
    needle, found = text.lower(), []
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            for row in conn.execute(select(table)).mappings():
                for name, value in row.items():
                    if isinstance(value, bytes):
                        value = value.decode("utf-8", "replace")
                    elif not isinstance(value, str):
                        value = json.dumps(value, ensure_ascii=False, default=str)
                    if needle in value.lower():
                        found.append(f"{table.name}.{name}")
    return found


class RefusingMailBox(MailBox):
    """Refuses the reporter's address and quotes it back, as real servers do."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return f"550 5.1.1 <{address}>: Recipient address rejected: user unknown"


class TryLaterMailBox(MailBox):
    """Takes the first message in, then answers 451 as if it had not (the sender must retry)."""

    def __init__(self):
        super().__init__()
        self.received = []  # every message the server saw, accepted or not

    async def handle_DATA(self, server, session, envelope):
        self.received.append(email.message_from_bytes(envelope.content, policy=policy.default))
        if len(self.received) == 1:
            return "451 4.3.0 Temporary failure, try again later"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def mail_server(app_config, request):
    """A real SMTP server whose handler is the test's parameter."""
    box = request.param()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    app_config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    yield box
    controller.stop()


def status_changes(file_tip, make_platform, make_staff):
    """A tip from a reporter who left ADDRESS, and a change of its public status (mailed in sync mode)."""
    tip = file_tip(make_platform(region_code=HAIDIAN), "game_ads", contact={"email": ADDRESS})
    change_state(tip.case, states.TRIAGED, make_staff("supervisor", "cyberspace", "110000"))
    db.session.commit()
    job = db.session.scalars(select(OutboxJob).where(OutboxJob.name == "mail.reporter_status")).one()
    return tip, job


@pytest.mark.parametrize("mail_server", [MailBox], indirect=True)
def test_a_sent_reporter_mail_leaves_the_address_in_no_table(mail_server, app, file_tip, make_platform, make_staff):
    """Catches: the sent-mail record keeping the recipient in clear (sent_mail.recipient)."""
    tip, job = status_changes(file_tip, make_platform, make_staff)
    assert len(mail_server.to(ADDRESS)) == 1
    db.session.refresh(job)
    assert job.state == DONE
    assert columns_holding(ADDRESS) == []


@pytest.mark.parametrize("mail_server", [RefusingMailBox], indirect=True)
def test_a_refused_address_is_kept_neither_in_the_job_nor_in_the_log(
    mail_server, app, file_tip, make_platform, make_staff, caplog
):
    """Catches: the SMTP error (which quotes the address) stored as the job's last_error and logged."""
    caplog.set_level(logging.INFO)
    tip, job = status_changes(file_tip, make_platform, make_staff)
    db.session.refresh(job)
    assert job.state == PENDING and job.attempts == 1  # to be retried
    assert "SMTPRecipientsRefused" in job.last_error and "<recipient>" in job.last_error
    assert columns_holding(ADDRESS) == []
    assert ADDRESS.lower() not in caplog.text.lower()


@pytest.mark.parametrize("mail_server", [TryLaterMailBox], indirect=True)
def test_message_id_is_opaque_and_the_same_on_a_retry(mail_server, app, file_tip, make_platform, make_staff):
    """Catches: the Message-ID header spelling out the tip and event (`tip-12-status-40@...`)."""
    tip, job = status_changes(file_tip, make_platform, make_staff)
    db.session.refresh(job)
    assert job.state == PENDING  # the server said "try later"
    assert run_outbox_job(job.id) == "done"
    first, retry = mail_server.received
    assert first["Message-ID"] == retry["Message-ID"]
    assert len(mail_server.to(ADDRESS)) == 1
    local_part = re.fullmatch(r"<([^@]+)@[^>]+>", retry["Message-ID"]).group(1)
    assert re.fullmatch(r"[0-9a-f]{40}", local_part), local_part  # no name, no number, nothing to read
    assert "tip" not in retry["Message-ID"].lower() and f"-{tip.id}-" not in retry["Message-ID"]
