"""Settings, read from the environment in this one place (SPEC section 6)."""

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


class ConfigError(RuntimeError):
    """The environment does not describe a runnable app."""


def _instance_secret(name, make):
    """Read a development secret from instance/, creating it on first use.

    Only for development: production must pass its secrets in the environment,
    so that every process and host shares them.
    """
    INSTANCE.mkdir(exist_ok=True)
    path = INSTANCE / name
    if not path.exists():
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


def _fernet_key():
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def _database_url(url):
    """SQLAlchemy wants an explicit driver; accept the common short forms."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def from_environment(env=None):
    """Build the settings dict for `create_app` from environment variables."""
    env = os.environ if env is None else env
    production = env.get("TIPLINE_ENV", "development") == "production"

    def secret(var, filename, make):
        value = env.get(var)
        if value:
            return value
        if production:
            raise ConfigError(f"{var} must be set when TIPLINE_ENV=production")
        return _instance_secret(filename, make)

    redis_url = env.get("REDIS_URL") or None
    upload_dir = Path(env.get("UPLOAD_DIR") or INSTANCE / "uploads").resolve()
    return {
        "TIPLINE_ENV": "production" if production else "development",
        "SECRET_KEY": secret("SECRET_KEY", "secret_key", lambda: secrets.token_hex(32)),
        "CONTACT_ENCRYPTION_KEY": secret("CONTACT_ENCRYPTION_KEY", "contact_key", _fernet_key),
        "SQLALCHEMY_DATABASE_URI": _database_url(env.get("DATABASE_URL") or f"sqlite:///{INSTANCE / 'tipline.db'}"),
        "REDIS_URL": redis_url,
        # rq: a real worker; thread: in-process, after the request; sync: inline (tests).
        "JOB_MODE": env.get("JOB_MODE") or ("rq" if redis_url else "thread"),
        "RQ_QUEUE": env.get("RQ_QUEUE", "tipline"),
        "UPLOAD_DIR": str(upload_dir),
        "MAIL_SERVER": env.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": int(env.get("MAIL_PORT", "25")),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_KEY_PREFIX": env.get("RATELIMIT_KEY_PREFIX", "tipline"),
        "SESSION_COOKIE_SECURE": production,
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES", "0")),
    }


class Defaults:
    """Values that do not come from the environment."""

    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 30 * 60
    WTF_CSRF_TIME_LIMIT = 4 * 3600
    BABEL_DEFAULT_LOCALE = "zh_Hans"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "tipline" / "translations")
    LANGUAGES = ("zh_Hans", "en")
    # Evidence: a clear limit per file and in total (SPEC 4.1).
    EVIDENCE_MAX_FILES = 5
    EVIDENCE_MAX_FILE_BYTES = 20 * 1024 * 1024
    EVIDENCE_MAX_TOTAL_BYTES = 50 * 1024 * 1024
    EVIDENCE_MAX_PIXELS = 40_000_000
    # The request may carry a little more than the files, for the text fields;
    # anything above is cut off by Werkzeug before it reaches memory.
    MAX_CONTENT_LENGTH = 52 * 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 1024 * 1024
    # Receipt look-ups: failures from one client are slowed, then refused.
    TRACK_FAILURE_DELAY = 0.5
    TRACK_FAILURE_LIMIT = "10 per 10 minutes;30 per day"
    REPORT_SUBMIT_LIMIT = "20 per hour"
    RATELIMIT_HEADERS_ENABLED = True
    # A Redis outage must not turn into errors: limits fall back to this process's memory.
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    # Outbox rows not handed to a queue within this many seconds are relayed again.
    OUTBOX_RELAY_AFTER = 30
