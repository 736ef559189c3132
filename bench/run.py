"""`make bench`: how fast the public side answers, on SQLite and PostgreSQL, with a registry of realistic size.

Prints its figures; asserts nothing. Each backend gets a database of its own,
filled with BENCH_PLATFORMS platforms and BENCH_TIPS tips, and dropped after.
"""

import os
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
import pyotp
from cryptography.fernet import Fernet
from sqlalchemy import insert, select

from tipline import create_app
from tipline.extensions import db
from tipline.platforms.models import FilingRecord, Platform, search_key
from tipline.regions.service import load_regions
from tipline.reports.receipt import receipt_digest
from tipline.reports.service import TipSubmission, submit_tip

ROOT = Path(__file__).resolve().parent.parent
# The queue's reader: a supervisor, so with a second factor of the bench's own.
BENCH_PASSWORD = "quiet benchmark lantern 41"
BENCH_TOTP = pyotp.random_base32()
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PLATFORMS = int(os.environ.get("BENCH_PLATFORMS", "20000"))
TIPS = int(os.environ.get("BENCH_TIPS", "2000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "200"))
CASES = int(os.environ.get("BENCH_CASES", "20000"))
SYLLABLES = "星火云朵小树苗墨香书法数学英语物理化学编程围棋美术音乐少儿成长课堂学堂网课在线"


def fill(app):
    """Regions, PLATFORMS platforms and TIPS tips, inserted in bulk."""
    rng = random.Random(7)
    load_regions((ROOT / "tipline" / "data" / "regions.csv").read_text(encoding="utf-8"))
    districts = ["110105", "110108", "310104", "310115", "440106", "440305", "330106", "510107"]
    rows = []
    for i in range(PLATFORMS):
        name = "".join(rng.choice(SYLLABLES) for _ in range(4)) + f"{i}"
        latin = f"Platform {i} Academy"
        rows.append(
            dict(
                id=i + 1,
                name=name,
                name_en=latin,
                operator=f"{name}科技有限公司",
                region_code=rng.choice(districts),
                addresses=[f"https://p{i}.example"],
                teaches_subjects=bool(i % 2),
                list_status="none",
                search_text=search_key(name, latin, f"https://p{i}.example"),
            )
        )
    db.session.execute(insert(Platform), rows)
    db.session.execute(
        insert(FilingRecord),
        [dict(platform_id=i + 1, status="filed" if i % 4 else "unfiled", filing_number="") for i in range(PLATFORMS)],
    )
    codes = []
    for i in range(TIPS):
        tip, code = submit_tip(
            TipSubmission(
                platform_id=rng.randint(1, PLATFORMS),
                platform_name="x",
                category="game_ads",
                location="popup",
                description="课间弹出游戏广告，孩子无法专心上课。" * 3,
                reporter_type="parent",
                locale="zh",
                client=f"10.0.{i % 250}.{i % 200}",
            ),
            [],
        )
        codes.append(code)
    db.session.commit()
    return codes


def timed(label, count, call):
    """Run `call(i)` count times; print median, 95th percentile and rate."""
    times = []
    for i in range(count):
        start = time.perf_counter()
        status = call(i)
        times.append(time.perf_counter() - start)
        assert status < 400, f"{label}: HTTP {status}"
    times.sort()
    p50, p95 = statistics.median(times) * 1000, times[int(len(times) * 0.95) - 1] * 1000
    print(f"  {label:<42} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   {count / sum(times):7.0f} req/s")


def bench(backend, url, upload_dir):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "CONTACT_ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "UPLOAD_DIR": upload_dir,
            "JOB_MODE": "sync",
            "REDIS_URL": None,
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False,
            "TRACK_FAILURE_DELAY": 0,
        }
    )
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        start = time.perf_counter()
        codes = fill(app)
        print(f"{backend}: {PLATFORMS} platforms, {TIPS} tips loaded in {time.perf_counter() - start:.1f} s")
        key = __import__("tipline.crypto", fromlist=["derived_key"]).derived_key("receipt")
        assert receipt_digest(key, codes[0])
        db.session.remove()
    client = app.test_client()
    rng = random.Random(11)
    words = ["星火", "学堂", "编程", "Academy", "platform 12", "p1999.example", "无此平台"]
    timed(
        "GET /platforms?q=<word> (filing list)",
        ROUNDS,
        lambda i: client.get(f"/platforms?q={words[i % len(words)]}").status_code,
    )
    timed(
        "GET /platforms?page=<deep> (page 500+)",
        ROUNDS // 4,
        lambda i: client.get(f"/platforms?page={500 + i}").status_code,
    )
    timed(
        "GET /platforms/suggest?q=<word>",
        ROUNDS,
        lambda i: client.get(f"/platforms/suggest?q={words[i % len(words)]}").status_code,
    )
    timed(
        "POST /track (right code)",
        ROUNDS,
        lambda i: client.post("/track", data={"code": codes[rng.randrange(len(codes))]}).status_code,
    )
    form = {
        "platform_name": "星火学堂",
        "category": "game_ads",
        "location": "popup",
        "description": "数学直播课中反复弹出游戏广告，孩子无法专心上课。",
        "reporter_type": "parent",
        "contact_email": "parent@example.com",
        "submit": "1",
    }
    timed("POST /report (no files)", ROUNDS, lambda i: client.post("/report", data=form).status_code)
    bench_queue(app)
    with app.app_context():
        db.engine.dispose()


