"""Periodic reports: supervisors and admins ask for, read, retry and download the reports of their region tree."""

from datetime import date

from cases.access import visible_regions
from cases.periodic.models import DONE, FAILED, PeriodicReport
from tests.cases.conftest import HAIDIAN
from tests.cases.routes.exercise import NOTHING, Exercise, audited, check, fixed
from tipline.extensions import db


def _report_scene(state):
    def build(b):
        report = PeriodicReport(
            kind="on_demand",
            region_code=HAIDIAN,
            starts_on=date(2026, 3, 1),
            ends_on=date(2026, 3, 31),
            state=state,
            error="OSError: no font" if state == FAILED else "",
            csv_data=b"\xef\xbb\xbfreport\n" if state == DONE else None,
            pdf_data=b"%PDF-1.4 report" if state == DONE else None,
        )
        db.session.add(report)
        db.session.commit()
        return {"report": report, "watch": [report]}

    return build


def _hidden(actor, scene):
    return scene["report"].region_code not in visible_regions(actor)


def _asked(actor, scene, before, response):
    made = before.added(PeriodicReport, requested_by_id=actor.id)
    return check(made and made[0].region_code == actor.region_code, "no report was asked for") + (
        audited(before, actor, "report.request", made[0].id) if made else []
    )


def _retried(actor, scene, before, response):
    report = scene["report"]
    return check(report.state != FAILED, "the failed report was not made again") + audited(
        before, actor, "report.retry", report.id
    )


def _downloaded(actor, scene, before, response):
    return check(response.data.startswith(b"%PDF"), "not the PDF") + audited(
        before, actor, "report.download", scene["report"].id
    )


REPORT_ROUTES = {
    ("staff.reports", "GET"): Exercise("GET", fixed("/staff/reports"), NOTHING, ok=200),
    ("staff.request_report", "POST"): Exercise(
        "POST",
        fixed("/staff/reports"),
        NOTHING,
        form=lambda scene, actor: {"region": actor.region_code, "starts_on": "2026-03-01", "ends_on": "2026-03-31"},
        effect=_asked,
    ),
    ("staff.report", "GET"): Exercise(
        "GET",
        lambda scene, actor: f"/staff/reports/{scene['report'].id}",
        {"a finished report": _report_scene(DONE)},
        hidden=_hidden,
        ok=200,
        consumes=False,
    ),
    ("staff.retry_report", "POST"): Exercise(
        "POST",
        lambda scene, actor: f"/staff/reports/{scene['report'].id}/retry",
        {"a failed report": _report_scene(FAILED)},
        hidden=_hidden,
        form=lambda scene, actor: {},
        effect=_retried,
    ),
    ("staff.report_file", "GET"): Exercise(
        "GET",
        lambda scene, actor: f"/staff/reports/{scene['report'].id}.pdf",
        {"a finished report": _report_scene(DONE)},
        hidden=_hidden,
        effect=_downloaded,
        ok=200,
        consumes=False,
    ),
}
