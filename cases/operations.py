"""Every change to a case goes through a function here.

Each one checks that the actor may make the change, makes it, writes the case
history and the audit log, and records any jobs, inside the caller's
transaction. None of them commits: the view or job that called commits once.
"""

import re
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from cases import states
from cases.audit import audit
from cases.matching import match_again
from cases.models import Case, CaseEvent, CaseNote, CaseTask
from cases.notices import notify_reporter, notify_staff
from cases.priority import compute_priority, count_new_tip, recount_figures
from cases.routing import route_case
from tipline.catalog import DEPARTMENTS
from tipline.crypto import decrypt_contact
from tipline.extensions import db, insert_or_not
from tipline.reports.models import TipEvent
from tipline.timeutil import utcnow
from tipline.tracking.status import public_status

# Public history entries a case adds to its tips.
STATUS_CHANGED = "status_changed"
STAFF_MESSAGE = "staff_message"
MERGED = "merged"
MOVED = "moved"  # a tip split off into a case of its own
CLOSING_REASON = "closing_reason"  # the reason given to the reporter when her case closes


class CaseError(Exception):
    """A change that cannot be made; `message` says why, in the page's language."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class NotAllowed(CaseError):
    """The actor's role or department does not allow this change."""


def record_event(case, actor, kind, **detail):
    """Add one entry to the case history."""
    event = CaseEvent(case=case, actor_id=actor.id if actor else None, kind=kind, detail=detail)
    db.session.add(event)
    return event


def deadline_for(state, start):
    """When a case entering `state` at `start` becomes overdue (None for closed states)."""
    days = {**states.DEADLINE_DAYS, **current_app.config.get("CASE_DEADLINE_DAYS", {})}.get(state)
    return start + timedelta(days=days) if days is not None else None


def platform_key(platform_id, platform_name, site=None):
    """What 'the same platform' means for finding tips together: the registry's platform; else the site the
    tips link to (tipline/platforms/links.py), whatever each reporter called it; else the name typed."""
    if platform_id:
        return f"p:{platform_id}"
    if site:
        return f"s:{site}"[:200]
    return "n:" + " ".join((platform_name or "").lower().split())[:200]


def open_key(platform_id, platform_name, category, site=None):
    """The key the open case on this platform and problem is found by (Case.open_key)."""
    return f"{platform_key(platform_id, platform_name, site)}|{category}"


# --- intake -----------------------------------------------------------------------------------


def file_tip(tip, actor=None):
    """Find the tip together with the open case on its platform and category, or open a new case.

    A new tip may still be pending (not yet written): joining a case then writes it
    once, with its case, and reads none of the case's other tips.
    """
    key = open_key(tip.platform_id, tip.platform_name, tip.category, tip.site)
    case = _locked_open_case(key)
    if case is None:
        case = _open_case(tip, key, actor)
        if case is not None:
            return case
        # Another request opened it a moment ago.
        case = _locked_open_case(key)
        if case is None:  # and it has been closed or merged since: file again
            return file_tip(tip, actor)
    before = public_status(tip)
    count_new_tip(case, tip)
    tip.case = case
    db.session.flush()
    record_event(case, actor, "tip_joined", tip_id=tip.id)
    _reprioritise(case, actor)
    _note_public_change(tip, before)
    return case


def _locked_open_case(key):
    """The open case under `key`, its row locked for this transaction, or None.

    Locked in the same statement that finds it (SQLite takes a database-wide write
    lock instead). On PostgreSQL a case closed or merged while we waited for the
    lock no longer matches, and None comes back.
    """
    query = select(Case).where(Case.open_key == key)
    if db.engine.dialect.name != "postgresql":
        db.session.flush()  # writing the pending tip takes SQLite's write lock before the look-up
        return db.session.scalars(query).first()
    query = query.with_for_update().execution_options(populate_existing=True)
    with db.session.no_autoflush:
        return db.session.scalars(query).first()


NEW_CASE_COLUMNS = (
    "platform_id", "platform_name", "site", "category", "region_code", "lead_department", "co_department", "state",
    "state_changed_at", "deadline_at", "open_key", "priority", "priority_reasons", "tip_count", "reporter_count",
    "organisation_reported", "created_at", "updated_at",
)  # fmt: skip


