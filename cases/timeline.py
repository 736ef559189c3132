"""Case history entries as sentences in the page's language."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup, escape

from cases import states
from tipline import catalog


def _state(code):
    return str(states.STATES.get(code, code))


def region_label(code):
    """A region's name by its code; the code itself when it is unknown."""
    from tipline.extensions import db
    from tipline.regions.models import Region

    region = db.session.get(Region, code) if code else None
    return region.name if region is not None else (code or "")


def _person(user_id):
    from cases.accounts.models import StaffUser
    from tipline.extensions import db

    user = db.session.get(StaffUser, user_id) if user_id else None
    return staff_label(user) if user is not None else ""


def _dept(code):
    return str(catalog.DEPARTMENTS.get(code, code)) if code else _("none")


def describe(event):
    """What one CaseEvent says, for the timeline."""
    d = event.detail or {}
    kind = event.kind
    if kind == "created":
        return _(
            "Case opened from report #%(tip)s; routed to region %(region)s, lead: %(lead)s, co-handling: %(co)s.",
            tip=d.get("tip_id"),
            region=region_label(d.get("region")),
            lead=_dept(d.get("lead")),
            co=_dept(d.get("co")),
        )
    if kind == "tip_joined":
        return _("Report #%(tip)s joined this case (found together).", tip=d.get("tip_id"))
    if kind == "priority_changed":
        return _("Priority changed from P%(old)s to P%(new)s.", old=d.get("old"), new=d.get("new"))
    if kind == "state_changed":
        return _("State changed from “%(old)s” to “%(new)s”.", old=_state(d.get("old")), new=_state(d.get("new")))
    if kind == "rerouted":
        old, new = d.get("old") or [None, None], d.get("new") or [None, None]
        return _(
            "Departments changed from %(old)s to %(new)s.",
            old=" + ".join(_dept(x) for x in old if x),
            new=" + ".join(_dept(x) for x in new if x),
        )
    if kind == "assigned":
        person = _person(d.get("new"))
        return _("Assigned to %(name)s.", name=person) if person else _("No longer assigned to anyone.")
    if kind == "note":
        return _("Internal note added by the %(dept)s.", dept=_dept(d.get("department")))
    if kind == "task_added":
        return _("Task for the %(dept)s: %(title)s", dept=_dept(d.get("department")), title=d.get("title"))
    if kind == "task_done":
        return _("Task done: %(title)s", title=d.get("title"))
    if kind == "message_sent":
        return _("Message sent to the reporter of report #%(tip)s.", tip=d.get("tip_id"))
    if kind == "reporter_added" and d.get("organisation"):
        return _(
            "%(org)s, which follows report #%(tip)s, added information or answered.",
            org=d["organisation"],
            tip=d.get("tip_id"),
        )
    if kind == "reporter_added":
        return _("The reporter of report #%(tip)s added information or answered.", tip=d.get("tip_id"))
    if kind == "contact_viewed":
        return _("Contact details of the reporter of report #%(tip)s were viewed.", tip=d.get("tip_id"))
    if kind == "merged_into":
        return _("Merged into case #%(id)s.", id=d.get("target_id"))
    if kind == "merged_in":
        return _(
            "Case #%(id)s was merged into this case (reports %(tips)s).",
            id=d.get("source_id"),
            tips=", ".join(f"#{t}" for t in d.get("tip_ids", [])),
        )
    if kind == "split_out":
        return _(
            "Reports %(tips)s were split off into case #%(id)s.",
            id=d.get("new_case_id"),
            tips=", ".join(f"#{t}" for t in d.get("tip_ids", [])),
        )
    if kind == "split_from":
        return _("Split off from case #%(id)s.", id=d.get("source_id"))
    if kind == "closing_proposed":
        return _(
            "Closing proposed as “%(state)s”, waiting for a supervisor's agreement. "
            "Reason for the reporters: %(reason)s",
            state=_state(d.get("state")),
            reason=d.get("reason", ""),
        )
    if kind == "closing_agreed":
        return _("A supervisor agreed to close the case as “%(state)s”.", state=_state(d.get("state")))
    if kind == "closing_refused":
        text = _("A supervisor did not agree to close the case as “%(state)s”.", state=_state(d.get("state")))
        return f"{text} {d['note']}" if d.get("note") else text
    return _describe_more(kind, d)


def _action_type(code):
    from cases.actions.rules import ACTION_TYPES

    return str(ACTION_TYPES.get(code, code))


