"""`make bench`: Tipline under load as in production, at 100,000 and 1,000,000 tips.

gunicorn (4 workers) serves the app on PostgreSQL with Redis and an RQ worker, and
wrk drives it from another process over loopback at a fixed number of connections,
warm-up excluded. Each measured endpoint alternates, round by round, with its
baseline in the same gunicorn (bench/server.py), so that machine noise falls on
both sides. Figures are printed as a table, and the last line is one JSON object
with every figure. Nothing is asserted: the figures are for reading.

Settings (environment): BENCH_QUICK=1 for a small run (10,000 and 100,000 tips);
BENCH_SMALL / BENCH_LARGE (tips), BENCH_PLATFORMS, BENCH_SECONDS (per measured
round), BENCH_CONNECTIONS, BENCH_POSTGRES_URL, BENCH_REDIS_URL.
"""

import io
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from http.cookiejar import CookieJar
from pathlib import Path

import psycopg
import pyotp
from cryptography.fernet import Fernet

from bench.load import get_script, run_wrk, submit_script
from bench.seed import CATEGORY_WEIGHTS, ENDINGS, OPENINGS, Seeder

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
QUICK = os.environ.get("BENCH_QUICK") == "1"
SMALL = int(os.environ.get("BENCH_SMALL", "10000" if QUICK else "100000"))
LARGE = int(os.environ.get("BENCH_LARGE", "100000" if QUICK else "1000000"))
PLATFORMS = int(os.environ.get("BENCH_PLATFORMS", "5000" if QUICK else "30000"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "4" if QUICK else "8"))
ROUNDS = 2 if QUICK else 3
# The parent committee whose list the bench reads, and how many tips it holds.
ORG_MEMBER = "committee@example.com"
ORG_TIPS = int(os.environ.get("BENCH_ORG_TIPS", "5000"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
PASSWORD = "quiet benchmark lantern 41"
DEEP_PAGES = int(os.environ.get("BENCH_DEEP_PAGES", "100" if QUICK else "1000"))
MATCH_ROUNDS = 300
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def log(text):
    print(text, flush=True)


# --- the services -----------------------------------------------------------------------------


class Services:
    """A database, Redis keys and the processes of one run: gunicorn twice (with and without jobs), workers."""

    def __init__(self, tmp):
        self.id = uuid.uuid4().hex[:8]
        self.db_name = f"tipline_bench_{self.id}"
        base = POSTGRES_URL.rsplit("/", 1)[0]
        self.db_url = f"{base}/{self.db_name}"
        self.prefix = f"tipline-bench-{self.id}"
        self.tmp = Path(tmp)
        self.processes = {}
        self.env = dict(
            os.environ,
            TIPLINE_ENV="development",
            DATABASE_URL=self.db_url,
            REDIS_URL=REDIS_URL,
            RQ_QUEUE=self.prefix,
            REDIS_KEY_PREFIX=self.prefix,
            RATELIMIT_KEY_PREFIX=self.prefix,
            SECRET_KEY=uuid.uuid4().hex * 2,
            CONTACT_ENCRYPTION_KEY=Fernet.generate_key().decode(),
            UPLOAD_DIR=str(self.tmp / "uploads"),
            # wrk stands in for the reverse proxy: each request names its client in X-Forwarded-For.
            TRUSTED_PROXIES="1",
            WEB_CONCURRENCY="4",
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT="9",
        )

    def create_database(self):
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.db_name}"')
        subprocess.run([BIN / "flask", "--app", "wsgi", "db", "upgrade"], env=self.env, cwd=ROOT, check=True,
                       capture_output=True)  # fmt: skip
        with psycopg.connect(self.db_url, autocommit=True) as conn:
            conn.execute(
                "CREATE TABLE bench_bare (id serial PRIMARY KEY, platform_name text, description text, fields int,"
                " created_at timestamp DEFAULT now())"
            )

    def serve(self, name, port, **extra):
        env = dict(self.env, TIPLINE_BIND=f"127.0.0.1:{port}", **extra)
        out = open(self.tmp / f"{name}.log", "w")  # noqa: SIM115 (closed with the process)
        command = [BIN / "gunicorn", "-c", "gunicorn.conf.py", "bench.server:app"]
        self.processes[name] = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=2)
                return url
            except OSError:
                time.sleep(0.1)
        raise SystemExit(f"gunicorn {name} did not start; see its log:\n{(self.tmp / f'{name}.log').read_text()}")

    def start_workers(self, count):
        for i in range(count):
            out = open(self.tmp / f"worker{i}.log", "a")  # noqa: SIM115
            self.processes[f"worker{i}"] = subprocess.Popen(
                [BIN / "flask", "--app", "wsgi", "worker"], env=self.env, cwd=ROOT, stdout=out, stderr=out
            )

    def stop_workers(self):
        for name in [n for n in self.processes if n.startswith("worker")]:
            self.stop(name)

    def stop(self, name):
        process = self.processes.pop(name)
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def close(self):
        for name in list(self.processes):
            self.stop(name)
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=f"*{self.prefix}*", count=1000))
        if keys:
            client.delete(*keys)
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')


