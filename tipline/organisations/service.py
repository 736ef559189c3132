"""Making organisations and their first member: every rule on what an organisation is, in one place."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from tipline import catalog
from tipline.extensions import db
from tipline.organisations import credit_code as codes
from tipline.organisations.models import (
    ADMIN,
    CONFIRM,
    INVITE,
    PENDING,
    REFUSED,
    SUSPENDED,
    VERIFIED,
    Organisation,
    OrgMember,
)
from tipline.regions.models import Region
from tipline.timeutil import utcnow

# Why a typed credit code is refused, in the page's language.
CODE_PROBLEMS = {
    "length": _l("A unified social credit code has 18 characters."),
    "characters": _l("A unified social credit code uses digits and capital letters other than I, O, Z, S and V."),
    "region": _l("Characters 3 to 8 of a unified social credit code are the region code: six digits."),
    "check": _l("This unified social credit code is not valid: its last character does not match. Check it."),
}


class OrganisationError(Exception):
    """What makes an organisation or member invalid, in the page's language; `field` names the form field."""

    def __init__(self, message, field=None):
        super().__init__(str(message))
        self.message = message
        self.field = field


def clean_credit_code(text):
    """The code normalised, or None when none was given; OrganisationError when it is not a valid code."""
    code = codes.normalise(text)
    if not code:
        return None
    problem = codes.problem(code)
    if problem:
        raise OrganisationError(CODE_PROBLEMS[problem], "credit_code")
    return code


def create_organisation(
    name,
    kind,
    region_code,
    email,
    password,
    credit_code="",
    school_name="",
    contact_name="",
    phone="",
    verified=False,
    actor=None,
    code_required=True,
):
    """A new organisation and its administrator account (one address for both, confirmed when `verified`).

    A parent committee without a credit code names its school instead; every other kind gives its code,
    unless an operator makes it (`code_required=False`: the command line, which SPEC 6 gives no code).
    A second organisation with the same code or address is refused, never made.
    """
    from cases.accounts import policy
    from cases.accounts.service import AccountError, check_password_strength, hasher
    from cases.audit import audit

    name = " ".join((name or "").split())
    if not name or len(name) > 200:
        raise OrganisationError(_l("Give the organisation's name (at most 200 characters)."), "name")
    if kind not in catalog.ORGANISATION_TYPES:
        raise OrganisationError(_l("Choose the kind of organisation from the list."), "kind")
    region = db.session.get(Region, region_code or "")
    if region is None:
        raise OrganisationError(_l("Choose a region from the list."), "region")
    code = clean_credit_code(credit_code)
    school_name = " ".join((school_name or "").split())[:200]
    if code is None and code_required and not (kind == "parent_committee" and school_name):
        raise OrganisationError(
            _l("Give the unified social credit code; a parent committee without one names its school."), "credit_code"
        )
    try:
        email = policy.clean_email(email)
    except policy.PolicyError as exc:
        raise OrganisationError(exc.message, "email") from None
    try:
        contact_name = policy.clean_name(contact_name)
    except policy.PolicyError as exc:
        raise OrganisationError(exc.message, "contact_name") from None
    if code and db.session.scalar(select(Organisation.id).where(Organisation.credit_code == code)):
        raise OrganisationError(_l("An organisation with this credit code is registered already."), "credit_code")
    if db.session.scalar(select(Organisation.id).where(func.lower(Organisation.email) == email)) or (
        db.session.scalar(select(OrgMember.id).where(OrgMember.email == email))
    ):
        raise OrganisationError(_l("This email address belongs to a registered organisation already."), "email")
    try:
        check_password_strength(password, policy.password_context(email=email, name=name, regions=region.path()))
    except AccountError as exc:
        raise OrganisationError(exc.message, "password") from None
    now = utcnow()
    organisation = Organisation(
        name=name,
        kind=kind,
        credit_code=code,
        school_name=school_name if code is None else "",
        region_code=region.code,
        contact_name=contact_name,
        email=email,
        phone=" ".join((phone or "").split())[:40],
        status=VERIFIED if verified else PENDING,
        email_confirmed_at=now if verified else None,
        verified_at=now if verified else None,
        verified_by_id=actor.id if verified and actor is not None else None,
    )
    db.session.add(organisation)
    db.session.flush()
    member = OrgMember(
        organisation_id=organisation.id,
        email=email,
        name=contact_name,
        password_hash=hasher().hash(password),
        role=ADMIN,
    )
    db.session.add(member)
    db.session.flush()
    audit(actor, "organisation.create", "organisation", organisation.id, kind=kind, verified=verified)
    return organisation


# --- where an organisation stands --------------------------------------------------------------

