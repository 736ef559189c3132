"""Settings, read from the environment in this one place (SPEC section 6)."""

import os
import secrets
import time
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
    try:
        # Created owner-only in one step; a process that loses the race reads the winner's.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as out:
            out.write(make())
    for _ in range(50):
        value = path.read_text().strip()
        if value:
            return value
        time.sleep(0.01)  # the winner is still writing
    raise ConfigError(f"{path} is empty")


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


def _deadline_days(text):
    """Parse "state=days,..." into a dict; a malformed entry is a configuration error."""
    days = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        state, _, value = part.partition("=")
        if not value.strip().isdigit():
            raise ConfigError(f"CASE_DEADLINE_DAYS: {part!r} is not state=days")
        days[state.strip()] = int(value)
    return days


def from_environment(env=None, overrides=None):
    """Build the settings dict for `create_app` from environment variables.

    Development secrets are generated into instance/ only when neither the
    environment nor `overrides` (create_app's config) gives them.
    """
    env = os.environ if env is None else env
    overrides = overrides or {}
    production = env.get("TIPLINE_ENV", "development") == "production"
    if production and not env.get("REDIS_URL"):
        # Rate limits and jobs must be shared by every process in production.
        raise ConfigError("REDIS_URL must be set when TIPLINE_ENV=production")

    def secret(var, filename, make):
        value = env.get(var)
        if value:
            return value
        if production:
            raise ConfigError(f"{var} must be set when TIPLINE_ENV=production")
        if var in overrides:
            return overrides[var]
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
        # A claimed job not finished after this many seconds is presumed dead (its worker
        # was killed) and runs again; keep it above the longest job.
        "OUTBOX_CLAIM_TIMEOUT": int(env.get("OUTBOX_CLAIM_TIMEOUT", "600")),
        # Days a case may stay in a state, e.g. "new=2,triaged=3,investigating=15" (cases/states.py has the defaults).
        "CASE_DEADLINE_DAYS": _deadline_days(env.get("CASE_DEADLINE_DAYS", "")),
        "UPLOAD_DIR": str(upload_dir),
        "MAIL_SERVER": env.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": int(env.get("MAIL_PORT", "25")),
        "MAIL_SENDER": env.get("MAIL_SENDER", "tipline@localhost"),
        # Where reporters are sent to follow their report, in mails.
        "PUBLIC_URL": env.get("PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/"),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_KEY_PREFIX": env.get("RATELIMIT_KEY_PREFIX", "tipline"),
        # Other keys the app keeps in Redis (the day's client key) start with this.
        "REDIS_KEY_PREFIX": env.get("REDIS_KEY_PREFIX", "tipline"),
        "SESSION_COOKIE_SECURE": production,
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES", "0")),
    }


