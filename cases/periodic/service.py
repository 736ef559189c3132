"""Periodic reports: asking for one, scheduling the weekly and monthly ones, and making one in the background.

A report is a row first (queued), then a job (`reports.make`) fills it: it counts the
period's figures straight from the rows (as the public rollup counts them, but over
days), adds the evaluation's tables (cases/evaluation), and keeps a CSV file and a PDF
laid out for printing (cases/periodic/document.py) on the row. Progress is written as
the job goes, on a connection of its own, so the list shows it while the job runs; a
failure keeps its reason, and the report can be tried again.
"""

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import exc, select, update

from cases.audit import audit
from cases.evaluation.periods import Period, last_month, last_week
from cases.operations import CaseError, NotAllowed
from cases.periodic.models import DONE, FAILED, MONTHLY, ON_DEMAND, QUEUED, RUNNING, WEEKLY, PeriodicReport
from tipline.extensions import db
from tipline.jobs.outbox import record_job
from tipline.jobs.registry import job
from tipline.regions.models import Region
from tipline.timeutil import app_today, utcnow

# Who may ask for, read and download reports: they hold the evaluation's figures.
REPORT_ROLES = {"supervisor", "admin"}
# Scheduled reports are made for the nation and the provinces (depth 0 and 1 of the tree);
# a city or district gets one on demand.
SCHEDULED_DEPTH = 1
# The longest period a report may cover.
MAX_DAYS = 366

KINDS = {WEEKLY: _l("Weekly"), MONTHLY: _l("Monthly"), ON_DEMAND: _l("On demand")}
STATES = {QUEUED: _l("Waiting"), RUNNING: _l("Being made"), DONE: _l("Ready"), FAILED: _l("Failed")}


def may_use_reports(user):
    """Whether this member of staff may see and ask for periodic reports."""
    return user.role in REPORT_ROLES


def may_see_report(user, report):
    """A report of the user's own region or one below it."""
    from cases.access import visible_regions

    return may_use_reports(user) and report.region_code in visible_regions(user)


def request_report(actor, region_code, starts_on, ends_on, locale):
    """Ask for a report of a region (in the actor's tree) over a period; it is made in the background."""
    from cases.access import visible_regions

    if not may_use_reports(actor):
        raise NotAllowed(_l("Only supervisors and administrators make reports."))
    if region_code not in visible_regions(actor):
        raise NotAllowed(_l("That region is outside yours."))
    if ends_on < starts_on:
        raise CaseError(_l("The period must end on or after the day it starts."))
    if (ends_on - starts_on).days + 1 > MAX_DAYS:
        raise CaseError(_l("A report covers at most %(days)d days.", days=MAX_DAYS))
    if ends_on > app_today():
        raise CaseError(_l("A report can only cover days that have begun."))
    report = PeriodicReport(
        kind=ON_DEMAND,
        region_code=region_code,
        starts_on=starts_on,
        ends_on=ends_on,
        locale=locale,
        requested_by_id=actor.id,
    )
    db.session.add(report)
    db.session.flush()
    record_job("reports.make", report_id=report.id)
    audit(actor, "report.request", "report", report.id, region=region_code, period=f"{starts_on}/{ends_on}")
    return report


def retry_report(actor, report):
    """Make a failed report again."""
    if not may_see_report(actor, report):
        raise NotAllowed(_l("That report is outside your region."))
    if report.state != FAILED:
        raise CaseError(_l("Only a failed report can be tried again."))
    report.state, report.progress, report.error = QUEUED, 0, ""
    record_job("reports.make", report_id=report.id)
    audit(actor, "report.retry", "report", report.id)
    return report


def scheduled_regions():
    """The regions that get weekly and monthly reports: the nation and the provinces."""
    root = db.session.scalars(select(Region).where(Region.parent_code.is_(None))).all()
    regions = list(root)
    if SCHEDULED_DEPTH >= 1:
        regions += db.session.scalars(
            select(Region).where(Region.parent_code.in_([r.code for r in root])).order_by(Region.code)
        ).all()
    return regions


def schedule_due(now):
    """Create the weekly and monthly reports whose period has ended and that do not exist yet; returns them.

    Each has a key of its kind, region and first day, unique in the table: any number of
    workers may run this at once and each report is made once.
    """
    today = app_today(now)
    made = []
    for kind, period in ((WEEKLY, last_week(today)), (MONTHLY, last_month(today))):
        for region in scheduled_regions():
            key = f"{kind}:{region.code}:{period.starts_on.isoformat()}"
            if db.session.scalar(select(PeriodicReport.id).where(PeriodicReport.schedule_key == key)):
                continue
            try:
                with db.session.begin_nested():
                    report = PeriodicReport(
                        kind=kind,
                        region_code=region.code,
                        starts_on=period.starts_on,
                        ends_on=period.ends_on,
                        schedule_key=key,
                        locale=current_app.config["BABEL_DEFAULT_LOCALE"],
                    )
                    db.session.add(report)
            except exc.IntegrityError:  # another worker made it a moment ago
                continue
            record_job("reports.make", report_id=report.id)
            made.append(report)
    return made


@job("reports.schedule")
def schedule_job(payload):
    """The periodic job (tipline/jobs/schedule.py): make the reports that are due."""
    schedule_due(utcnow())


def _progress(report_id, percent, **values):
    """Write the report's progress at once, on a connection of its own, so that the list shows it now."""
    with db.engine.begin() as conn:
        conn.execute(update(PeriodicReport).where(PeriodicReport.id == report_id).values(progress=percent, **values))


@job("reports.make")
def make_report_job(payload):
    """Make one report (run twice, a finished report is left as it is)."""
    report = db.session.get(PeriodicReport, payload["report_id"])
    if report is None or report.state == DONE:
        return
    _progress(report.id, 0, state=RUNNING, started_at=utcnow(), error="")
    try:
        csv_data, pdf_data = build(report, lambda percent: _progress(report.id, percent))
    except Exception as error:  # kept on the report, which says why and can be tried again
        current_app.logger.exception("report %s failed", report.id)
        db.session.rollback()
        _progress(report.id, 0, state=FAILED, error=f"{type(error).__name__}: {error}"[:2000], finished_at=utcnow())
        return
    db.session.refresh(report)
    report.csv_data, report.pdf_data = csv_data, pdf_data
    report.state, report.progress, report.finished_at = DONE, 100, utcnow()


def build(report, progress):
    """The report's CSV and PDF files, in its language."""
    from cases.periodic.document import contents, csv_file, pdf_file

    with force_locale(report.locale):
        period = Period(report.starts_on, report.ends_on)
        document = contents(report, period, progress)
        csv_data = csv_file(document)
        progress(80)
        pdf_data = pdf_file(document)
    return csv_data, pdf_data
