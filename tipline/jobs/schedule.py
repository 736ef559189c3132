"""Periodic jobs: every worker looks every few seconds, and one of them records each job once per period."""

import threading
import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import exc, update

from tipline.extensions import db
from tipline.jobs.models import ScheduledTask
from tipline.jobs.outbox import record_job
from tipline.timeutil import utcnow

# Job name -> the setting holding how many minutes apart it runs.
PERIODIC_JOBS = {
    "figures.refresh": "FIGURES_REFRESH_MINUTES",
    "reports.schedule": "REPORTS_SCHEDULE_MINUTES",
    "followup.ask": "FOLLOWUP_SCAN_MINUTES",
    "junk.retrain": "JUNK_RETRAIN_MINUTES",
    "tips.match": "MATCH_SWEEP_MINUTES",
}


def claim(name, every, now):
    """Whether this caller runs `name` now: true for one caller only, once `every` has passed since the last."""
    if db.session.get(ScheduledTask, name) is None:
        try:
            with db.session.begin_nested():
                db.session.add(ScheduledTask(name=name, last_run_at=now))
            return True
        except exc.IntegrityError:  # another worker made the row first: it runs this period
            return False
    result = db.session.execute(
        update(ScheduledTask)
        .where(ScheduledTask.name == name, ScheduledTask.last_run_at <= now - every)
        .values(last_run_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def record_due_jobs(now):
    """Record the periodic jobs whose time has come (the caller commits); returns their names."""
    due = []
    for name, setting in PERIODIC_JOBS.items():
        if claim(name, timedelta(minutes=current_app.config[setting]), now):
            record_job(name)
            due.append(name)
    return due


_last_look = [0.0]  # process-local, for economy only: the claim above decides who runs


def look_in_process(app):
    """Without a worker (no Redis), the web process records the due periodic jobs, at most once a minute.

    A before_request hook; the jobs run on the web process's job threads like any other.
    """
    if app.config["JOB_MODE"] != "thread" or time.monotonic() - _last_look[0] < 60:
        return
    _last_look[0] = time.monotonic()

    def record():
        with app.app_context():
            record_due_jobs(utcnow())
            db.session.commit()

    threading.Thread(target=record, daemon=True, name="tipline-schedule").start()
