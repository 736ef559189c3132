"""Every model of the app, imported in one place so that Alembic sees all tables."""

from cases.accounts.models import StaffUser
from cases.actions.models import Action, ListEntry
from cases.audit import AuditEntry
from cases.junk_filter.models import JunkModel
from cases.matching.models import TipMatch
from cases.models import Case, CaseEvent, CaseNote, CaseTask
from cases.notices import Notice
from cases.periodic.models import PeriodicReport
from cases.saved_filters import SavedFilter
from cases.seen import CaseVisit
from tipline.api.idempotency import IdempotentRequest
from tipline.api.tokens import ApiToken
from tipline.evidence.models import Evidence, ImageHash
from tipline.figures.models import FigureCount
from tipline.followup.models import FixCheck
from tipline.jobs.models import OutboxJob, ScheduledTask
from tipline.mail import SentMail
from tipline.organisations.models import Organisation, OrgBatch, OrgLink, OrgMember, OrgSession, OrgTip
from tipline.platforms.models import FilingRecord, Platform, PlatformAddress
from tipline.regions.models import Region
from tipline.reports.client_keys import ClientKey
from tipline.reports.handover import ReceiptHandover
from tipline.reports.models import Tip, TipEvent
from tipline.tracking.sessions import TrackingSession

__all__ = [
    "Action",
    "ApiToken",
    "IdempotentRequest",
    "ListEntry",
    "AuditEntry",
    "Case",
    "CaseEvent",
    "CaseNote",
    "CaseTask",
    "CaseVisit",
    "ClientKey",
    "Notice",
    "Organisation",
    "OrgBatch",
    "OrgLink",
    "OrgMember",
    "OrgSession",
    "OrgTip",
    "SavedFilter",
    "ScheduledTask",
    "SentMail",
    "StaffUser",
    "Evidence",
    "FigureCount",
    "FilingRecord",
    "FixCheck",
    "JunkModel",
    "ImageHash",
    "TipMatch",
    "OutboxJob",
    "PeriodicReport",
    "Platform",
    "PlatformAddress",
    "ReceiptHandover",
    "Region",
    "Tip",
    "TipEvent",
    "TrackingSession",
]
