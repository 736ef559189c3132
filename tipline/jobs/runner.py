"""Running one outbox job: exactly the work it owes, once, in its own transaction."""

import logging
import os
import traceback

from flask import current_app, has_app_context
from sqlalchemy import update

from tipline.extensions import db
from tipline.jobs.models import DONE, FAILED, PENDING, RUNNING, OutboxJob
from tipline.jobs.registry import handler_for
from tipline.timeutil import utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
_worker_app = None  # (pid, app): `rq worker` builds one app per process; a fork builds its own


def _app():
    global _worker_app
    if has_app_context():
        return current_app._get_current_object()
    if _worker_app is None or _worker_app[0] != os.getpid():
        from tipline import create_app

        _worker_app = (os.getpid(), create_app())
    return _worker_app[1]


def run_outbox_job(outbox_id):
    """Run the job an outbox row records, unless it is already done.

    This is what RQ workers and the in-process runner both call. The row is
    claimed before the job runs, so two runners handed the same row do the work
    once; the handler's changes and the row's DONE commit together.
    """
    app = _app()
    with app.app_context():
        return _run(outbox_id)


def _run(outbox_id):
    # Claim the row with one conditional UPDATE: of two runners handed the same row
    # (a relay, a duplicate enqueue, two threads), exactly one sees rowcount 1.
    claimed = db.session.execute(
        update(OutboxJob)
        .where(OutboxJob.id == outbox_id, OutboxJob.state == PENDING)
        .values(state=RUNNING, claimed_at=utcnow(), attempts=OutboxJob.attempts + 1)
    ).rowcount
    db.session.commit()
    if claimed != 1:
        db.session.remove()
        return "skipped"
    row = db.session.get(OutboxJob, outbox_id)
    name, payload = row.name, dict(row.payload)
    try:
        handler_for(name)(payload)
        row.state = DONE
        row.finished_at = utcnow()
        db.session.commit()  # the job's work and DONE in one transaction
        return "done"
    except Exception:
        db.session.rollback()
        error = traceback.format_exc(limit=5)
        log.exception("job %s (%s) failed", outbox_id, name)
        row = db.session.get(OutboxJob, outbox_id)
        row.last_error = error[-4000:]
        row.state = FAILED if row.attempts >= MAX_ATTEMPTS else PENDING
        db.session.commit()
        return "failed"
    finally:
        db.session.remove()
