"""Demo data for a new machine: real region codes, fictional platforms and tips."""

import json
from datetime import timedelta

from sqlalchemy import func, select

from tipline.extensions import db
from tipline.platforms.importer import import_platforms
from tipline.platforms.models import Platform
from tipline.regions.service import load_regions
from tipline.reports.models import Tip
from tipline.reports.service import TipSubmission, submit_tip
from tipline.timeutil import utcnow

# Published in the README: demo machines only. Strong enough for the password policy (zxcvbn).
DEMO_PASSWORD = "velvet-harbor-kite-orbit"
# (email, role, department, region): a national admin, Beijing and Shanghai staff, district officers.
DEMO_STAFF = [
    ("admin@tipline.example", "admin", "cyberspace", "100000"),
    ("national.supervisor@tipline.example", "supervisor", "cyberspace", "100000"),
    ("bj.intake@tipline.example", "intake", "cyberspace", "110000"),
    ("bj.cyber.supervisor@tipline.example", "supervisor", "cyberspace", "110000"),
    ("bj.edu.supervisor@tipline.example", "supervisor", "education", "110000"),
    ("haidian.cyber@tipline.example", "officer", "cyberspace", "110108"),
    ("haidian.edu@tipline.example", "officer", "education", "110108"),
    ("chaoyang.cyber@tipline.example", "officer", "cyberspace", "110105"),
    ("sh.intake@tipline.example", "intake", "education", "310000"),
    ("sh.edu@tipline.example", "officer", "education", "310000"),
    # Confirms the reviews Shanghai's officer records (a review takes two people).
    ("sh.edu.supervisor@tipline.example", "supervisor", "education", "310000"),
]


def load_demo_staff():
    """Create the demo staff accounts that do not exist yet."""
    from cases.accounts.service import create_user, find_user

    for email, role, department, region in DEMO_STAFF:
        if find_user(email) is None:
            create_user(email, DEMO_PASSWORD, role, department, region, name=email.split("@")[0])
    return DEMO_STAFF


def load_demo(data_dir):
    """Load the demo files; tips already present (same platform and text) are not added again."""
    regions = load_regions((data_dir / "regions.csv").read_text(encoding="utf-8"))
    report = import_platforms((data_dir / "demo_platforms.csv").read_bytes())
    if report.refused:
        raise ValueError(f"demo platforms refused: {report.refused}")
    receipts = []
    tips = json.loads((data_dir / "demo_tips.json").read_text(encoding="utf-8"))
    for item in tips:
        platform = db.session.scalars(select(Platform).where(Platform.name == item["platform"])).first()
        exists = db.session.scalar(
            select(func.count(Tip.id)).where(Tip.description == item["description"], Tip.platform_id == platform.id)
        )
        if exists:
            continue
        tip, code = submit_tip(
            TipSubmission(
                platform_id=platform.id,
                platform_name=platform.name,
                category=item["category"],
                location=item["location"],
                description=item["description"],
                url=item.get("url", ""),
                reporter_type=item["reporter_type"],
                locale="en" if item.get("locale") == "en" else "zh",
                client=f"demo-{len(receipts)}",
            ),
            [],
        )
        tip.created_at = utcnow() - timedelta(days=item.get("days_ago", 1))
        tip.events[0].created_at = tip.created_at
        receipts.append((platform.name, code))
    db.session.flush()
    staff = load_demo_staff()
    return {
        "staff": staff,
        "staff_password": DEMO_PASSWORD,
        "regions": regions,
        "platforms": db.session.scalar(select(func.count(Platform.id))),
        "tips": len(tips),
        "new_tips": len(receipts),
        "receipts": receipts,
    }