def _describe_more(kind, d):
    """Actions, reviews and escalations."""
    from cases.escalation import REASONS

    if kind.startswith("fix_"):
        return _describe_followup(kind, d)

    if kind == "action_proposed":
        return _("Action proposed: %(type)s.", type=_action_type(d.get("type")))
    if kind == "lift_proposed":
        return _("Lifting proposed: %(type)s.", type=_action_type(d.get("type")))
    if kind == "action_approved":
        return _("Action approved and in effect: %(type)s.", type=_action_type(d.get("type")))
    if kind == "action_rejected":
        return _("Action rejected: %(type)s.", type=_action_type(d.get("type")))
    if kind == "action_lifted":
        return _("Action lifted: %(type)s.", type=_action_type(d.get("type")))
    if kind == "review_requested":
        return _("The rectification deadline has passed: the education department is asked to review it.")
    if kind == "review_co_handling":
        return _("The education department now co-handles the case, to review the rectification.")
    if kind == "review_recorded":
        from cases.actions.rules import REVIEW_OUTCOMES

        return _(
            "Rectification review recorded: %(outcome)s. It waits for a second supervisor's confirmation.",
            outcome=str(REVIEW_OUTCOMES.get(d.get("outcome"), d.get("outcome"))),
        )
    if kind == "review_disputed":
        return _("The recorded rectification review was not confirmed: %(reason)s", reason=d.get("reason"))
    if kind == "rectified":
        return _("Rectification reviewed and passed; the platform's filing record is renewed.")
    if kind == "rectification_failed":
        return _("Rectification review failed; a stronger action is proposed.")
    if kind == "escalated":
        reasons = "; ".join(str(REASONS.get(r, r)) for r in d.get("reasons", []))
        if d.get("to_region"):
            return _(
                "Escalated to the region above (%(region)s): %(reasons)s.",
                region=region_label(d["to_region"]),
                reasons=reasons,
            )
        return _("Escalated to the supervisors: %(reasons)s.", reasons=reasons)
    return kind


def _case_link(case_id):
    """A case number linking to its page (the timeline shows it as it is)."""
    from flask import has_request_context, url_for

    if not isinstance(case_id, int) or isinstance(case_id, bool) or not has_request_context():
        return escape(f"#{case_id}")
    return Markup('<a href="{}">#{}</a>').format(url_for("staff.case", case_id=case_id), case_id)


def _linked(text, case_id):
    """A translated sentence whose %(link)s is a link to a case."""
    return escape(text) % {"link": _case_link(case_id)}


def _describe_asked(d):
    """The question put, with the answers so far (read now: they change as reporters answer)."""
    asked = d.get("tips") if isinstance(d.get("tips"), int) else 0
    return ngettext(
        "The reporter of %(num)d report was asked whether the problem is gone.",
        "The reporters of %(num)d reports were asked whether the problem is gone.",
        asked,
    )


def _describe_followup(kind, d):
    """Is it fixed? (tipline/followup): the question, the answers, and what they led to."""
    from tipline.followup.models import FIXED

    if kind == "fix_asked":
        return _describe_asked(d)
    if kind == "fix_answered":
        gone = d.get("answer") == FIXED
        if d.get("organisation"):
            text = (
                _(
                    "%(org)s answers for report #%(tip)s: the problem is gone.",
                    org=d["organisation"],
                    tip=d.get("tip_id"),
                )
                if gone
                else _(
                    "%(org)s answers for report #%(tip)s: the problem is still there.",
                    org=d["organisation"],
                    tip=d.get("tip_id"),
                )
            )
        elif gone:
            text = _("The reporter of report #%(tip)s answers: the problem is gone.", tip=d.get("tip_id"))
        else:
            text = _("The reporter of report #%(tip)s answers: the problem is still there.", tip=d.get("tip_id"))
        return f"{text} {_('(answer changed)')}" if d.get("changed") else text
    if kind == "fix_reopened":
        if d.get("reopened"):
            return _("Reporters say the problem is still there: their answers reopened the case.")
        return _("Reporters say the problem is still there; the case was open already.")
    if kind == "fix_moved_on":
        return _linked(
            _(
                "Reporters say the problem is still there; this case could not reopen, "
                "so their answers went to case %(link)s."
            ),
            d.get("target_id"),
        )
    if kind == "fix_answers_joined":
        return _linked(_("Reporters of closed case %(link)s say the problem is still there:"), d.get("source_id"))
    if kind == "fix_followup_opened":
        return _linked(
            _("Case opened because reporters of closed case %(link)s say the problem is still there:"),
            d.get("source_id"),
        )
    return kind


@dataclass(frozen=True)
class Entry:
    """One line of the case page's timeline: who did what, and the words they wrote, if any."""

    at: datetime
    who: str
    what: str
    text: str = ""
    kind: str = "event"  # event, note, message (to a reporter), reporter (their answer)
    files: tuple = ()


def staff_label(user):
    """A member of staff as the history names them: "Name (Department)", or "System"."""
    if user is None:
        return _("System")
    return _(
        "%(name)s (%(department)s)",
        name=user.display_name,
        department=catalog.label(catalog.DEPARTMENTS, user.department),
    )


