"""Batches: an organisation's CSV file of tips, checked whole before anything is imported, then imported by a job.

Every line passes the public report form's own checks (tipline/reports/forms.py) and goes in
through submit_tip, so intake treats a batch's tips like any other: platform resolution, case
finding, junk rules. One bad line refuses the whole file, with every problem and its line.
"""

import codecs
import csv
import hashlib
import io
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from tipline import catalog
from tipline.extensions import db
from tipline.jobs.outbox import record_job
from tipline.jobs.registry import job
from tipline.organisations.models import DONE, FAILED, FILED, QUEUED, RUNNING, Organisation, OrgBatch, OrgMember, OrgTip
from tipline.organisations.service import can_act
from tipline.reports import rules
from tipline.timeutil import local_to_utc, utcnow

IMPORT_JOB = "org.batch_import"
MAX_FILE_BYTES = 2 * 1024 * 1024
CHUNK = 50  # lines imported per transaction: the progress the page shows moves by this much
RECENT = 20  # batches listed on the upload page


@dataclass(frozen=True)
class Column:
    """A column of the file: its key, its header in each language, other headers taken for it, the form field."""

    key: str
    zh: str
    en: str
    aliases: tuple
    field: str  # the report form's field whose checks a cell passes

    def header(self, language):
        return self.en if language == "en" else self.zh

    @property
    def required(self):
        return rules.required(self.field)


# The one table of the file's columns, in the template's order.
COLUMNS = (
    Column("platform", "平台", "Platform", ("平台名称", "platform name", "platform_name"), "platform_name"),
    Column("category", "问题类型", "Category", ("问题", "类型", "problem"), "category"),
    Column("location", "发现位置", "Location", ("位置", "where"), "location"),
    Column("description", "描述", "Description", ("问题描述", "情况描述", "what happened"), "description"),
    Column("url", "网址", "URL", ("链接", "web address", "link"), "url"),
    Column("seen_at", "发现时间", "Seen at", ("时间", "when", "seen_at"), "seen_at"),
)
BY_KEY = {column.key: column for column in COLUMNS}

# Where a batch is, in the page's language.
STATES = {
    QUEUED: _l("Waiting to start"),
    RUNNING: _l("Importing"),
    DONE: _l("Imported"),
    FAILED: _l("Stopped"),
}
# Why a batch stopped (OrgBatch.error holds the code).
STOPPED = {
    "stopped": _l(
        "The import stopped on an error. The lines imported so far stay in your list; "
        "send the same file again to import the rest."
    ),
    "organisation": _l("The import did not run: your organisation may no longer file reports."),
}

# The template's example line, which must never be imported as a tip.
EXAMPLES = {
    "zh": {
        "platform": "示例网校",
        "category": "game_ads",
        "location": "live",
        "description": "示例：直播课中弹出网络游戏广告，点击后跳转到游戏下载页面。请换成你们自己的举报。",
        "url": "https://example.com/course/123",
        "seen_at": "2026-09-01 19:30",
    },
    "en": {
        "platform": "Example Online School",
        "category": "game_ads",
        "location": "live",
        "description": "Example: an online game advert popped up in a live lesson and led to a download page. "
        "Replace this line with your own report.",
        "url": "https://example.com/course/123",
        "seen_at": "2026-09-01 19:30",
    },
}

# Files that are plainly no CSV file, by their first bytes.
WORKBOOKS = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")  # .xlsx (a zip), .xls
UTF16_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
SEEN_AT = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
HEADER_NOTE = re.compile(r"[（(][^)）]*[)）]|[*＊]")


@dataclass(frozen=True)
class LineError:
    """One problem of a file: the line as a spreadsheet numbers it (None: the whole file), the column key, why."""

    line: int | None
    column: str | None
    message: str


class BatchRefused(Exception):
    """The file is not imported; `errors` says every reason, line by line."""

    def __init__(self, errors):
        super().__init__(f"{len(errors)} problem(s)")
        self.errors = sorted(errors, key=lambda e: (e.line or 0, _column_order(e.column)))


