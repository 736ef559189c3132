"""The audit log in words: what each kind of entry says, who did it, on which case, in the page's language.

KINDS is the one table of the kinds of audited acts. A kind written by `audit()`
anywhere in the code must have its words here (tests/cases/test_audit_log.py
collects every kind the code writes and checks).
"""

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from tipline import catalog
from tipline.extensions import db

# What each kind of entry says, as a sentence whose subject is the person in the "who" column.
KINDS = {
    "case.state": _l("Changed the state of a case"),
    "case.closing_proposed": _l("Proposed to close a case"),
    "case.closing_refused": _l("Did not agree to close a case"),
    "case.assign": _l("Assigned a case"),
    "case.note": _l("Added an internal note to a case"),
    "case.task": _l("Set a task on a case"),
    "case.task_done": _l("Marked a task done"),
    "case.merge": _l("Merged a case into another"),
    "case.split": _l("Split reports off a case"),
    "case.escalate": _l("Escalated a case"),
    "case.review_co_handling": _l("Made the education department co-handle a case, to review a rectification"),
    "case.fix_still_there": _l("Took up reporters' answers that the problem of a closed case is still there"),
    "tip.message": _l("Wrote to the reporter"),
    "tip.contact_viewed": _l("Viewed the reporter's contact details"),
    "tip.junk_confirmed": _l("Confirmed a report as junk"),
    "tip.junk_released": _l("Released a report from the junk tray"),
    "evidence.thumbnail": _l("Viewed the preview of an evidence file"),
    "evidence.view": _l("Opened an evidence file in the viewer"),
    "evidence.inline": _l("Viewed an evidence file in the page"),
    "evidence.page": _l("Viewed a page of an evidence PDF"),
    "evidence.download": _l("Downloaded an evidence file"),
    "action.propose": _l("Proposed an action"),
    "action.propose_lift": _l("Proposed to lift an action"),
    "action.reject": _l("Rejected a proposed action"),
    "action.approve": _l("Approved an action"),
    "action.review_requested": _l("Asked the education department to review a rectification"),
    "action.review_record": _l("Recorded the review of a rectification"),
    "action.review_dispute": _l("Did not confirm the recorded review of a rectification"),
    "action.rectified": _l("Confirmed that a platform rectified"),
    "action.rectification_failed": _l("Confirmed that a rectification failed"),
    "platform.list": _l("Changed the list a platform is on"),
    "platform.address_added": _l("Added an address to a platform's record"),
    "user.create": _l("Created an account"),
    "user.update": _l("Changed an account"),
    "user.password": _l("Set a new password"),
    "user.login": _l("Signed in"),
    "user.login_failed": _l("A sign-in failed"),
    "user.locked": _l("Sign-in was locked after repeated failures"),
    "user.totp_enabled": _l("Turned on the second factor"),
    "user.totp_disabled": _l("Turned off a second factor"),
    "user.sign_out_everywhere": _l("Signed out on every device"),
    "audit.export": _l("Exported the audit log"),
    "statements.export": _l("Downloaded statements of reasons"),
    "report.request": _l("Asked for a periodic report"),
    "report.retry": _l("Asked for a failed periodic report to be made again"),
    "report.download": _l("Downloaded a periodic report"),
    "organisation.create": _l("Registered an organisation"),
    "organisation.view": _l("Viewed an organisation's details"),
    "organisation.verify": _l("Verified an organisation"),
    "organisation.refuse": _l("Refused an organisation's registration"),
    "organisation.suspend": _l("Suspended an organisation"),
    "organisation.reinstate": _l("Reinstated an organisation"),
    # Written by the organisation's own side (actor: the system); who did it is in the details.
    "organisation.email_confirmed": _l("An organisation's address was confirmed"),
    "organisation.member_invited": _l("An organisation invited a member"),
    "organisation.member_joined": _l("A member joined an organisation"),
    "organisation.member_removed": _l("An organisation removed a member"),
    "organisation.admin_handed_over": _l("An organisation's administrator handed the role over"),
    "api_token.created": _l("Made an API key"),
    "api_token.revoked": _l("Revoked an API key"),
}

