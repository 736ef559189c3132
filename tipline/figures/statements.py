"""Statements of reasons: every approved action (and lifting) in the documented format, internal or public.

The format is written down in docs/statements-of-reasons.md and, as a JSON Schema, in
docs/statement-of-reasons.schema.json; tests/tipline/test_statements.py validates what
this module writes against that file. Modelled on the statements of reasons of the EU
DSA transparency database. The public version is the internal one without its
"internal" object: the facts relied on, the approval note, the case and the staff stay in.
"""

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from cases.actions import rules
from cases.actions.models import Action
from cases.models import Case
from tipline import catalog
from tipline.extensions import db
from tipline.platforms.models import Platform
from tipline.regions.models import Region
from tipline.regions.service import subtree_codes
from tipline.reports.models import Tip
from tipline.spreadsheet import safe_cell
from tipline.timeutil import FIRST_DAY, LAST_DAY, app_today, day_start, typed_day

SCHEMA_VERSION = "1.0"
STATEMENT_PREFIX = "TIPLINE-SOR-"
NATIONAL = "100000"
CHUNK = 500  # actions read per round trip while streaming
PUBLIC, INTERNAL = "public", "internal"
LANGUAGES = {"zh": "zh_Hans", "en": "en"}
FORMATS = ("jsonl", "csv")
MEDIA_TYPES = {"jsonl": "application/jsonl; charset=utf-8", "csv": "text/csv; charset=utf-8"}

# What each action type restricts, in the terms of the DSA transparency database: the platform's
# visibility (its decision_visibility), the provision of its service (decision_provision), or
# another measure. Exactly one of the three per type; a lifting ends the restriction of its type.
MEASURES = {
    rules.INTERVIEW: (None, None, "formal_warning"),
    rules.RECTIFICATION: (None, None, "rectification_order"),
    rules.SUSPEND_UPDATES: (None, "partial_suspension", None),
    rules.TEMPORARY_OFFLINE: (None, "total_suspension", None),
    rules.DELISTING: ("delisted", None, None),
    rules.REMOVE_WHITE: ("removed_from_white_list", None, None),
    rules.BLACKLIST: ("placed_on_black_list", None, None),
    rules.REFERRAL: (None, None, "referral_for_penalty"),
}

# Where a problem came to the departments' notice (docs/statements-of-reasons.md: detection.source).
PUBLIC_TIP, ORGANISATION, INSPECTION = "public_tip", "organisation", "inspection"

# The columns of the CSV version: the statement's fields flattened, nested names joined by dots.
CSV_COLUMNS = (
    "statement_id",
    "schema_version",
    "visibility",
    "decision.kind",
    "decision.action_type",
    "decision.label.zh",
    "decision.label.en",
    "decision.lifts_statement_id",
    "decision.visibility_restriction",
    "decision.service_restriction",
    "decision.other_measure",
    "decision.enforcement_status",
    "decision.state",
    "decision.end_reason",
    "ground.type",
    "ground.legal_basis",
    "ground.category",
    "ground.category_label.zh",
    "ground.category_label.en",
    "public_reason",
    "dates.decision_date",
    "dates.decided_at",
    "dates.application_date",
    "dates.rectification_deadline",
    "dates.end_date",
    "territorial_scope.region_code",
    "territorial_scope.region_name.zh",
    "territorial_scope.region_name.en",
    "territorial_scope.national",
    "detection.source",
    "detection.sources",
    "detection.automated_detection",
    "detection.automated_decision",
    "authority.department",
    "authority.label.zh",
    "authority.label.en",
    "platform.id",
    "platform.name",
    "platform.name_en",
    "platform.operator",
    "platform.region_code",
    "platform.addresses",
    "platform.filing_status",
    "platform.filing_number",
    "internal.case_id",
    "internal.decision_facts",
    "internal.decision_reason",
    "internal.proposed_at",
    "internal.proposed_by_id",
    "internal.decided_by_id",
    "internal.case_lead_department",
    "internal.case_co_department",
    "internal.reports.total",
    "internal.reports.from_organisations",
    "internal.reports.first_report_date",
)
PUBLIC_CSV_COLUMNS = tuple(name for name in CSV_COLUMNS if not name.startswith("internal."))


