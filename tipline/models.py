"""Every model of the app, imported in one place so that Alembic sees all tables."""

from cases.accounts.models import StaffUser
from cases.actions.models import Action, ListEntry
from cases.audit import AuditEntry
from cases.models import Case, CaseEvent, CaseNote, CaseTask
from cases.notices import Notice
from tipline.evidence.models import Evidence
from tipline.jobs.models import OutboxJob
from tipline.mail import SentMail
from tipline.platforms.models import FilingRecord, Platform
from tipline.regions.models import Region
from tipline.reports.models import Tip, TipEvent

__all__ = [
    "Action",
    "ListEntry",
    "AuditEntry",
    "Case",
    "CaseEvent",
    "CaseNote",
    "CaseTask",
    "Notice",
    "SentMail",
    "StaffUser",
    "Evidence",
    "FilingRecord",
    "OutboxJob",
    "Platform",
    "Region",
    "Tip",
    "TipEvent",
]
