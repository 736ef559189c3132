"""Template filters and globals: formatting lives here, not in templates."""

import re

from flask_babel import format_date, format_datetime
from flask_wtf.csrf import generate_csrf

from tipline import catalog
from tipline.evidence.files import ACCEPTED
from tipline.i18n import current_language, html_lang
from tipline.reports.receipt import GROUP_SIZE
from tipline.tracking.status import PUBLIC_STATUSES


def _label(table_name):
    table = getattr(catalog, table_name)
    return lambda code: catalog.label(table, code)


def filesize(size):
    """Bytes as KB or MB, for people."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(1, size // 1024)} KB"


def features(text):
    """Filed features as the registry keeps them ("直播课程;录播课程"), listed in the page's language."""
    items = [item.strip() for item in re.split(r"[;；,，、\n]+", text or "") if item.strip()]
    return ("、" if current_language() == "zh" else ", ").join(items)


def clauses(items):
    """Clauses of one sentence joined in the page's language ("a; b", "甲；乙")."""
    return ("；" if current_language() == "zh" else "; ").join(str(item) for item in items)


def day(value):
    """A calendar date in the page's language (2026年11月30日, Nov 30, 2026), like every time shown."""
    return format_date(value, "medium") if value else ""


def datetime_local(value):
    """A stored UTC time in the page's time zone and language."""
    return format_datetime(value, "medium") if value else ""


def evidence_checks():
    """The data attributes by which static/js/files.js checks chosen files, with the server's own words."""
    from flask import current_app

    from tipline.evidence.intake import file_too_big, too_many_files, too_much_in_all

    config = current_app.config
    return {
        "data_max_files": config["EVIDENCE_MAX_FILES"],
        "data_max_file": config["EVIDENCE_MAX_FILE_BYTES"],
        "data_max_total": config["EVIDENCE_MAX_TOTAL_BYTES"],
        "data_too_many": too_many_files(),
        "data_too_big": file_too_big("{name}"),
        "data_too_much": too_much_in_all(),
    }


def install(app):
    """Register the filters and globals."""
    app.jinja_env.filters.update(
        category=_label("CATEGORIES"),
        location=_label("LOCATIONS"),
        reporter_type=_label("REPORTER_TYPES"),
        filing_status=_label("FILING_STATUSES"),
        list_status=_label("LIST_STATUSES"),
        organisation_type=_label("ORGANISATION_TYPES"),
        organisation_status=_label("ORGANISATION_STATUSES"),
        filesize=filesize,
        features=features,
        clauses=clauses,
        when=datetime_local,
        day=day,
        public_status=lambda code: PUBLIC_STATUSES.get(code, code),
    )
    app.jinja_env.globals.update(
        evidence_checks=evidence_checks,
        current_language=current_language,
        html_lang=html_lang,
        csrf_token=generate_csrf,
        receipt_group_size=GROUP_SIZE,
        evidence_accept=",".join(ACCEPTED),
        org_member=_org_member,
        plain_form=_plain_form,
    )


def _org_member():
    """The organisation member signed in in this browser, or None (on staff pages: always None)."""
    from flask import g

    from tipline.organisations.accounts import current_member

    return None if g.get("staff_surface") else current_member()


def _plain_form():
    """A form of nothing but its CSRF token, for one-button forms (signing out)."""
    from cases.forms import PlainForm

    return PlainForm(formdata=None)