# What staff may decide on an organisation, from which status, to which.
DECISIONS = {
    "verify": ((PENDING,), VERIFIED),
    "refuse": ((PENDING,), REFUSED),
    "suspend": ((VERIFIED,), SUSPENDED),
    "reinstate": ((SUSPENDED,), VERIFIED),
}
# Decisions that must say why: the organisation is told the reason.
NEEDS_REASON = frozenset({"refuse", "suspend"})
# The audit kind each decision writes, spelled out so that the audit log's words are checked for each
# (tests/cases/test_audit_log.py reads them; cases/audit_words.py says them).
DECISION_KINDS = {
    "verify": "organisation.verify",
    "refuse": "organisation.refuse",
    "suspend": "organisation.suspend",
    "reinstate": "organisation.reinstate",
}


def can_act(organisation):
    """Whether members may file, collect, upload and invite for the organisation.

    Once its address is confirmed, a pending organisation acts (its tips carry no extra weight
    until staff verify it, tipline/organisations/trust.py); refused and suspended ones only read.
    """
    return organisation.email_confirmed_at is not None and organisation.status in (PENDING, VERIFIED)


def decisions_open(organisation):
    """The decisions staff may take on the organisation now."""
    open_ = [name for name, (sources, _target) in DECISIONS.items() if organisation.status in sources]
    if organisation.email_confirmed_at is None:
        open_ = [name for name in open_ if name != "verify"]  # an unconfirmed address is verified by no one
    return open_


def decide(organisation, decision, actor, reason=""):
    """Staff verify, refuse, suspend or reinstate an organisation; audited, and the organisation is mailed."""
    from cases.access import may_decide_on_organisation
    from cases.audit import audit
    from tipline.jobs.outbox import record_job

    if actor is None or not may_decide_on_organisation(actor, organisation):
        raise OrganisationError(
            _l("Only intake staff and supervisors of its region, or of a region above it, decide on an organisation.")
        )
    from cases.operations import lock_rows, reweigh_organisation_cases
    from tipline.organisations.links import withdraw_links

    reason = (reason or "").strip()[:2000]
    # Two people deciding at once: the second sees the first one's decision and is refused.
    lock_rows(Organisation, organisation)
    if decision not in DECISIONS or decision not in decisions_open(organisation):
        raise OrganisationError(_l("This decision cannot be taken on the organisation as it stands now."))
    if decision in NEEDS_REASON and len(reason) < 2:
        raise OrganisationError(_l("Give the reason: the organisation is told it."), "reason")
    _sources, target = DECISIONS[decision]
    before = organisation.status
    organisation.status = target
    organisation.status_reason = reason
    if decision in ("verify", "reinstate"):
        organisation.verified_at = utcnow()
        organisation.verified_by_id = actor.id
    if target not in (PENDING, VERIFIED):
        withdraw_links(organisation.id, INVITE)  # nobody joins an organisation that may not act
    # Its open cases gain or lose the weight its tips carry (tipline/organisations/trust.py).
    reweigh_organisation_cases(organisation.id, actor)
    entry = audit(actor, DECISION_KINDS[decision], "organisation", organisation.id, before=before, reason=reason)
    db.session.flush()  # the audit row's id keys the mail
    record_job(
        "mail.org_decision", organisation_id=organisation.id, decision=decision, reason=reason, event_id=entry.id
    )
    return organisation


# --- registering and confirming ---------------------------------------------------------------

# What a proof document may be (tipline/evidence/files.py kinds): a photo or scan, or a PDF.
PROOF_KINDS = frozenset({"image", "pdf"})


def register_organisation(values, proof, locale):
    """A registration from the public form: a pending organisation, its proof document and a confirmation mail.

    `values` are create_organisation's keyword arguments; `proof` is the accepted proof file
    (tipline.evidence.intake.clean_form_files), checked and cleaned by a job like a tip's evidence.
    """
    from tipline.evidence.intake import keep_evidence
    from tipline.jobs.outbox import record_job
    from tipline.organisations.links import issue_link

    if proof is None or proof.kind not in PROOF_KINDS:
        raise OrganisationError(_l("Attach the proof document: a photo or a PDF."), "proof")
    organisation = create_organisation(**values)
    organisation.locale = "en" if locale == "en" else "zh_Hans"
    evidence = keep_evidence(None, None, proof)
    db.session.add(evidence)
    db.session.flush()
    organisation.proof_evidence_id = evidence.id
    record_job("evidence.check", evidence_id=evidence.id)
    issue_link(organisation, CONFIRM, organisation.email)
    return organisation


def confirm_email(token):
    """Spend a confirmation link: the organisation's address is confirmed and it waits for staff."""
    from cases.audit import audit
    from tipline.organisations.links import use_link

    link = use_link(token, CONFIRM)
    organisation = link.organisation
    if organisation.email_confirmed_at is None:
        organisation.email_confirmed_at = utcnow()
        audit(None, "organisation.email_confirmed", "organisation", organisation.id)
    return organisation


def resend_confirmation(organisation):
    """A new confirmation link (the old one stops working), while the address is unconfirmed."""
    from tipline.organisations.links import issue_link

    if organisation.email_confirmed_at is not None:
        raise OrganisationError(_l("The address is confirmed already."))
    return issue_link(organisation, CONFIRM, organisation.email)