def new_case(platform_id, platform_name, category, region, lead, co, key, site=None):
    """A case in its first state, with that state's deadline; priority is set once it holds tips."""
    now = utcnow()
    return Case(
        platform_id=platform_id,
        platform_name=platform_name,
        site=site,
        category=category,
        region_code=region,
        lead_department=lead,
        co_department=co,
        state=states.NEW,
        state_changed_at=now,
        deadline_at=deadline_for(states.NEW, now),
        open_key=key,
        priority=4,
        priority_reasons=[],
        tip_count=0,
        reporter_count=0,
        organisation_reported=False,
        created_at=now,
        updated_at=now,
    )


def _open_case(tip, key, actor):
    """Open the case a tip starts, or return None when another request opened it a moment ago.

    One INSERT that gives way on the unique open key (ON CONFLICT DO NOTHING) instead
    of failing: no SAVEPOINT, and the transaction stays usable for joining the winner.
    """
    region, lead, co = route_case(tip.platform, tip.category)
    name = tip.platform.name if tip.platform else tip.platform_name
    site = None if tip.platform_id else tip.site
    values = new_case(tip.platform_id, name, tip.category, region, lead, co, key, site=site)
    values.platform = tip.platform
    count_new_tip(values, tip)
    values.priority, values.priority_reasons = compute_priority(values)
    statement = (
        insert_or_not(Case)
        .values({column: getattr(values, column) for column in NEW_CASE_COLUMNS})
        .on_conflict_do_nothing(index_elements=["open_key"])
        .returning(Case)
    )
    with db.session.no_autoflush:
        case = db.session.scalars(statement).first()
    if case is None:
        return None
    tip.case = case
    db.session.flush()
    record_event(case, actor, "created", tip_id=tip.id, region=region, lead=lead, co=co)
    return case


def _reprioritise(case, actor):
    priority, reasons = compute_priority(case)
    if priority != case.priority or reasons != case.priority_reasons:
        if priority != case.priority:
            record_event(case, actor, "priority_changed", old=case.priority, new=priority)
        case.priority, case.priority_reasons = priority, reasons


def reweigh_organisation_cases(organisation_id, actor):
    """An organisation was verified, refused, suspended or reinstated: its open cases' priority follows at once."""
    from tipline.reports.models import Tip

    cases = db.session.scalars(
        select(Case)
        .where(Case.id.in_(select(Tip.case_id).where(Tip.organisation_id == organisation_id)))
        .where(Case.state.in_(states.OPEN_STATES))
        .order_by(Case.id)
    ).all()
    for case in cases:
        recount_figures(case)
        _reprioritise(case, actor)
    return cases


def note_first_response(tip, when):
    """The first time staff answered the reporter: what the public figures' days to first response measure."""
    if tip.first_response_at is None:
        tip.first_response_at = when


def _note_public_change(tip, before):
    """Add a public history entry, and mail the reporter, when what the reporter sees has changed."""
    after = public_status(tip)
    if after != before:
        event = TipEvent(tip=tip, kind=STATUS_CHANGED, body=after)
        db.session.add(event)
        note_first_response(tip, event.created_at or utcnow())
        db.session.flush()
        notify_reporter(tip, after, event.id)


# --- state ------------------------------------------------------------------------------------


def lock(*cases):
    """Lock the cases' rows for this transaction, in id order, and reload them.

    Merges, splits and state changes read a case, decide, then write: without the
    lock two of them at once (a merge A into B racing B into A) both succeed on
    stale reads.
    """
    lock_rows(Case, *cases)


