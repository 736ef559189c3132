"""A worker killed in the middle of a mail job: the mail still goes out, exactly once.

Real pieces only: the machine's Redis (our own queue name), two worker processes
started as production starts them, and an SMTP server (aiosmtpd) that holds the
first delivery at MAIL FROM so that the worker can be killed mid-conversation.
"""

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from cases import states
from cases.operations import change_state
from tests.cases.conftest import HAIDIAN
from tests.conftest import ROOT, MailBox, worker_env
from tests.services import REDIS_URL, free_port
from tipline.extensions import db
from tipline.jobs.models import DONE, OutboxJob
from tipline.mail import SentMail


class HoldingMailBox(MailBox):
    """Holds the first MAIL FROM until released: a slow mail server, mid-conversation."""

    def __init__(self):
        super().__init__()
        self.held = threading.Event()
        self.hold_first = True

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.hold_first:
            self.hold_first = False
            self.held.set()
            await asyncio.sleep(60)
        envelope.mail_from = address
        return "250 OK"


@pytest.fixture
def holding_smtp(app_config, redis_prefix):
    box = HoldingMailBox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    app_config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=controller.port,
        JOB_MODE="rq",
        REDIS_URL=REDIS_URL,
        RQ_QUEUE=redis_prefix,
    )
    yield box
    controller.stop()


def worker(app, *args, **env):
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", *args],
        cwd=ROOT,
        env=worker_env(app, MAIL_SERVER=app.config["MAIL_SERVER"], MAIL_PORT=str(app.config["MAIL_PORT"]), **env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: the work horse dies with it
    )


def test_killed_mail_worker_still_sends_exactly_once(holding_smtp, app, make_platform, file_tip, make_staff):
    tip = file_tip(make_platform(region_code=HAIDIAN), "game_ads", contact={"email": "parent@example.com"})
    change_state(tip.case, states.TRIAGED, make_staff("supervisor", "cyberspace", "110000"))
    db.session.commit()  # the status mail is now an outbox row, handed to the queue

    first = worker(app)
    try:
        assert holding_smtp.held.wait(60), "the worker never reached the mail server"
        os.killpg(first.pid, signal.SIGKILL)  # killed mid-conversation, before the message was sent
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    assert holding_smtp.messages == []
    job = db.session.scalars(select(OutboxJob).where(OutboxJob.name == "mail.reporter_status")).one()
    db.session.refresh(job)
    assert job.state == "running"  # claimed by the dead worker

    # A new worker takes the dead worker's claim back and sends the mail.
    second = worker(app, "--burst", OUTBOX_CLAIM_TIMEOUT="0")
    _, errors = second.communicate(timeout=120)
    assert second.returncode == 0, errors.decode()[-2000:]
    deadline = time.monotonic() + 10
    while not holding_smtp.messages and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(holding_smtp.to("parent@example.com")) == 1
    db.session.expire_all()
    assert db.session.get(OutboxJob, job.id).state == DONE
    assert len(db.session.scalars(select(SentMail)).all()) == 1