# --- data -------------------------------------------------------------------------------------


def staff_users(services):
    """A national supervisor with a second factor the bench knows (it reads the queue), and colleagues."""
    from cases.accounts.service import create_user
    from tipline import create_app
    from tipline.crypto import encrypt_contact, encrypt_secret
    from tipline.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": services.db_url.replace("postgresql://", "postgresql+psycopg://", 1),
            "SECRET_KEY": services.env["SECRET_KEY"],
            "CONTACT_ENCRYPTION_KEY": services.env["CONTACT_ENCRYPTION_KEY"],
            "UPLOAD_DIR": services.env["UPLOAD_DIR"],
            "REDIS_URL": REDIS_URL,
            "RQ_QUEUE": services.prefix,
            "JOB_MODE": "rq",
        }
    )
    totp = pyotp.random_base32()
    with app.app_context():
        from tipline.regions.service import load_regions

        load_regions((ROOT / "tipline" / "data" / "regions.csv").read_text(encoding="utf-8"))
        reader = create_user("bench@example.com", PASSWORD, "supervisor", "cyberspace", "100000")
        reader.totp_secret_encrypted = encrypt_secret(totp)
        colleagues = [
            create_user(f"officer{i}@example.com", PASSWORD, "officer", dept, "100000")
            for i, dept in enumerate(["cyberspace", "education"] * 3)
        ]
        from tipline.organisations.service import create_organisation

        # A parent committee whose member reads its list (ORG_TIPS of the seeded tips, collected).
        create_organisation(
            name="基准家长委员会", kind="parent_committee", region_code="110108", email=ORG_MEMBER,
            password=PASSWORD, school_name="基准小学", verified=True,
        )  # fmt: skip
        # The workers' periodic jobs (the figures' rollup, the weekly and monthly reports, "is it fixed?")
        # are held off: they would load the machine while it is measured. The bench rebuilds the rollup
        # itself (figures_by_rollup) and measures that.
        from datetime import timedelta

        from tipline.jobs.models import ScheduledTask
        from tipline.jobs.schedule import PERIODIC_JOBS
        from tipline.timeutil import utcnow

        for name in PERIODIC_JOBS:
            db.session.add(ScheduledTask(name=name, last_run_at=utcnow() + timedelta(days=1)))
        db.session.commit()
        ids = [reader.id] + [c.id for c in colleagues]
        from tipline.regions.models import Region

        regions = [r.code for r in db.session.scalars(db.select(Region))]
    return app, totp, ids, regions, encrypt_contact


