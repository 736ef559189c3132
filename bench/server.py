"""What `make bench` serves with gunicorn: the production app, rate limits (fair ones too) off, plus baselines.

The baselines live in the same app and the same gunicorn as the endpoints they are
compared with, so that both sides pay the same server, WSGI and connection costs:

- POST /bench/bare parses the report form (the same body the real form gets) and
  does one INSERT, in its own table, then redirects as the real form does;
- GET /bench/bare answers a page after one trivial SELECT.

With BENCH_WITHOUT_JOBS=1, intake records no jobs (evidence checks are never
queued): the other side of the outbox's price. Never use this module outside
the benchmark.
"""

import os

from flask import redirect, request
from sqlalchemy import text

from tipline import create_app
from tipline.extensions import csrf, db, limiter

BARE_TABLE = "bench_bare"

app = create_app({"RATELIMIT_ENABLED": False})
limiter.enabled = False

if os.environ.get("BENCH_WITHOUT_JOBS") == "1":
    import tipline.reports.service

    tipline.reports.service.record_job = lambda name, **payload: None


@app.post("/bench/bare")
@csrf.exempt  # the baseline does none of the real form's work beyond parsing it
def bare_post():
    form = request.form
    fields = {key: form.get(key, "") for key in form}
    db.session.execute(
        text(f"INSERT INTO {BARE_TABLE} (platform_name, description, fields) VALUES (:name, :description, :n)"),
        {"name": fields.get("platform_name", ""), "description": fields.get("description", ""), "n": len(fields)},
    )
    db.session.commit()
    return redirect("/report/receipt", 303)


@app.get("/bench/bare")
def bare_get():
    db.session.execute(text("SELECT 1")).scalar()
    return "<!doctype html><title>bare</title><p>ok</p>"
