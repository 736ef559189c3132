"""Sign-in throttles from the attacker's side: per account and client, account-wide; nobody locks out a colleague."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from sqlalchemy import select

from cases.accounts.models import StaffUser
from cases.notices import Notice
from tests import services
from tests.cases.conftest import PASSWORD, sign_in
from tests.conftest import IsolatedClient, csrf_token, totp_code
from tipline import create_app
from tipline.extensions import db, limiter

WRONG = "not the password at all"


def client_at(app, address):
    """A test client whose requests come from `address`."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    client.set_cookie("lang", "en")
    return client


def attempts(client, email, password, times):
    """Status codes of `times` password attempts for `email`."""
    return [
        client.post(
            "/staff/login",
            data={"csrf_token": csrf_token(client, "/staff/login"), "email": email, "password": password},
        ).status_code
        for _ in range(times)
    ]


def test_wrong_passwords_from_one_client_do_not_lock_the_owner_out_elsewhere(app, make_staff):
    """Catches: failures from anywhere locking the account for everyone (anyone could lock any colleague out)."""
    user = make_staff()
    attacker = client_at(app, "203.0.113.9")
    limit = app.config["LOGIN_MAX_FAILURES"]
    assert attempts(attacker, user.email, WRONG, limit + 2) == [401] * limit + [429, 429]
    assert attempts(attacker, user.email, PASSWORD, 1) == [429]  # the attacker's client stays locked out
    owner = client_at(app, "198.51.100.7")
    assert sign_in(owner, user).status_code == 302
    assert owner.get("/staff/").status_code == 200


def test_successful_sign_ins_never_count(app, make_staff):
    """Catches: the per-account limit counting successful sign-ins, so signing in often locks the owner out."""
    app.config.update(LOGIN_MAX_FAILURES=3)
    user = make_staff()
    owner = client_at(app, "198.51.100.7")
    for _ in range(6):
        assert sign_in(owner, user).status_code == 302
        owner.delete_cookie("session")
    # Failures below the limit, then a sign-in: the count starts again.
    for _ in range(3):
        assert attempts(owner, user.email, WRONG, 2) == [401, 401]
        assert sign_in(owner, user).status_code == 302
        owner.delete_cookie("session")
    db.session.expire_all()
    assert db.session.get(StaffUser, user.id).lock_noticed_at is None


def _distributed_failures(app, email, clients, each):
    """Wrong passwords for `email` from `clients` different addresses, `each` from every one."""
    for n in range(clients):
        attacker = client_at(app, f"203.0.113.{n + 10}")
        assert attempts(attacker, email, WRONG, each) == [401] * each


def _code_step(client, email, password, code):
    """A password, then a code; returns (status of the password POST, its Location, status of the code POST)."""
    step = client.post(
        "/staff/login", data={"csrf_token": csrf_token(client, "/staff/login"), "email": email, "password": password}
    )
    location = step.headers.get("Location", "")
    if "/staff/login/code" not in location:
        return step.status_code, location, None
    done = client.post(location, data={"csrf_token": csrf_token(client, "/staff/login/code"), "code": code})
    return step.status_code, location, done.status_code


def test_a_distributed_lock_lets_password_and_second_factor_through_but_not_password_alone(app, make_staff):
    """Catches: an account-wide lock keeping out the owner with a second factor, letting a bare password in,
    or answering the right password differently from a wrong one (the lock would be a password oracle)."""
    app.config.update(LOGIN_MAX_FAILURES=3, LOGIN_ACCOUNT_MAX_FAILURES=6)
    with_totp = make_staff("officer", totp=True)
    without = make_staff("officer")
    for user in (with_totp, without):
        _distributed_failures(app, user.email, clients=3, each=2)
    _distributed_failures(app, "nobody@example.com", clients=3, each=2)

    # Fresh clients: every password, right or wrong, known address or not, goes on to the code step.
    answers = {}
    for n, (email, password) in enumerate(
        [
            (with_totp.email, WRONG),
            ("nobody@example.com", WRONG),
            (without.email, PASSWORD),
            (with_totp.email, PASSWORD),
        ]
    ):
        client = client_at(app, f"192.0.2.{50 + n}")
        answers[(email, password)] = _code_step(client, email, password, totp_code(with_totp))[::2]
        if password == WRONG or email != with_totp.email:
            assert client.get("/staff/").status_code == 302, (email, password)  # not in
    assert answers[(with_totp.email, WRONG)] == (302, 401)  # the right code does not rescue a wrong password
    assert answers[("nobody@example.com", WRONG)] == (302, 401)
    assert answers[(without.email, PASSWORD)] == (302, 401)  # no second factor: waits like everyone else
    assert answers[(with_totp.email, PASSWORD)] == (302, 302)  # password and second factor: in
    assert client.get("/staff/").status_code == 200