# Case events that stand for a tip event, and how the timeline shows them.
TIP_EVENT_KINDS = {"message_sent": "message", "reporter_added": "reporter"}
# Tip events whose words the timeline shows: a reporter's addition, a message to a reporter.
SAID = {"info_added": "reporter", "staff_message": "message"}


def case_timeline(case):
    """The case's history, newest first, with the text of notes, messages and reporters' answers.

    A reporter's answer and a message to a reporter are tip events; the case event that
    records them names the tip event, so both read as one entry here, with the words. The
    words said on a report before it joined this case (by a merge or a split) come with it.
    Four queries, whatever the length of the history.
    """
    from sqlalchemy import or_, select
    from sqlalchemy.orm import selectinload

    from cases.models import CaseEvent, CaseNote
    from tipline.extensions import db
    from tipline.reports.models import TipEvent

    events = db.session.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id)
        .options(selectinload(CaseEvent.actor))
        .order_by(CaseEvent.id)
    ).all()
    note_ids = [e.detail.get("note_id") for e in events if e.kind == "note" and e.detail]
    named = [e.detail.get("tip_event_id") for e in events if e.kind in TIP_EVENT_KINDS and e.detail]
    tip_ids = [tip.id for tip in case.tips]
    notes = {n.id: n for n in db.session.scalars(select(CaseNote).where(CaseNote.id.in_(note_ids)))}
    said = {
        t.id: t
        for t in db.session.scalars(
            select(TipEvent)
            .where(or_(TipEvent.id.in_(named), TipEvent.tip_id.in_(tip_ids) & TipEvent.kind.in_(list(SAID))))
            .options(selectinload(TipEvent.evidence))
        )
    }
    entries, shown = [], set()
    for event in events:
        detail = event.detail or {}
        who = staff_label(event.actor)
        if event.kind == "note" and detail.get("note_id") in notes:
            note = notes[detail["note_id"]]
            entries.append(Entry(event.created_at, who, _("Internal note"), note.body, "note"))
        elif event.kind in TIP_EVENT_KINDS and detail.get("tip_event_id") in said:
            tip_event = said[detail["tip_event_id"]]
            shown.add(tip_event.id)
            if event.kind == "reporter_added":
                who = detail.get("organisation") or _("Reporter of report #%(tip)s", tip=detail.get("tip_id"))
            kind, files = TIP_EVENT_KINDS[event.kind], tuple(tip_event.evidence)
            entries.append(Entry(event.created_at, who, describe(event), tip_event.body, kind, files))
        elif event.kind.startswith("fix_"):
            entries.append(_followup_entry(event, who, case))
        else:
            entries.append(Entry(event.created_at, who, describe(event), detail.get("reason") or ""))
    for tip_event in said.values():
        if tip_event.id not in shown and tip_event.tip_id in tip_ids:
            entries.append(_said_elsewhere(tip_event))
    entries.sort(key=lambda entry: entry.at)  # stable: the case's own order where times are equal
    return entries[::-1]


def _followup_entry(event, who, case):
    """Is it fixed? entries: an answer with its comment, the question with the answers so far, and the
    answers that reopened the case or went to another, one a line."""
    from tipline.followup.service import answer_counts, answer_line

    detail = event.detail or {}
    if event.kind == "fix_answered":
        who = detail.get("organisation") or _("Reporter of report #%(tip)s", tip=detail.get("tip_id"))
        return Entry(event.created_at, who, describe(event), detail.get("comment") or "", "reporter")
    if event.kind == "fix_asked":
        counts = answer_counts(case.id)
        text = _(
            "So far: %(gone)d gone, %(still)d still there, %(waiting)d not answered.",
            gone=counts["fixed"],
            still=counts["still_there"],
            waiting=counts["waiting"],
        )
        return Entry(event.created_at, who, describe(event), text)
    answers = detail.get("answers") if isinstance(detail.get("answers"), list) else []
    shown = not (event.kind == "fix_reopened" and detail.get("reopened"))  # the reopening's reason quotes them
    text = "\n".join(answer_line(a) for a in answers if isinstance(a, dict)) if shown else ""
    return Entry(event.created_at, who, describe(event), text)


def _said_elsewhere(tip_event):
    """Words said on a report while it belonged to another case."""
    tip = tip_event.tip_id
    if tip_event.kind == "info_added":
        who = _("Reporter of report #%(tip)s", tip=tip)
        what = _("The reporter of report #%(tip)s added information or answered.", tip=tip)
    else:
        who = _("Staff of the case the report was in then")
        what = _("Message sent to the reporter of report #%(tip)s.", tip=tip)
    return Entry(tip_event.created_at, who, what, tip_event.body, SAID[tip_event.kind], tuple(tip_event.evidence))
