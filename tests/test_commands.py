"""The app's own commands that the README promises: import-regions and relay-jobs, run through the CLI."""

import pytest
from rq import Queue
from sqlalchemy import delete, select

from tests.services import OwnRedis
from tests.tipline import images
from tests.tipline.test_jobs import run_worker, states
from tests.tipline.test_report import post_report
from tipline.evidence.models import READY, Evidence
from tipline.extensions import db
from tipline.jobs.models import DONE, PENDING, OutboxJob
from tipline.jobs.outbox import redis_connection, rq_job_id
from tipline.regions.models import Region

NEW_REGIONS = ("110199", "110198")


@pytest.fixture
def clean_regions(app):
    """Regions are reference data the suite keeps between tests: remove the ones a test adds."""
    yield
    db.session.rollback()
    db.session.execute(delete(Region).where(Region.code.in_(NEW_REGIONS)))
    db.session.commit()


def test_import_regions_loads_and_updates_the_tree(runner, tmp_path, clean_regions):
    path = tmp_path / "regions.csv"
    path.write_text(
        "\ufeffcode,name_zh,name_en,parent_code\n110199,测试新区,Test New District,110000\n", encoding="utf-8"
    )
    result = runner.invoke(args=["import-regions", str(path)])
    assert result.exit_code == 0 and "1 regions loaded" in result.output
    region = db.session.get(Region, "110199")
    assert (region.name_zh, region.name_en, region.parent.code) == ("测试新区", "Test New District", "110000")
    assert [r.code for r in region.path()][:2] == ["100000", "110000"]

    path.write_text("code,name_zh,name_en,parent_code\n110199,更名新区,Renamed District,110000\n", encoding="utf-8")
    assert runner.invoke(args=["import-regions", str(path)]).exit_code == 0
    db.session.expire_all()
    assert db.session.get(Region, "110199").name_en == "Renamed District"
    assert db.session.scalar(select(Region.code).where(Region.name_zh == "测试新区")) is None


def test_import_regions_refuses_a_bad_file_whole_and_says_why(runner, tmp_path, clean_regions):
    """A malformed code is named in a message (no traceback), and the good rows before it are not kept."""
    path = tmp_path / "regions.csv"
    path.write_text("code,name_zh,name_en,parent_code\n110198,好区,Good,110000\n11019X,坏区,Bad,110000\n")
    result = runner.invoke(args=["import-regions", str(path)])
    assert result.exit_code == 1 and "11019X" in result.output
    assert not isinstance(result.exception, ValueError)
    db.session.expire_all()
    assert db.session.get(Region, "110198") is None


@pytest.fixture
def own_queue(app_config, tmp_path, redis_prefix):
    """Jobs go to a Redis of this test's own, which the test stops and starts."""
    own = OwnRedis(tmp_path)
    own.start()
    app_config.update(JOB_MODE="rq", REDIS_URL=own.url, RQ_QUEUE=redis_prefix)
    yield own
    own.stop()


def test_relay_jobs_hands_waiting_jobs_to_the_queue_once(own_queue, client, app, runner):
    own_queue.stop()
    assert post_report(client, files=[("a.png", images.png_image())]).status_code == 200
    job = db.session.scalars(select(OutboxJob)).one()
    assert (job.state, job.dispatched_at) == (PENDING, None)
    own_queue.start()

    result = runner.invoke(args=["relay-jobs"])
    assert result.exit_code == 0 and "1 job(s) relayed" in result.output
    assert states(OutboxJob, OutboxJob.dispatched_at)[0] is not None
    queue = Queue(app.config["RQ_QUEUE"], connection=redis_connection(app))
    assert queue.job_ids == [rq_job_id(app, job.id)]
    assert "0 job(s) relayed" in runner.invoke(args=["relay-jobs"]).output  # handed over just now
    assert queue.job_ids == [rq_job_id(app, job.id)]

    run_worker(app)
    assert set(states(OutboxJob, OutboxJob.state)) == {DONE}  # the check and any job it recorded
    assert states(Evidence, Evidence.state) == [READY]


def test_relay_jobs_without_redis_runs_them_here(client, app, runner):
    app.config.update(JOB_MODE="rq", REDIS_URL="redis://127.0.0.1:1/0")  # the hand-over fails: the job waits
    post_report(client, files=[("a.png", images.png_image())])
    assert states(OutboxJob, OutboxJob.state) == [PENDING]
    app.config["JOB_MODE"] = "sync"  # no queue: jobs run in this process (inline, so the test can look)
    result = runner.invoke(args=["relay-jobs"])
    assert result.exit_code == 0 and "1 job(s) relayed" in result.output
    assert set(states(OutboxJob, OutboxJob.state)) == {DONE}
    assert states(Evidence, Evidence.state) == [READY]
    assert "0 job(s) relayed" in runner.invoke(args=["relay-jobs"]).output