# The headings the kinds are grouped under in the filter, by the part of the kind before the dot.
KIND_GROUPS = {
    "case": _l("On cases"),
    "tip": _l("On reports"),
    "evidence": _l("On evidence"),
    "action": _l("On actions"),
    "platform": _l("On platforms"),
    "user": _l("Accounts and sign-in"),
    "audit": _l("On the audit log"),
    "statements": _l("On statements of reasons"),
    "report": _l("On periodic reports"),
    "organisation": _l("On organisations"),
    "api_token": _l("API keys"),
}


def kind_words(kind):
    """The sentence for a kind of entry; a kind without words still reads as words."""
    if kind in KINDS:
        return str(KINDS[kind])
    return _("Other act: %(kind)s", kind=_humanised(kind))


def kind_choices():
    """The known kinds for a select: [(group heading, [(kind, words), ...]), ...], in the table's order."""
    groups = {}
    for kind, words in KINDS.items():
        groups.setdefault(kind.split(".", 1)[0], []).append((kind, str(words)))
    return [(str(KIND_GROUPS.get(group, group)), items) for group, items in groups.items()]


def _humanised(code):
    """A code as words: "tip.junk_confirmed" gives "tip: junk confirmed"."""
    return str(code).replace(".", ": ").replace("_", " ")


@cache
def _models():
    """The models an entry names, by the name the reader knows them by."""
    from cases.accounts.models import StaffUser
    from cases.actions.models import Action
    from cases.models import Case, CaseTask
    from tipline.evidence.models import Evidence
    from tipline.organisations.models import Organisation, OrgMember
    from tipline.platforms.models import Platform
    from tipline.reports.models import Tip

    return {
        "organisation": Organisation,
        "member": OrgMember,
        "user": StaffUser,
        "tip": Tip,
        "evidence": Evidence,
        "action": Action,
        "case": Case,
        "task": CaseTask,
        "platform": Platform,
    }


@dataclass
class EntryInWords:
    """One audit entry as a person reads it."""

    id: int
    kind: str
    created_at: datetime
    person: str
    department: str
    what: str
    case_id: int | None
    case_visible: bool  # the viewer may open the case page
    target: str
    details: str
    address: str


