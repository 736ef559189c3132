"""Recording jobs with the change that needs them, and handing them to a queue after commit."""

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from flask import current_app
from sqlalchemy import event, inspect, or_, select, update

from tipline.extensions import db
from tipline.jobs.models import PENDING, RUNNING, OutboxJob
from tipline.timeutil import utcnow

log = logging.getLogger(__name__)

_SESSION_KEY = "tipline_outbox"
_threads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="tipline-job")


def record_job(name, **payload):
    """Add a job to the current transaction; it is dispatched only if the transaction commits.

    With a queue, the row is marked handed over in the same INSERT: the hand-over follows
    the commit at once, and only a failed one (Redis down) writes again, to clear the mark.
    """
    handed_over = utcnow() if current_app.config["JOB_MODE"] == "rq" else None
    row = OutboxJob(name=name, payload=payload, state=PENDING, dispatched_at=handed_over)
    db.session.add(row)
    db.session.info.setdefault(_SESSION_KEY, []).append(row)
    return row


def _after_commit(session):
    # SQLAlchemy reports a released SAVEPOINT as a commit too: wait for the real one.
    if session.in_nested_transaction():
        return
    rows = session.info.pop(_SESSION_KEY, [])
    # Rows added inside a SAVEPOINT that was rolled back never reached the database.
    ids = [row.id for row in rows if inspect(row).persistent]
    if ids:
        dispatch(current_app._get_current_object(), ids)


def _after_rollback(session):
    if not session.in_nested_transaction():
        session.info.pop(_SESSION_KEY, None)


def install():
    """Dispatch recorded jobs after each commit of the session (once per process)."""
    if not event.contains(db.session, "after_commit", _after_commit):
        event.listen(db.session, "after_commit", _after_commit)
        event.listen(db.session, "after_rollback", _after_rollback)


_last_relay = [0.0]  # process-local, for economy only: any process may relay at any time


def dispatch(app, ids):
    """Hand committed outbox rows to whatever runs jobs in this deployment."""
    mode = app.config["JOB_MODE"]
    if mode == "rq":
        enqueue(app, ids, marked=True)
        return
    future = _threads.submit(_run_in_process, app, ids)
    if mode == "sync":
        future.result()
    elif time.monotonic() - _last_relay[0] > app.config["OUTBOX_RELAY_AFTER"]:
        # Without a worker, the web process also picks up rows a dead process left behind.
        _last_relay[0] = time.monotonic()
        _threads.submit(relay, app)


def _run_in_process(app, ids):
    from tipline.jobs.runner import run_outbox_job

    with app.app_context():
        for job_id in ids:
            run_outbox_job(job_id)


def redis_connection(app):
    """The app's Redis client (one pool per app; redis-py makes it safe across forks)."""
    from redis import Redis

    client = app.extensions.get("tipline_redis")
    if client is None:
        client = Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=5)
        app.extensions["tipline_redis"] = client
    return client


def rq_queue(app):
    """The RQ queue this app's jobs go to."""
    from rq import Queue

    return Queue(app.config["RQ_QUEUE"], connection=redis_connection(app))


def rq_job_id(app, outbox_id):
    """The RQ job id of an outbox row: stable, so handing it over twice is harmless."""
    return f"{app.config['RQ_QUEUE']}-outbox-{outbox_id}"


def enqueue(app, ids, marked=False):
    """Put outbox rows on the RQ queue. A Redis outage leaves them pending for the relay.

    `marked`: the rows already carry their hand-over time (record_job), written with them.
    """
    from redis.exceptions import RedisError

    try:
        queue = rq_queue(app)
        for outbox_id in ids:
            queue.enqueue_call(
                "tipline.jobs.runner.run_outbox_job",
                args=(outbox_id,),
                job_id=rq_job_id(app, outbox_id),
                result_ttl=3600,
                failure_ttl=7 * 24 * 3600,
            )
    except RedisError as exc:
        log.warning("queue unreachable; %d job(s) wait in the outbox: %s", len(ids), exc)
        if marked:
            with app.app_context():
                with db.engine.begin() as conn:
                    conn.execute(update(OutboxJob).where(OutboxJob.id.in_(ids)).values(dispatched_at=None))
        return 0
    if marked:
        return len(ids)
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(update(OutboxJob).where(OutboxJob.id.in_(ids)).values(dispatched_at=utcnow()))
    return len(ids)


def relayable_ids(app, limit=500):
    """Pending rows never handed over, or handed over long enough ago to be presumed lost.

    Rows claimed by a runner that has not finished within OUTBOX_CLAIM_TIMEOUT are
    taken back first: that runner died (a killed worker, a stopped process).
    """
    now = utcnow()
    cutoff = now - timedelta(seconds=app.config["OUTBOX_RELAY_AFTER"])
    with db.engine.begin() as conn:
        conn.execute(
            update(OutboxJob)
            .where(
                OutboxJob.state == RUNNING,
                OutboxJob.claimed_at < now - timedelta(seconds=app.config["OUTBOX_CLAIM_TIMEOUT"]),
            )
            .values(state=PENDING, dispatched_at=None)
        )
    with db.engine.connect() as conn:
        return list(
            conn.scalars(
                select(OutboxJob.id)
                .where(OutboxJob.state == PENDING)
                .where(or_(OutboxJob.dispatched_at.is_(None), OutboxJob.dispatched_at < cutoff))
                .order_by(OutboxJob.id)
                .limit(limit)
            )
        )


def relay(app):
    """Hand every relayable row to the queue again; returns how many went."""
    with app.app_context():
        ids = relayable_ids(app)
        if not ids:
            return 0
        if app.config["JOB_MODE"] == "rq":
            return enqueue(app, ids)
        _run_in_process(app, ids)
        return len(ids)
