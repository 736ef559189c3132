"""Making organisations and their first member: every rule on what an organisation is, in one place."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from tipline import catalog
from tipline.extensions import db
from tipline.organisations import credit_code as codes
from tipline.organisations.models import ADMIN, PENDING, VERIFIED, Organisation, OrgMember
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
):
    """A new organisation and its administrator account (one address for both, confirmed when `verified`).

    A parent committee without a credit code names its school instead; every other kind gives its code.
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
    if code is None and not (kind == "parent_committee" and school_name):
        raise OrganisationError(
            _l("Give the unified social credit code; a parent committee without one names its school."), "credit_code"
        )
    try:
        email = policy.clean_email(email)
        contact_name = policy.clean_name(contact_name)
    except policy.PolicyError as exc:
        raise OrganisationError(exc.message, "email") from None
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