def test_the_owner_is_told_of_a_lock_and_sees_the_failures_at_sign_in(smtp_server, app, make_staff):
    """Catches: a lock the owner never hears of, and failed attempts not shown at the next sign-in."""
    user = make_staff()
    attacker = client_at(app, "203.0.113.9")
    limit = app.config["LOGIN_MAX_FAILURES"]
    attempts(attacker, user.email, WRONG, limit + 3)
    notices = db.session.scalars(select(Notice).where(Notice.user_id == user.id)).all()
    assert [n.kind for n in notices] == ["signin_locked"]  # one notice, however many attempts follow
    assert smtp_server.to(user.email), "the notice is mailed too"
    owner = client_at(app, "198.51.100.7")
    page = owner.post(
        "/staff/login",
        data={"csrf_token": csrf_token(owner, "/staff/login"), "email": user.email, "password": PASSWORD},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert f"Failed sign-in attempts on your account since your last sign-in: {limit}." in page
    assert "Repeated failed sign-in attempts locked sign-in to your account" in owner.get("/staff/notices").get_data(
        as_text=True
    )
    db.session.expire_all()
    assert db.session.get(StaffUser, user.id).failed_logins == 0


def test_parallel_attempts_from_one_client_stop_at_the_limit(app, make_staff):
    """Catches: counting failures only after the check, so parallel guesses all slip past the limit."""
    app.config.update(LOGIN_MAX_FAILURES=3)
    email = make_staff().email
    clients = [client_at(app, "203.0.113.9") for _ in range(8)]
    tokens = [csrf_token(c, "/staff/login") for c in clients]

    def guess(pair):
        client, token = pair
        data = {"csrf_token": token, "email": email, "password": WRONG}
        return client.post("/staff/login", data=data).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = sorted(pool.map(guess, zip(clients, tokens, strict=True)))
    assert codes == [401] * 3 + [429] * 5
    assert attempts(clients[0], email, PASSWORD, 1) == [429]


def test_one_client_trying_many_accounts_is_refused(app, make_staff):
    """Catches: dropping the per-address limit, so one client could try a password on every account."""
    app.config.update(LOGIN_RATE_LIMIT="4 per minute")
    users = [make_staff() for _ in range(5)]
    attacker = client_at(app, "203.0.113.9")
    codes = [attempts(attacker, u.email, WRONG, 1)[0] for u in users]
    assert codes == [401] * 4 + [429]


def test_second_factor_guesses_count_per_client(app, make_staff):
    """Catches: unlimited code guesses at /staff/login/code once the password is known."""
    app.config.update(LOGIN_MAX_FAILURES=3)
    user = make_staff("officer", totp=True)
    thief = client_at(app, "203.0.113.9")
    step = thief.post(
        "/staff/login",
        data={"csrf_token": csrf_token(thief, "/staff/login"), "email": user.email, "password": PASSWORD},
    )
    token = csrf_token(thief, "/staff/login/code")
    codes = [
        thief.post(step.headers["Location"], data={"csrf_token": token, "code": "000000"}).status_code for _ in range(3)
    ]
    assert codes == [401, 401, 429]  # the password attempt counted as one of three
    assert thief.get("/staff/").status_code == 302
    owner = client_at(app, "198.51.100.7")
    assert sign_in(owner, user).status_code == 302  # the owner elsewhere is not locked out


@pytest.fixture
def shared_storage(app_config, redis_prefix, monkeypatch):
    """Rate limits in the machine's Redis, under this test's own prefix (as in production)."""
    app_config.update(RATELIMIT_STORAGE_URI=services.REDIS_URL, RATELIMIT_KEY_PREFIX=redis_prefix)
    # The limiter is one module-level object that keeps the key prefix of the first app
    # bound to it in this process; production binds one app per process.
    monkeypatch.setattr(limiter, "_key_prefix", None)
    return redis_prefix


def test_sign_in_counters_live_in_the_shared_storage(shared_storage, app, app_config, make_staff):
    """Catches: sign-in counters kept in one process's memory, which every other worker process ignores."""
    user = make_staff()
    attacker = client_at(app, "203.0.113.9")
    limit = app.config["LOGIN_MAX_FAILURES"]
    assert attempts(attacker, user.email, WRONG, limit) == [401] * limit
    keys = redis.Redis.from_url(services.REDIS_URL).keys(f"*{shared_storage}*signin*")
    assert keys and not any(user.email.encode() in k for k in keys)  # counted by a digest, not the address
    other = create_app(app_config)  # another worker process: its own memory, the same Redis
    other.test_client_class = IsolatedClient
    try:
        assert attempts(client_at(other, "203.0.113.9"), user.email, PASSWORD, 1) == [429]
        assert sign_in(client_at(other, "198.51.100.7"), user).status_code == 302
    finally:
        with other.app_context():
            db.engine.dispose()


def test_sign_in_throttles_hold_when_rate_limits_are_switched_off(app, make_staff, monkeypatch):
    """Catches: sign-in failing with a 500 (the throttle asking a switched-off limiter for its storage),
    or throttles vanishing with RATELIMIT_ENABLED=False."""
    # The switch itself (RATELIMIT_ENABLED) would stay off for every later app of this process.
    monkeypatch.setattr(limiter, "enabled", False)
    user = make_staff()
    assert sign_in(client_at(app, "198.51.100.7"), user).status_code == 302
    limit = app.config["LOGIN_MAX_FAILURES"]
    assert attempts(client_at(app, "203.0.113.9"), user.email, WRONG, limit + 1) == [401] * limit + [429]