def statement_id(action_id):
    """The statement's stable id: one action, one statement, never reused."""
    return f"{STATEMENT_PREFIX}{action_id}"


def _stamp(moment):
    """A naive UTC time as RFC 3339 with a Z, to the second."""
    return moment.replace(microsecond=0).isoformat() + "Z" if moment else None


def _day(value):
    return value.isoformat() if value else None


def _beijing_day(moment):
    """The Beijing calendar day of a naive UTC time, as YYYY-MM-DD."""
    return app_today(moment).isoformat() if moment else None


def _bilingual(table):
    """{code: {"zh": ..., "en": ...}} for a table of lazy labels."""
    out = {}
    for language, locale in LANGUAGES.items():
        with force_locale(locale):
            for code, label in table.items():
                out.setdefault(code, {})[language] = str(label)
    return out


def _lifting_labels():
    out = {}
    for language, locale in LANGUAGES.items():
        with force_locale(locale):
            for code, label in rules.ACTION_TYPES.items():
                out.setdefault(code, {})[language] = _("Lifting of: %(type)s", type=str(label))
    return out


@dataclass
class Reports:
    """What a case's reports say about how the problem was found (never who sent them)."""

    total: int = 0
    from_organisations: int = 0
    first_at: datetime | None = None

    @property
    def sources(self):
        found = []
        if self.total > self.from_organisations:
            found.append(PUBLIC_TIP)
        if self.from_organisations:
            found.append(ORGANISATION)
        return found or [INSPECTION]

    @property
    def source(self):
        """The weightiest source: an organisation's report, else the public's; with no report, an inspection."""
        if self.from_organisations:
            return ORGANISATION
        return PUBLIC_TIP if self.total else INSPECTION


def _reporting_case_id(case):
    """The case whose reports led to the action: the case, or where its reports went when it was merged."""
    for _hop in range(10):  # a merge chain is short; a cycle must not hang an export
        if case.merged_into_id is None or case.merged_into is None:
            break
        case = case.merged_into
    return case.id


@dataclass
class StatementBuilder:
    """Turns actions into statements, loading what they name a chunk at a time."""

    public: bool = False
    labels: dict = field(default_factory=dict)
    regions: dict = field(default_factory=dict)
    reports: dict = field(default_factory=dict)  # reporting case id -> Reports

    def __post_init__(self):
        self.labels = {
            "action": _bilingual(rules.ACTION_TYPES),
            "lifting": _lifting_labels(),
            "category": _bilingual(catalog.CATEGORIES),
            "department": _bilingual(catalog.DEPARTMENTS),
        }

    def load(self, actions):
        """Fetch the report counts and regions of a chunk of actions in a few queries."""
        wanted = {_reporting_case_id(action.case) for action in actions} - set(self.reports)
        if wanted:
            rows = db.session.execute(
                select(Tip.case_id, func.count(Tip.id), func.count(Tip.organisation_id), func.min(Tip.created_at))
                .where(Tip.case_id.in_(sorted(wanted)))
                .group_by(Tip.case_id)
            ).all()
            self.reports.update({case_id: Reports() for case_id in wanted})
            self.reports.update({row[0]: Reports(row[1], row[2], row[3]) for row in rows})
        codes = {action.case.region_code for action in actions} - set(self.regions)
        if codes:
            found = db.session.scalars(select(Region).where(Region.code.in_(sorted(codes))))
            self.regions.update({region.code: {"zh": region.name_zh, "en": region.name_en} for region in found})

    def _label(self, table, code):
        return dict(self.labels[table].get(code) or {"zh": code or "", "en": code or ""})

    def build(self, action):
        """The statement of one approved action, as a dict in the documented format."""
        self.load([action])
        case, platform = action.case, action.platform
        reports = self.reports[_reporting_case_id(case)]
        visible, provision, other = MEASURES.get(action.type, (None, None, None))
        filing = platform.filing
        statement = {
            "statement_id": statement_id(action.id),
            "schema_version": SCHEMA_VERSION,
            "visibility": PUBLIC if self.public else INTERNAL,
            "decision": {
                "kind": "lifting" if action.is_lift else "measure",
                "action_type": action.type,
                "label": self._label("lifting" if action.is_lift else "action", action.type),
                "lifts_statement_id": statement_id(action.lifts_id) if action.is_lift else None,
                "visibility_restriction": visible,
                "service_restriction": provision,
                "other_measure": other,
                "enforcement_status": rules.STATUS_EFFECT.get(action.type),
                "state": action.state,
                "end_reason": action.end_reason or None,
            },
            "ground": {
                "type": "illegal_or_non_compliant",
                "legal_basis": action.legal_basis,
                "category": case.category,
                "category_label": self._label("category", case.category),
            },
            "public_reason": action.public_reason or "",
            "dates": {
                "decision_date": _beijing_day(action.decided_at),
                "decided_at": _stamp(action.decided_at),
                "application_date": _day(action.starts_on),
                "rectification_deadline": _day(action.deadline_on),
                "end_date": _beijing_day(action.ended_at),
            },
            "territorial_scope": {
                "region_code": case.region_code,
                "region_name": dict(self.regions.get(case.region_code) or {"zh": "", "en": ""}),
                "national": case.region_code == NATIONAL,
            },
            "detection": {
                "source": reports.source,
                "sources": reports.sources,
                # People report and inspect, and a supervisor approves every action: no machine
                # detects a problem or decides a measure (the junk filter only sets tips aside for a person).
                "automated_detection": "no",
                "automated_decision": "no",
            },
            "authority": {"department": action.department, "label": self._label("department", action.department)},
            "platform": {
                "id": platform.id,
                "name": platform.name,
                "name_en": platform.name_en or "",
                "operator": platform.operator or "",
                "region_code": platform.region_code,
                "addresses": [str(address) for address in platform.addresses or []],
                "filing_status": filing.status if filing else "unfiled",
                "filing_number": filing.filing_number if filing else "",
            },
        }
        if not self.public:
            statement["internal"] = {
                "case_id": case.id,
                "decision_facts": action.details or "",
                "decision_reason": action.decision_reason or "",
                "proposed_at": _stamp(action.proposed_at),
                "proposed_by_id": action.proposed_by_id,
                "decided_by_id": action.decided_by_id,
                "case_lead_department": case.lead_department,
                "case_co_department": case.co_department,
                "reports": {
                    "total": reports.total,
                    "from_organisations": reports.from_organisations,
                    "first_report_date": _beijing_day(reports.first_at),
                },
            }
        return statement


