"""The real services the suite runs against: PostgreSQL and Redis, started if they are not running.

Nothing here skips. A service that cannot be reached or started fails the tests
that need it with a message saying what to do.
"""

import getpass
import os
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
# Where a stock Debian cluster lets the current user in: its own role over the Unix socket (peer auth).
SOCKET_URL = f"postgresql://{getpass.getuser()}@/postgres?host=/var/run/postgresql"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


class ServiceUnavailable(RuntimeError):
    """A service the tests need is down and could not be started."""


def free_port():
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _postgres_up(url=None):
    try:
        with psycopg.connect(url or POSTGRES_URL, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


def _use(url):
    global POSTGRES_URL
    POSTGRES_URL = url
    return True


def _reachable():
    """Find a way in: the configured URL, else the Unix socket as this user, else make that role."""
    if _postgres_up():
        return True
    if "TEST_POSTGRES_URL" in os.environ:
        return False
    if _postgres_up(SOCKET_URL):
        return _use(SOCKET_URL)
    if os.geteuid() == 0 and shutil.which("su"):
        # A stock Debian cluster trusts only its own OS user; let root in as a superuser role.
        subprocess.run(
            ["su", "postgres", "-c", f"createuser --superuser {getpass.getuser()}"], capture_output=True, timeout=30
        )
        if _postgres_up(SOCKET_URL):
            return _use(SOCKET_URL)
    return False


def ensure_postgres():
    """Make sure a PostgreSQL answers, starting the machine's cluster if needed."""
    if _reachable():
        return
    clusters = Path("/etc/postgresql")
    if shutil.which("pg_ctlcluster") and clusters.is_dir():
        for version in sorted(p.name for p in clusters.iterdir()):
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
                capture_output=True,
                timeout=60,
            )
        for _ in range(30):
            if _reachable():
                return
            time.sleep(0.5)
    raise ServiceUnavailable(
        f"PostgreSQL is not reachable at {POSTGRES_URL} and could not be started. "
        "Install and start it (`make test` installs it with apt-get), or set TEST_POSTGRES_URL."
    )


def ensure_redis():
    """Make sure the machine's Redis answers, starting redis-server if needed."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
        return
    except redis.RedisError:
        pass
    if shutil.which("redis-server"):
        port = client.connection_pool.connection_kwargs.get("port", 6379)
        subprocess.run(
            [
                "redis-server",
                "--daemonize",
                "yes",
                "--bind",
                "127.0.0.1",
                "--port",
                str(port),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            capture_output=True,
            timeout=30,
        )
        for _ in range(30):
            try:
                client.ping()
                return
            except redis.RedisError:
                time.sleep(0.2)
    raise ServiceUnavailable(
        f"Redis is not reachable at {REDIS_URL} and could not be started. "
        "Install redis-server (`make test` installs it with apt-get), or set TEST_REDIS_URL."
    )


def create_postgres_database(label):
    """A new, empty database of the tests' own; returns its URL."""
    name = f"tipline_test_{label}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(POSTGRES_URL)
    return name, urlunsplit(parts._replace(path=f"/{name}"))


def drop_postgres_database(name):
    """Drop a database the tests made (and only such a one)."""
    assert name.startswith("tipline_test_")
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# RQ names every queue and worker in these two sets, shared by every user of the server.
RQ_REGISTRIES = ("rq:queues", "rq:workers")


def delete_redis_keys(prefix):
    """Delete every Redis key that carries the tests' prefix, and the tests' names in RQ's shared sets."""
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"*{prefix}*", count=1000))
    if keys:
        client.delete(*keys)
    for registry in RQ_REGISTRIES:
        ours = [name for name in client.smembers(registry) if prefix.encode() in name]
        if ours:
            client.srem(registry, *ours)


class OwnRedis:
    """A redis-server of a test's own on a spare port, to stop and start at will."""

    def __init__(self, workdir):
        self.port = free_port()
        self.workdir = Path(workdir)
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        binary = shutil.which("redis-server")
        if binary is None:
            raise ServiceUnavailable("redis-server is not installed (`make test` installs it)")
        self.process = subprocess.Popen(
            [
                binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        for _ in range(50):
            try:
                client.ping()
                return
            except redis.RedisError:
                time.sleep(0.1)
        raise ServiceUnavailable(f"own redis-server did not start on port {self.port}")

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None
