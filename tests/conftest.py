"""Fixtures: one database per backend per test session, emptied after each test.

Every test that uses `app` runs twice, on SQLite and on PostgreSQL. The schema
comes from the migrations, as in production. Tests that commit (through the
test client, a worker process or a browser) see real commits; what a test
wrote is deleted afterwards, reference data (regions) stays.
"""

import contextvars
import io
import os
import re
import uuid
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import text

from tests import services
from tipline import create_app
from tipline.extensions import db

ROOT = Path(__file__).resolve().parent.parent
RUN_ID = uuid.uuid4().hex[:8]
SECRET_KEY = "test-secret-" + RUN_ID
CONTACT_KEY = Fernet.generate_key().decode()
KEEP_TABLES = {"region", "alembic_version"}
PASSWORD = "correct horse battery staple"  # of every staff account the tests make
# Second-factor secrets of the accounts make_staff enrolled, by email (also kept on the user object).
TOTP_SECRETS = {}
CATALOG = ROOT / "tipline" / "translations"


def worker_label(config):
    """The xdist worker name ('gw0', ...) or 'main'."""
    return getattr(config, "workerinput", {}).get("workerid", "main")


@pytest.fixture(scope="session")
def label(request):
    return f"{worker_label(request.config)}_{RUN_ID}"


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database(request, tmp_path_factory, label):
    """A migrated database of this session's own: (backend, SQLAlchemy URL)."""
    backend = request.param
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'tipline.db'}"
        name = None
    else:
        services.ensure_postgres()
        name, url = services.create_postgres_database(label)
    app = create_app(_config(url, tmp_path_factory.mktemp("uploads")))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        from tipline.regions.service import load_regions

        load_regions((ROOT / "tipline" / "data" / "regions.csv").read_text(encoding="utf-8"))
        db.session.commit()
        db.engine.dispose()
    yield backend, url
    if name:
        services.drop_postgres_database(name)


def _config(url, upload_dir, **extra):
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://", 1),
        "SECRET_KEY": SECRET_KEY,
        "CONTACT_ENCRYPTION_KEY": CONTACT_KEY,
        "UPLOAD_DIR": str(upload_dir),
        "JOB_MODE": "sync",
        "REDIS_URL": None,
        "RATELIMIT_STORAGE_URI": "memory://",
        # Keys the app keeps in Redis (the day's client key) stay apart from a real deployment's.
        "REDIS_KEY_PREFIX": f"tipline-test-{RUN_ID}",
        # Generous limits for the suite; the rate-limit tests set their own.
        "TRACK_LOOKUP_LIMIT": "1000 per minute",
        "TRACK_ADD_LIMIT": "1000 per minute",
        "REPORT_SUBMIT_LIMIT": "1000 per minute",
        "LOGIN_FAILURE_DELAY": 0,
        # No mail leaves a test unless it starts the SMTP server below; port 1 refuses at once.
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": 1,
        # Cheap hashing keeps the many sign-ins of the suite fast; production uses argon2-cffi's defaults.
        "ARGON2": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
        "SERVER_NAME": None,
    }
    config.update(extra)
    return config


@pytest.fixture(scope="session")
def compiled_translations(tmp_path_factory):
    """The catalogs of tipline/translations compiled from their .po sources into a directory of this session.

    The compiled .mo files are not kept in the repository (.gitignore), so the
    suite compiles the current sources themselves, the way `pybabel
    compile` does (fuzzy entries left out), instead of trusting a stale build.
    """
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    out = tmp_path_factory.mktemp("translations")
    for po_path in CATALOG.glob("*/LC_MESSAGES/messages.po"):
        locale = po_path.parent.parent.name
        with po_path.open("rb") as source:
            catalog = read_po(source, locale=locale)
        target = out / locale / "LC_MESSAGES"
        target.mkdir(parents=True)
        buffer = io.BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        (target / "messages.mo").write_bytes(buffer.getvalue())
    return str(out)


@pytest.fixture
def app_config(database, tmp_path, compiled_translations):
    """Settings for a test app; tests may change them before asking for `app`."""
    return _config(database[1], tmp_path / "uploads", BABEL_TRANSLATION_DIRECTORIES=compiled_translations)


class IsolatedClient(FlaskClient):
    """A test client whose requests get their own app context, as in production.

    Without this, a request would reuse the test's app context, and with it `g`
    and the database session, hiding bugs that only show across requests.
    """

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            db.session.expire_all()  # see what the request committed
        return response


