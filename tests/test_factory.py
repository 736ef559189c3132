"""The app factory: settings from the environment, overrides, and refusal of unsafe setups."""

import pytest

from tipline import create_app
from tipline.evidence.storage import StorageError
from tipline.settings import ROOT, ConfigError, from_environment


def test_config_overrides_environment(tmp_path):
    app = create_app({"TESTING": True, "UPLOAD_DIR": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.testing
    assert app.config["UPLOAD_DIR"] == str(tmp_path)


def test_without_redis_jobs_run_in_process():
    config = from_environment({"SECRET_KEY": "s", "CONTACT_ENCRYPTION_KEY": "k"})
    assert config["REDIS_URL"] is None
    assert config["JOB_MODE"] == "thread"
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")


def test_redis_and_postgres_from_environment():
    config = from_environment(
        {
            "SECRET_KEY": "s",
            "CONTACT_ENCRYPTION_KEY": "k",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
            "DATABASE_URL": "postgres://u@h/db",
        }
    )
    assert config["JOB_MODE"] == "rq"
    assert config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize("missing", ["SECRET_KEY", "CONTACT_ENCRYPTION_KEY", "REDIS_URL"])
def test_production_refuses_generated_secrets(missing):
    env = {"TIPLINE_ENV": "production", "SECRET_KEY": "s", "CONTACT_ENCRYPTION_KEY": "k", "REDIS_URL": "redis://r"}
    del env[missing]
    with pytest.raises(ConfigError, match=missing):
        from_environment(env)


def test_upload_dir_inside_static_is_refused():
    with pytest.raises(StorageError, match="served"):
        create_app({"UPLOAD_DIR": str(ROOT / "static" / "uploads"), "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_every_public_route_is_registered(app):
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    for path in (
        "/",
        "/report",
        "/track",
        "/platforms",
        "/platforms/<id:platform_id>",
        "/healthz",
        "/readyz",
    ):
        assert path in rules


def test_given_secrets_are_not_generated(tmp_path, monkeypatch):
    monkeypatch.setattr("tipline.settings.INSTANCE", tmp_path / "instance")
    config = from_environment({}, overrides={"SECRET_KEY": "given", "CONTACT_ENCRYPTION_KEY": "given"})
    assert config["SECRET_KEY"] == "given"
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_generated_development_secret_is_owner_only_and_stable(tmp_path, monkeypatch):
    monkeypatch.setattr("tipline.settings.INSTANCE", tmp_path / "instance")
    first = from_environment({})["SECRET_KEY"]
    assert from_environment({})["SECRET_KEY"] == first
    assert (tmp_path / "instance" / "secret_key").stat().st_mode & 0o777 == 0o600


def test_case_deadlines_from_the_environment():
    config = from_environment(
        {"SECRET_KEY": "s", "CONTACT_ENCRYPTION_KEY": "k", "CASE_DEADLINE_DAYS": "new=1, investigating=30"}
    )
    assert config["CASE_DEADLINE_DAYS"] == {"new": 1, "investigating": 30}
    with pytest.raises(ConfigError, match="CASE_DEADLINE_DAYS"):
        from_environment({"SECRET_KEY": "s", "CONTACT_ENCRYPTION_KEY": "k", "CASE_DEADLINE_DAYS": "new=soon"})
