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
    app.extensions["tipline_storage"].delete(evidence.storage_key)  # the file vanished
    job_id = db.session.scalars(select(OutboxJob.id)).one()
    results = [run_outbox_job(job_id) for _ in range(MAX_ATTEMPTS + 1)]
    assert results == ["failed"] * MAX_ATTEMPTS + ["skipped"]
    job = db.session.get(OutboxJob, job_id)
    assert job.state == FAILED and job.attempts == MAX_ATTEMPTS and "FileNotFoundError" in job.last_error


@pytest.fixture
def rq_config(app_config, redis_prefix):
    app_config.update(JOB_MODE="rq", REDIS_URL=REDIS_URL, RQ_QUEUE=redis_prefix, OUTBOX_RELAY_AFTER=0)
    return app_config


def test_real_worker_runs_evidence_checks(rq_config, client, app):
    response = post_report(client, files=[("photo.jpg", images.photo_with_gps())])
    assert response.status_code == 200
    assert states(Evidence, Evidence.state) == [PENDING]
    assert db.session.scalars(select(OutboxJob.dispatched_at)).one() is not None
    run_worker(app)
    assert states(Evidence, Evidence.state) == [READY]
    assert states(OutboxJob, OutboxJob.state) == [DONE]


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
    assert states(OutboxJob, OutboxJob.state) == [DONE] * 3


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
    assert states(OutboxJob, OutboxJob.state) == [DONE]
    assert states(Evidence, Evidence.state) == [READY]
