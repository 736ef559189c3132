"""A worker killed in the middle of a mail job: the mail still goes out, exactly once.

Real pieces only: the machine's Redis (our own queue name), two worker processes
started as production starts them, and an SMTP server (aiosmtpd) that either holds
the first delivery at MAIL FROM (the worker dies before sending) or kills the
worker as it says QUIT (the worker dies after the server accepted the message).
"""

import asyncio
import contextlib
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


class KillingMailBox(MailBox):
    """Accepts the reporter's message, then SIGKILLs the sending worker's process group at its QUIT."""

    def __init__(self, address):
        super().__init__()
        self.address = address
        self.worker = None  # the Popen of the worker to kill
        self.accepted = set()  # ids of the sessions whose reporter message was accepted
        self.killed = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        reply = await super().handle_DATA(server, session, envelope)
        if self.address in envelope.rcpt_tos:
            self.accepted.add(id(session))
        return reply

    async def handle_QUIT(self, server, session, envelope):
        if id(session) in self.accepted and self.worker is not None and not self.killed.is_set():
            # The message is accepted; the worker waits for our goodbye and dies instead.
            kill_worker(self.worker)
            self.killed.set()
        return "221 Bye"


def serve(box, app_config, redis_prefix):
    """Start an SMTP server with `box` as its handler and point the app's mail and jobs at it."""
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    app_config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=controller.port,
        JOB_MODE="rq",
        REDIS_URL=REDIS_URL,
        RQ_QUEUE=redis_prefix,
        REDIS_KEY_PREFIX=redis_prefix,
    )
    return controller


@pytest.fixture
def holding_smtp(app_config, redis_prefix):
    box = HoldingMailBox()
    controller = serve(box, app_config, redis_prefix)
    yield box
    controller.stop()


@pytest.fixture
def killing_smtp(app_config, redis_prefix):
    box = KillingMailBox("parent@example.com")
    controller = serve(box, app_config, redis_prefix)
    yield box
    controller.stop()


def worker(app, *args, **env):
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", *args],
        cwd=ROOT,
        env=worker_env(app, MAIL_SERVER=app.config["MAIL_SERVER"], MAIL_PORT=str(app.config["MAIL_PORT"]), **env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, for kill_worker
    )


def kill_worker(process):
    """SIGKILL a worker and its work horses, as a crash or `kill -9` would.

    RQ puts each work horse (the fork that runs the job) in a process group of its
    own, so killing the worker's group alone would leave the horse running the job.
    """
    horses = [pid for pid in _all_pids() if _parent_of(pid) == process.pid]
    for pid in horses:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def _all_pids():
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _parent_of(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            # The command name (2nd field) may hold spaces; the parent follows the state after its ")".
            return int(stat.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def test_mail_worker_killed_before_sending_sends_later(holding_smtp, app, make_platform, file_tip, make_staff):
    """Catches: a claim left by a dead worker never taken back (the reporter is never mailed)."""
    tip = file_tip(make_platform(region_code=HAIDIAN), "game_ads", contact={"email": "parent@example.com"})
    change_state(tip.case, states.TRIAGED, make_staff("supervisor", "cyberspace", "110000"))
    db.session.commit()  # the status mail is now an outbox row, handed to the queue

    first = worker(app)
    try:
        assert holding_smtp.held.wait(60), "the worker never reached the mail server"
        kill_worker(first)  # killed mid-conversation, before the message was sent
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            kill_worker(first)
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


def test_mail_worker_killed_after_the_server_accepted_does_not_send_again(
    killing_smtp, app, make_platform, file_tip, make_staff
):
    """Catches: the sending recorded only with the job's DONE (a worker killed at QUIT mails twice)."""
    tip = file_tip(make_platform(region_code=HAIDIAN), "game_ads", contact={"email": "parent@example.com"})
    change_state(tip.case, states.TRIAGED, make_staff("supervisor", "cyberspace", "110000"))
    db.session.commit()

    first = worker(app)
    killing_smtp.worker = first
    try:
        assert killing_smtp.killed.wait(60), "the worker never finished a delivery to the reporter"
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            kill_worker(first)
    assert len(killing_smtp.to("parent@example.com")) == 1
    job = db.session.scalars(select(OutboxJob).where(OutboxJob.name == "mail.reporter_status")).one()
    db.session.refresh(job)
    assert job.state == "running"  # the worker died before it could mark the job done

    # A new worker takes the claim back, runs the job again and finds the message sent.
    second = worker(app, "--burst", OUTBOX_CLAIM_TIMEOUT="0")
    _, errors = second.communicate(timeout=120)
    assert second.returncode == 0, errors.decode()[-2000:]
    db.session.expire_all()
    assert db.session.get(OutboxJob, job.id).state == DONE
    time.sleep(1)  # a second delivery, if any, would have arrived by now
    assert len(killing_smtp.to("parent@example.com")) == 1
    assert len(db.session.scalars(select(SentMail)).all()) == 1
