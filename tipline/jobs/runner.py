"""Running one outbox job: exactly the work it owes, once, in its own transaction."""

import logging
import os
import traceback

from flask import current_app, has_app_context
from sqlalchemy import select

from tipline.extensions import db
from tipline.jobs.models import DONE, FAILED, PENDING, OutboxJob
from tipline.jobs.registry import handler_for
from tipline.timeutil import utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
_worker_app = None  # (pid, app): one app per worker process, never shared across a fork


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
    locked while the job runs, so two workers handed the same row do the work
    once; the handler's changes and the row's DONE commit together.
    """
    app = _app()
    with app.app_context():
        return _run(outbox_id)


def _run(outbox_id):
    query = select(OutboxJob).where(OutboxJob.id == outbox_id)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    row = db.session.scalars(query).first()
    if row is None or row.state != PENDING:
        db.session.rollback()
        return "skipped"
    name, payload = row.name, dict(row.payload)
    try:
        handler_for(name)(payload)
        row.state = DONE
        row.attempts += 1
        row.finished_at = utcnow()
        db.session.commit()
        return "done"
    except Exception:
        db.session.rollback()
        error = traceback.format_exc(limit=5)
        log.exception("job %s (%s) failed", outbox_id, name)
        row = db.session.get(OutboxJob, outbox_id)
        row.attempts += 1
        row.last_error = error[-4000:]
        row.state = FAILED if row.attempts >= MAX_ATTEMPTS else PENDING
        db.session.commit()
        return "failed"
    finally:
        db.session.remove()
