"""What a staff account may hold: passwords zxcvbn cannot guess, email addresses and names without hidden characters."""

import pytest
from sqlalchemy import func, select

from cases.accounts.models import StaffUser
from cases.accounts.service import AccountError, create_user, set_password
from tests.cases.conftest import HAIDIAN, PASSWORD, post_form, sign_in
from tipline.demo import DEMO_PASSWORD
from tipline.extensions import db

STRONG = "velvet harbor kite orbit"
# Long enough, and guessed at once: repeats, keyboard rows, common passwords, the account's own words.
WEAK = ["aaaaaaaaaaaa", "qwertyuiop12", "password1234", "Tipline2026!", "li.wei@example.com", "LiWei-LiWei-"]
HOSTILE_EMAILS = [
    "li.wei@example.com\r\nBcc: all@example.com",
    "li.wei@exa\nmple.com",
    "li\x00wei@example.com",
    "\u202eli.wei@example.com",
    "li.wei@example.com\u202e",
    "li\u200fwei@example.com",
    "li.wei@\u05d0\u05d1.example",
    "li.wei@",
    "not an address",
]
HOSTILE_NAMES = ["Li\r\nWei", "Li\x00Wei", "\u202eieW iL", "Li\u2066Wei", "Li\u200bWei"]


def _count(**where):
    query = select(func.count(StaffUser.id))
    for column, value in where.items():
        query = query.where(getattr(StaffUser, column) == value)
    return db.session.scalar(query)


@pytest.mark.parametrize("password", WEAK)
def test_guessable_passwords_are_refused(app, password):
    """Catches: a policy of length alone (`aaaaaaaaaaaa` was accepted)."""
    with pytest.raises(AccountError) as refused:
        create_user("li.wei@example.com", password, "officer", "cyberspace", HAIDIAN, name="Li Wei")
    assert refused.value.field == "password"
    assert _count() == 0


def test_strong_passwords_and_the_suite_and_demo_ones_pass(app):
    """Catches: a policy so strict that the demo accounts or the suite's own staff cannot be created."""
    for n, password in enumerate([STRONG, PASSWORD, DEMO_PASSWORD]):
        create_user(f"user{n}@example.com", password, "supervisor", "education", "110000")
    assert _count() == 3


def test_the_refusal_says_why(app, make_staff, staff_client):
    """Catches: a bare refusal without zxcvbn's reason, leaving the admin to guess what is wrong."""
    client = staff_client(make_staff("admin", "cyberspace", "110000"))
    client.set_cookie("lang", "en")
    response = post_form(
        client,
        "/staff/admin/users/new",
        "/staff/admin/users/new",
        {"email": "li.wei@example.com", "name": "Li Wei", "password": "aaaaaaaaaaaa", "role": "officer",
         "department": "cyberspace", "region": HAIDIAN},
    )  # fmt: skip
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "This password is too easy to guess." in text and "Repeats like &#34;aaa&#34; are easy to guess." in text
    assert "li.wei@example.com" in text  # what was typed is kept
    assert _count(email="li.wei@example.com") == 0


def test_weak_passwords_are_refused_everywhere(app, make_staff, staff_client, runner):
    """Catches: the policy checked on one path only (CLI, admin form, own change, admin reset)."""
    result = runner.invoke(
        args=["create-user", "--email", "x@example.com", "--password", "aaaaaaaaaaaa", "--role", "officer",
              "--department", "education", "--region", HAIDIAN]
    )  # fmt: skip
    assert result.exit_code != 0 and _count() == 0

    officer = make_staff("officer", "cyberspace", HAIDIAN)
    before = officer.password_hash
    own = staff_client(officer)
    changed = post_form(
        own, "/staff/account", "/staff/account/password", {"password-current": PASSWORD, "password-new": "qwertyuiop12"}
    )
    assert changed.status_code == 400
    admin = make_staff("admin", "cyberspace", "110000")
    reset = post_form(
        staff_client(admin),
        f"/staff/admin/users/{officer.id}",
        f"/staff/admin/users/{officer.id}",
        {
            "role": "officer",
            "department": "cyberspace",
            "region": HAIDIAN,
            "active": "y",
            "new_password": "aaaaaaaaaaaa",
        },  # fmt: skip
    )
    assert reset.status_code == 400
    db.session.expire_all()
    assert db.session.get(StaffUser, officer.id).password_hash == before
    with pytest.raises(AccountError):
        set_password(db.session.get(StaffUser, officer.id), "password1234")
    assert own.get("/staff/").status_code == 200  # nothing changed, nobody signed out


