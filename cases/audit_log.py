"""Reading the audit log: who may read which entries, the filters, a page of entries, and the CSV export.

A member of staff reads the entries about what lies in their own region and the
regions below it (AuditEntry.region_code, fixed when the act was done), wherever
the actor works now. Supervisors and administrators read the log; the views say so.
"""

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import format_number, get_timezone, to_user_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, or_, select

from cases.access import visible_regions
from cases.accounts.models import StaffUser
from cases.audit import AuditEntry, audit
from cases.audit_words import KINDS, AuditReader
from tipline.extensions import db
from tipline.spreadsheet import safe_cell
from tipline.timeutil import local_to_utc, typed_day
from tipline.web import parse_row_id

PAGE_SIZE = 100
EXPORT_CAP = 50_000  # rows in one CSV file, which is built in memory at once; past it, narrow the filters
SYSTEM = "system"  # the person filter's value for what the system did by itself
# Typed dates outside these are refused: the log holds nothing older, and the zone arithmetic stays in range.

FILTER_LABELS = {
    "person": _l("Person"),
    "case": _l("Case number"),
    "kind": _l("Kind"),
    "date_from": _l("From (date)"),
    "date_to": _l("To (date)"),
    "before": _l("Page"),
}


@dataclass
class AuditFilters:
    """What the reader asked for: each filter None when not given."""

    person: int | str | None = None  # a staff account's id, or SYSTEM
    case: int | None = None
    kind: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    before: int | None = None  # the page: entries older than this one

    def as_args(self):
        """The filters as the query string gives them (the page left out)."""
        values = {
            "person": self.person,
            "case": self.case,
            "kind": self.kind,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
        }
        return {name: str(value) for name, value in values.items() if value is not None}

    def as_detail(self):
        """The filters as an audit entry keeps them (an account's and a case's numbers as numbers)."""
        return {
            name: getattr(self, name) if name in ("person", "case") else value for name, value in self.as_args().items()
        }


@dataclass
class FilterInput:
    """The query string as typed, with what is wrong in it, field by field."""

    typed: dict
    filters: AuditFilters
    errors: dict = field(default_factory=dict)  # field name -> message


def readable_entries(viewer):
    """A SELECT of the audit entries this member of staff may read."""
    return select(AuditEntry).where(AuditEntry.region_code.in_(visible_regions(viewer)))


def people_in_log(viewer):
    """The staff whose acts the viewer may read in the log, by name."""
    acted = exists().where(AuditEntry.actor_id == StaffUser.id, AuditEntry.region_code.in_(visible_regions(viewer)))
    people = db.session.scalars(select(StaffUser).where(acted)).all()
    return sorted(people, key=lambda user: (user.display_name.lower(), user.id))


def _case_number(text):
    """A case number typed as "12", "#12" or in full-width digits, or ValueError."""
    number = parse_row_id(unicodedata.normalize("NFKC", text).strip().removeprefix("#"))
    if number is None:
        raise ValueError(_("Give a case number in digits, like 12."))
    return number


def parse_filters(args, people):
    """The filters of a query string (request.args); `people` are the accounts the person filter offers."""
    typed = {name: (args.get(name) or "").strip()[:100] for name in FILTER_LABELS}
    filters, errors = AuditFilters(), {}
    if typed["person"]:
        offered = {str(user.id): user.id for user in people}
        if typed["person"] == SYSTEM:
            filters.person = SYSTEM
        elif typed["person"] in offered:
            filters.person = offered[typed["person"]]
        else:
            errors["person"] = _("Choose a person from the list.")
    if typed["case"]:
        try:
            filters.case = _case_number(typed["case"])
        except ValueError as exc:
            errors["case"] = str(exc)
    if typed["kind"]:
        if typed["kind"] in KINDS:
            filters.kind = typed["kind"]
        else:
            errors["kind"] = _("Choose a kind from the list.")
    for name in ("date_from", "date_to"):
        if typed[name]:
            try:
                setattr(filters, name, typed_day(typed[name]))
            except ValueError as exc:
                errors[name] = str(exc)
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        errors["date_to"] = _("The end date is before the start date.")
    if typed["before"]:
        filters.before = parse_row_id(typed["before"])
        if filters.before is None:
            errors["before"] = _("That page does not exist.")
    return FilterInput(typed={k: v for k, v in typed.items() if k != "before"}, filters=filters, errors=errors)


