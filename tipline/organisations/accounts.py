"""Members of organisations signing in: their own accounts, sessions and checks, never staff ones.

The rules are the staff's (cases/accounts/service.py): the same password policy, argon2,
throttles and lock-outs (counted apart, under "org:"), an optional TOTP second factor,
sessions held on the server that end on sign-out and after STAFF_SESSION_MAX_AGE.
A browser holds one kind of sign-in at a time: signing in empties its session first.
"""

from functools import wraps

from flask import abort, current_app, flash, g, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from cases.accounts import service as staff_accounts
from cases.accounts.held import account_of, account_token
from tipline.extensions import db
from tipline.organisations.models import ADMIN, OrgMember, OrgSession
from tipline.timeutil import utcnow
from tipline.tracking.sessions import fresh_session

# Where the browser's session keeps a member's sign-in: "id:session_version", the server session's
# token and when the sign-in happened. Staff sign-ins use other keys (cases/auth.py) and never these.
MEMBER_KEY = "org_member"
TOKEN_KEY = "org_session"
LOGIN_AT_KEY = "org_login_at"
# Between password and second factor: "id:session_version", encrypted.
PENDING_KEY = "org_pending_member"


def find_member(email):
    email = staff_accounts.normalize_email(email)
    return db.session.scalars(select(OrgMember).where(func.lower(OrgMember.email) == email)).first()


def _note_failure(member, lock_raised):
    """A failed attempt on a real member account: counted for the owner, and the owner mailed once per lock."""
    from datetime import timedelta

    from tipline.jobs.outbox import record_job

    member.failed_logins = OrgMember.failed_logins + 1  # in SQL: parallel failures all count
    if not lock_raised:
        return
    now, minutes = utcnow(), current_app.config["LOGIN_LOCK_MINUTES"]
    if member.lock_noticed_at is None or member.lock_noticed_at < now - timedelta(minutes=minutes):
        member.lock_noticed_at = now  # one mail per lock, however many attempts follow
        record_job("mail.org_member_locked", member_id=member.id, at=now.isoformat(), minutes=minutes)


MEMBERS = staff_accounts.Accounts(find=find_member, note_failure=_note_failure, space="org:")


def authenticate(email, password, client):
    """The active member with this email and password (staff rules); raises AccountError or AccountLocked."""
    return staff_accounts.authenticate(email, password, client, MEMBERS)


def check_second_factor(member, code, client):
    staff_accounts.check_second_factor(member, code, client, MEMBERS)


def refuse_code(email, code, client):
    staff_accounts.refuse_code(email, code, client, MEMBERS)


def sign_in(member, client):
    """Start a member's session in this browser (emptied first); returns how many attempts failed before."""
    failed = staff_accounts.record_success(member, client, MEMBERS)
    token = staff_accounts.start_session(member, OrgSession)
    fresh_session()
    db.session.commit()
    session[MEMBER_KEY] = account_token(member)
    session[TOKEN_KEY] = token
    session[LOGIN_AT_KEY] = utcnow().timestamp()
    session.permanent = True
    g.pop("org_member", None)
    return failed


def sign_out():
    """End this browser's member sign-in (or the one waiting for its code), on the server too.

    A browser without one keeps what it holds: a staff sign-in or a followed report is not this page's to end.
    """
    if TOKEN_KEY not in session and PENDING_KEY not in session:
        return False
    staff_accounts.end_session(session.get(TOKEN_KEY), OrgSession)
    db.session.commit()
    session.clear()
    g.pop("org_member", None)
    return True


def sign_out_everywhere(member):
    """End every session of the member, on every device (a removal does it too)."""
    member.session_version += 1
    staff_accounts.end_other_sessions(member, None, OrgSession)


def keep_this_session_only(member):
    """After a password change: other devices are signed out, this one goes on under the new version."""
    member.session_version += 1
    staff_accounts.end_other_sessions(member, session.get(TOKEN_KEY), OrgSession)
    session[MEMBER_KEY] = account_token(member)


def current_member():
    """The member signed in in this browser, or None: checked against the server on every request."""
    if "org_member" not in g:
        g.org_member = _load_member()
    return g.org_member


def _load_member():
    member = account_of(session.get(MEMBER_KEY), OrgMember)
    if member is None:
        return None
    age = utcnow().timestamp() - (session.get(LOGIN_AT_KEY) or 0)
    if age > current_app.config["STAFF_SESSION_MAX_AGE"]:
        return None
    if not staff_accounts.session_is_live(member, session.get(TOKEN_KEY), OrgSession):
        return None
    return member


def member_required(admin=False):
    """A view for signed-in members (and only administrators when `admin`).

    Checked inside the operation: a request without a member session (a staff one included) changes
    nothing and is sent to sign in, as staff pages do; a member who is not the administrator gets 403.
    """

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            member = current_member()
            if member is None:
                flash(_l("Sign in with your organisation's account to see this page."))
                target = request.full_path.rstrip("?") if request.method in ("GET", "HEAD") else None
                return redirect(url_for("org.login", next=target))
            if admin and member.role != ADMIN:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate
