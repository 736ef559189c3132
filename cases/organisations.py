"""Organisations as staff read them: the list to work through, and everything about one of them.

Who may read and decide is in cases/access.py (may_see_organisation); what may be decided
and how, in tipline/organisations/service.py; how much their word weighs, in trust.py.
"""

import unicodedata
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from cases.access import visible_regions
from cases.audit import AuditEntry
from cases.audit_words import AuditReader
from cases.models import Case
from tipline import catalog
from tipline.extensions import db
from tipline.organisations import credit_code as codes
from tipline.organisations.models import PENDING, Organisation
from tipline.organisations.service import DECISION_KINDS, decisions_open
from tipline.organisations.trust import RECORD_DAYS, RECORD_MIN, carries_weight, track_record
from tipline.platforms.models import like_pattern
from tipline.reports.models import Tip
from tipline.web import parse_row_id

PAGE_SIZE = 50
RECENT_TIPS = 20
WAITING, UNCONFIRMED, ALL = "waiting", "unconfirmed", "all"
# The status filter: what waits for staff first (pending, address confirmed), then each status.
# Pending organisations whose address is not confirmed yet cannot be verified (service.decisions_open).
STATUS_FILTERS = {
    WAITING: _l("Waiting for you"),
    UNCONFIRMED: _l("Address not confirmed yet"),
    **{code: label for code, label in catalog.ORGANISATION_STATUSES.items() if code != PENDING},
    ALL: _l("All"),
}
# Lists of work are read oldest first (who has waited longest); the others newest first.
OLDEST_FIRST = {WAITING, UNCONFIRMED}
# The audit kinds that change where an organisation stands: its status history.
STATUS_KINDS = ("organisation.create", "organisation.email_confirmed", *DECISION_KINDS.values())
FILTER_LABELS = {
    "status": _l("Status"),
    "kind": _l("Kind of organisation"),
    "q": _l("Name or credit code"),
    "after": _l("Page"),
}


@dataclass
class OrganisationFilters:
    status: str = WAITING
    kind: str = ""
    q: str = ""
    after: int | None = None  # the page: organisations after this one in the list's order

    def as_args(self):
        """The filters as a query string gives them (the page left out)."""
        values = {"status": self.status if self.status != WAITING else "", "kind": self.kind, "q": self.q}
        return {name: value for name, value in values.items() if value}


@dataclass
class FilterInput:
    typed: dict
    filters: OrganisationFilters
    errors: dict = field(default_factory=dict)  # field name -> message


def parse_filters(args):
    """The filters of a query string (request.args), with what is wrong in them in the page's language."""
    typed = {name: (args.get(name) or "").strip() for name in FILTER_LABELS}
    filters, errors = OrganisationFilters(), {}
    if typed["status"]:
        if typed["status"] in STATUS_FILTERS:
            filters.status = typed["status"]
        else:
            errors["status"] = _("Choose a status from the list.")
    if typed["kind"]:
        if typed["kind"] in catalog.ORGANISATION_TYPES:
            filters.kind = typed["kind"]
        else:
            errors["kind"] = _("Choose a kind from the list.")
    if len(typed["q"]) > 100:
        errors["q"] = _("Search for at most 100 characters.")
    elif any(unicodedata.category(ch) == "Cc" for ch in typed["q"]):
        errors["q"] = _("The text contains control characters that are not allowed.")
    else:
        filters.q = typed["q"]
    if typed["after"]:
        filters.after = parse_row_id(typed["after"])
        if filters.after is None:
            errors["after"] = _("That page does not exist.")
    typed = {name: value[:100] for name, value in typed.items() if name != "after"}
    return FilterInput(typed=typed, filters=filters, errors=errors)


def visible_organisations(user):
    """A SELECT of the organisations in the user's regions (who may read them at all: cases/access.py)."""
    return select(Organisation).where(Organisation.region_code.in_(visible_regions(user)))


def _matching(query, filters):
    if filters.status == WAITING:
        query = query.where(Organisation.status == PENDING, Organisation.email_confirmed_at.is_not(None))
    elif filters.status == UNCONFIRMED:
        query = query.where(Organisation.status == PENDING, Organisation.email_confirmed_at.is_(None))
    elif filters.status != ALL:
        query = query.where(Organisation.status == filters.status)
    if filters.kind:
        query = query.where(Organisation.kind == filters.kind)
    if filters.q:
        by_name = func.lower(Organisation.name).like(like_pattern(filters.q.lower()), escape="\\")
        code = codes.normalise(filters.q)
        by_code = Organisation.credit_code.like(like_pattern(code), escape="\\") if code else None
        query = query.where(or_(by_name, by_code) if by_code is not None else by_name)
    return query