class AuditReader:
    """Puts entries into words for one viewer, loading what they name in a few queries per batch."""

    BATCH = 500

    def __init__(self, viewer):
        self.viewer = viewer
        self._cache = {}

    # --- loading ------------------------------------------------------------------------------

    def row(self, name, row_id):
        """A row by id (None when missing or not a number), from what load() fetched or one query."""
        if not isinstance(row_id, int) or isinstance(row_id, bool):
            return None
        rows = self._cache.setdefault(name, {})
        if row_id not in rows:
            rows[row_id] = db.session.get(_models()[name], row_id)
        return rows[row_id]

    def _fetch(self, name, ids):
        model = _models()[name]
        rows = self._cache.setdefault(name, {})
        wanted = sorted({i for i in ids if isinstance(i, int) and not isinstance(i, bool) and i not in rows})
        for start in range(0, len(wanted), self.BATCH):
            chunk = wanted[start : start + self.BATCH]
            found = {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(chunk)))}
            rows.update({i: found.get(i) for i in chunk})

    def load(self, entries):
        """Fetch the people, reports, files, actions, tasks, platforms and cases these entries name."""
        wanted = {name: set() for name in _models()}
        for entry in entries:
            detail = entry.detail if isinstance(entry.detail, dict) else {}
            wanted["user"].add(entry.actor_id)
            if entry.target_type in wanted:
                wanted[entry.target_type].add(entry.target_id)
            for key in ("old", "new", "recorded_by") if entry.action in PEOPLE_IN_DETAIL else ():
                wanted["user"].add(detail.get(key))
            for key in ("lifts", "proposed", "action_id"):
                wanted["action"].add(detail.get(key))
            wanted["task"].add(detail.get("task_id"))
            filters = detail.get("filters") if entry.action == "audit.export" else None
            if isinstance(filters, dict):
                wanted["user"].add(filters.get("person"))
            if entry.action.startswith("organisation."):
                wanted["member"].update((detail.get("member_id"), detail.get("by")))
        for name in ("user", "evidence", "action", "task", "platform", "organisation", "member"):
            self._fetch(name, wanted[name])
        proofs = set()
        for evidence in self._cache["evidence"].values():
            if evidence is not None:
                wanted["tip"].add(evidence.tip_id)
                if evidence.tip_id is None:
                    proofs.add(evidence.id)
        self._fetch("tip", wanted["tip"])
        self._fetch_proof_owners(proofs)
        self._fetch("case", {self.case_of(entry) for entry in entries})

    def _fetch_proof_owners(self, evidence_ids):
        """The organisations whose proof documents these are (a proof belongs to no tip)."""
        from tipline.organisations.models import Organisation

        owners = self._cache.setdefault("proof_owner", {})
        wanted = sorted(i for i in evidence_ids if i not in owners)
        for start in range(0, len(wanted), self.BATCH):
            chunk = wanted[start : start + self.BATCH]
            found = db.session.scalars(select(Organisation).where(Organisation.proof_evidence_id.in_(chunk)))
            by_proof = {organisation.proof_evidence_id: organisation for organisation in found}
            owners.update({i: by_proof.get(i) for i in chunk})

    def proof_owner(self, evidence):
        """The organisation whose proof document the evidence is, or None."""
        if evidence.tip_id is not None:
            return None
        self._fetch_proof_owners([evidence.id])
        return self._cache["proof_owner"][evidence.id]

    def member(self, member_id):
        """A member of an organisation by name, or the number of one that is gone."""
        member = self.row("member", member_id)
        if member is None:
            return _("member #%(id)s", id=member_id) if isinstance(member_id, int) else plain(member_id)
        return member.display_name

    # --- words --------------------------------------------------------------------------------

    def person(self, user_id):
        """A person's name and department, or the number of an account that is gone."""
        user = self.row("user", user_id)
        if user is None:
            if isinstance(user_id, int) and not isinstance(user_id, bool):
                return _("account #%(id)s", id=user_id)
            return plain(user_id) if user_id else _("no one")
        from cases.timeline import staff_label

        return staff_label(user)

    def case_of(self, entry):
        """The number of the case the entry's target is or belongs to (now), or None."""
        kind, target_id = entry.target_type, entry.target_id
        if kind == "case":
            return target_id
        if kind == "evidence":
            evidence = self.row("evidence", target_id)
            kind, target_id = "tip", evidence.tip_id if evidence else None
        if kind == "tip":
            tip = self.row("tip", target_id)
            return tip.case_id if tip else None
        if kind == "action":
            action = self.row("action", target_id)
            return action.case_id if action else None
        return None

    def target(self, entry):
        """What the entry is about, in words: "Report #4", "Evidence file #12 (report #4)", ..."""
        from cases.actions.rules import ACTION_TYPES
        from tipline.i18n import localized

        kind, target_id = entry.target_type, entry.target_id
        if kind == "case":
            return _("Case #%(id)s", id=target_id)
        if kind == "tip":
            return _("Report #%(id)s", id=target_id)
        if kind == "evidence":
            evidence = self.row("evidence", target_id)
            if evidence is None:
                return _("Evidence file #%(id)s", id=target_id)
            if evidence.tip_id is None:
                owner = self.proof_owner(evidence)
                if owner is None:
                    return _("Evidence file #%(id)s", id=target_id)
                return _("Proof document #%(id)s of %(org)s", id=target_id, org=owner.name)
            return _("Evidence file #%(id)s (report #%(tip)s)", id=target_id, tip=evidence.tip_id)
        if kind == "action":
            action = self.row("action", target_id)
            if action is None:
                return _("Action #%(id)s", id=target_id)
            label = catalog.label(ACTION_TYPES, action.type)
            return _("Action #%(id)s: %(type)s", id=target_id, type=label)
        if kind == "user":
            user = self.row("user", target_id)
            return _("Account of %(name)s", name=user.display_name) if user else _("Account #%(id)s", id=target_id)
        if kind == "platform":
            platform = self.row("platform", target_id)
            if platform is None:
                return _("Platform #%(id)s", id=target_id)
            return _("Platform %(name)s", name=localized(platform.name, platform.name_en))
        if kind == "organisation":
            organisation = self.row("organisation", target_id)
            if organisation is None:
                return _("Organisation #%(id)s", id=target_id)
            return _("Organisation %(name)s", name=organisation.name)
        if kind == "region":
            return _("Region %(name)s", name=region_name(f"{target_id:06d}" if target_id else ""))
        return f"{_humanised(kind)} #{target_id}" if target_id is not None else _humanised(kind)

    def details(self, entry):
        """The entry's detail as words (never its raw JSON); "" when it holds nothing to say."""
        detail = entry.detail if isinstance(entry.detail, dict) else {}
        describe = DETAILS.get(entry.action)
        if describe is None:
            return plain_detail(detail)
        try:
            return describe(self, detail)
        except (TypeError, ValueError, AttributeError, KeyError):  # an entry of an older shape still reads
            return plain_detail(detail)

    def read(self, entry):
        """The entry in words."""
        from cases.access import can_see_case

        case_id = self.case_of(entry)
        case = self.row("case", case_id)
        actor = self.row("user", entry.actor_id)
        if actor is not None:
            person, department = actor.display_name, str(catalog.label(catalog.DEPARTMENTS, actor.department))
        elif entry.actor_id is None:
            person, department = _("System"), ""
        else:
            person, department = _("account #%(id)s", id=entry.actor_id), ""
        return EntryInWords(
            id=entry.id,
            kind=entry.action,
            created_at=entry.created_at,
            person=person,
            department=department,
            what=kind_words(entry.action),
            case_id=case_id,
            case_visible=case is not None and can_see_case(self.viewer, case),
            target=self.target(entry),
            details=self.details(entry),
            address=entry.address or "",
        )

    def read_all(self, entries):
        self.load(entries)
        return [self.read(entry) for entry in entries]


