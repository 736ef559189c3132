"""Background jobs: recorded with the change, run once, through a real RQ worker, and never lost to a Redis outage."""

import subprocess
import sys

import pytest
from sqlalchemy import func, select

from tests.conftest import ROOT, worker_env
from tests.services import REDIS_URL, OwnRedis
from tests.tipline import images
from tests.tipline.test_report import post_report
from tipline.evidence.models import PENDING, READY, Evidence
from tipline.evidence.storage import quarantine_storage
from tipline.extensions import db
from tipline.jobs.models import DONE, FAILED, OutboxJob
from tipline.jobs.outbox import record_job
from tipline.jobs.runner import MAX_ATTEMPTS, run_outbox_job
from tipline.reports.models import Tip


def run_worker(app):
    """`flask --app wsgi worker --burst` in its own process, as production runs it."""
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst"],
        cwd=ROOT,
        env=worker_env(app),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def states(model, column):
    db.session.expire_all()
    return db.session.scalars(select(column).order_by(model.id)).all()


def test_job_is_recorded_only_if_the_change_commits(app):
    record_job("evidence.check", evidence_id=1)
    db.session.rollback()
    assert db.session.scalar(select(func.count(OutboxJob.id))) == 0


def test_a_job_runs_once(client, app):
    app.config["JOB_MODE"] = "rq"  # hand-over fails without Redis; run by hand below
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    post_report(client, files=[("a.png", images.png_image())])
    job_id = db.session.scalars(select(OutboxJob.id)).one()
    assert run_outbox_job(job_id) == "done"
    assert run_outbox_job(job_id) == "skipped"
    assert states(Evidence, Evidence.state) == [READY]


def test_failing_job_is_retried_then_marked_failed(client, app):
    app.config["JOB_MODE"] = "rq"
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    post_report(client, files=[("a.png", images.png_image())])
    evidence = db.session.scalars(select(Evidence)).one()
    quarantine_storage().delete(evidence.raw_key)  # the upload vanished before it was cleaned
    job_id = db.session.scalars(select(OutboxJob.id)).one()
    results = [run_outbox_job(job_id) for _ in range(MAX_ATTEMPTS + 1)]
    assert results == ["failed"] * MAX_ATTEMPTS + ["skipped"]
    job = db.session.get(OutboxJob, job_id)
    assert job.state == FAILED and job.attempts == MAX_ATTEMPTS and "FileNotFoundError" in job.last_error


@pytest.fixture
def rq_config(app_config, redis_prefix):
    app_config.update(
        JOB_MODE="rq", REDIS_URL=REDIS_URL, RQ_QUEUE=redis_prefix, REDIS_KEY_PREFIX=redis_prefix, OUTBOX_RELAY_AFTER=0
    )
    return app_config


def test_real_worker_runs_evidence_checks(rq_config, client, app):
    response = post_report(client, files=[("photo.jpg", images.photo_with_gps())])
    assert response.status_code == 200
    assert states(Evidence, Evidence.state) == [PENDING]
    assert db.session.scalars(select(OutboxJob.dispatched_at)).one() is not None
    run_worker(app)
    assert states(Evidence, Evidence.state) == [READY]
    # The check, and the discarding of the upload from quarantine it recorded on success.
    assert states(OutboxJob, OutboxJob.name) == ["evidence.check", "evidence.discard_upload"]
    assert states(OutboxJob, OutboxJob.state) == [DONE, DONE]
    assert not [path for path in quarantine_storage().root.rglob("*") if path.is_file()]


@pytest.fixture
def own_redis(app_config, tmp_path, redis_prefix):
    """A Redis of this test's own, backing both the job queue and the rate limits."""
    own = OwnRedis(tmp_path)
    own.start()
    app_config.update(JOB_MODE="rq", REDIS_URL=own.url, RQ_QUEUE=redis_prefix, RATELIMIT_STORAGE_URI=own.url)
    yield own
    own.stop()


def test_redis_outage_loses_nothing(own_redis, client, app):
    own_redis.stop()
    assert client.get("/readyz").status_code == 503
    for i in range(3):
        response = post_report(
            client, files=[(f"p{i}.png", images.png_image())], description=f"第{i}条举报：课间弹出游戏广告。"
        )
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert db.session.scalar(select(func.count(Tip.id))) == 3
    assert states(OutboxJob, OutboxJob.state) == ["pending"] * 3
    assert states(OutboxJob, OutboxJob.dispatched_at) == [None] * 3
    own_redis.start()
    assert client.get("/readyz").status_code == 200
    run_worker(app)
    assert states(Evidence, Evidence.state) == [READY] * 3
    assert states(OutboxJob, OutboxJob.state) == [DONE] * 6  # three checks, three uploads discarded