@dataclass
class OrganisationRow:
    organisation: Organisation
    tips: int  # tips filed for it


@dataclass
class OrganisationPage:
    rows: list  # OrganisationRow
    after: int | None  # the `after` of the next page, or None on the last


def organisation_page(user, filters):
    """One page of the user's organisations that match the filters, each with its number of tips."""
    tips = select(func.count(Tip.id)).where(Tip.organisation_id == Organisation.id).scalar_subquery()
    query = _matching(visible_organisations(user), filters).add_columns(tips)
    if filters.status in OLDEST_FIRST:
        query = query.order_by(Organisation.id)
        if filters.after is not None:
            query = query.where(Organisation.id > filters.after)
    else:
        query = query.order_by(Organisation.id.desc())
        if filters.after is not None:
            query = query.where(Organisation.id < filters.after)
    query = query.options(selectinload(Organisation.region)).limit(PAGE_SIZE + 1)
    rows = [OrganisationRow(organisation, count) for organisation, count in db.session.execute(query)]
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return OrganisationPage(rows, rows[-1].organisation.id if more else None)


def waiting_count(user):
    """How many organisations in the user's regions wait for a decision (pending, address confirmed)."""
    query = _matching(visible_organisations(user), OrganisationFilters(status=WAITING))
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


# --- one organisation ----------------------------------------------------------------------------


def proof_owner(evidence):
    """The organisation whose proof document this evidence is, or None (a tip's evidence)."""
    if evidence is None or evidence.tip_id is not None:
        return None
    return db.session.scalar(select(Organisation).where(Organisation.proof_evidence_id == evidence.id))


def weight_rule():
    """The rule of tipline/organisations/trust.py in words, with its own numbers."""
    return _(
        "A verified organisation's reports raise the priority of their cases. Of its reports whose cases "
        "closed in the last %(days)d days, when at least %(min)d closed and more than half of them were "
        "unfounded, its reports carry no extra weight until founded ones are at least half again. "
        "Organisations waiting for verification, refused or suspended never carry it.",
        days=RECORD_DAYS,
        min=RECORD_MIN,
    )


def weight_now(organisation, record):
    """Whether the organisation's reports raise their cases' priority now, and why, in words."""
    if not organisation.is_verified:
        return _("Its reports do not raise the priority of their cases: it is not verified.")
    if record.mostly_unfounded:
        return _(
            "Its reports do not raise the priority of their cases: most of its recent closed reports were unfounded."
        )
    return _("Its reports raise the priority of their cases.")


@dataclass
class OrganisationFile:
    """Everything staff read about one organisation."""

    organisation: Organisation
    record: object  # trust.TrackRecord of the last RECORD_DAYS days: the one that decides
    record_ever: object  # trust.TrackRecord since it registered
    weighs: bool
    weight_text: str
    rule_text: str
    tips: list  # its most recent tips in cases the reader may open, newest first
    tips_total: int
    tips_elsewhere: int  # its tips the reader cannot open here (other regions' cases, or set aside)
    history: list  # audit_words.EntryInWords, oldest first
    decisions: list  # the decisions open now
    record_days: int = RECORD_DAYS


def organisation_file(user, organisation):
    """What the organisation page shows to this reader (who may see it: checked by the caller)."""
    record = track_record(organisation.id)
    mine = Tip.organisation_id == organisation.id
    # can_see_case, as a query: the case lies in the reader's regions.
    openable = Tip.case_id.in_(select(Case.id).where(Case.region_code.in_(visible_regions(user))))
    tips = db.session.scalars(
        select(Tip).where(mine, openable).order_by(Tip.id.desc()).limit(RECENT_TIPS).options(selectinload(Tip.case))
    ).all()
    total = db.session.scalar(select(func.count(Tip.id)).where(mine))
    shown_total = db.session.scalar(select(func.count(Tip.id)).where(mine, openable))
    entries = db.session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.target_type == "organisation",
            AuditEntry.target_id == organisation.id,
            AuditEntry.action.in_(STATUS_KINDS),
        )
        .order_by(AuditEntry.id)
    ).all()
    return OrganisationFile(
        organisation=organisation,
        record=record,
        record_ever=track_record(organisation.id, days=None),
        weighs=carries_weight(organisation.id),
        weight_text=weight_now(organisation, record),
        rule_text=weight_rule(),
        tips=tips,
        tips_total=total,
        tips_elsewhere=total - shown_total,
        history=AuditReader(user).read_all(entries),
        decisions=decisions_open(organisation),
    )