def region_name(code):
    from cases.timeline import region_label

    return region_label(code) or "—"


def plain(value):
    """One detail value as words: lists joined, yes/no, dates as days."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list | tuple):
        return ", ".join(plain(item) for item in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{_humanised(key)}: {plain(item)}" for key, item in value.items())
    return str(value)


def plain_detail(detail):
    """A detail this module has no sentence for, as "what: value" pairs."""
    return "; ".join(f"{_humanised(key)}: {plain(value)}" for key, value in detail.items())


def _joined(parts):
    return " ".join(part for part in parts if part)


def _numbers(ids):
    return ", ".join(f"#{plain(i)}" for i in ids or [])


def _v(detail, key):
    """One value of a detail as words, whatever its shape, for a sentence."""
    return plain(detail.get(key))


def _state(code):
    from cases import states

    return str(states.STATES.get(code, _humanised(code or "")))


def _state_change(reader, d):
    return _("From “%(old)s” to “%(new)s”.", old=_state(d.get("old")), new=_state(d.get("new")))


def _closing(reader, d):
    return _("Closing as “%(state)s”.", state=_state(d.get("state")))


def _assign(reader, d):
    old, new = d.get("old"), d.get("new")
    if new is None:
        return _("No longer assigned to anyone (was %(old)s).", old=reader.person(old)) if old else ""
    if old is None:
        return _("To %(new)s.", new=reader.person(new))
    return _("From %(old)s to %(new)s.", old=reader.person(old), new=reader.person(new))


def _note(reader, d):
    return _("Note #%(id)s.", id=_v(d, "note_id")) if d.get("note_id") else ""


def _task(reader, d):
    task = reader.row("task", d.get("task_id"))
    if task is None:
        return _("Task #%(id)s.", id=_v(d, "task_id")) if d.get("task_id") else ""
    return _(
        "Task for the %(dept)s: %(title)s", dept=catalog.label(catalog.DEPARTMENTS, task.department), title=task.title
    )


def _merge(reader, d):
    return _("Into case #%(id)s, with reports %(tips)s.", id=_v(d, "into"), tips=_numbers(d.get("tip_ids")))


def _split(reader, d):
    if d.get("joined"):
        return _(
            "Reports %(tips)s joined the open case #%(id)s.", tips=_numbers(d.get("tip_ids")), id=_v(d, "new_case_id")
        )
    return _("Reports %(tips)s started the new case #%(id)s.", tips=_numbers(d.get("tip_ids")), id=_v(d, "new_case_id"))


def _escalate(reader, d):
    from cases.escalation import REASONS

    return _(
        "Because: %(reasons)s.", reasons="; ".join(str(REASONS.get(r, _humanised(r))) for r in d.get("reasons", []))
    )


def _co_handling(reader, d):
    departments = " + ".join(str(catalog.label(catalog.DEPARTMENTS, x)) for x in d.get("old") or [] if x)
    return _(
        "For the review of action #%(action)s; departments before: %(departments)s.",
        action=_v(d, "action_id"),
        departments=departments or "—",
    )


def _junk(reader, d):
    from cases.junk import REASONS

    reasons = [str(REASONS.get(r, _humanised(r))) for r in d.get("reasons") or []]
    return _("Why it was set aside: %(reasons)s.", reasons="; ".join(reasons)) if reasons else ""


def _evidence(reader, d):
    of_report = _("A file of report #%(tip)s.", tip=_v(d, "tip_id")) if d.get("tip_id") else ""
    return _joined([of_report, _("Page %(page)s.", page=_v(d, "page")) if d.get("page") else ""])


def _contact(reader, d):
    return _("The report was in case #%(id)s.", id=_v(d, "case_id")) if d.get("case_id") else ""


def _propose(reader, d):
    from cases.actions.rules import ACTION_TYPES

    return _("Action: %(type)s.", type=catalog.label(ACTION_TYPES, d.get("type")))


def _propose_lift(reader, d):
    return _("Lifting action #%(id)s.", id=_v(d, "lifts"))


def _approve(reader, d):
    return _("A lifting: the action it lifts ends.") if d.get("lift") else ""


def _outcome(code):
    from cases.actions.rules import REVIEW_OUTCOMES

    return str(REVIEW_OUTCOMES.get(code, _humanised(code or "")))


def _review_record(reader, d):
    return _("Outcome: %(outcome)s.", outcome=_outcome(d.get("outcome")))


def _review_dispute(reader, d):
    return _(
        "The review recorded by %(name)s (%(outcome)s) was sent back.",
        name=reader.person(d.get("recorded_by")),
        outcome=_outcome(d.get("outcome")),
    )


def _rectified(reader, d):
    return _("Review recorded by %(name)s.", name=reader.person(d.get("recorded_by")))


def _rectification_failed(reader, d):
    return _("The stronger action #%(id)s is proposed.", id=_v(d, "proposed"))


def _address_added(reader, d):
    return _joined(
        [
            _("Address: %(address)s.", address=_v(d, "address")),
            _("From case #%(case)s.", case=_v(d, "case_id")) if d.get("case_id") else "",
        ]
    )


def _listing(reader, d):
    from cases.templating import list_reason

    text = _(
        "From “%(old)s” to “%(new)s”.",
        old=catalog.label(catalog.LIST_STATUSES, d.get("old")),
        new=catalog.label(catalog.LIST_STATUSES, d.get("new")),
    )
    return _joined([text, _("Reason: %(reason)s", reason=list_reason(d["reason"])) if d.get("reason") else ""])


# How the fields of an account read, in "user.create" and "user.update" entries.
ACCOUNT_FIELDS = {
    "email": _l("Email"),
    "name": _l("Name"),
    "role": _l("Role"),
    "department": _l("Department"),
    "region": _l("Region"),
    "region_code": _l("Region"),
    "active": _l("Account active"),
}


def _account_value(field, value):
    if field == "role":
        return str(catalog.label(catalog.ROLES, value))
    if field == "department":
        return str(catalog.label(catalog.DEPARTMENTS, value))
    if field in ("region", "region_code"):
        return region_name(value)
    return plain(value)


def _field_name(field):
    return str(ACCOUNT_FIELDS.get(field, _humanised(field)))


def _user_create(reader, d):
    return "; ".join(f"{_field_name(k)}: {_account_value(k, v)}" for k, v in d.items())


def _user_update(reader, d):
    parts = []
    for field, change in d.items():
        old, new = change if isinstance(change, list | tuple) and len(change) == 2 else (None, change)
        parts.append(f"{_field_name(field)}: {_account_value(field, old)} → {_account_value(field, new)}")
    return "; ".join(parts)


def _organisation_create(reader, d):
    kind = catalog.label(catalog.ORGANISATION_TYPES, d.get("kind"))
    if d.get("verified"):
        return _("%(kind)s, verified at once.", kind=kind)
    return _("%(kind)s, waiting for verification.", kind=kind)


def _organisation_status(code):
    return str(catalog.ORGANISATION_STATUSES.get(code, plain(code))) if isinstance(code, str | None) else plain(code)


def _organisation_decision(decision):
    """How a decision on an organisation reads: the status it left for the one it took, and the reason."""

    def describe(reader, d):
        from tipline.organisations.service import DECISIONS

        change = _(
            "From “%(old)s” to “%(new)s”.",
            old=_organisation_status(d.get("before")),
            new=_organisation_status(DECISIONS[decision][1]),
        )
        return _joined([change, _("Reason: %(reason)s", reason=plain(d["reason"])) if d.get("reason") else ""])

    return describe


def _member_invited(reader, d):
    return _("Invited %(email)s, by %(member)s.", email=_v(d, "email"), member=reader.member(d.get("by")))


def _api_token(reader, d):
    """A key is named as its owner named it, with what it may do; an organisation's, with who made it."""
    scopes = ", ".join(str(scope) for scope in d.get("scopes") or ())
    if d.get("by"):
        return _(
            "Key “%(name)s” (%(scopes)s), by %(member)s.",
            name=_v(d, "name"),
            scopes=scopes,
            member=reader.member(d["by"]),
        )
    return _("Key “%(name)s” (%(scopes)s).", name=_v(d, "name"), scopes=scopes)


