"""The people of an organisation: invitations, joining, removal, the administrator role, passwords.

The administrator (the account that registered, or whoever it handed the role to) invites and
removes members; there is always exactly one administrator, who cannot remove themselves.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from cases.accounts import policy
from cases.accounts.service import AccountError, check_password_strength, hasher
from cases.audit import audit
from tipline.extensions import db
from tipline.jobs.outbox import record_job
from tipline.organisations.links import issue_link, use_link, withdraw_links
from tipline.organisations.models import ADMIN, INVITE, MEMBER, OrgMember
from tipline.organisations.service import OrganisationError, can_act

MAX_MEMBERS = 50


def _active_members(organisation_id):
    return db.session.scalar(
        select(func.count(OrgMember.id)).where(OrgMember.organisation_id == organisation_id, OrgMember.active)
    )


def _account_of(email):
    return db.session.scalars(select(OrgMember).where(func.lower(OrgMember.email) == email)).first()


def invite(admin, email):
    """Mail a single-use, expiring invitation to join the admin's organisation.

    The page's answer is the same whether the address has an account or not (an administrator must
    not be able to learn who reports for other organisations): an address that is active elsewhere
    gets a mail saying it cannot join, instead of a link. Someone removed earlier may be invited again.
    """
    organisation = admin.organisation
    if not can_act(organisation):
        raise OrganisationError(_l("Members can be invited once the organisation's address is confirmed."))
    try:
        email = policy.clean_email(email)
    except policy.PolicyError as exc:
        raise OrganisationError(exc.message, "email") from None
    if _active_members(organisation.id) >= MAX_MEMBERS:
        raise OrganisationError(_l("An organisation has at most %(n)d members.", n=MAX_MEMBERS), "email")
    account = _account_of(email)
    if account is not None and account.active:
        if account.organisation_id == organisation.id:
            raise OrganisationError(_l("%(email)s is a member already.", email=email), "email")
        record_job("mail.org_taken", organisation_id=organisation.id, email=email)
        audit(None, "organisation.member_invited", "organisation", organisation.id, email=email, by=admin.id)
        return None
    link = issue_link(organisation, INVITE, email, created_by=admin)
    audit(None, "organisation.member_invited", "organisation", organisation.id, email=email, by=admin.id)
    return link


def withdraw_invitation(admin, link_id):
    """Withdraw an open invitation of the admin's organisation; False when there was none to withdraw."""
    return withdraw_links(admin.organisation_id, INVITE, link_id=link_id) == 1


def join(token, name, password):
    """Spend an invitation: a new member with their own password. Raises LinkError or OrganisationError."""
    from tipline.organisations.links import find_link

    link = find_link(token, INVITE)  # checked first: a bad password must not spend the link
    try:
        name = policy.clean_name(name)
    except policy.PolicyError as exc:
        raise OrganisationError(exc.message, "name") from None
    if not can_act(link.organisation):
        raise OrganisationError(_l("This organisation cannot take new members as it stands now."))
    if _active_members(link.organisation_id) >= MAX_MEMBERS:
        raise OrganisationError(_l("An organisation has at most %(n)d members.", n=MAX_MEMBERS))
    account = _account_of(link.email)
    if account is not None and account.active:
        raise OrganisationError(_l("This address already has an organisation account. Sign in instead."))
    regions = link.organisation.region.path()
    try:
        check_password_strength(
            password, policy.password_context(email=link.email, name=name, regions=regions) + [link.organisation.name]
        )
    except AccountError as exc:
        raise OrganisationError(exc.message, "password") from None
    link = use_link(token, INVITE)
    if account is None:
        member = OrgMember(email=link.email)
        db.session.add(member)
    else:
        # Removed from this organisation or another before: the same account joins again, fresh.
        member = account
        member.session_version += 1
        member.totp_secret_encrypted = None
    member.organisation_id, member.name, member.role, member.active = link.organisation_id, name, MEMBER, True
    member.password_hash = hasher().hash(password)
    db.session.flush()
    audit(None, "organisation.member_joined", "organisation", link.organisation_id, member_id=member.id)
    return member


def member_of(admin, member_id):
    """A member of the admin's own organisation, or None (another organisation's member is never reached)."""
    member = db.session.get(OrgMember, member_id)
    return member if member is not None and member.organisation_id == admin.organisation_id else None


def remove_member(admin, member):
    """Remove a member: their sessions end and they can no longer sign in. The administrator stays."""
    from tipline.organisations.accounts import sign_out_everywhere

    if member.id == admin.id or member.role == ADMIN:
        raise OrganisationError(_l("The administrator cannot be removed. Hand the role over first."))
    if not member.active:
        raise OrganisationError(_l("This member was removed already."))
    member.active = False
    sign_out_everywhere(member)
    audit(None, "organisation.member_removed", "organisation", admin.organisation_id, member_id=member.id, by=admin.id)


def hand_over(admin, member):
    """Make another active member the administrator; the old one becomes a member."""
    from cases.operations import lock_rows

    lock_rows(OrgMember, admin, member)  # two hand-overs at once must not leave two administrators
    if admin.role != ADMIN:
        raise OrganisationError(_l("Only the administrator hands the role over."))
    if member.id == admin.id or not member.active:
        raise OrganisationError(_l("Choose an active member other than yourself."))
    admin.role, member.role = MEMBER, ADMIN
    audit(
        None, "organisation.admin_handed_over", "organisation", admin.organisation_id, member_id=member.id, by=admin.id
    )


def change_password(member, current, new, client):
    """A member's own change, with the current password checked like a sign-in; other sessions end."""
    from cases.accounts import throttle
    from tipline.organisations.accounts import MEMBERS, authenticate, keep_this_session_only

    authenticate(member.email, current, client)
    regions = member.organisation.region.path()
    check_password_strength(new, policy.password_context(email=member.email, name=member.name, regions=regions))
    member.password_hash = hasher().hash(new)
    keep_this_session_only(member)
    throttle.forgive(MEMBERS.key(member.email), client)
