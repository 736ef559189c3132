"""Loading a filing list from CSV: create or update platforms, and say which lines were refused and why."""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

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
    """Import a filing list (bytes or text). Rows are checked one by one; good rows are kept."""
    reader = csv.DictReader(io.StringIO(_text(raw), newline=""))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ImportFileError("missing columns: " + ", ".join(missing))
    reader.fieldnames = header
    regions = set(db.session.scalars(select(Region.code)))
    report = ImportReport()
    for row in reader:
        line = reader.line_num
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


def _parse_row(row, regions):
    if None in row:
        raise ValueError("more fields than columns")
    get = lambda name: (row.get(name) or "").strip()  # noqa: E731
    name = get("name")
    if not name or len(name) > 200:
        raise ValueError("name is empty or longer than 200 characters")
    region = get("region")
    if region not in regions:
        raise ValueError(f"unknown region code {region!r}")
    filing_status = get("filing_status").lower()
    if filing_status not in ("filed", "unfiled"):
        raise ValueError("filing_status must be 'filed' or 'unfiled'")
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
    if list_status not in ("none", "white", "black"):
        raise ValueError("list_status must be none, white or black")
    for column in ("operator", "name_en", "filing_number"):
        if len(get(column)) > 200:
            raise ValueError(f"{column} is longer than 200 characters")
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
        platform = Platform()
        db.session.add(platform)
    for key, value in values.items():
        setattr(platform, key, value)
    if platform.filing is None:
        platform.filing = FilingRecord()
    for key, value in filing.items():
        setattr(platform.filing, key, value)
    platform.refresh_search_text()
    db.session.flush()
    return created