def _member_joined(reader, d):
    return _("%(member)s joined.", member=reader.member(d.get("member_id")))


def _member_removed(reader, d):
    return _(
        "%(member)s was removed by %(by)s.", member=reader.member(d.get("member_id")), by=reader.member(d.get("by"))
    )


def _admin_handed_over(reader, d):
    return _("To %(member)s, by %(by)s.", member=reader.member(d.get("member_id")), by=reader.member(d.get("by")))


def _login(reader, d):
    failed = d.get("failed_before") or 0
    if not failed:
        return ""
    return ngettext(
        "%(num)d failed attempt since the previous sign-in.",
        "%(num)d failed attempts since the previous sign-in.",
        failed,
    )


def _locked(reader, d):
    minutes = d.get("minutes")
    return ngettext("Locked for %(num)d minute.", "Locked for %(num)d minutes.", minutes) if minutes else ""


def _export(reader, d):
    filters = d.get("filters") if isinstance(d.get("filters"), dict) else {}
    parts = []
    person = filters.get("person")
    if person == "system":
        parts.append(_("person: the system"))
    elif person:
        parts.append(_("person: %(name)s", name=reader.person(person)))
    if filters.get("case"):
        parts.append(_("case #%(id)s", id=plain(filters["case"])))
    if filters.get("kind"):
        parts.append(_("kind: %(kind)s", kind=kind_words(filters["kind"])))
    if filters.get("date_from"):
        parts.append(_("from %(day)s", day=_day(filters["date_from"])))
    if filters.get("date_to"):
        parts.append(_("to %(day)s", day=_day(filters["date_to"])))
    chosen = _("Filters: %(filters)s.", filters="; ".join(parts)) if parts else _("No filters.")
    rows = d.get("rows")
    count = ngettext("%(num)d entry.", "%(num)d entries.", rows) if isinstance(rows, int) else ""
    more = _("More entries matched than a file holds; the newest were exported.") if d.get("truncated") else ""
    return _joined([chosen, count, more])