def lock_rows(model, *rows):
    """Lock these rows of `model` for this transaction, in id order, and reload them.

    For operations that read a row, decide, then write. SQLite takes a database-wide
    write lock instead.
    """
    ids = sorted({row.id for row in rows})
    if db.engine.dialect.name == "postgresql":
        db.session.scalars(
            select(model)
            .where(model.id.in_(ids))
            .order_by(model.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).all()


def change_state(case, to_state, actor, reason=""):
    """Move a case to another state, if the table allows it for this actor."""
    lock(case)
    if to_state in states.CLOSINGS:
        raise NotAllowed(_l("Close a case with the closing form: a reason for the reporter and a confirmation."))
    if to_state in states.INDIRECT:
        raise NotAllowed(_l("This state is reached through its own operation (a merge), not directly."))
    if not states.may_transition(actor, case, to_state):
        raise NotAllowed(_l("You may not move this case to that state."))
    _set_state(case, to_state, actor, reason)


def reopen_by_followup(case, reason):
    """The system reopens a case closed founded because its reporters say the problem is still there.

    The move a supervisor may make by hand (cases/states.py: closed founded -> under investigation),
    made by no one: the history and the audit log name the system (tipline/followup/service.py
    decides when). Raises CaseError, having changed nothing, when the case is not closed founded or
    another open case holds its platform and problem.
    """
    lock(case)
    if case.state != states.CLOSED_FOUNDED or (case.state, states.INVESTIGATING) not in states.TRANSITIONS:
        raise CaseError(_l("Only a case closed as founded is reopened by its reporters' answers."))
    clash = open_case_for(case.platform_id, case.platform_name, case.category, case.site)
    if clash is not None:
        raise CaseError(_l("Another open case (#%(id)d) already covers this platform and problem.", id=clash.id))
    _set_state(case, states.INVESTIGATING, None, reason)


def _set_state(case, to_state, actor, reason=""):
    before = {tip.id: public_status(tip) for tip in case.tips}
    old = case.state
    if old == to_state:
        raise CaseError(_l("The case is in that state already."))
    now = utcnow()
    case.state = to_state
    case.state_changed_at = now
    case.deadline_at = deadline_for(to_state, now)
    if old == states.NEW and case.triaged_at is None:
        case.triaged_at = now  # the evaluation's time to triage
    if to_state in states.CLOSED_STATES:
        case.closed_at = now
        case.open_key = None
    elif old in states.CLOSED_STATES:
        # Reopened: it takes back the "find together" key, unless another case holds it now.
        case.closed_at = None
        key = open_key(case.platform_id, case.platform_name, case.category, case.site)
        clash = db.session.scalars(select(Case).where(Case.open_key == key, Case.id != case.id)).first()
        if clash is not None:
            raise CaseError(_l("Another open case (#%(id)d) already covers this platform and problem.", id=clash.id))
        case.open_key = key
    record_event(case, actor, "state_changed", old=old, new=to_state, reason=reason)
    audit(actor, "case.state", "case", case.id, old=old, new=to_state)
    for tip in case.tips:
        _note_public_change(tip, before[tip.id])


def close_case(case, to_state, actor, reason, confirmed):
    """Close a case founded or unfounded, or propose to when it needs a supervisor's agreement.

    The reason is what the case's reporters read; the closer must confirm. Returns True
    when the case closed, False when the closing waits for agreement.
    """
    lock(case)
    if to_state not in states.CLOSINGS or not states.may_transition(actor, case, to_state):
        raise NotAllowed(_l("You may not close this case that way."))
    reason = (reason or "").strip()
    if not reason:
        raise CaseError(_l("Give the reason the reporters will read."))
    if not confirmed:
        raise CaseError(_l("Confirm that the case should close."))
    if case.closing_state is not None:
        raise CaseError(_l("A closing of this case is already waiting for a supervisor's agreement."))
    if states.may_close_alone(actor, case):
        _close(case, to_state, actor, reason)
        return True
    case.closing_state, case.closing_reason = to_state, reason
    case.closing_proposed_by_id, case.closing_proposed_at = actor.id, utcnow()
    record_event(case, actor, "closing_proposed", state=to_state, reason=reason)
    audit(actor, "case.closing_proposed", "case", case.id, state=to_state)
    from cases.escalation import supervisors

    region_codes = [region.code for region in case.region.path()]
    people = supervisors(region_codes, [case.lead_department, case.co_department])
    notify_staff([p for p in people if states.may_agree_to_close(p, case)], "closing", case, who=actor.display_name)
    return False


def decide_closing(case, actor, agree, note=""):
    """Agree to the closing waiting on the case (it closes now) or refuse it (the case stays open)."""
    from cases.access import can_see_case

    lock(case)
    if case.closing_state is None:
        raise CaseError(_l("No closing of this case is waiting."))
    if not (states.may_agree_to_close(actor, case) and can_see_case(actor, case)):
        raise NotAllowed(_l("A supervisor agrees to a closing, and never the person who proposed it."))
    proposer, to_state, reason = case.closing_proposed_by, case.closing_state, case.closing_reason
    _clear_closing(case)
    if agree:
        record_event(case, actor, "closing_agreed", state=to_state, note=note or "")
        _close(case, to_state, actor, reason)
    else:
        record_event(case, actor, "closing_refused", state=to_state, note=note or "")
        audit(actor, "case.closing_refused", "case", case.id, state=to_state)
    notify_staff([proposer], "closing_agreed" if agree else "closing_refused", case, who=actor.display_name)


def _clear_closing(case):
    case.closing_state = case.closing_reason = None
    case.closing_proposed_by_id = case.closing_proposed_at = None


def _close(case, to_state, actor, reason):
    """Close the case; each reporter's history shows the new status and then the reason given."""
    _clear_closing(case)
    _set_state(case, to_state, actor, reason)
    for tip in case.tips:
        db.session.add(TipEvent(tip=tip, kind=CLOSING_REASON, body=reason))


def triage(case, actor, lead_department, co_department, assignee, reason=""):
    """Confirm or correct the routing of a new case, assign it, and mark it triaged."""
    if lead_department not in DEPARTMENTS or (co_department and co_department not in DEPARTMENTS):
        raise CaseError(_l("Choose a department from the list."))
    if co_department == lead_department:
        co_department = None
    lock(case)
    if not states.may_transition(actor, case, states.TRIAGED):
        raise NotAllowed(_l("You may not triage this case."))
    if (lead_department, co_department) != (case.lead_department, case.co_department):
        record_event(
            case,
            actor,
            "rerouted",
            old=[case.lead_department, case.co_department],
            new=[lead_department, co_department],
        )
        case.lead_department, case.co_department = lead_department, co_department
    if assignee is not None:
        _assign(case, actor, assignee)
    _set_state(case, states.TRIAGED, actor, reason)


class NeedsConfirmation(CaseError):
    """The step is allowed, but only once the user confirms it."""


def assign(case, actor, assignee, confirmed=False):
    """Give the case to a member of staff (or to nobody); the co-handling department's officer once confirmed."""
    if not states.may_act(actor, case, "assign"):
        raise NotAllowed(_l("You may not assign this case."))
    _check_assignee(case, assignee)  # before asking to confirm someone who could not take it anyway
    if states.assignment_needs_confirmation(case, assignee) and not confirmed:
        raise NeedsConfirmation(
            _l(
                "%(name)s works in the co-handling department, not the lead one. "
                "Confirm to make them the case officer.",
                name=assignee.display_name,
            )
        )
    _assign(case, actor, assignee)


def _check_assignee(case, assignee):
    from cases.access import may_work_on

    if assignee is not None and not (assignee.active and may_work_on(assignee, case)):
        raise CaseError(_l("That person cannot work on this case."))


def _assign(case, actor, assignee):
    _check_assignee(case, assignee)
    old = case.assignee_id
    case.assignee = assignee
    record_event(case, actor, "assigned", old=old, new=assignee.id if assignee else None)
    if assignee is not None and assignee.id != old and assignee.id != getattr(actor, "id", None):
        notify_staff([assignee], "assigned", case, who=actor.display_name if actor else "")
    audit(actor, "case.assign", "case", case.id, old=old, new=assignee.id if assignee else None)


# --- handling together ------------------------------------------------------------------------


def add_note(case, actor, body):
    """An internal note, from whichever department."""
    if not states.may_act(actor, case, "note"):
        raise NotAllowed(_l("You may not add a note to this case."))
    note = CaseNote(case=case, author_id=actor.id, department=actor.department, body=body)
    db.session.add(note)
    db.session.flush()
    record_event(case, actor, "note", note_id=note.id, department=actor.department)
    audit(actor, "case.note", "case", case.id, note_id=note.id)
    notify_staff([u for u in mentioned(body, case) if u.id != actor.id], "mentioned", case, who=actor.display_name)
    return note


MENTION = re.compile(r"@([\w.\-]+)")


def mention_handles(body):
    """The @handles a text names, as mentioned() compares them (a trailing full stop or dash left off, lower case)."""
    return {handle.rstrip(".-").lower() for handle in MENTION.findall(body or "")} - {""}


def mention_names(person):
    """What a note may call a member of staff after the @: their name, or their email before the @ (lower case)."""
    return {(person.name or "").lower(), person.email.split("@")[0].lower()} - {""}


def mentioned(body, case):
    """Staff a note names with @name (their name, or their email before the @) who can see the case."""
    from cases.access import active_staff_seeing

    handles = mention_handles(body)
    if not handles:
        return []
    return [person for person in db.session.scalars(active_staff_seeing(case)) if mention_names(person) & handles]


def add_task(case, actor, department, title, due_on=None):
    """A task for one department."""
    if not states.may_act(actor, case, "task"):
        raise NotAllowed(_l("You may not add a task to this case."))
    if department not in DEPARTMENTS:
        raise CaseError(_l("Choose a department from the list."))
    task = CaseTask(case=case, department=department, title=title, due_on=due_on, created_by_id=actor.id)
    db.session.add(task)
    db.session.flush()
    record_event(case, actor, "task_added", task_id=task.id, department=department, title=title)
    audit(actor, "case.task", "case", case.id, task_id=task.id)
    notify_staff(
        [u for u in department_staff(case, department) if u.id != actor.id],
        "task",
        case,
        who=actor.display_name,
        title=title,
    )
    return task


def department_staff(case, department):
    """The officers and supervisors of a department in the case's region or above."""
    from cases.escalation import staff_in

    return staff_in([region.code for region in case.region.path()], [department], ("officer", "supervisor"))


def complete_task(task, actor):
    """Mark a task done; only its own department (or a supervisor) closes it."""
    if task.done_at is not None:
        raise CaseError(_l("This task is already done."))
    if not states.may_complete_task(actor, task):
        raise NotAllowed(_l("Only the department the task is for can mark it done."))
    task.done_at = utcnow()
    task.done_by_id = actor.id
    record_event(task.case, actor, "task_done", task_id=task.id, title=task.title)
    audit(actor, "case.task_done", "case", task.case_id, task_id=task.id)


def send_message(case, tip, actor, body):
    """A message to the reporter of one tip of the case; it appears on their tracking page."""
    if tip.case_id != case.id:
        raise CaseError(_l("That report is not part of this case."))
    if not states.may_act(actor, case, "message"):
        raise NotAllowed(_l("You may not write to the reporter of this case."))
    event = TipEvent(tip=tip, kind=STAFF_MESSAGE, body=body)
    db.session.add(event)
    db.session.flush()
    note_first_response(tip, event.created_at)
    record_event(case, actor, "message_sent", tip_id=tip.id, tip_event_id=event.id)
    audit(actor, "tip.message", "tip", tip.id)
    return event


def reporter_added(tip, tip_event):
    """Bring what a reporter added on their tracking page into the case history."""
    match_again([tip])
    if tip.case is not None:
        by = {"organisation": tip_event.organisation.name} if tip_event.organisation is not None else {}
        record_event(tip.case, None, "reporter_added", tip_id=tip.id, tip_event_id=tip_event.id, **by)
        notify_staff([tip.case.assignee], "reporter_added", tip.case)


def view_contact(tip, actor):
    """The reporter's contact details, for staff working the case; every view is audited."""
    from cases.access import works_on

    if tip.case is None or not works_on(actor, tip.case):
        raise NotAllowed(_l("Only staff working on this case may see the reporter's contact details."))
    audit(actor, "tip.contact_viewed", "tip", tip.id, case_id=tip.case_id)
    record_event(tip.case, actor, "contact_viewed", tip_id=tip.id)
    return decrypt_contact(tip.contact_encrypted)


# --- merge and split --------------------------------------------------------------------------


def merge_cases(source, target, actor, reason=""):
    """Fold `source` into `target`: every tip moves over, both histories say so, source closes."""
    if source.id == target.id:
        raise CaseError(_l("A case cannot be merged into itself."))
    lock(source, target)
    if not source.is_open:
        raise CaseError(_l("Only an open case can be merged."))
    if not target.is_open:
        raise CaseError(_l("Merge into an open case."))
    if not states.may_merge(actor, source, target):
        raise NotAllowed(_l("You may not merge this case into that one."))
    from cases.access import can_see_case

    if not (can_see_case(actor, source) and can_see_case(actor, target)):
        raise NotAllowed(_l("There is no case with this number that you can see."))
    moved = [tip.id for tip in source.tips]
    match_again(source.tips)
    for tip in list(source.tips):
        before = public_status(tip)
        tip.case = target
        db.session.add(TipEvent(tip=tip, kind=MERGED))
        _note_public_change(tip, before)
    _set_state(source, states.CLOSED_MERGED, actor, reason)
    source.merged_into = target
    record_event(source, actor, "merged_into", target_id=target.id, tip_ids=moved, reason=reason)
    record_event(target, actor, "merged_in", source_id=source.id, tip_ids=moved, reason=reason)
    audit(actor, "case.merge", "case", source.id, into=target.id, tip_ids=moved)
    recount_figures(source)
    recount_figures(target)
    _reprioritise(target, actor)


def split_tips(case, tip_ids, actor, category, reason=""):
    """Move some tips to the open case for their platform and another problem; returns that case.

    One open case per platform and problem: the tips join the open case for `category`
    when there is one, or start it (triaged afresh: its problem may call for another
    department). Each reporter is told her report moved and why, so her public status
    never goes back without a word.
    """
    from tipline.catalog import CATEGORIES

    lock(case)
    if not case.is_open:
        raise CaseError(_l("Only an open case can be split."))
    if not states.may_act(actor, case, "split"):
        raise NotAllowed(_l("You may not split this case."))
    chosen = [tip for tip in case.tips if tip.id in set(tip_ids)]
    if not chosen:
        raise CaseError(_l("Choose the reports to split off."))
    if len(chosen) == len(case.tips):
        raise CaseError(_l("Leave at least one report in this case."))
    if category not in CATEGORIES:
        raise CaseError(_l("Choose the problem the reports split off are about."))
    if category == case.category:
        raise CaseError(
            _l("This case is the one open case for this platform and problem: choose another problem to split off.")
        )
    key = open_key(case.platform_id, case.platform_name, category, case.site)
    target = _locked_open_case(key)
    joined = target is not None
    if joined and not states.may_join(actor, target):
        raise NotAllowed(_l("The open case for that problem is another department's: ask its staff or a supervisor."))
    if not joined:
        region, lead, co = route_case(case.platform, category)
        target = new_case(case.platform_id, case.platform_name, category, region, lead, co, key, site=case.site)
        target.platform = case.platform
        db.session.add(target)
    before = {tip.id: public_status(tip) for tip in chosen}
    match_again(chosen)
    for tip in chosen:
        tip.case = target
        db.session.add(TipEvent(tip=tip, kind=MERGED if joined else MOVED))
    db.session.flush()
    for tip in chosen:
        _note_public_change(tip, before[tip.id])
    moved = [tip.id for tip in chosen]
    record_event(case, actor, "split_out", new_case_id=target.id, tip_ids=moved, reason=reason, category=category)
    record_event(target, actor, "split_from", source_id=case.id, tip_ids=moved, reason=reason)
    audit(actor, "case.split", "case", case.id, new_case_id=target.id, tip_ids=moved, joined=joined)
    db.session.expire(case, ["tips"])
    db.session.expire(target, ["tips"])
    recount_figures(case)
    recount_figures(target)
    _reprioritise(case, actor)
    if joined:
        _reprioritise(target, actor)
    else:
        target.priority, target.priority_reasons = compute_priority(target)
    return target


# --- junk tray --------------------------------------------------------------------------------


def _check_tray(tip, actor):
    """Only the tray's people in the tip's regions sort it (cases/junk_tray.py: may_see_tray_tip)."""
    from cases.junk_tray import may_see_tray_tip

    if not may_see_tray_tip(actor, tip):
        raise NotAllowed(_l("Only intake staff, supervisors and administrators of its region sort the junk tray."))


def confirm_junk(tip, actor):
    """A person agrees the tip is junk: it stays stored, outside every case."""
    _check_tray(tip, actor)
    if tip.junk_status != "suspected":
        raise CaseError(_l("This report is not in the junk tray."))
    before = public_status(tip)
    tip.junk_status = "confirmed"
    tip.junk_decided_at = utcnow()
    audit(actor, "tip.junk_confirmed", "tip", tip.id, reasons=tip.junk_reasons)
    _note_public_change(tip, before)


def release_junk(tip, actor):
    """A person finds the tip genuine (even after it was confirmed as junk): it is filed into a case."""
    _check_tray(tip, actor)
    if tip.junk_status not in ("suspected", "confirmed"):
        raise CaseError(_l("This report is not in the junk tray."))
    tip.junk_status = "released"
    tip.junk_decided_at = utcnow()
    match_again([tip])
    audit(actor, "tip.junk_released", "tip", tip.id, reasons=tip.junk_reasons)
    return file_tip(tip, actor)


def open_case_for(platform_id, platform_name, category, site=None):
    """The open case a tip about this platform (or site) and category would join, if any."""
    key = open_key(platform_id, platform_name, category, site)
    return db.session.scalars(select(Case).where(Case.open_key == key)).first()
