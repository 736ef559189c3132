"""An app built as production: no demo accounts, HSTS, compiled catalogs checked, access logs without query strings."""

import logging
import os
import runpy
import shutil
import subprocess
import sys
import time
import urllib.request

import pytest
from sqlalchemy import func, select

from tests import services
from tests.conftest import ROOT, worker_env
from tipline import create_app
from tipline.extensions import db


@pytest.fixture
def production_env(monkeypatch, app_config):
    """The environment production requires (REDIS_URL and secrets given), for apps built in the test."""
    monkeypatch.setenv("TIPLINE_ENV", "production")
    monkeypatch.setenv("REDIS_URL", services.REDIS_URL)
    monkeypatch.setenv("SECRET_KEY", app_config["SECRET_KEY"])
    monkeypatch.setenv("CONTACT_ENCRYPTION_KEY", app_config["CONTACT_ENCRYPTION_KEY"])
    return app_config


@pytest.fixture
def production_app(app, production_env):
    """An app built as production on this test's database (`app` empties it afterwards)."""
    built = create_app(production_env)
    assert built.config["TIPLINE_ENV"] == "production"
    return built


def test_seed_demo_is_refused_in_production(production_app):
    """Catches: `seed-demo` creating staff accounts with the published password on a production server."""
    from cases.accounts.models import StaffUser
    from tipline.platforms.models import Platform

    with production_app.app_context():  # the command runs in the production app, not the test's
        result = production_app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "refused when TIPLINE_ENV=production" in result.output
    assert db.session.scalar(select(func.count(StaffUser.id))) == 0
    assert db.session.scalar(select(func.count(Platform.id))) == 0


HSTS = "max-age=31536000; includeSubDomains"


def test_production_answers_carry_hsts(production_app, client):
    """Catches: no Strict-Transport-Security header in production (a first visit could be downgraded)."""
    prod = production_app.test_client()
    for path in ("/", "/report", "/staff/login", "/no-such-page"):
        assert prod.get(path).headers.get("Strict-Transport-Security") == HSTS, path
    # Development servers run over plain HTTP: no header that would pin a browser to HTTPS.
    assert "Strict-Transport-Security" not in client.get("/").headers


def _ready(app):
    response = app.test_client().get("/readyz")
    return response.status_code, response.get_json()["checks"]


def test_readyz_fails_without_compiled_catalogs(production_env, app, tmp_path, caplog, monkeypatch):
    """Catches: a production server set up without `pybabel compile` serving English pages unnoticed."""
    # Alembic's logging set-up (migrations/env.py) disables loggers that exist when migrations run.
    monkeypatch.setattr(logging.getLogger("tipline"), "disabled", False)
    empty = tmp_path / "translations"
    empty.mkdir()
    with caplog.at_level("ERROR"):
        built = create_app({**production_env, "BABEL_TRANSLATION_DIRECTORIES": str(empty)})
    assert "pybabel compile" in caplog.text and "zh_Hans" in caplog.text
    status, checks = _ready(built)
    assert status == 503 and "zh_Hans" in checks["translations"]


def test_readyz_fails_with_stale_catalogs(production_env, app, tmp_path):
    """Catches: catalogs compiled before the last update of their .po sources counting as compiled."""
    folder = tmp_path / "translations"
    shutil.copytree(production_env["BABEL_TRANSLATION_DIRECTORIES"], folder)
    po = folder / "zh_Hans" / "LC_MESSAGES" / "messages.po"
    po.write_text("")
    mo = po.with_suffix(".mo")
    os.utime(mo, (po.stat().st_mtime - 60, po.stat().st_mtime - 60))
    status, checks = _ready(create_app({**production_env, "BABEL_TRANSLATION_DIRECTORIES": str(folder)}))
    assert status == 503 and checks["translations"] == "error: not compiled: zh_Hans"


def test_readyz_passes_with_compiled_catalogs(production_app):
    """The guard's other side: compiled catalogs let a production server report ready."""
    status, checks = _ready(production_app)
    assert status == 200 and checks["translations"] == "ok"


def _gunicorn_config():
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_gunicorn_access_log_format_has_no_query_string():
    """Catches: an access log format with the request line (%(r)s) or query string (%(q)s) in it."""
    log_format = _gunicorn_config()["access_log_format"]
    assert "%(U)s" in log_format
    for atom in ("%(r)s", "%(q)s", "%(f)s", "%(h)s", "%({x-forwarded-for}i)s"):
        assert atom not in log_format


def test_gunicorn_listens_only_on_the_loopback_by_default(monkeypatch):
    """Catches: gunicorn bound to every interface by default, where a client that bypasses the proxy
    names its own address in X-Forwarded-For (TRUSTED_PROXIES) and escapes every per-client limit."""
    monkeypatch.delenv("TIPLINE_BIND", raising=False)
    assert _gunicorn_config()["bind"].startswith("127.0.0.1:")


def test_gunicorn_logs_paths_without_search_terms(app, backend):
    """Catches: gunicorn's default log line keeping `/platforms?q=<what someone searched for>`."""
    port = services.free_port()
    env = worker_env(app, REDIS_URL="", TIPLINE_ENV="development", PYTHONPATH=str(ROOT))
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    server = subprocess.Popen(
        [gunicorn, "-c", "gunicorn.conf.py", "--workers", "1", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        request = urllib.request.Request(
            base + "/platforms?q=secret-term&region=110108",
            headers={"Referer": base + "/platforms?q=referred-term"},
        )
        assert urllib.request.urlopen(request, timeout=10).status == 200
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0].decode()
    assert '"GET /platforms" 200' in output
    assert "secret-term" not in output and "referred-term" not in output and "110108" not in output