class BatchError(Exception):
    """The organisation may not send a batch now."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def _column_order(key):
    keys = [column.key for column in COLUMNS]
    return keys.index(key) if key in keys else -1


def _refused(message):
    return BatchRefused([LineError(None, None, message)])


# --- reading the file ---------------------------------------------------------------------------


def read_text(data):
    """The file's text: UTF-8 (with or without a byte-order mark), else GB18030; BatchRefused for anything else."""
    if len(data) > MAX_FILE_BYTES:
        raise _refused(_l("The file is larger than %(mb)d MB. Split it into several files.", mb=MAX_FILE_BYTES >> 20))
    if data.startswith(WORKBOOKS):
        raise _refused(
            _l("This is an Excel workbook, not a CSV file. In the spreadsheet, save it as “CSV UTF-8” and send that.")
        )
    if data.startswith(UTF16_BOMS):
        raise _refused(_l("The file is saved as Unicode text (UTF-16). Save it as “CSV UTF-8” and send it again."))
    if b"\x00" in data:
        raise _refused(_l("This is not a CSV file. Send a spreadsheet saved as CSV (UTF-8 or GB18030)."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise _refused(
                _l("The file's characters cannot be read. Save it as “CSV UTF-8” (or GB18030) and send it again.")
            ) from None
    text = text.removeprefix("\ufeff")  # a GB18030 file's byte-order mark
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in text):
        raise _refused(_l("This is not a CSV file. Send a spreadsheet saved as CSV (UTF-8 or GB18030)."))
    return text


def _records(text):
    """(spreadsheet row number, cells) of every record; a quoted cell may span lines, as in a spreadsheet."""
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","  # "Text (tab delimited)" from Excel
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, cells
    except csv.Error:
        raise BatchRefused(
            [LineError(number + 1, None, _l("This line cannot be read as CSV: check its quotation marks."))]
        ) from None


def fold(text):
    """A header or a name as compared: full-width forms, case, spaces, underscores and hyphens aside."""
    text = unicodedata.normalize("NFKC", text or "").casefold().replace("_", " ").replace("-", " ")
    return " ".join(text.split())


def _header_names():
    names = {}
    for column in COLUMNS:
        for name in (column.key, column.zh, column.en, *column.aliases):
            names[fold(name)] = column.key
    return names


def _names(table):
    """Each code of a catalog table by its code and by its label in Chinese and in English."""
    names = {}
    for locale in ("en", "zh_Hans"):
        with force_locale(locale):
            names.update({fold(str(label)): code for code, label in table.items()})
    names.update({fold(code): code for code in table})
    return names


def _read_header(number, cells, language):
    """{column key: cell position} of the header line; BatchRefused when a column is missing or unknown."""
    names, positions, errors = _header_names(), {}, []
    for position, cell in enumerate(cells):
        name = fold(HEADER_NOTE.sub("", cell))
        if not name:
            continue
        key = names.get(name)
        if key is None:
            known = ("、" if language == "zh" else ", ").join(c.header(language) for c in COLUMNS)
            message = _l("Unknown column “%(name)s”. The columns are: %(names)s.", name=cell.strip()[:50], names=known)
            errors.append(LineError(number, None, message))
        elif key in positions:
            errors.append(LineError(number, key, _l("This column appears twice.")))
        else:
            positions[key] = position
    for column in COLUMNS:
        if column.required and column.key not in positions:
            errors.append(LineError(number, column.key, _l("This column is missing from the header line.")))
    if errors:
        raise BatchRefused(errors)
    return positions


# --- checking each line ---------------------------------------------------------------------------


def parse_seen_at(text):
    """A typed time (2026-09-01 19:30, 2026/9/1, ...) as a naive local datetime; ValueError when it is none."""
    match = SEEN_AT.match(unicodedata.normalize("NFKC", text).strip())
    if not match:
        raise ValueError(text)
    year, month, day, hour, minute, second = (int(part) if part else 0 for part in match.groups())
    return datetime(year, month, day, hour, minute, second)


def _clean(cell):
    return cell.replace("\r\n", "\n").replace("\r", "\n").strip()


def _check_line(number, cells, positions, names, errors):
    """The line's values, cleaned, or None when it has problems (added to `errors`)."""
    found = []

    def fail(key, message):
        found.append(LineError(number, key, message))

    if any(cell.strip() for cell in cells[max(positions.values()) + 1 :]):
        fail(None, _l("This line has more cells than the header has columns. Put text with commas in quotes."))
    values = {key: _clean(cells[position]) if position < len(cells) else "" for key, position in positions.items()}
    row = {"line": number}
    for column in COLUMNS:
        value = values.get(column.key, "")
        if column.key in names and value:
            code = names[column.key].get(fold(value))
            if code is None:
                fail(
                    column.key,
                    _l(
                        "“%(value)s” is not in the list on the upload page: use a name or code from it.",
                        value=value[:50],
                    ),
                )
                continue
            value = code
        elif column.key == "seen_at" and value:
            try:
                value = parse_seen_at(value)
            except ValueError:
                fail(column.key, _l("Write the time like 2026-09-01 19:30, or the day alone."))
                continue
        problem = rules.field_problem(column.field, value)
        if problem is not None:
            fail(column.key, problem)
            continue
        if column.key == "seen_at":
            value = local_to_utc(value).isoformat() if value else ""
        row[column.field] = value
    if not found and fold(row["description"]) in {fold(example["description"]) for example in EXAMPLES.values()}:
        fail(None, _l("This is the template's example line: replace it with a report of your own, or delete it."))
    errors.extend(found)
    return None if found else row


@dataclass
class CheckedFile:
    rows: list  # dicts of the report form's field names, with the "line" each came from
    digest: str


def content_digest(rows):
    """SHA-256 of the rows' values: the same tips in another encoding, line ending or order of blank lines match."""
    values = [{k: v for k, v in row.items() if k != "line"} for row in rows]
    return hashlib.sha256(json.dumps(values, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def check_file(data, max_rows, language):
    """Read and check a whole file; BatchRefused with every problem, or the clean rows and their digest.

    Runs in a request: labels are read in both languages, times in the page's time zone.
    """
    records = [(number, cells) for number, cells in _records(read_text(data)) if any(c.strip() for c in cells)]
    if not records:
        raise _refused(_l("The file is empty. Put the header line first, then one report a line."))
    header_number, header = records[0]
    positions = _read_header(header_number, header, language)
    lines = records[1:]
    if not lines:
        raise _refused(_l("The file has a header line but no reports under it."))
    if len(lines) > max_rows:
        raise _refused(
            _l(
                "The file has %(n)d reports; a batch holds at most %(max)d. Split it into several files.",
                n=len(lines),
                max=max_rows,
            )
        )
    names = {"category": _names(catalog.CATEGORIES), "location": _names(catalog.LOCATIONS)}
    rows, errors, seen = [], [], {}
    for number, cells in lines:
        row = _check_line(number, cells, positions, names, errors)
        if row is None:
            continue
        same = seen.setdefault(content_digest([row]), number)
        if same != number:
            errors.append(LineError(number, None, _l("This line repeats line %(line)d.", line=same)))
        rows.append(row)
    if errors:
        raise BatchRefused(errors)
    return CheckedFile(rows, content_digest(rows))


# --- sending and importing -------------------------------------------------------------------------


@dataclass
class Upload:
    batch: OrgBatch
    new: bool  # False: the same tips were sent before, and this is that batch
    restarted: bool = False  # that batch had stopped, and starts again


def find_batch(organisation_id, batch_id):
    """The organisation's batch, or None (another organisation's batch is None too)."""
    batch = db.session.get(OrgBatch, batch_id)
    return batch if batch is not None and batch.organisation_id == organisation_id else None


def batch_by_digest(organisation_id, digest):
    return db.session.scalars(
        select(OrgBatch).where(OrgBatch.organisation_id == organisation_id, OrgBatch.digest == digest)
    ).first()


def recent_batches(organisation_id, limit=RECENT):
    return db.session.scalars(
        select(OrgBatch).where(OrgBatch.organisation_id == organisation_id).order_by(OrgBatch.id.desc()).limit(limit)
    ).all()


def send_batch(member, filename, data, max_rows, language):
    """Check a file and record its import; nothing is recorded when any line is bad (BatchRefused).

    The same tips sent again answer with the first batch, imported once; a stopped batch sent
    again is started again and imports only the lines it has not imported yet.
    """
    if not can_act(member.organisation):
        raise BatchError(_l("Your organisation cannot send reports as it stands now."))
    checked = check_file(data, max_rows, language)
    earlier = batch_by_digest(member.organisation_id, checked.digest)
    if earlier is not None:
        if earlier.state == FAILED:
            earlier.state, earlier.error, earlier.finished_at = QUEUED, "", None
            record_job(IMPORT_JOB, batch_id=earlier.id)
            return Upload(earlier, False, restarted=True)
        return Upload(earlier, False)
    batch = OrgBatch(
        organisation_id=member.organisation_id,
        member_id=member.id,
        digest=checked.digest,
        filename=_display_name(filename),
        rows=checked.rows,
        total=len(checked.rows),
        state=QUEUED,
        locale="en" if language == "en" else "zh",
    )
    db.session.add(batch)
    db.session.flush()
    record_job(IMPORT_JOB, batch_id=batch.id)
    return Upload(batch, True)


def _display_name(filename):
    name = re.split(r"[\\/]", filename or "")[-1]
    return "".join(ch for ch in name if ch.isprintable())[:255]


def _client(organisation_id, row):
    """The `client` a batch line's tip carries, in place of the uploader's address.

    One per organisation, platform and problem: the organisation counts once among a case's
    independent reporters, however many lines name the case; near-identical lines about one
    platform and problem are still a flood (cases/junk.py), while one school reporting the same
    thing about several platforms is not sent to the junk tray wholesale.
    """
    return f"org-batch:{organisation_id}:{row['category']}:{fold(row['platform_name'])}"


def _submission(batch, kind, row):
    from tipline.reports.service import TipSubmission

    return TipSubmission(
        platform_name=row["platform_name"],
        category=row["category"],
        location=row["location"],
        description=row["description"],
        url=row.get("url") or "",
        seen_at=datetime.fromisoformat(row["seen_at"]) if row.get("seen_at") else None,
        reporter_type=kind if kind in catalog.REPORTER_TYPES else "other",
        locale=batch.locale,
        client=_client(batch.organisation_id, row),
        organisation_id=batch.organisation_id,
        org_member_id=batch.member_id,
    )


def _imported(batch_id):
    return db.session.scalar(select(func.count()).select_from(OrgTip).where(OrgTip.batch_id == batch_id))


@job(IMPORT_JOB)
def import_batch(payload):
    """Import a checked batch, CHUNK lines a transaction, skipping lines already in the list.

    Run twice, or again after a crash half-way, it imports each line once: the line's tip and
    its list row (unique by batch and line) commit together.
    """
    batch_id = payload["batch_id"]
    batch = db.session.get(OrgBatch, batch_id)
    if batch is None or batch.state in (DONE, FAILED):
        return
    organisation = db.session.get(Organisation, batch.organisation_id)
    if not can_act(organisation):
        batch.state, batch.error, batch.finished_at = FAILED, "organisation", utcnow()
        return
    batch.state = RUNNING
    db.session.commit()
    try:
        _import_rows(batch_id)
    except Exception:
        db.session.rollback()
        _note_failure(batch_id)
        raise
    batch = db.session.get(OrgBatch, batch_id)
    batch.imported = _imported(batch_id)
    batch.state, batch.error, batch.finished_at = DONE, "", utcnow()


def _import_rows(batch_id):
    from tipline.organisations.tips import add_to_list
    from tipline.reports.service import submit_tip

    batch = db.session.get(OrgBatch, batch_id)
    done = set(db.session.scalars(select(OrgTip.batch_line).where(OrgTip.batch_id == batch_id)))
    waiting = [row for row in batch.rows if row["line"] not in done]
    kind = db.session.get(Organisation, batch.organisation_id).kind
    for start in range(0, len(waiting), CHUNK):
        batch = db.session.get(OrgBatch, batch_id)
        member = db.session.get(OrgMember, batch.member_id)
        for row in waiting[start : start + CHUNK]:
            tip, _code = submit_tip(_submission(batch, kind, row), [])  # the list replaces the receipt code
            db.session.flush()
            add_to_list(batch.organisation_id, tip, FILED, member, batch_id=batch_id, batch_line=row["line"])
        db.session.flush()
        batch.imported = _imported(batch_id)
        db.session.commit()


def _note_failure(batch_id):
    """After the runner's last attempt, the batch says it stopped (the lines imported so far stay)."""
    from tipline.jobs.models import RUNNING as CLAIMED
    from tipline.jobs.models import OutboxJob
    from tipline.jobs.runner import MAX_ATTEMPTS

    claims = db.session.execute(
        select(OutboxJob.attempts, OutboxJob.payload).where(OutboxJob.name == IMPORT_JOB, OutboxJob.state == CLAIMED)
    ).all()
    attempts = max((n for n, payload in claims if (payload or {}).get("batch_id") == batch_id), default=0)
    if attempts >= MAX_ATTEMPTS:
        batch = db.session.get(OrgBatch, batch_id)
        batch.state, batch.error, batch.finished_at = FAILED, "stopped", utcnow()
        batch.imported = _imported(batch_id)
        db.session.commit()


# --- the template ----------------------------------------------------------------------------------


def template_rows(language):
    """The header in the page's language and one example line, labels in that language too."""
    example = EXAMPLES["en" if language == "en" else "zh"]
    header = [column.header(language) for column in COLUMNS]
    line = []
    for column in COLUMNS:
        value = example[column.key]
        if column.key == "category":
            value = str(catalog.CATEGORIES[value])
        elif column.key == "location":
            value = str(catalog.LOCATIONS[value])
        line.append(value)
    return header, [line]


def template_csv(language):
    from tipline.spreadsheet import csv_bytes

    header, rows = template_rows(language)
    return csv_bytes(header, rows)


def stopped_reason(batch):
    return STOPPED.get(batch.error, STOPPED["stopped"]) if batch.error else ""
