"""The organisations' mail goes out through the real RQ worker, once, however often its job runs."""

import subprocess
import sys

import pytest
from sqlalchemy import select, update

from tests.conftest import ROOT, worker_env
from tests.organisations.helpers import make_org, post_form, sign_in_member
from tests.organisations.test_org_accounts import register
from tipline.extensions import db
from tipline.jobs.models import DONE, PENDING, OutboxJob


@pytest.fixture
def rq_mail(smtp_server, app_config, redis_prefix):
    from tests.services import REDIS_URL

    app_config.update(
        JOB_MODE="rq", REDIS_URL=REDIS_URL, RQ_QUEUE=redis_prefix, REDIS_KEY_PREFIX=redis_prefix, OUTBOX_RELAY_AFTER=0
    )
    return smtp_server


def run_worker(app):
    """`flask --app wsgi worker --burst` in its own process, mailing to the test's SMTP server."""
    env = worker_env(app, MAIL_SERVER="127.0.0.1", MAIL_PORT=str(app.config["MAIL_PORT"]))
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]


def test_confirmation_and_invitation_mails_go_through_the_worker_once(rq_mail, app, client):
    """Catches: the organisations' mail jobs unknown to the worker, or a job run again mailing twice."""
    assert register(client).status_code == 303
    assert rq_mail.to("office@school.example") == []  # handed to the queue, not sent by the web process
    run_worker(app)
    assert len(rq_mail.to("office@school.example")) == 1
    make_org(name="星光学校", email="star@school.example", code="", kind="parent_committee", school_name="星光小学")
    admin = app.test_client()
    assert sign_in_member(admin, "star@school.example").status_code == 303
    post_form(admin, "/org/members", "/org/members/invite", {"invite-email": "new@example.org"})
    run_worker(app)
    assert len(rq_mail.to("new@example.org")) == 1
    names = set(db.session.scalars(select(OutboxJob.name).where(OutboxJob.state == DONE)))
    assert {"mail.org_link", "evidence.check"} <= names
    # Every job handed over again (a relay after a lost hand-over): nothing is mailed twice.
    db.session.execute(update(OutboxJob).values(state=PENDING, dispatched_at=None))
    db.session.commit()
    run_worker(app)
    db.session.expire_all()
    assert set(db.session.scalars(select(OutboxJob.state))) == {DONE}  # they did run again
    assert len(rq_mail.to("office@school.example")) == 1 and len(rq_mail.to("new@example.org")) == 1
