"""Staff sign-in: argon2 passwords, lock-out, the TOTP second factor, session expiry, sign-out everywhere."""

import time

import pyotp
from sqlalchemy import select

from cases.accounts.models import StaffUser
from cases.audit import AuditEntry
from tests.cases.conftest import PASSWORD, post_form, sign_in
from tests.conftest import csrf_token
from tipline.extensions import db


def test_password_is_stored_as_argon2(make_staff):
    user = make_staff()
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash


def test_sign_in_and_out(client, make_staff):
    user = make_staff()
    assert client.get("/staff/").status_code == 302
    response = sign_in(client, user)
    assert response.status_code == 302 and response.headers["Location"].endswith("/staff/")
    assert client.get("/staff/").status_code == 200
    post_form(client, "/staff/", "/staff/logout", {})
    assert client.get("/staff/").status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_answer(client, make_staff):
    user = make_staff()
    client.set_cookie("lang", "en")
    wrong = sign_in(client, user, "not the password at all")
    unknown = client.post(
        "/staff/login",
        data={"csrf_token": csrf_token(client, "/staff/login"), "email": "nobody@example.com", "password": "x" * 12},
    )
    assert wrong.status_code == unknown.status_code == 401
    assert "Email or password is not correct" in wrong.get_data(as_text=True)
    assert user.email in wrong.get_data(as_text=True)  # what was typed is kept


def test_repeated_failures_lock_the_account(client, app, make_staff):
    app.config["LOGIN_FAILURE_DELAY"] = 0
    user = make_staff()
    codes = [sign_in(client, user, "wrong password!").status_code for _ in range(app.config["LOGIN_MAX_FAILURES"])]
    assert codes == [401] * app.config["LOGIN_MAX_FAILURES"]
    assert sign_in(client, user).status_code == 429  # even the right password, for a while (from this client)
    db.session.expire_all()
    assert db.session.get(StaffUser, user.id).lock_noticed_at is not None
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.target_id == user.id)).all()
    assert "user.locked" in actions


def test_lock_expires(client, app, make_staff):
    app.config.update(LOGIN_FAILURE_DELAY=0, LOGIN_MAX_FAILURES=2, LOGIN_LOCK_MINUTES=1 / 30)  # 2 seconds
    user = make_staff()
    sign_in(client, user, "wrong password!")
    sign_in(client, user, "wrong password!")
    assert sign_in(client, user).status_code == 429
    time.sleep(2.1)
    assert sign_in(client, user).status_code == 302


def test_sign_in_attempts_are_rate_limited_per_client(client, app, make_staff):
    app.config.update(LOGIN_FAILURE_DELAY=0, LOGIN_RATE_LIMIT="3 per minute", LOGIN_MAX_FAILURES=100)
    user = make_staff()
    codes = [sign_in(client, user, "wrong password!").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]


def test_second_factor(client, app, make_staff, staff_client):
    user = make_staff()
    own = staff_client(user)
    page = own.get("/staff/account").get_data(as_text=True)
    secret = page.split("<code>")[1].split("</code>")[0]
    wrong = post_form(own, "/staff/account", "/staff/account", {"code": "000000"})
    assert wrong.status_code == 400
    post_form(own, "/staff/account", "/staff/account", {"code": pyotp.TOTP(secret).now()})
    db.session.expire_all()
    assert db.session.get(StaffUser, user.id).totp_secret_encrypted
    assert secret not in db.session.get(StaffUser, user.id).totp_secret_encrypted
    # A new sign-in now asks for a code.
    response = sign_in(client, user)
    assert "/staff/login/code" in response.headers["Location"]
    assert client.get("/staff/").status_code == 302  # not signed in yet
    bad = post_form(client, "/staff/login/code", "/staff/login/code", {"code": "123456"})
    assert bad.status_code in (400, 401)
    # The code that turned the factor on is spent; the next one signs in, once.
    spent = post_form(client, "/staff/login/code", "/staff/login/code", {"code": pyotp.TOTP(secret).now()})
    assert spent.status_code == 401
    following = pyotp.TOTP(secret).at(time.time() + 30)
    good = post_form(client, "/staff/login/code", "/staff/login/code", {"code": following})
    assert good.status_code == 302 and client.get("/staff/").status_code == 200
    other = app.test_client()
    sign_in(other, user)
    replay = post_form(other, "/staff/login/code", "/staff/login/code", {"code": following})
    assert replay.status_code == 401


def test_sign_out_everywhere(make_staff, staff_client):
    user = make_staff()
    phone, desk = staff_client(user), staff_client(user)
    post_form(phone, "/staff/account", "/staff/logout-everywhere", {})
    assert desk.get("/staff/").status_code == 302
    assert phone.get("/staff/").status_code == 302