class Defaults:
    """Values that do not come from the environment."""

    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 30 * 60
    # A receipt code not fetched from the receipt page within this many minutes is destroyed.
    RECEIPT_HANDOVER_MINUTES = 10
    # Hand-overs past their time are deleted by the next report after this many seconds.
    RECEIPT_PURGE_SECONDS = 10
    WTF_CSRF_TIME_LIMIT = 4 * 3600
    # Referer checks fail for browsers and proxies that drop the header; the token,
    # SameSite cookies and the Origin check in tipline.web stand in for it.
    WTF_CSRF_SSL_STRICT = False
    BABEL_DEFAULT_LOCALE = "zh_Hans"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "tipline" / "translations")
    LANGUAGES = ("zh_Hans", "en")
    # Evidence: a clear limit per file and in total (SPEC 4.1).
    EVIDENCE_MAX_FILES = 5
    EVIDENCE_MAX_FILE_BYTES = 20 * 1024 * 1024
    EVIDENCE_MAX_TOTAL_BYTES = 50 * 1024 * 1024
    EVIDENCE_MAX_PIXELS = 40_000_000
    # Decoding costs time and memory by the pixel: one request may decode at most this
    # many in all (five phone photos of 16 MP), checked from the headers first.
    EVIDENCE_MAX_TOTAL_PIXELS = 80_000_000
    # Room for every file at its largest plus the text fields, so that the form's own
    # checks (which keep what was typed) answer first; anything above is cut off by
    # Werkzeug before it is read. Files are spooled to disk, not held in memory.
    MAX_CONTENT_LENGTH = EVIDENCE_MAX_FILES * EVIDENCE_MAX_FILE_BYTES + 2 * 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 1024 * 1024
    # Fair limits (tipline/fairness.py): a whole school can share one address, so what is counted
    # per address is what attackers do: wrong receipt codes, and reports (a flood's count tenfold).
    # Past these free allowances per hour, each further action needs a proof of work from the
    # browser (or, without JavaScript, a short wait), doubling with each doubling of the count.
    FAIR_FREE_REPORTS = 30
    FAIR_FREE_WRONG_CODES = 10
    # Hard ceilings per address on every POST, honest or not: they protect capacity only, so
    # they sit far above what a school sends in an hour. Each attempt counts before it is
    # looked at, so that parallel requests cannot slip past.
    TRACK_LOOKUP_LIMIT = "1000 per hour"
    REPORT_SUBMIT_LIMIT = "1000 per hour"
    # Additions to one tracked report (counted per report, not per address), and a ceiling per address.
    TRACK_ADD_LIMIT = "10 per hour"
    TRACK_ADD_CEILING = "300 per hour"
    # The report form's no-script registry search (it stores nothing but queries the registry).
    REPORT_SEARCH_LIMIT = "600 per hour"
    RATELIMIT_HEADERS_ENABLED = True
    # A Redis outage must not turn into errors: limits fall back to this process's memory.
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    # Staff sign-in (cases/accounts/throttle.py), each counted over LOGIN_LOCK_MINUTES in the
    # rate-limit storage. Failures from one client lock only that client out of that account,
    # so that nobody can lock a colleague out by typing wrong passwords.
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCK_MINUTES = 15
    # A failed sign-in or code is answered this many seconds after its request began (cases/auth.py).
    LOGIN_FAILURE_DELAY = 0.5
    # Failures on one account from every client together (a distributed attack): past this,
    # only the owner with the right password and a second factor gets in until it passes.
    LOGIN_ACCOUNT_MAX_FAILURES = 50
    # Wrong second-factor codes on one account from every client: only someone holding the
    # password can make them, and past this the code step refuses everyone for a while.
    LOGIN_CODE_MAX_FAILURES = 20
    # Per client address, whatever the account (generous: an office signs in from one address).
    LOGIN_RATE_LIMIT = "60 per 10 minutes"
    # A staff session ends after this many seconds, however active (an organisation member's too).
    STAFF_SESSION_MAX_AGE = 12 * 3600
    # How long the links mailed to organisations work: confirming the address, joining as a member.
    ORG_CONFIRM_HOURS = 48
    ORG_INVITE_DAYS = 7
    # Organisation registrations per client address (each one sends a mail).
    ORG_REGISTER_LIMIT = "20 per hour"
    # Invitations an administrator may send, per client address (each one sends a mail).
    ORG_INVITE_LIMIT = "30 per hour"
    # Receipt codes an organisation may try to collect, per client address (wrong ones count like look-ups).
    ORG_COLLECT_LIMIT = "120 per hour"
    # The most lines one batch file may hold, and the files sent per client address (each is read and checked whole).
    ORG_BATCH_MAX_ROWS = 500
    ORG_BATCH_LIMIT = "60 per hour"
    MAIL_TIMEOUT = 10
    # The JSON API (tipline/api): requests per key, and per client address for those without one.
    API_KEY_LIMIT = "600 per minute"
    API_PUBLIC_LIMIT = "120 per minute"
    # Its OpenAPI document, made by flask-smorest from the schemas that check requests and shape answers.
    API_TITLE = "Tipline API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    # Periodic jobs (tipline/jobs/schedule.py), minutes apart: rebuilding the public figures'
    # rollup, making the weekly and monthly reports that are due, asking "is it fixed?".
    FIGURES_REFRESH_MINUTES = 10
    REPORTS_SCHEDULE_MINUTES = 60
    FOLLOWUP_SCAN_MINUTES = 60
    # The junk filter (cases/junk_filter): retrained from the junk tray's decisions this often
    # (a new version only when they changed); a tip it scores at or above the threshold (the
    # probability that it is an advert unrelated to minors or lessons) waits in the junk tray;
    # each process looks for a newer version at most this many seconds apart.
    JUNK_RETRAIN_MINUTES = 60
    JUNK_MODEL_THRESHOLD = 0.5
    JUNK_MODEL_CHECK_SECONDS = 60
    # Tips are matched against the others (same picture, same link, text alike) this often, in the background.
    MATCH_SWEEP_MINUTES = 1
    # Public figures: a count above zero but below this is shown as "fewer than" it, never
    # exactly, so that a small number cannot point to a reporter (tipline/figures).
    FIGURES_MIN_COUNT = 5
    # Is it fixed? Reporters of a case closed founded with an action in force are asked this
    # many days after it closed; "still there" from this many independent reporters reopens it.
    FOLLOWUP_AFTER_DAYS = 28
    FOLLOWUP_REOPEN_ANSWERS = 2
    # Outbox rows not handed to a queue within this many seconds are relayed again.
    OUTBOX_RELAY_AFTER = 30