def is_approved(action):
    """Whether an action has a statement: approved (in force, or ended since), never proposed or rejected."""
    return action.state in (rules.IN_FORCE, rules.ENDED) and action.decided_at is not None


def statement_of(action, public=False):
    """The statement of reasons of one approved action (a dict); ValueError for a proposed or rejected one."""
    if not is_approved(action):
        raise ValueError(f"action #{action.id} is not approved: it has no statement of reasons")
    return StatementBuilder(public=public).build(action)


def approved_actions(since=None, until=None, region_code=None):
    """A SELECT of the approved actions decided from `since` to `until` (Beijing days, both included),
    in cases of `region_code`'s region tree when given, in decision order."""
    query = select(Action).where(Action.state.in_((rules.IN_FORCE, rules.ENDED)), Action.decided_at.is_not(None))
    if since is not None:
        query = query.where(Action.decided_at >= day_start(since))
    if until is not None:
        query = query.where(Action.decided_at < day_start(until + timedelta(days=1)))
    if region_code is not None:
        query = query.join(Case, Action.case_id == Case.id).where(Case.region_code.in_(subtree_codes(region_code)))
    return query.order_by(Action.decided_at, Action.id)


def count_statements(since=None, until=None, region_code=None):
    """How many statements statements_between would give."""
    query = approved_actions(since, until, region_code).order_by(None)
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


def statements_between(since, until=None, public=False, region_code=None):
    """The statements of the actions approved from `since` to `until` (Beijing days, both included; None:
    no bound), in decision order, read CHUNK actions at a time so that a year of them streams."""
    builder = StatementBuilder(public=public)
    query = approved_actions(since, until, region_code).options(
        selectinload(Action.case), selectinload(Action.platform).selectinload(Platform.filing)
    )
    result = db.session.scalars(query.execution_options(yield_per=CHUNK))
    try:
        for chunk in result.partitions():
            builder.load(chunk)
            for action in chunk:
                yield builder.build(action)
    finally:
        result.close()


