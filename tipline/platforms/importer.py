"""Loading a filing list from CSV: create or update platforms, and say which lines were refused and why."""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from tipline.catalog import FILING_STATUSES, LIST_STATUSES
from tipline.extensions import db
from tipline.platforms.models import FilingRecord, Platform
from tipline.regions.models import Region

REQUIRED_COLUMNS = ("name", "operator", "region", "urls", "filing_number", "filing_status", "subject")
OPTIONAL_COLUMNS = ("name_en", "filed_features", "last_reviewed_on", "list_status")
YES = {"yes", "y", "true", "1", "是"}
NO = {"no", "n", "false", "0", "否"}
ADDRESS = re.compile(r"^(https?://[^\s/]+\S*|[a-z][a-z0-9+.-]*:[^\s]+)$", re.IGNORECASE)


class ImportFileError(ValueError):
    """The file as a whole cannot be read as a filing list."""


@dataclass
class ImportReport:
    """What an import did, line by line."""

    created: int = 0
    updated: int = 0
    refused: list = field(default_factory=list)  # (line number, reason)


def _text(raw):
    if isinstance(raw, bytes):
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFileError(f"the file is not UTF-8 (byte {exc.start})") from None
    return raw.lstrip("\ufeff")


def import_platforms(raw):
    """Import a filing list (bytes or text). Rows are checked one by one; good rows are kept.

    Raises ImportFileError when the file as a whole cannot be read (encoding,
    columns, broken quoting); nothing is imported then.
    """
    reader = csv.DictReader(io.StringIO(_text(raw), newline=""), strict=True)
    try:
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise ImportFileError("missing columns: " + ", ".join(missing))
        doubled = sorted({h for h in header if header.count(h) > 1})
        if doubled:
            raise ImportFileError("columns named twice: " + ", ".join(doubled))
        reader.fieldnames = header
        regions = set(db.session.scalars(select(Region.code)))
        report = ImportReport()
        rows = []
        for row in reader:
            rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise ImportFileError(f"line {reader.line_num}: {exc}") from None
    for line, row in rows:
        try:
            values = _parse_row(row, regions)
        except ValueError as exc:
            report.refused.append((line, str(exc)))
            continue
        if _upsert(values):
            report.created += 1
        else:
            report.updated += 1
    return report


def _limit(column):
    """The length a column holds: the one place the importer's length checks come from."""
    return column.property.columns[0].type.length


def _parse_row(row, regions):
    if None in row:
        raise ValueError("more fields than columns")
    for column, value in row.items():
        if value and any(not ch.isprintable() for ch in value.replace("\t", " ")):
            raise ValueError(f"{column} contains control characters")
    get = lambda name: (row.get(name) or "").strip()  # noqa: E731
    name = get("name")
    if not name or len(name) > _limit(Platform.name):
        raise ValueError(f"name is empty or longer than {_limit(Platform.name)} characters")
    region = get("region")
    if region not in regions:
        raise ValueError(f"unknown region code {region!r}")
    filing_status = get("filing_status").lower()
    if filing_status not in FILING_STATUSES:
        raise ValueError("filing_status must be one of: " + ", ".join(FILING_STATUSES))
    filing_number = get("filing_number")
    if filing_status == "filed" and not filing_number:
        raise ValueError("a filed platform needs a filing_number")
    subject = get("subject").lower()
    if subject not in YES | NO:
        raise ValueError("subject must be 'yes' or 'no'")
    urls = get("urls").split()
    bad = [u for u in urls if not ADDRESS.match(u) or len(u) > 500]
    if bad:
        raise ValueError(f"not a web address or app id: {bad[0][:80]!r}")
    reviewed = get("last_reviewed_on")
    try:
        reviewed = date.fromisoformat(reviewed) if reviewed else None
    except ValueError:
        raise ValueError("last_reviewed_on must be a date like 2026-03-01") from None
    list_status = get("list_status").lower() or "none"
    if list_status not in LIST_STATUSES:
        raise ValueError("list_status must be one of: " + ", ".join(LIST_STATUSES))
    for column, attribute in (
        ("operator", Platform.operator),
        ("name_en", Platform.name_en),
        ("filing_number", FilingRecord.filing_number),
    ):
        if len(get(column)) > _limit(attribute):
            raise ValueError(f"{column} is longer than {_limit(attribute)} characters")
    return {
        "name": name,
        "name_en": get("name_en"),
        "operator": get("operator"),
        "region_code": region,
        "addresses": urls,
        "teaches_subjects": subject in YES,
        "list_status": list_status,
        "filing": {
            "status": filing_status,
            "filing_number": filing_number if filing_status == "filed" else "",
            "filed_features": get("filed_features"),
            "last_reviewed_on": reviewed,
        },
    }


def _upsert(values):
    """Create or update the platform with this name and region; True when created."""
    filing = values.pop("filing")
    platform = db.session.scalars(
        select(Platform).where(Platform.name == values["name"], Platform.region_code == values["region_code"])
    ).first()
    created = platform is None
    if created:
        platform = Platform(list_status="none")
        db.session.add(platform)
    list_status = values.pop("list_status")
    for key, value in values.items():
        setattr(platform, key, value)
    if list_status != platform.list_status:
        from cases.actions.service import set_list_status

        set_list_status(platform, list_status, None, reason="imported from a filing list")
    if platform.filing is None:
        platform.filing = FilingRecord()
    for key, value in filing.items():
        setattr(platform.filing, key, value)
    platform.refresh_search_text()
    db.session.flush()
    return created