def _statements_export(reader, d):
    file_format = {"jsonl": "JSON Lines", "csv": "CSV"}.get(d.get("format"), plain(d.get("format")))
    period = _(
        "Decided from %(since)s to %(until)s, as %(format)s.",
        since=_day(d.get("since")),
        until=_day(d.get("until")),
        format=file_format,
    )
    rows = d.get("rows")
    count = ngettext("%(num)d statement.", "%(num)d statements.", rows) if isinstance(rows, int) else ""
    return _joined([period, count])


def _report_request(reader, d):
    first, _sep, last = str(d.get("period") or "").partition("/")
    region = plain(d.get("region"))
    return _("Region %(region)s, %(first)s to %(last)s.", region=region, first=_day(first), last=_day(last))


def _report_download(reader, d):
    return _("As %(format)s.", format=plain(str(d.get("format") or "").upper()))


def _day(text):
    try:
        return format_date(date.fromisoformat(text), "medium")
    except (TypeError, ValueError):
        return plain(text)


def _fix_still_there(reader, d):
    """Is it fixed? (tipline/followup): where the answers went."""
    answers = d.get("answers") if isinstance(d.get("answers"), int) else 0
    counted = ngettext("%(num)d answer.", "%(num)d answers.", answers)
    return _joined([_("Taken up in case #%(id)s.", id=_v(d, "taken_up_in")), counted])


