"""Taking in tips and what reporters add to them. Plain functions: no request, no commit."""

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from cases.junk import screen_tip
from cases.operations import file_tip, reporter_added
from tipline.crypto import derived_key, encrypt_contact
from tipline.evidence.intake import keep_evidence
from tipline.extensions import db
from tipline.jobs.outbox import record_job
from tipline.platforms.links import link_key, links_in, site_of
from tipline.platforms.service import resolve_platform
from tipline.reports.client_keys import day_key
from tipline.reports.models import Tip, TipEvent
from tipline.reports.receipt import MalformedReceiptCode, new_receipt_code, receipt_digest
from tipline.timeutil import utcnow

# Kinds of entry in a tip's public history.
SUBMITTED = "submitted"
INFO_ADDED = "info_added"


@dataclass
class TipSubmission:
    """What a reporter sends, already validated by the form."""

    platform_name: str
    category: str
    location: str
    description: str
    reporter_type: str
    locale: str
    client: str
    platform_id: int | None = None
    url: str = ""
    seen_at: datetime | None = None
    contact: dict = field(default_factory=dict)
    organisation_id: int | None = None  # filed by a signed-in member of an organisation
    org_member_id: int | None = None


def client_digest(client, day=None):
    """A keyed hash of a client address, under a random key of the day (UTC).

    Enough to spot floods and count independent reporters within a day. The key is
    random, not derived from SECRET_KEY, and is kept in Redis or the database for
    its day only: while it lasts, whoever holds it could test guessed addresses;
    once it is destroyed (Redis expiry, or the purge of past days' rows) no one,
    with or without the database and the settings, can find the address again.
    """
    key = day_key(day or utcnow().date())
    return hmac.new(key, client.encode(), hashlib.sha256).hexdigest()


def submit_tip(submission, clean_files):
    """Record a new tip with its evidence; returns (tip, receipt_code).

    The receipt code is returned once and never stored; only its keyed hash is.
    Evidence checks are recorded as jobs in the same transaction.
    """
    code = new_receipt_code()
    link = tip_link(submission.url, submission.description)
    platform = resolve_platform(submission.platform_id, submission.platform_name, link)
    tip = Tip(
        receipt_digest=receipt_digest(derived_key("receipt"), code),
        platform=platform,
        # Set now, not at the flush: finding the tip's case reads it before the tip is written.
        platform_id=platform.id if platform is not None else None,
        platform_name=submission.platform_name,
        category=submission.category,
        location=submission.location,
        description=submission.description,
        url=submission.url,
        link_key=link,
        site=site_of(link),
        seen_at=submission.seen_at,
        reporter_type=submission.reporter_type,
        organisation_id=submission.organisation_id,
        org_member_id=submission.org_member_id,
        contact_encrypted=encrypt_contact(submission.contact),
        locale=submission.locale,
        client_digest=client_digest(submission.client),
    )
    db.session.add(tip)
    event = TipEvent(tip=tip, kind=SUBMITTED)
    db.session.add(event)
    if clean_files:
        db.session.flush()
        _attach(tip, event, clean_files)
    # Without files the tip is written once, together with the case it joins.
    take_in(tip)
    return tip, code


def tip_link(url, description):
    """The key of a tip's link: its URL field, else the first address in its text that is one (or None)."""
    for written in [url, *links_in(description)]:
        key = link_key(written)
        if key:
            return key
    return None


def take_in(tip):
    """Set likely junk aside for a person to look at; find everything else together with its case."""
    reasons = screen_tip(tip)
    if reasons:
        tip.junk_status = "suspected"
        tip.junk_reasons = reasons
    else:
        file_tip(tip)


def add_to_tip(tip, text, clean_files, organisation=None):
    """Append information and/or evidence to a tip (from its reporter, or an `organisation` following it)."""
    event = TipEvent(tip=tip, kind=INFO_ADDED, body=text or "", organisation=organisation)
    db.session.add(event)
    db.session.flush()
    _attach(tip, event, clean_files)
    reporter_added(tip, event)
    return event


def _attach(tip, event, clean_files):
    for clean in clean_files:
        evidence = keep_evidence(tip, event, clean)
        db.session.add(evidence)
        db.session.flush()
        record_job("evidence.check", evidence_id=evidence.id)


def find_tip(code):
    """The tip a receipt code opens, or None. Raises MalformedReceiptCode before any look-up."""
    return find_tip_by_digest(receipt_digest(derived_key("receipt"), code))


def find_tip_by_digest(digest):
    """The tip stored under a receipt digest, or None."""
    return db.session.scalars(select(Tip).where(Tip.receipt_digest == digest)).first()


__all__ = ["MalformedReceiptCode", "TipSubmission", "submit_tip", "add_to_tip", "find_tip"]