@pytest.mark.parametrize("email", HOSTILE_EMAILS)
def test_hostile_email_addresses_are_refused_by_the_admin_form(app, make_staff, staff_client, email):
    """Catches: CR/LF, NUL and right-to-left characters stored in staff email addresses."""
    client = staff_client(make_staff("admin", "cyberspace", "110000"))
    client.set_cookie("lang", "en")
    response = post_form(
        client,
        "/staff/admin/users/new",
        "/staff/admin/users/new",
        {"email": email, "name": "Li Wei Kept", "password": STRONG, "role": "officer",
         "department": "cyberspace", "region": HAIDIAN},
    )  # fmt: skip
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    # A clear error (NUL is refused by every form already, tipline/forms.py), and the input kept.
    assert "Enter a valid email address." in page or "control characters that are not allowed" in page
    assert "Li Wei Kept" in page
    assert _count(role="officer") == 0


@pytest.mark.parametrize("email", HOSTILE_EMAILS)
def test_hostile_email_addresses_are_refused_by_the_command(runner, email):
    """Catches: the email rule living in the form only, so `create-user` stores what the form refuses."""
    result = runner.invoke(
        args=["create-user", "--email", email, "--password", STRONG, "--role", "officer",
              "--department", "education", "--region", HAIDIAN]
    )  # fmt: skip
    assert result.exit_code != 0 and "valid email" in result.output
    assert _count() == 0


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_names_are_refused_on_create_and_edit(app, make_staff, staff_client, runner, name):
    """Catches: control and direction characters stored in staff names (they reorder what others read)."""
    admin = make_staff("admin", "cyberspace", "110000")
    officer = make_staff("officer", "cyberspace", HAIDIAN)
    client = staff_client(admin)
    created = post_form(
        client,
        "/staff/admin/users/new",
        "/staff/admin/users/new",
        {"email": "li.wei@example.com", "name": name, "password": STRONG, "role": "officer",
         "department": "cyberspace", "region": HAIDIAN},
    )  # fmt: skip
    assert created.status_code == 400 and _count(email="li.wei@example.com") == 0
    edited = post_form(
        client,
        f"/staff/admin/users/{officer.id}",
        f"/staff/admin/users/{officer.id}",
        {"name": name, "role": "intake", "department": "cyberspace", "region": HAIDIAN, "active": "y"},
    )
    assert edited.status_code == 400
    db.session.expire_all()
    stored = db.session.get(StaffUser, officer.id)
    assert (stored.name, stored.role) == ("", "officer")  # neither the name nor the other changes
    result = runner.invoke(
        args=["create-user", "--email", "x@example.com", "--password", STRONG, "--role", "officer",
              "--department", "education", "--region", HAIDIAN, "--name", name]
    )  # fmt: skip
    assert result.exit_code != 0 and _count(email="x@example.com") == 0


def test_right_to_left_names_and_plain_addresses_are_kept(app):
    """Catches: a rule so broad it refuses Uyghur names (Arabic script) or normal addresses."""
    user = create_user("  Ali.Yusup@Example.com ", STRONG, "officer", "cyberspace", HAIDIAN, name="ئەلى يۈسۈپ")
    db.session.commit()
    assert (user.email, user.name) == ("ali.yusup@example.com", "ئەلى يۈسۈپ")
    assert sign_in(app.test_client(), user, STRONG).status_code == 302