def _nothing(reader, d):
    return ""


# The kinds whose "old", "new" or "recorded_by" are account numbers.
PEOPLE_IN_DETAIL = {"case.assign", "action.review_dispute", "action.rectified"}

DETAILS = {
    "case.state": _state_change,
    "case.closing_proposed": _closing,
    "case.closing_refused": _closing,
    "case.assign": _assign,
    "case.note": _note,
    "case.task": _task,
    "case.task_done": _task,
    "case.merge": _merge,
    "case.split": _split,
    "case.escalate": _escalate,
    "case.review_co_handling": _co_handling,
    "case.fix_still_there": _fix_still_there,
    "tip.message": _nothing,
    "tip.contact_viewed": _contact,
    "tip.junk_confirmed": _junk,
    "tip.junk_released": _junk,
    "evidence.thumbnail": _evidence,
    "evidence.view": _evidence,
    "evidence.inline": _evidence,
    "evidence.page": _evidence,
    "evidence.download": _evidence,
    "action.propose": _propose,
    "action.propose_lift": _propose_lift,
    "action.reject": _nothing,
    "action.approve": _approve,
    "action.review_requested": _nothing,
    "action.review_record": _review_record,
    "action.review_dispute": _review_dispute,
    "action.rectified": _rectified,
    "action.rectification_failed": _rectification_failed,
    "platform.list": _listing,
    "platform.address_added": _address_added,
    "user.create": _user_create,
    "user.update": _user_update,
    "user.password": _nothing,
    "user.login": _login,
    "user.login_failed": _nothing,
    "user.locked": _locked,
    "user.totp_enabled": _nothing,
    "user.totp_disabled": _nothing,
    "user.sign_out_everywhere": _nothing,
    "audit.export": _export,
    "statements.export": _statements_export,
    "report.request": _report_request,
    "report.retry": _nothing,
    "report.download": _report_download,
    "organisation.create": _organisation_create,
    "organisation.view": _nothing,
    "organisation.verify": _organisation_decision("verify"),
    "organisation.refuse": _organisation_decision("refuse"),
    "organisation.suspend": _organisation_decision("suspend"),
    "organisation.reinstate": _organisation_decision("reinstate"),
    "organisation.email_confirmed": _nothing,
    "organisation.member_invited": _member_invited,
    "organisation.member_joined": _member_joined,
    "organisation.member_removed": _member_removed,
    "organisation.admin_handed_over": _admin_handed_over,
    "api_token.created": _api_token,
    "api_token.revoked": _api_token,
}