@pytest.fixture
def app(app_config):
    """The app, on this test's backend, emptied of everything but reference data afterwards."""
    app = create_app(app_config)
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


def _empty_tables():
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in KEEP_TABLES]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def backend(database):
    """'sqlite' or 'postgresql'."""
    return database[0]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, page):
    """The CSRF token of the form on a page, as a browser would send it back."""
    response = client.get(page)
    found = CSRF_INPUT.search(response.get_data(as_text=True))
    assert found, f"no CSRF token on {page}"
    return found.group(1)


@pytest.fixture
def make_platform(app):
    """Factory: a registry platform with its filing record."""
    from tipline.platforms.models import FilingRecord, Platform

    counter = iter(range(1, 10_000))

    def make(name=None, region_code="110108", filed=True, **fields):
        n = next(counter)
        platform = Platform(
            name=name or f"测试平台{n}",
            name_en=fields.pop("name_en", f"Test Platform {n}"),
            operator=fields.pop("operator", f"测试科技有限公司{n}"),
            region_code=region_code,
            addresses=fields.pop("addresses", [f"https://p{n}.example"]),
            **fields,
        )
        platform.filing = FilingRecord(
            status="filed" if filed else "unfiled",
            filing_number=f"教APP备11{n:05d}号" if filed else "",
        )
        platform.refresh_search_text()
        db.session.add(platform)
        db.session.commit()
        return platform

    return make


@pytest.fixture
def make_staff(app):
    """Factory: a staff account (committed).

    Supervisors and admins must have a second factor (cases/blueprint.py), so they get one
    by default (totp=False makes one without); its secret is `user.totp_secret`, and
    `totp_code(user)` gives a code the sign-in helpers enter.
    """
    import pyotp

    from cases.accounts.service import SECOND_FACTOR_ROLES, create_user
    from tipline.crypto import encrypt_secret

    counter = iter(range(1, 10_000))

    def make(role="officer", department="cyberspace", region="110108", email=None, totp=None):
        n = next(counter)
        user = create_user(email or f"{role}.{department}.{region}.{n}@example.com", PASSWORD, role, department, region)
        if totp if totp is not None else role in SECOND_FACTOR_ROLES:
            secret = pyotp.random_base32()
            user.totp_secret_encrypted = encrypt_secret(secret)
            user.totp_secret = secret
            TOTP_SECRETS[user.email] = secret
        else:
            TOTP_SECRETS.pop(user.email, None)
        db.session.commit()
        return user

    return make


def totp_secret(user):
    """The second-factor secret make_staff gave this user, or None."""
    return getattr(user, "totp_secret", None) or TOTP_SECRETS.get(user.email)


def totp_code(user):
    """A code that the second-factor step accepts for `user` now.

    A code is good once per 30-second step (cases/accounts/service.py totp_step), and the
    tests sign the same user in many times a step: so this forgets the last step used,
    in the database, on a connection of its own. Only tests do this.
    """
    import pyotp
    from sqlalchemy import update

    from cases.accounts.models import StaffUser

    with db.engine.begin() as conn:
        conn.execute(update(StaffUser).where(StaffUser.id == user.id).values(totp_last_step=0))
    return pyotp.TOTP(totp_secret(user)).now()


@pytest.fixture
def redis_prefix():
    """A Redis key prefix of this test's own; its keys are deleted afterwards."""
    services.ensure_redis()
    prefix = f"tipline-test-{RUN_ID}-{uuid.uuid4().hex[:8]}"
    yield prefix
    services.delete_redis_keys(prefix)


def worker_env(app, **extra):
    """The environment a worker process needs to build the same app as `app`."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        SECRET_KEY=app.config["SECRET_KEY"],
        CONTACT_ENCRYPTION_KEY=app.config["CONTACT_ENCRYPTION_KEY"],
        UPLOAD_DIR=app.config["UPLOAD_DIR"],
        RQ_QUEUE=app.config["RQ_QUEUE"],
        REDIS_URL=app.config["REDIS_URL"] or "",
    )
    env.update(extra)
    return env


class MailBox:
    """What a real SMTP server (aiosmtpd) started by a test received."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        import email
        from email import policy

        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def to(self, address):
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture
def smtp_server(app_config):
    """A real SMTP server on a spare port; the app under test sends its mail there."""
    from aiosmtpd.controller import Controller

    from tests.services import free_port

    box = MailBox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    app_config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    yield box
    controller.stop()