def test_two_runners_handed_one_job_run_it_once(client, app):
    import threading

    app.config["JOB_MODE"] = "rq"
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    post_report(client, files=[("a.png", images.png_image())])
    job_id = db.session.scalars(select(OutboxJob.id)).one()
    results, start = [], threading.Barrier(4)

    def run():
        start.wait()
        with app.app_context():
            results.append(run_outbox_job(job_id))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["done", "skipped", "skipped", "skipped"]
    assert db.session.get(OutboxJob, job_id).attempts == 1


def test_a_claim_left_by_a_dead_runner_is_taken_back(client, app):
    from datetime import timedelta

    from tipline.jobs.models import RUNNING
    from tipline.jobs.outbox import relay
    from tipline.timeutil import utcnow

    app.config["JOB_MODE"] = "rq"
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    post_report(client, files=[("a.png", images.png_image())])
    job = db.session.scalars(select(OutboxJob)).one()
    job.state, job.claimed_at = RUNNING, utcnow() - timedelta(seconds=app.config["OUTBOX_CLAIM_TIMEOUT"] + 1)
    db.session.commit()
    app.config["JOB_MODE"] = "sync"
    assert relay(app) == 1
    assert states(OutboxJob, OutboxJob.state) == [DONE, DONE]  # the check, and the discarding it recorded
    assert states(Evidence, Evidence.state) == [READY]


def _two_waiting_jobs(client, app):
    """Two evidence checks recorded and never handed over (the queue is unreachable)."""
    app.config["JOB_MODE"] = "rq"
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    post_report(client, files=[("a.png", images.png_image()), ("b.png", images.png_image())])
    jobs = db.session.scalars(select(OutboxJob).order_by(OutboxJob.id)).all()
    assert len(jobs) == 2 and {job.dispatched_at for job in jobs} == {None}
    return jobs


def test_only_claims_older_than_the_timeout_are_taken_back(client, app):
    """Catches a take-back that ignores the claim's age or state (found by `make mutants`).

    A job a live runner claimed a moment ago must not run a second time, and a finished
    job claimed long ago must not run again at all.
    """
    from datetime import timedelta

    from tipline.jobs.models import RUNNING
    from tipline.jobs.outbox import relayable_ids
    from tipline.timeutil import utcnow

    running, done = _two_waiting_jobs(client, app)
    long_ago = utcnow() - timedelta(seconds=app.config["OUTBOX_CLAIM_TIMEOUT"] + 60)
    running.state, running.claimed_at = RUNNING, utcnow()
    done.state, done.claimed_at = DONE, long_ago
    db.session.commit()
    assert relayable_ids(app) == []
    assert states(OutboxJob, OutboxJob.state) == [RUNNING, DONE]


def test_jobs_handed_over_long_ago_are_relayed_again_recent_ones_not(client, app):
    """Catches a relay that never retries a lost hand-over, or retries one just made (found by `make mutants`)."""
    from datetime import timedelta

    from tipline.jobs.outbox import relayable_ids
    from tipline.timeutil import utcnow

    lost, recent = _two_waiting_jobs(client, app)
    assert relayable_ids(app) == [lost.id, recent.id]
    assert relayable_ids(app, limit=1) == [lost.id]  # in batches, oldest first
    lost.dispatched_at = utcnow() - timedelta(seconds=app.config["OUTBOX_RELAY_AFTER"] + 60)
    recent.dispatched_at = utcnow()
    db.session.commit()
    assert relayable_ids(app) == [lost.id]


def test_jobs_recorded_before_a_rolled_back_savepoint_still_go(rq_config, app):
    """Catches _after_rollback forgetting every recorded job when a SAVEPOINT rolls back (found by `make mutants`).

    A tip that loses the race for its case rolls back a SAVEPOINT; its evidence checks,
    recorded before it, must still be handed over when the transaction commits.
    """
    first = record_job("evidence.check", evidence_id=1)
    nested = db.session.begin_nested()
    record_job("evidence.check", evidence_id=2)
    nested.rollback()
    db.session.commit()
    jobs = db.session.scalars(select(OutboxJob)).all()
    assert [job.id for job in jobs] == [first.id] and jobs[0].dispatched_at is not None