# --- files ------------------------------------------------------------------------------------


def jsonl_lines(statements):
    """Each statement as one line of JSON (UTF-8 bytes, the Chinese as it is)."""
    for statement in statements:
        yield (json.dumps(statement, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def flatten(statement, prefix=""):
    """A statement as CSV cells: nested names joined by dots, lists by spaces, true/false, None as ""."""
    cells = {}
    for key, value in statement.items():
        name = prefix + key
        if isinstance(value, dict):
            cells.update(flatten(value, name + "."))
        elif isinstance(value, list):
            cells[name] = " ".join(str(item) for item in value)
        elif isinstance(value, bool):
            cells[name] = "true" if value else "false"
        else:
            cells[name] = "" if value is None else value
    return cells


def csv_lines(statements, public=False):
    """The statements as a CSV file, a row at a time: UTF-8 with a byte-order mark (Excel reads the
    Chinese), the header first, and no cell a spreadsheet would run (tipline/spreadsheet.py)."""
    columns = PUBLIC_CSV_COLUMNS if public else CSV_COLUMNS
    out = io.StringIO()
    writer = csv.writer(out)

    def row(cells):
        out.seek(0)
        out.truncate()
        writer.writerow([safe_cell(cell) for cell in cells])
        return out.getvalue().encode("utf-8")

    yield "\ufeff".encode() + row(columns)
    for statement in statements:
        cells = flatten(statement)
        yield row(cells.get(name, "") for name in columns)


def write_jsonl(statements, file):
    """Write the statements as JSON Lines to a binary file; returns how many."""
    count = 0
    for line in jsonl_lines(statements):
        file.write(line)
        count += 1
    return count


def write_csv(statements, file, public=False):
    """Write the statements as CSV to a binary file (the public columns when `public`); returns how many."""
    count = -1  # the header is no statement
    for line in csv_lines(statements, public=public):
        file.write(line)
        count += 1
    return count


def export_lines(statements, file_format, public=False):
    """The file's bytes, a line at a time, in "jsonl" or "csv"."""
    return jsonl_lines(statements) if file_format == "jsonl" else csv_lines(statements, public=public)


def export_file(file_format, since, until, public=False, region_code=None):
    """The whole file's bytes, made in the request's own session.

    Not streamed: a body sent after the view returned would hold a database transaction open for
    as long as the reader takes (or forever, for a response nobody reads). Statements are read in
    chunks (yield_per), so only the file itself is held in memory.
    """
    statements = statements_between(since, until, public=public, region_code=region_code)
    return b"".join(
        line if isinstance(line, bytes) else line.encode("utf-8")
        for line in export_lines(statements, file_format, public=public)
    )


# --- the period asked for -----------------------------------------------------------------------


def year_before(day):
    """The same calendar day a year earlier (28 February for a 29th)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def default_period(today=None):
    """The last 12 months, today included: (since, until)."""
    today = today or app_today()
    return year_before(today) + timedelta(days=1), today


@dataclass
class PeriodInput:
    """The period as typed (since, until), the days it gives, and what is wrong, field by field."""

    typed: dict
    since: date | None = None
    until: date | None = None
    errors: dict = field(default_factory=dict)


def parse_period(args, today=None):
    """The since/until of a query string (Beijing days); the last 12 months for what is not given."""
    typed = {name: (args.get(name) or "").strip()[:100] for name in ("since", "until")}
    default_since, default_until = default_period(today)
    given = PeriodInput(typed=typed, since=default_since, until=default_until)
    for name in ("since", "until"):
        if typed[name]:
            try:
                setattr(given, name, typed_day(typed[name]))
            except ValueError as exc:
                given.errors[name] = str(exc)
    if not given.errors and given.since > given.until:
        given.errors["until"] = _("The end date is before the start date.")
    return given


def in_range(day):
    """Whether a day lies where dates are accepted (tipline/timeutil.py FIRST_DAY to LAST_DAY)."""
    return FIRST_DAY <= day <= LAST_DAY


def file_name(since, until, file_format, public=False):
    """The download's name: statements-of-reasons[-public]-SINCE-UNTIL.jsonl|csv."""
    kind = "-public" if public else ""
    return f"statements-of-reasons{kind}-{since.isoformat()}-{until.isoformat()}.{file_format}"
