"""The reporter's side after submission: look a tip up by its receipt code, follow it, add to it."""

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from tipline import fairness
from tipline.evidence.intake import clean_form_files
from tipline.extensions import db, limiter
from tipline.followup import service as followup
from tipline.reports.receipt import MalformedReceiptCode, normalize_receipt_code
from tipline.reports.service import add_to_tip, find_tip
from tipline.tracking.forms import AddInformationForm, FixAnswerForm, LeaveForm, LookupForm
from tipline.tracking.sessions import (
    SESSION_KEY,
    end_tracking,
    fresh_session,
    start_tracking,
    tracked_tip,
    tracked_tip_key,
)
from tipline.tracking.status import EXPLANATIONS, PUBLIC_STATUSES, public_status
from tipline.web import keeps_input, no_store

bp = Blueprint("tracking", __name__, url_prefix="/track")


def _tracked_tip():
    """The tip this browser opened with its receipt code, while its server-side session lasts.

    The cookie holds only a random token; the server decides whether it still opens
    a tip (tipline/tracking/sessions.py), so a forged, stale or left cookie opens nothing.
    """
    tip = tracked_tip(session.get(SESSION_KEY))
    db.session.commit()  # the session's new end
    return tip


@bp.route("", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["TRACK_LOOKUP_LIMIT"], methods=["POST"])
@keeps_input
def lookup():
    """The receipt look-up. A wrong code and an unknown code get the same answer.

    Only wrong codes count against the address (tipline/fairness.py): parents behind one
    school address can look their reports up as often as they like.
    """
    form = LookupForm()
    status, fresh = 200, False
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            try:
                normalize_receipt_code(form.code.data)  # a typo is not a guess: it costs nothing
                fairness.redeem(fairness.LOOKUP, form.stamp.data, form.stamp_work.data)
            except MalformedReceiptCode:
                form.code.errors.append(
                    _("That is not a receipt code. A code has 24 letters and digits, and never the letter U.")
                )
            except fairness.StampRefused as refused:
                g.stamp_refused = fairness.refusal_text(refused)
                status, fresh = 429, refused.fresh
            else:
                fresh = True  # the stamp is spent: the form, if shown again, needs a new one
                tip = find_tip(form.code.data)
                if tip is not None:
                    fairness.refund(fairness.LOOKUP)  # a correct code counts nothing
                    fresh_session()
                    session[SESSION_KEY] = start_tracking(tip)
                    session.permanent = True
                    db.session.commit()
                    return redirect(url_for(".tip"))
                form.code.errors.append(_("No report matches this receipt code. Check it and try again."))
                status = 404
    demand = fairness.stamp_form(form, fairness.LOOKUP, fresh)
    return no_store(render_template("tipline/track.html", form=form, demand=demand), status)


def _render_tip(tip, add_form, status=200, fix_form=None):
    code = public_status(tip)
    return no_store(
        render_template(
            "tipline/tip.html",
            tip=tip,
            status=code,
            status_label=PUBLIC_STATUSES[code],
            status_explanation=EXPLANATIONS[code],
            add_form=add_form,
            leave_form=LeaveForm(),
            **fix_question(tip, fix_form),
        ),
        status,
    )


def fix_question(tip, form=None):
    """What a tip's page shows of the question "is the problem gone?": the check, whether it may be
    answered now, and its form (the one sent, errors and comment kept, or a blank one)."""
    check = followup.check_of(tip)
    return {
        "fix_check": check,
        "fix_may_answer": followup.may_answer(check),
        "fix_form": form or FixAnswerForm(formdata=None),
    }


@bp.route("/tip")
def tip():
    """The tracked tip: public status, history, and the form to add to it."""
    tip = _tracked_tip()
    if tip is None:
        flash(_("Enter your receipt code to see your report."))
        return redirect(url_for(".lookup"))
    return _render_tip(tip, AddInformationForm())


@bp.route("/tip", methods=["POST"])
@limiter.limit(lambda: current_app.config["TRACK_ADD_LIMIT"], methods=["POST"], key_func=tracked_tip_key)
@limiter.limit(lambda: current_app.config["TRACK_ADD_CEILING"], methods=["POST"], scope="track-add-address")
@keeps_input
def add():
    """Add information or evidence to the tracked tip."""
    tip = _tracked_tip()
    if tip is None:
        flash(_("Your session has ended. Enter your receipt code again to add to your report."))
        return redirect(url_for(".lookup"))
    form = AddInformationForm()
    if add_from_form(form, tip):
        flash(_("Thank you. Your addition is part of your report."))
        return redirect(url_for(".tip"))
    return _render_tip(tip, form, 400)


def add_from_form(form, tip, organisation=None):
    """Add what the form brings (text, files) to the tip and commit; False, with the form's errors set, if not.

    `organisation`: the organisation following the tip whose member sends it (the reporter otherwise).
    """
    if not form.validate_on_submit():
        return False
    clean, errors = clean_form_files(form.evidence.data)
    if errors:
        form.evidence.errors = list(form.evidence.errors) + errors
        return False
    if not form.text.data and not clean:
        form.text.errors = list(form.text.errors) + [_("Write something or attach a file.")]
        return False
    add_to_tip(tip, form.text.data, clean, organisation)
    db.session.commit()
    return True


@bp.route("/fixed", methods=["POST"])
@limiter.limit(lambda: current_app.config["TRACK_ADD_LIMIT"], methods=["POST"], key_func=tracked_tip_key)
@limiter.limit(lambda: current_app.config["TRACK_ADD_CEILING"], methods=["POST"], scope="track-add-address")
@keeps_input
def answer_fix():
    """The reporter's answer to "is the problem gone?"."""
    tip = _tracked_tip()
    if tip is None:
        flash(_("Your session has ended. Enter your receipt code again to answer."))
        return redirect(url_for(".lookup"))
    form = FixAnswerForm()
    check = followup.check_of(tip)
    if check is None:
        flash(_("There is no question about this report to answer."))
        return redirect(url_for(".tip"), 303)
    if answer_from_form(form, check):
        flash(_("Thank you for your answer."))
        return redirect(url_for(".tip", _anchor="fix"), 303)
    return _render_tip(tip, AddInformationForm(formdata=None), 400, form)


def answer_from_form(form, check, organisation=None):
    """Record the answer the form brings and commit; False, with the form's errors set, if not.

    `organisation`: the organisation answering for a tip in its list (the reporter otherwise).
    """
    if not form.validate_on_submit():
        return False
    try:
        followup.answer(check, form.answer.data, form.comment.data or "", organisation)
    except followup.FollowupError as refused:
        db.session.rollback()
        form.answer.errors = [*form.answer.errors, str(refused.message)]
        return False
    db.session.commit()
    return True


@bp.route("/leave", methods=["POST"])
def leave():
    """Forget the tracked tip on this device."""
    if LeaveForm().validate_on_submit():
        end_tracking(session.pop(SESSION_KEY, None))
        db.session.commit()
        flash(_("Your report is closed on this device. Keep your receipt code to open it again."))
    return redirect(url_for(".lookup"))