def seed(seeder, services, app, tips, viral):
    start = time.perf_counter()
    with app.app_context():
        seeder.tips(tips, viral=viral)
    seeder.conn.commit()
    with psycopg.connect(services.db_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return time.perf_counter() - start


def figures_by_rollup(app, size):
    """Rebuild the public figures' rollup (the job a worker runs every few minutes), and weigh it against
    counting straight from the rows on every visit: the measurement behind tipline/figures/rollup.py."""
    from tipline.extensions import db
    from tipline.figures import rollup
    from tipline.figures.service import figures, national_region, parse_period

    with app.app_context():
        start = time.perf_counter()
        rows = rollup.refresh_figures()
        db.session.commit()
        refresh = time.perf_counter() - start
        period = parse_period("")
        region = national_region()
        direct, read = [], []
        for _ in range(3):
            start = time.perf_counter()
            for query in (rollup._tip_counts(), rollup._closed_counts(), rollup._action_counts()):
                db.session.execute(query).all()
            direct.append(time.perf_counter() - start)
            start = time.perf_counter()
            figures(region, period)
            read.append(time.perf_counter() - start)
        db.session.rollback()
    result = {"refresh_s": refresh, "rows": rows, "direct_ms": min(direct) * 1000, "rollup_ms": min(read) * 1000}
    log(
        f"figures @ {size:,}: rollup rebuilt in {refresh:.1f} s ({rows:,} rows); the national page's counts "
        f"straight from the rows {result['direct_ms']:.0f} ms, from the rollup {result['rollup_ms']:.0f} ms"
    )
    return result


# --- HTTP from the bench itself ---------------------------------------------------------------


def sign_in(url, totp):
    """The staff session cookie header of the bench's supervisor, signed in as a person would."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def post(path, fields):
        page = opener.open(f"{url}{path}").read().decode()
        fields["csrf_token"] = CSRF_INPUT.search(page).group(1)
        return opener.open(f"{url}{path}", urllib.parse.urlencode(fields).encode())

    post("/staff/login", {"email": "bench@example.com", "password": PASSWORD})
    post("/staff/login/code", {"code": pyotp.TOTP(totp).now()})
    assert opener.open(f"{url}/staff/").status == 200
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def sign_in_member(url):
    """The session cookie header of the bench's parent committee member, signed in at /org/login."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{url}/org/login").read().decode()
    fields = {"email": ORG_MEMBER, "password": PASSWORD, "csrf_token": CSRF_INPUT.search(page).group(1)}
    opener.open(f"{url}/org/login", urllib.parse.urlencode(fields).encode())
    assert opener.open(f"{url}/org/").status == 200
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def fill_org_list(services):
    """The committee collects ORG_TIPS tips spread over all seeded ones (once: the list stays as the tables grow)."""
    with psycopg.connect(services.db_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO org_tip (organisation_id, tip_id, source, added_at, seen_event_id) "
            "SELECT (SELECT id FROM organisation LIMIT 1), id, 'collected', created_at, 0 FROM tip "
            "ORDER BY md5(id::text) LIMIT %s ON CONFLICT DO NOTHING",
            (ORG_TIPS,),
        )
        conn.execute("ANALYZE org_tip")
        deep = conn.execute("SELECT tip_id FROM org_tip ORDER BY tip_id DESC OFFSET %s LIMIT 1", (ORG_TIPS * 4 // 5,))
        return deep.fetchone()[0]  # a page four fifths down the list


def form_sessions(url, count=32):
    """(session cookie, CSRF token) pairs, each from a fresh visit to the report form."""
    pairs = []
    for _ in range(count):
        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = opener.open(f"{url}/report").read().decode()
        cookie = next(c.value for c in jar if c.name == "session")
        pairs.append((cookie, CSRF_INPUT.search(page).group(1)))
    return pairs


def photo():
    """A small phone-like JPEG."""
    from PIL import Image

    out = io.BytesIO()
    Image.effect_noise((320, 240), 40).convert("RGB").save(out, "JPEG", quality=80)
    return out.getvalue()


# --- measurements -----------------------------------------------------------------------------


def alternate(rounds, sides):
    """Run each side's measurement in turn, `rounds` times; the median of each figure per side."""
    results = {name: [] for name in sides}
    for _ in range(rounds):
        for name, measure in sides.items():
            results[name].append(measure())
    return {name: {key: statistics.median(r[key] for r in runs) for key in runs[0]} for name, runs in results.items()}


def reads(url, cookie, services, size, member_cookie="", org_deep=None):
    """The staff, organisation and public pages, each alternated with the bare GET baseline."""
    with psycopg.connect(services.db_url) as conn:
        deep = conn.execute(
            "SELECT priority, id FROM case_record WHERE state LIKE 'closed%%' ORDER BY priority, id DESC "
            "OFFSET %s LIMIT 1",
            (DEEP_PAGES * 25,),
        ).fetchone()
        filing_pages = conn.execute("SELECT count(*) FROM platform").fetchone()[0] // 20
    if deep is None:
        raise SystemExit(f"fewer than {DEEP_PAGES * 25} closed cases at {size} tips: seed more")
    staff_pages = {
        "queue_first": ["/staff/"],
        "closed_first": ["/staff/?scope=closed"],
        "queue_deep": [f"/staff/?scope=closed&after={deep[0]}.{deep[1]}"],
        "search_zh_long": ["/staff/?q=游戏广告", "/staff/?q=教师资格证"],
        "search_zh_short": ["/staff/?q=弹出", "/staff/?q=脏"],
        "search_en_long": ["/staff/?q=certificate", "/staff/?q=gambling"],
        "search_en_short": ["/staff/?q=ad", "/staff/?q=my"],
        "evaluation": ["/staff/evaluation", "/staff/evaluation?region=110000"],
    }
    org_pages = {
        "org_first": ["/org/"],
        "org_deep": [f"/org/?before={org_deep}"],
        "org_filtered": ["/org/?status=closed_unfounded", "/org/?q=游戏广告", "/org/?category=game_ads&platform=学"],
    }
    public_pages = {
        "platforms_search": ["/platforms?q=星火", "/platforms?q=学堂编程", "/platforms?q=academy"],
        "platforms_deep": [f"/platforms?page={filing_pages - 3}"],
    }
    public_pages["stats"] = ["/stats", "/stats?region=110000", "/stats?region=310000&period=2026"]
    figures = {}
    for name, paths in [*staff_pages.items(), *org_pages.items(), *public_pages.items()]:
        paths = [urllib.parse.quote(p, safe="/?=&.") for p in paths]
        cookie_for = cookie if name in staff_pages else member_cookie if name in org_pages else ""
        sides = {
            name: lambda p=paths, c=cookie_for: run_wrk(url, get_script(p, c), SECONDS, CONNECTIONS),
            "bare": lambda: run_wrk(url, get_script(["/bench/bare"]), SECONDS, CONNECTIONS),
        }
        result = alternate(1, sides)
        figures[name] = result[name] | {"bare_mean": result["bare"]["mean"]}
        log(row(f"{name} @ {size:,}", figures[name]))
    return figures


def matching(app, size):
    """The case-matching step of intake (finding the open case, joining or opening it), in-process, rolled back."""
    from cases.operations import file_tip
    from tipline.extensions import db
    from tipline.reports.models import Tip

    rng = random.Random(5)
    times = []
    with app.app_context():
        top = db.session.scalar(db.text("SELECT max(id) FROM platform"))
        categories = list(CATEGORY_WEIGHTS)
        for i in range(MATCH_ROUNDS):
            platform_id = int(top ** rng.random())
            tip = Tip(
                receipt_digest=uuid.uuid4().hex * 2,
                platform_id=platform_id,
                platform_name=f"platform {platform_id}",
                category=rng.choice(categories),
                location="popup",
                description=f"bench tip {i}",
                reporter_type="parent",
                locale="zh",
                client_digest=uuid.uuid4().hex * 2,
            )
            db.session.add(tip)
            db.session.flush()
            start = time.perf_counter()
            file_tip(tip)
            db.session.flush()
            times.append(time.perf_counter() - start)
            db.session.rollback()
    times = times[MATCH_ROUNDS // 10 :]  # warm-up
    mean = statistics.mean(times) * 1000
    log(f"  {'case matching @ ' + format(size, ','):<38} mean {mean:7.2f} ms   p95 {p95(times) * 1000:7.2f} ms")
    return mean


def junk_scoring(app, services):
    """The junk filter's verdict on a tip at intake, in-process: the newest version (trained here on the
    starter set) scoring the seeded tips' texts."""
    from cases.junk_filter.learn import retrain
    from cases.junk_filter.score import junk_verdict
    from tipline.extensions import db

    with psycopg.connect(services.db_url) as conn:
        texts = [row[0] for row in conn.execute("SELECT description FROM tip ORDER BY id DESC LIMIT 2000")]
    with app.app_context():
        retrain()
        db.session.commit()
        junk_verdict(texts[0])  # loads the version once, as a process does
        times = []
        for text in texts:
            start = time.perf_counter()
            junk_verdict(text)
            times.append(time.perf_counter() - start)
    mean = statistics.mean(times) * 1e6
    log(f"  {'junk filter verdict on a tip':<38} mean {mean:7.1f} µs   p95 {p95(times) * 1e6:7.1f} µs")
    return mean, p95(times) * 1e6


def p95(values):
    return sorted(values)[int(len(values) * 0.95) - 1]


def row(label, f):
    return (
        f"  {label:<38} {f['rps']:8.0f} req/s   p50 {f['p50']:7.1f} ms   p95 {f['p95']:7.1f} ms"
        f"   mean {f['mean']:7.1f} ms" + (f"   (bare GET {f['bare_mean']:.1f} ms)" if "bare_mean" in f else "")
    )


def free_categories(services, platform_id, count):
    """Problems with no open case on the platform: each round of 'the first tips of a case' starts one there."""
    with psycopg.connect(services.db_url) as conn:
        taken = {
            row[0]
            for row in conn.execute(
                "SELECT category FROM case_record WHERE platform_id = %s AND open_key IS NOT NULL", (platform_id,)
            )
        }
    free = [c for c in CATEGORY_WEIGHTS if c not in taken]
    if len(free) < count:
        raise SystemExit(f"platform {platform_id} has only {len(free)} problems without an open case")
    return free[:count]


def drain(services, workers, seconds):
    """Evidence jobs finished per second by `workers` RQ workers, over `seconds` after the first finishes."""
    with psycopg.connect(services.db_url, autocommit=True) as conn:

        def done():
            return conn.execute("SELECT count(*) FROM outbox_job WHERE state = 'done'").fetchone()[0]

        def waiting():
            return conn.execute("SELECT count(*) FROM outbox_job WHERE state <> 'done'").fetchone()[0]

        before = done()
        services.start_workers(workers)
        deadline = time.monotonic() + 60
        while done() == before:  # workers starting
            if time.monotonic() > deadline:
                raise SystemExit("no evidence job finished within a minute; see the worker logs")
            time.sleep(0.05)
        time.sleep(1)  # past the first forks
        start_count, start = done(), time.monotonic()
        time.sleep(seconds)
        end_count, end = done(), time.monotonic()
        left = waiting()
        services.stop_workers()
    if left == 0:
        log("  (the backlog ran out during the measurement: the drain rate is a lower bound)")
    return (end_count - start_count) / (end - start)


def main():
    started = time.perf_counter()
    log(
        f"Tipline under load: gunicorn (4 workers) on PostgreSQL, Redis, RQ; wrk over loopback, {CONNECTIONS} "
        f"connections, {SECONDS} s rounds after a warm-up; {PLATFORMS:,} platforms, {SMALL:,} then {LARGE:,} tips."
    )
    figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        services = Services(tmp)
        try:
            services.create_database()
            app, totp, staff_ids, regions, encrypt = staff_users(services)
            with psycopg.connect(services.db_url) as conn:
                seeder = Seeder(conn, regions, staff_ids, encrypt)
                load_start = time.perf_counter()
                seeder.platforms(PLATFORMS)
                conn.commit()
                took = seed(seeder, services, app, SMALL, viral=True)
                log(f"seeded {seeder.tips_loaded:,} tips in {seeder.cases:,} cases ({took:.0f} s)")
                url = services.serve("web", 8431)
                bare_url = services.serve("nojobs", 8432, BENCH_WITHOUT_JOBS="1")
                services.start_workers(1)
                cookie = sign_in(url, totp)
                member_cookie = sign_in_member(url)
                org_deep = fill_org_list(services)
                sessions = form_sessions(url)
                small_figures = figures_by_rollup(app, SMALL)
                small = reads(url, cookie, services, SMALL, member_cookie, org_deep)
                small_match = matching(app, SMALL)

                services.stop_workers()  # nothing else writes while the rows go in
                took = seed(seeder, services, app, LARGE - seeder.tips_loaded, viral=False)
                services.start_workers(1)
                log(f"seeded up to {seeder.tips_loaded:,} tips in {seeder.cases:,} cases ({took:.0f} s)")
                seed_seconds = time.perf_counter() - load_start
                large_figures = figures_by_rollup(app, seeder.tips_loaded)
                large = reads(url, cookie, services, seeder.tips_loaded, member_cookie, org_deep)
                large_match = matching(app, seeder.tips_loaded)
                junk_us = junk_scoring(app, services)
                viral_case, viral_platform, viral_category = seeder.viral_case

            common = dict(platforms=PLATFORMS, categories=list(CATEGORY_WEIGHTS), openings=OPENINGS, endings=ENDINGS)
            log(
                "one platform (before any other submission), alternating: joining its viral case "
                "(from the 10,000th tip) and a new case of its own:"
            )
            fresh = iter(free_categories(services, viral_platform, ROUNDS))
            big = alternate(
                ROUNDS,
                {
                    "big": lambda: run_wrk(
                        url,
                        submit_script("/report", sessions, **common | {"categories": [viral_category]},
                                      fixed_platform=viral_platform),
                        SECONDS, CONNECTIONS, warmup=0,
                    ),
                    "first": lambda: run_wrk(
                        url,
                        submit_script("/report", sessions, **common | {"categories": [next(fresh)]},
                                      fixed_platform=viral_platform),
                        SECONDS, CONNECTIONS, warmup=0,
                    ),
                },
            )  # fmt: skip
            log(row("POST /report into the viral case", big["big"]))
            log(row("POST /report into a new case", big["first"]))

            log(f"submissions at {seeder.tips_loaded:,} tips, alternating with the bare form + INSERT:")
            submit = alternate(
                ROUNDS,
                {
                    "submit": lambda: run_wrk(url, submit_script("/report", sessions, **common), SECONDS, CONNECTIONS),
                    "bare": lambda: run_wrk(
                        url, submit_script("/bench/bare", sessions, **common), SECONDS, CONNECTIONS
                    ),
                },
            )
            log(row("POST /report", submit["submit"]))
            log(row("POST /bench/bare (parse + 1 INSERT)", submit["bare"]))

            log("with a photo attached, jobs recorded (outbox + RQ) and not (no worker running):")
            services.stop_workers()
            jpeg = photo()
            jobs = alternate(
                ROUNDS,
                {
                    "with": lambda: run_wrk(
                        url, submit_script("/report", sessions, **common, photo=jpeg), SECONDS, CONNECTIONS
                    ),
                    "without": lambda: run_wrk(
                        bare_url, submit_script("/report", sessions, **common, photo=jpeg), SECONDS, CONNECTIONS
                    ),
                },
            )
            log(row("POST /report + photo, jobs recorded", jobs["with"]))
            log(row("POST /report + photo, no jobs", jobs["without"]))

            services.stop("web")
            services.stop("nojobs")
            log("evidence jobs waiting from those submissions, drained by RQ workers:")
            one = drain(services, 1, SECONDS * 2)
            two = drain(services, 2, SECONDS * 2)
            log(f"  one worker {one:.1f} jobs/s, two workers {two:.1f} jobs/s")
        finally:
            services.close()

    def growth(name):
        return large[name]["mean"] / small[name]["mean"]

    searches = [n for n in small if n.startswith("search_")]
    figures = {
        "submit_rps": round(submit["submit"]["rps"], 1),
        "submit_ratio": round(submit["submit"]["rps"] / submit["bare"]["rps"], 3),
        "submit_p95_ratio": round(submit["submit"]["p95"] / submit["bare"]["p95"], 3),
        "submit_p50_ms": round(submit["submit"]["p50"], 2),
        "submit_p95_ms": round(submit["submit"]["p95"], 2),
        "bare_rps": round(submit["bare"]["rps"], 1),
        "queue_first_growth": round(growth("queue_first"), 3),
        "queue_deep_growth": round(growth("queue_deep"), 3),
        "queue_deep_to_first": round(large["queue_deep"]["mean"] / large["closed_first"]["mean"], 3),
        "match_growth": round(large_match / small_match, 3),
        "search_growth": round(max(growth(n) for n in searches), 3),
        "platforms_growth": round(max(growth("platforms_search"), growth("platforms_deep")), 3),
        "stats_growth": round(growth("stats"), 3),
        "evaluation_growth": round(growth("evaluation"), 3),
        "figures_refresh_s": [round(small_figures["refresh_s"], 1), round(large_figures["refresh_s"], 1)],
        "figures_rollup_rows": [small_figures["rows"], large_figures["rows"]],
        "figures_direct_ms": [round(small_figures["direct_ms"]), round(large_figures["direct_ms"])],
        "figures_rollup_ms": [round(small_figures["rollup_ms"]), round(large_figures["rollup_ms"])],
        "org_first_growth": round(growth("org_first"), 3),
        "org_deep_to_first": round(large["org_deep"]["mean"] / large["org_first"]["mean"], 3),
        "org_filtered_growth": round(growth("org_filtered"), 3),
        "submit_big_case": round(big["big"]["mean"] / big["first"]["mean"], 3),
        "junk_score_us": round(junk_us[0], 1),
        "junk_score_p95_us": round(junk_us[1], 1),
        "outbox_cost": round(jobs["with"]["mean"] / jobs["without"]["mean"], 3),
        "workers_scaling": round(two / one, 3),
        "workers_one_jobs_per_s": round(one, 1),
        "tips_small": SMALL,
        "tips_large": seeder.tips_loaded,
        "seed_seconds": round(seed_seconds, 1),
        "total_seconds": round(time.perf_counter() - started, 1),
    }
    for name in small:
        figures[f"{name}_ms"] = [round(small[name]["mean"], 2), round(large[name]["mean"], 2)]
    log("")
    log(f"{'figure':<24} {'value':>10}  target")
    targets = {
        "submit_rps": ">= 220",
        "submit_ratio": ">= 0.6",
        "submit_p95_ratio": "<= 2",
        "submit_big_case": "<= 1.2",
        "queue_first_growth": "<= 1.3",
        "queue_deep_growth": "<= 1.3",
        "queue_deep_to_first": "<= 1.5",
        "match_growth": "<= 1.3",
        "search_growth": "<= 1.3",
        "platforms_growth": "<= 1.3",
        "stats_growth": "<= 1.3",
        "evaluation_growth": "<= 1.5",
        "org_first_growth": "<= 1.3",
        "org_deep_to_first": "<= 1.5",
        "org_filtered_growth": "<= 1.3",
        "outbox_cost": "<= 1.1",
        "workers_scaling": ">= 1.7",
        "junk_score_us": "< 1000",
    }
    for key, target in targets.items():
        value = figures[key]
        log(f"{key:<24} {value:>10}  {target}")
    print(json.dumps(figures, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
