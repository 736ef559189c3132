"""The batch pages at /org/batch: sending a CSV file of tips, its template, and the progress of each import."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileRequired
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage
from wtforms import FileField, SubmitField

from tipline import catalog
from tipline.extensions import db, limiter
from tipline.forms import TiplineForm
from tipline.i18n import current_language
from tipline.organisations import accounts, service
from tipline.organisations import batch as batches
from tipline.organisations.models import QUEUED, RUNNING
from tipline.organisations.views import bp
from tipline.web import keeps_input, no_store


class BatchForm(TiplineForm):
    file = FileField(
        _l("CSV file"),
        validators=[FileRequired(_l("Choose the CSV file to send."))],
        description=_l("Saved from a spreadsheet as CSV, in UTF-8 or GB18030; the header line in Chinese or English."),
        render_kw={"accept": ".csv,.txt,text/csv"},
    )
    submit = SubmitField(_l("Check the file and import it"))


def _upload_page(form, errors=(), status=200):
    member = accounts.current_member()
    organisation = member.organisation
    language = current_language()
    return no_store(
        render_template(
            "organisations/batch.html",
            member=member,
            organisation=organisation,
            form=form,
            errors=errors,
            headers={column.key: column.header(language) for column in batches.COLUMNS},
            columns=batches.COLUMNS,
            categories=catalog.CATEGORIES,
            locations=catalog.LOCATIONS,
            recent=batches.recent_batches(organisation.id),
            states=batches.STATES,
            can_act=service.can_act(organisation),
            max_rows=current_app.config["ORG_BATCH_MAX_ROWS"],
            max_mb=batches.MAX_FILE_BYTES >> 20,
        ),
        status,
    )


@bp.route("/batch", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["ORG_BATCH_LIMIT"], methods=["POST"])
@accounts.member_required()
@keeps_input
def batch():
    """Send a file of tips: every line is checked first, and one bad line means nothing is imported."""
    member = accounts.current_member()
    form = BatchForm()
    if request.method != "POST":
        return _upload_page(form)
    if not service.can_act(member.organisation):
        abort(403)
    if not form.validate_on_submit():
        return _upload_page(form, status=400)
    upload = form.file.data
    data = upload.stream.read(batches.MAX_FILE_BYTES + 1) if isinstance(upload, FileStorage) else b""
    try:
        sent = batches.send_batch(
            member, upload.filename, data, current_app.config["ORG_BATCH_MAX_ROWS"], current_language()
        )
        db.session.commit()
    except batches.BatchRefused as refused:
        db.session.rollback()
        return _upload_page(form, refused.errors, 400)
    except batches.BatchError as exc:
        db.session.rollback()
        form.form_errors.append(str(exc.message))
        return _upload_page(form, status=403)
    except IntegrityError:
        # The same file sent twice at once: the other request made the batch.
        db.session.rollback()
        checked = batches.check_file(data, current_app.config["ORG_BATCH_MAX_ROWS"], current_language())
        sent = batches.Upload(batches.batch_by_digest(member.organisation_id, checked.digest), False)
        if sent.batch is None:
            raise
    if sent.restarted:
        flash(_("These reports were sent before and their import stopped. It starts again where it stopped."))
    elif not sent.new:
        flash(_("These reports were sent already: they are not imported twice. This is the batch that brought them."))
    return redirect(url_for("org.batch_status", batch_id=sent.batch.id), 303)


@bp.route("/batch/template.csv")
@accounts.member_required()
def batch_template():
    """The template: the header line in the page's language and one example line to replace."""
    response = no_store(batches.template_csv(current_language()))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    name = "tipline-batch-en.csv" if current_language() == "en" else "tipline-batch-zh.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.route("/batch/<id:batch_id>")
@accounts.member_required()
def batch_status(batch_id):
    """How far the import of one batch has gone; the page reloads itself while it runs."""
    member = accounts.current_member()
    found = batches.find_batch(member.organisation_id, batch_id)
    if found is None:
        abort(404)
    return no_store(
        render_template(
            "organisations/batch_status.html",
            member=member,
            batch=found,
            states=batches.STATES,
            reason=batches.stopped_reason(found),
            refresh=found.state in (QUEUED, RUNNING),
        )
    )