def bench_queue(app):
    """The staff work queue with CASES cases: first page, a deep keyset page, a text search."""
    from cases.accounts.service import create_user
    from cases.models import Case
    from tipline.crypto import encrypt_secret

    rng = random.Random(3)
    with app.app_context():
        regions = ["110105", "110108", "310104", "310115", "440106"]
        rows = [
            dict(
                platform_id=rng.randint(1, PLATFORMS),
                platform_name=f"platform {i}",
                category="game_ads",
                region_code=rng.choice(regions),
                lead_department="cyberspace",
                priority=rng.randint(1, 4),
                priority_reasons=[],
                state="new",
                open_key=None,
            )
            for i in range(CASES)
        ]
        db.session.execute(insert(Case), rows)
        bench_user = create_user("bench@example.com", BENCH_PASSWORD, "supervisor", "cyberspace", "100000")
        # Supervisors must have a second factor (cases/blueprint.py): enrol one the bench knows.
        bench_user.totp_secret_encrypted = encrypt_secret(BENCH_TOTP)
        deep = db.session.execute(
            select(Case.priority, Case.id).order_by(Case.priority, Case.id.desc()).offset(CASES - 30).limit(1)
        ).one()
        db.session.commit()
    client = app.test_client()
    client.post("/staff/login", data={"email": "bench@example.com", "password": BENCH_PASSWORD})
    client.post("/staff/login/code", data={"code": pyotp.TOTP(BENCH_TOTP).now()})
    assert client.get("/staff/").status_code == 200
    print(f"  ({CASES} cases in the queue)")
    timed("GET /staff/ (work queue, first page)", ROUNDS // 4, lambda i: client.get("/staff/").status_code)
    timed(
        f"GET /staff/?after=... (page at case {CASES - 30})",
        ROUNDS // 4,
        lambda i: client.get(f"/staff/?after={deep.priority}.{deep.id}").status_code,
    )
    timed("GET /staff/?q=<word> (tip text search)", ROUNDS // 4, lambda i: client.get("/staff/?q=游戏").status_code)


def main():
    print(f"Tipline public-side benchmark: {ROUNDS} requests per figure, in-process (no network), one client.")
    with tempfile.TemporaryDirectory() as tmp:
        bench("sqlite", f"sqlite:///{tmp}/bench.db", f"{tmp}/uploads-sqlite")
        name = f"tipline_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            base = POSTGRES_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
            bench("postgresql", f"{base}/{name}", f"{tmp}/uploads-pg")
        finally:
            with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