def _about_case(case_id):
    """Entries whose target is the case or belongs to it now: its reports, their evidence, its actions."""
    from cases.actions.models import Action
    from tipline.evidence.models import Evidence
    from tipline.reports.models import Tip

    tips = select(Tip.id).where(Tip.case_id == case_id)
    files = select(Evidence.id).join(Tip, Evidence.tip_id == Tip.id).where(Tip.case_id == case_id)
    actions = select(Action.id).where(Action.case_id == case_id)
    return or_(
        and_(AuditEntry.target_type == "case", AuditEntry.target_id == case_id),
        and_(AuditEntry.target_type == "tip", AuditEntry.target_id.in_(tips)),
        and_(AuditEntry.target_type == "evidence", AuditEntry.target_id.in_(files)),
        and_(AuditEntry.target_type == "action", AuditEntry.target_id.in_(actions)),
    )


def filtered_entries(viewer, filters):
    """A SELECT of the entries the viewer may read that match the filters, newest first."""
    query = readable_entries(viewer)
    if filters.person == SYSTEM:
        query = query.where(AuditEntry.actor_id.is_(None))
    elif filters.person is not None:
        query = query.where(AuditEntry.actor_id == filters.person)
    if filters.case is not None:
        query = query.where(_about_case(filters.case))
    if filters.kind is not None:
        query = query.where(AuditEntry.action == filters.kind)
    # Whole days of the page's time zone, both ends included.
    if filters.date_from is not None:
        query = query.where(AuditEntry.created_at >= local_to_utc(datetime.combine(filters.date_from, time.min)))
    if filters.date_to is not None:
        end = datetime.combine(filters.date_to + timedelta(days=1), time.min)
        query = query.where(AuditEntry.created_at < local_to_utc(end))
    return query.order_by(AuditEntry.id.desc())


@dataclass
class AuditPage:
    entries: list  # EntryInWords
    older: int | None  # the `before` of the next page, or None on the last


def audit_page(viewer, filters):
    """One page of the entries, newest first, in words."""
    query = filtered_entries(viewer, filters)
    if filters.before is not None:
        query = query.where(AuditEntry.id < filters.before)
    rows = db.session.scalars(query.limit(PAGE_SIZE + 1)).all()
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return AuditPage(AuditReader(viewer).read_all(rows), rows[-1].id if more else None)


def zone_name():
    """The time zone the page shows times in, and the CSV file too (an IANA name, like Asia/Shanghai)."""
    return get_timezone().zone


def csv_header():
    return [
        _("Time (%(zone)s)", zone=zone_name()),
        _("Person"),
        _("Department"),
        _("What"),
        _("Case"),
        _("Target"),
        _("Details"),
        _("IP address"),
    ]


def _csv_row(entry):
    return [
        to_user_timezone(entry.created_at).strftime("%Y-%m-%d %H:%M:%S"),
        entry.person,
        entry.department,
        entry.what,
        f"#{entry.case_id}" if entry.case_id else "",
        entry.target,
        entry.details,
        entry.address,
    ]


@dataclass
class AuditExport:
    body: bytes  # UTF-8 with a byte-order mark, so that Excel reads the Chinese
    rows: int
    truncated: bool  # more entries matched than EXPORT_CAP


def export_audit_log(viewer, filters, cap=EXPORT_CAP):
    """The filtered entries as a CSV file in words (the newest `cap`), and an audit row saying so.

    Adds the row to the caller's transaction; the caller commits.
    """
    query = filtered_entries(viewer, filters)
    reader = AuditReader(viewer)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(cell) for cell in csv_header()])
    count, last, truncated = 0, None, False
    while count < cap:
        batch_size = min(2000, cap - count)
        page = query.where(AuditEntry.id < last) if last is not None else query
        rows = db.session.scalars(page.limit(batch_size)).all()
        for entry in reader.read_all(rows):
            writer.writerow([safe_cell(cell) for cell in _csv_row(entry)])
        count += len(rows)
        if len(rows) < batch_size:
            break
        last = rows[-1].id
    else:
        more = query.where(AuditEntry.id < last).with_only_columns(AuditEntry.id).limit(1)
        truncated = db.session.scalars(more).first() is not None
    if truncated:
        writer.writerow(
            [
                safe_cell(
                    _(
                        "More entries match than one file holds: these are the newest %(cap)s. "
                        "Narrow the dates to export the rest.",
                        cap=format_number(cap),
                    )
                )
            ]
        )
    audit(
        viewer,
        "audit.export",
        "region",
        int(viewer.region_code),
        filters=filters.as_detail(),
        rows=count,
        truncated=truncated,
    )
    return AuditExport(("\ufeff" + out.getvalue()).encode("utf-8"), count, truncated)
