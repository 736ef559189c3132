"""Is it fixed? Asking the reporters of a case closed founded, recording their answers, and acting on them.

The rules, in one place:

- **Who is asked.** A case closed founded at least FOLLOWUP_AFTER_DAYS ago, with an action of that case
  still in force, whose reporters were never asked (`Case.fix_asked_at` is NULL): every tip of it gets
  one FixCheck, a line in its public history, and, when its reporter left an address, a mail in her
  language (the question and the tracking link, never the receipt code).
- **Asked once.** A case is claimed by one conditional UPDATE of `fix_asked_at`, and a tip has at most
  one FixCheck (unique key): running the scan twice, or on two workers at once, asks once. At most
  ASK_BATCH cases are asked per run; the rest wait for the next run (every FOLLOWUP_SCAN_MINUTES).
- **Not applicable.** A case with no action in force when its time comes is not asked, and nothing is
  written on it: it stays out of the scan by the scan's own condition, and drops out of the window for
  good LATE_DAYS after its time (so the scan never grows with the years of closed cases, and a case
  whose action starts later than its closing is still asked once it is in force within that window).
- **Answers.** A reporter (or an organisation holding the tip in its list) answers "fixed" or "still
  there", with an optional comment. The answer may be changed until the case's follow-up has been acted
  on (the verdict below); from then on it stands as the record. The same answer sent twice changes nothing.
- **The verdict.** "Still there" from FOLLOWUP_REOPEN_ANSWERS or more independent reporters (tips from
  one client, or from or answered by one organisation, count once: `independent_reporters`) acts once per
  case: the case is reopened by the system, or, when it cannot be (another open case holds its platform
  and problem, or it was closed otherwise since), the answers join that open case, or a new case opens
  that follows it (`Case.follows_case_id`). The answers are written into that case's history, and its
  officer (or else the nearest supervisors of its region) is told.
"""

from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError

from cases import states
from cases.actions import rules
from cases.actions.models import Action
from cases.audit import audit
from cases.models import Case, CaseEvent
from cases.notices import notify_staff
from cases.operations import CaseError, lock, new_case, open_case_for, open_key, record_event, reopen_by_followup
from tipline.extensions import db
from tipline.followup.models import FIXED, STILL_THERE, FixCheck
from tipline.jobs.outbox import record_job
from tipline.reports.models import Tip, TipEvent
from tipline.timeutil import app_today, utcnow

ANSWERS = (FIXED, STILL_THERE)
COMMENT_MAX = 1000

# Kinds of entry in a tip's public history (templates/tipline/_tip.html says them).
QUESTION_EVENT = "fix_question"
ANSWER_EVENTS = {FIXED: "fix_gone", STILL_THERE: "fix_still_there"}

# Kinds of entry in a case's history (cases/timeline.py says them).
ASKED = "fix_asked"
ANSWERED = "fix_answered"
REOPENED = "fix_reopened"  # on the case its reporters' answers reopened
MOVED_ON = "fix_moved_on"  # on the closed case whose answers went to another case
ANSWERS_JOINED = "fix_answers_joined"  # on the open case that took them up
FOLLOWUP_OPENED = "fix_followup_opened"  # on the new case that follows the closed one
# Written on the asked case once its follow-up has been acted on: answers stand from then on.
VERDICTS = (REOPENED, MOVED_ON)

MAIL_JOB = "mail.fix_question"
ASK_BATCH = 500
# A case whose time came more than this many days ago without being asked is not asked any more.
LATE_DAYS = 28