def test_sessions_end_after_their_maximum_age(app, make_staff, staff_client):
    user = make_staff()
    client = staff_client(user)
    with client.session_transaction() as session:
        session["staff_login_at"] = time.time() - app.config["STAFF_SESSION_MAX_AGE"] - 1
    assert client.get("/staff/").status_code == 302


def test_deactivated_account_is_signed_out(make_staff, staff_client):
    user = make_staff()
    client = staff_client(user)
    db.session.get(StaffUser, user.id).active = False
    db.session.commit()
    assert client.get("/staff/").status_code == 302


def test_garbage_in_the_session_is_no_sign_in(client, make_staff):
    make_staff()
    for value in ("1", "abc:1", "1:999", "99999999999:1", "", "1:1:1"):
        with client.session_transaction() as session:
            session["_user_id"] = value
        assert client.get("/staff/").status_code == 302, value


def test_create_user_command(runner):
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "New.Officer@Example.com",
            "--password",
            "long enough password",
            "--role",
            "officer",
            "--department",
            "education",
            "--region",
            "110105",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalars(select(StaffUser)).one()
    assert (user.email, user.role, user.department, user.region_code) == (
        "new.officer@example.com",
        "officer",
        "education",
        "110105",
    )
    base = {
        "--email": "x@example.com",
        "--password": "long enough password",
        "--role": "officer",
        "--department": "education",
        "--region": "110105",
    }
    for change, message in [
        ({"--region": "999999"}, "region"),
        ({"--password": "short"}, "12"),
        ({"--email": "new.officer@example.com"}, "exists"),
    ]:
        options = {**base, **change}
        result = runner.invoke(args=["create-user", *[x for pair in options.items() for x in pair]])
        assert result.exit_code != 0 and message in result.output, result.output


def test_locked_and_unknown_accounts_get_the_same_answer(app, client, make_staff):
    app.config.update(LOGIN_MAX_FAILURES=3)
    user = make_staff()

    def attempts(email):
        return [
            client.post(
                "/staff/login",
                data={"csrf_token": csrf_token(client, "/staff/login"), "email": email, "password": "wrong password!"},
            ).status_code
            for _ in range(5)
        ]

    assert attempts(user.email) == attempts("nobody@example.com") == [401, 401, 401, 429, 429]


def test_a_cookie_kept_from_before_sign_out_opens_nothing(app, make_staff, staff_client):
    user = make_staff()
    client = staff_client(user)
    kept = client.get_cookie("session").value
    post_form(client, "/staff/", "/staff/logout", {})
    replay = app.test_client()
    replay.set_cookie("session", kept)
    assert replay.get("/staff/").status_code == 302


def test_second_factor_setup_secret_is_not_readable_in_the_cookie(make_staff, staff_client):
    import base64
    import zlib

    client = staff_client(make_staff())
    page = client.get("/staff/account").get_data(as_text=True)
    secret = page.split("<code>")[1].split("</code>")[0]
    payload = client.get_cookie("session").value.split(".")
    raw = payload[1] if payload[0] == "" else payload[0]
    data = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    text = zlib.decompress(data).decode() if payload[0] == "" else data.decode()
    assert secret not in text


def test_change_own_password_ends_other_sessions(app, make_staff, staff_client):
    user = make_staff()
    here, elsewhere = staff_client(user), staff_client(user)
    wrong = post_form(
        here,
        "/staff/account",
        "/staff/account/password",
        {"password-current": "not it at all", "password-new": "a brand new password"},
    )
    assert wrong.status_code == 400
    done = post_form(
        here,
        "/staff/account",
        "/staff/account/password",
        {"password-current": PASSWORD, "password-new": "a brand new password"},
    )
    assert done.status_code == 302
    assert here.get("/staff/").status_code == 200
    assert elsewhere.get("/staff/").status_code == 302
    assert sign_in(app.test_client(), user, "a brand new password").status_code == 302


def test_admins_cannot_manage_their_peers_or_themselves(make_staff, staff_client):
    admin = make_staff("admin", "cyberspace", "110108")
    peer = make_staff("admin", "cyberspace", "110108")
    below_officer = make_staff("officer", "cyberspace", "110108")
    client = staff_client(admin)
    assert client.get(f"/staff/admin/users/{peer.id}").status_code == 403
    assert client.get(f"/staff/admin/users/{admin.id}").status_code == 403
    assert client.get(f"/staff/admin/users/{below_officer.id}").status_code == 200
    created = post_form(
        client,
        "/staff/admin/users/new",
        "/staff/admin/users/new",
        {
            "email": "another.admin@example.com",
            "password": "long enough password",
            "role": "admin",
            "department": "cyberspace",
            "region": "110108",
        },
    )
    assert created.status_code == 400
