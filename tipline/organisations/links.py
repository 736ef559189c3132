"""Single-use, expiring links mailed to organisations: confirming an address, joining as a member.

The token is random and shown only in the mail; the database keeps its SHA-256. A newer link
to the same address for the same purpose withdraws the older one, so that one mail works at a time.
"""

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from tipline.crypto import encrypt_secret
from tipline.extensions import db
from tipline.jobs.outbox import record_job
from tipline.organisations.models import CONFIRM, INVITE, OrgLink
from tipline.timeutil import utcnow

# Why a link does not work, in the page's language.
PROBLEMS = {
    "unknown": _l("This link is not valid. Check that you copied the whole address from the mail."),
    "used": _l("This link has been used already. Each link works once."),
    "expired": _l("This link has expired. Ask for a new one."),
    "withdrawn": _l("This link was withdrawn or replaced by a newer one. Use the latest mail."),
}


class LinkError(Exception):
    """A link that does not work; `reason` is a key of PROBLEMS."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason
        self.message = PROBLEMS[reason]


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def _lifetime(kind):
    config = current_app.config
    return (
        timedelta(hours=config["ORG_CONFIRM_HOURS"]) if kind == CONFIRM else timedelta(days=config["ORG_INVITE_DAYS"])
    )


def issue_link(organisation, kind, email, created_by=None):
    """A new link for `email`, mailed by an outbox job once the caller commits; older open ones are withdrawn."""
    now = utcnow()
    withdraw_links(organisation.id, kind, email)
    token = secrets.token_urlsafe(32)
    link = OrgLink(
        kind=kind,
        organisation_id=organisation.id,
        email=email,
        token_hash=_hash(token),
        created_by_id=created_by.id if created_by is not None else None,
        created_at=now,
        expires_at=now + _lifetime(kind),
    )
    db.session.add(link)
    db.session.flush()
    # The job needs the token to write the mail; it waits in the outbox encrypted, never in clear.
    record_job("mail.org_link", link_id=link.id, token=encrypt_secret(token))
    return link


def withdraw_links(organisation_id, kind, email=None, link_id=None):
    """Withdraw the open links of a kind (to one address, or one link by id)."""
    query = update(OrgLink).where(
        OrgLink.organisation_id == organisation_id,
        OrgLink.kind == kind,
        OrgLink.used_at.is_(None),
        OrgLink.withdrawn_at.is_(None),
    )
    if email is not None:
        query = query.where(OrgLink.email == email)
    if link_id is not None:
        query = query.where(OrgLink.id == link_id)
    return db.session.execute(query.values(withdrawn_at=utcnow())).rowcount


def find_link(token, kind):
    """The open link a token opens; raises LinkError saying why it does not work."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        raise LinkError("unknown")
    link = db.session.scalars(select(OrgLink).where(OrgLink.token_hash == _hash(token), OrgLink.kind == kind)).first()
    if link is None:
        raise LinkError("unknown")
    if link.used_at is not None:
        raise LinkError("used")
    if link.withdrawn_at is not None:
        raise LinkError("withdrawn")
    if link.expires_at <= utcnow():
        raise LinkError("expired")
    return link


def use_link(token, kind):
    """Spend a link: once only, even when two requests send it at the same moment. Returns the link."""
    link = find_link(token, kind)
    now = utcnow()
    still_open = (OrgLink.used_at.is_(None), OrgLink.withdrawn_at.is_(None), OrgLink.expires_at > now)
    spent = db.session.execute(update(OrgLink).where(OrgLink.id == link.id, *still_open).values(used_at=now)).rowcount
    if spent != 1:
        raise LinkError("used")
    db.session.refresh(link)
    return link


def open_invitations(organisation_id):
    """Invitations not yet used, withdrawn or expired, newest first."""
    return db.session.scalars(
        select(OrgLink)
        .where(
            OrgLink.organisation_id == organisation_id,
            OrgLink.kind == INVITE,
            OrgLink.used_at.is_(None),
            OrgLink.withdrawn_at.is_(None),
            OrgLink.expires_at > utcnow(),
        )
        .order_by(OrgLink.id.desc())
    ).all()