class FollowupError(Exception):
    """An answer that cannot be recorded; `message` says why, in the page's language."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


# --- asking -----------------------------------------------------------------------------------


def _action_in_force(now):
    """SQL: the case has an imposed action in force today (cases/actions/service.py: actions_in_force)."""
    return exists().where(
        Action.case_id == Case.id,
        Action.state == rules.IN_FORCE,
        Action.lifts_id.is_(None),
        Action.starts_on <= app_today(now),
    )


def due_cases(now, limit=ASK_BATCH):
    """The cases whose reporters are due the question at `now`, longest waiting first."""
    due = now - timedelta(days=current_app.config["FOLLOWUP_AFTER_DAYS"])
    return db.session.scalars(
        select(Case)
        .where(
            Case.state == states.CLOSED_FOUNDED,
            Case.fix_asked_at.is_(None),
            Case.closed_at <= due,
            Case.closed_at > due - timedelta(days=LATE_DAYS),
            _action_in_force(now),
        )
        .order_by(Case.closed_at, Case.id)
        .limit(limit)
    ).all()


def ask_due(now):
    """Ask the reporters of every case due the question (see the module's rules); returns the cases asked.

    Records the checks, the history entries and the mail jobs in the caller's transaction.
    """
    asked = []
    for case in due_cases(now):
        claimed = db.session.execute(
            update(Case)
            .where(Case.id == case.id, Case.fix_asked_at.is_(None), Case.state == states.CLOSED_FOUNDED)
            .values(fix_asked_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:  # another run asked it a moment ago, or it was reopened meanwhile
            continue
        db.session.refresh(case, ["fix_asked_at"])
        checks = _ask_case(case, now)
        record_event(case, None, ASKED, tips=len(checks))
        asked.append(case)
    return asked


def _ask_case(case, now):
    """One FixCheck, one public history entry and (with an address) one mail per tip of the case."""
    asked_before = select(FixCheck.tip_id).where(FixCheck.tip_id == Tip.id)
    tips = db.session.scalars(
        select(Tip)
        .where(Tip.case_id == case.id, Tip.junk_status != "confirmed", ~exists(asked_before))
        .order_by(Tip.id)
    ).all()
    checks = []
    for tip in tips:
        check = FixCheck(tip_id=tip.id, case_id=case.id, asked_at=now)
        db.session.add(check)
        db.session.add(TipEvent(tip=tip, kind=QUESTION_EVENT, created_at=now))
        if tip.contact_encrypted is not None:
            record_job(MAIL_JOB, tip_id=tip.id)
        checks.append(check)
    db.session.flush()
    return checks


# --- reading ----------------------------------------------------------------------------------


def check_of(tip):
    """The question put to this tip's reporter, answered or not, or None."""
    return db.session.scalars(select(FixCheck).where(FixCheck.tip_id == tip.id)).first()


def unanswered_tip_ids(tip_ids):
    """Of these tips, those whose question waits for an answer."""
    if not tip_ids:
        return set()
    return set(
        db.session.scalars(select(FixCheck.tip_id).where(FixCheck.tip_id.in_(tip_ids), FixCheck.answer.is_(None)))
    )


def answer_counts(case_id):
    """{"fixed": n, "still_there": n, "waiting": n}: the answers to the questions put about a case."""
    from sqlalchemy import func

    rows = db.session.execute(
        select(FixCheck.answer, func.count()).where(FixCheck.case_id == case_id).group_by(FixCheck.answer)
    ).all()
    counts = {FIXED: 0, STILL_THERE: 0, "waiting": 0}
    for given, number in rows:
        counts[given if given in ANSWERS else "waiting"] += number
    return counts


def acted_on(case_id):
    """Whether the follow-up of this (asked) case has been acted on: its answers then stand."""
    return db.session.scalar(select(exists().where(CaseEvent.case_id == case_id, CaseEvent.kind.in_(VERDICTS))))


def may_answer(check):
    """Whether the question can be answered now: never answered, or answered and not yet acted on."""
    return check is not None and (check.answer is None or not acted_on(check.case_id))


# --- answering --------------------------------------------------------------------------------


def answer(check, given, comment="", organisation=None):
    """Record the reporter's answer to the question (or the organisation's, for a tip in its list).

    Returns the case that took up the work when this answer settled the verdict (see still_there_verdict),
    else None. Raises FollowupError when the answer is not one of ANSWERS, the comment is too long, or
    the answer may no longer be changed.
    """
    comment = (comment or "").strip()
    if given not in ANSWERS:
        raise FollowupError(_l("Choose one of the two answers."))
    if len(comment) > COMMENT_MAX or "\x00" in comment:
        raise FollowupError(_l("Write at most %(max)d characters.", max=COMMENT_MAX))
    if organisation is not None:
        _check_organisation(organisation, check)
    case = db.session.get(Case, check.case_id)
    lock(case)  # one verdict at a time per case, counted after every earlier answer
    db.session.refresh(check)
    if check.answer is not None and acted_on(case.id):
        raise FollowupError(_l("Your answer has been taken up already, so it can no longer be changed."))
    org_id = organisation.id if organisation is not None else None
    if (check.answer, check.comment or "", check.answered_by_organisation_id) == (given, comment, org_id):
        return None  # the same answer sent again
    changed = check.answer is not None
    check.answer, check.comment, check.answered_at = given, comment, utcnow()
    check.answered_by_organisation_id = org_id
    db.session.add(TipEvent(tip_id=check.tip_id, kind=ANSWER_EVENTS[given], body=comment, organisation_id=org_id))
    detail = {"tip_id": check.tip_id, "answer": given, "comment": comment, "changed": changed}
    if organisation is not None:
        detail["organisation"] = organisation.name
    record_event(case, None, ANSWERED, **detail)
    db.session.flush()
    return still_there_verdict(case) if given == STILL_THERE else None


def _check_organisation(organisation, check):
    """Only an organisation holding the tip in its list, and able to act, answers for it."""
    from tipline.organisations.service import can_act
    from tipline.organisations.tips import listed_tip

    if listed_tip(organisation.id, check.tip_id) is None:
        raise FollowupError(_l("This report is not in your list."))
    if not can_act(organisation):
        raise FollowupError(_l("Your organisation cannot answer for its reports as it stands now."))


def independent_reporters(checks):
    """How many independent reporters gave these answers.

    The priority rule's notion (cases/priority.py): tips from one client count once; so do tips an
    organisation filed or answered for. Two answers are one reporter when they share either.
    """
    parent = {}

    def root(key):
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for check in checks:
        tip = check.tip
        keys = [f"client:{tip.client_digest}"]
        keys += [f"org:{org}" for org in (tip.organisation_id, check.answered_by_organisation_id) if org is not None]
        for key in keys:
            parent.setdefault(key, key)
        for key in keys[1:]:
            parent[root(key)] = root(keys[0])
    return len({root(key) for key in parent})


def still_there_verdict(case):
    """Act on "still there" answers about a closed case once enough independent reporters gave them.

    Once per case: the case reopens (closed founded -> under investigation, by the system); or the answers
    join the open case that holds its platform and problem; or a new case opens that follows it. Returns
    the case that takes up the work, or None when nothing was done.
    """
    if acted_on(case.id):
        return None
    still = db.session.scalars(
        select(FixCheck).where(FixCheck.case_id == case.id, FixCheck.answer == STILL_THERE).order_by(FixCheck.tip_id)
    ).all()
    if independent_reporters(still) < current_app.config["FOLLOWUP_REOPEN_ANSWERS"]:
        return None
    answers = [_answer_record(check) for check in still]
    if case.is_open:  # staff reopened it already: the answers join it
        target, reopened = case, False
    else:
        target = _reopened(case, _reason(answers))
        reopened = target is not None
    if target is case:
        record_event(case, None, REOPENED, answers=answers, reopened=reopened)
    else:
        target = _case_taking_up(case, answers)
        record_event(case, None, MOVED_ON, target_id=target.id, answers=answers)
    audit(None, "case.fix_still_there", "case", case.id, taken_up_in=target.id, answers=len(answers))
    _tell_staff(case, target)
    return target


def _answer_record(check):
    """One answer as the case history keeps it."""
    record = {"tip_id": check.tip_id, "answer": check.answer, "comment": check.comment or ""}
    if check.answered_by_organisation_id is not None:
        from tipline.organisations.models import Organisation

        organisation = db.session.get(Organisation, check.answered_by_organisation_id)
        record["organisation"] = organisation.name if organisation else ""
    return record


def _reason(answers):
    """The reason the reopening gives, quoting each answer (stored, so in the app's default language)."""
    from flask_babel import force_locale
    from flask_babel import gettext as _

    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return "\n".join([_("Reporters say the problem is still there:"), *(answer_line(a) for a in answers)])


def answer_line(record):
    """One answer of a case history's list in words: "Report #12 (its organisation): still there: comment"."""
    from flask_babel import gettext as _

    said = _("the problem is gone") if record.get("answer") == FIXED else _("the problem is still there")
    if record.get("organisation"):
        line = _(
            "Report #%(tip)s, for %(org)s: %(answer)s",
            tip=record.get("tip_id"),
            org=record["organisation"],
            answer=said,
        )
    else:
        line = _("Report #%(tip)s: %(answer)s", tip=record.get("tip_id"), answer=said)
    return f"{line} — “{record['comment']}”" if record.get("comment") else line


def _reopened(case, reason):
    """Reopen a case closed founded by its reporters' answers; None when it cannot be reopened."""
    if case.state != states.CLOSED_FOUNDED:
        return None
    try:
        with db.session.begin_nested():
            reopen_by_followup(case, reason)
            db.session.flush()
    except (CaseError, IntegrityError):  # another open case holds its platform and problem
        db.session.refresh(case)
        return None
    return case


def _case_taking_up(case, answers):
    """The open case on the closed case's platform and problem, the answers added; or a new one that follows it."""
    target = open_case_for(case.platform_id, case.platform_name, case.category, case.site)
    if target is None:
        target = _new_followup_case(case, answers)
        if target is not None:
            return target
        target = open_case_for(case.platform_id, case.platform_name, case.category, case.site)
    record_event(target, None, ANSWERS_JOINED, source_id=case.id, answers=answers)
    return target


def _new_followup_case(case, answers):
    """A new case on the closed case's platform and problem that follows it; None if one opened meanwhile."""
    from cases.priority import compute_priority
    from cases.routing import route_case

    key = open_key(case.platform_id, case.platform_name, case.category, case.site)
    region, lead, co = route_case(case.platform, case.category)
    target = new_case(case.platform_id, case.platform_name, case.category, region, lead, co, key, site=case.site)
    target.platform = case.platform
    target.follows_case_id = case.id
    target.priority, target.priority_reasons = compute_priority(target)
    try:
        with db.session.begin_nested():
            db.session.add(target)
            db.session.flush()
    except IntegrityError:  # a tip opened the case on that key a moment ago
        return None
    record_event(target, None, FOLLOWUP_OPENED, source_id=case.id, answers=answers, region=region, lead=lead, co=co)
    return target


def _tell_staff(case, target):
    """The officer of the case taking up the work, or else the nearest supervisors of its region."""
    from cases.escalation import supervisors

    kind = "fix_reopened" if target.id == case.id else "fix_followed"
    if target.assignee is not None and target.assignee.active:
        notify_staff([target.assignee], kind, target, old=case.id)
        return
    departments = [target.lead_department, target.co_department]
    for region in reversed(target.region.path()):
        people = supervisors([region.code], departments)
        if people:
            notify_staff(people, kind, target, old=case.id)
            return
