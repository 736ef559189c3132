"""Adding an address to a platform's record from a case: the tips that link to it are then found by it."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from cases.access import can_see_case
from cases.audit import audit
from cases.matching import match_again
from cases.operations import CaseError, NotAllowed
from tipline.extensions import db
from tipline.platforms.links import link_key
from tipline.platforms.models import PlatformAddress

# Who may add to the registry: intake staff keep it in step with what reporters send, supervisors and admins too.
REGISTRY_ROLES = ("intake", "supervisor", "admin")


def may_add_address(user, case):
    return user.role in REGISTRY_ROLES and case.platform is not None and can_see_case(user, case)


def add_platform_address(case, address, actor):
    """Add `address` (a web address or an app-store link) to the platform of `case`; raises CaseError."""
    if not may_add_address(actor, case):
        raise NotAllowed(_l("Only intake staff, supervisors and admins add addresses to a registered platform."))
    key = link_key(address)
    if key is None:
        raise CaseError(_l("This is not a web address or an app-store link."))
    platform = case.platform
    if key in {row.key for row in platform.address_keys}:
        raise CaseError(_l("The platform's record already has this address."))
    other = db.session.scalars(
        select(PlatformAddress).where(PlatformAddress.key == key, PlatformAddress.platform_id != platform.id)
    ).first()
    if other is not None:
        raise CaseError(_l("This address is on the record of another platform (%(name)s).", name=other.platform.name))
    platform.addresses = [*(platform.addresses or []), address]
    platform.refresh_search_text()
    audit(actor, "platform.address_added", "platform", platform.id, address=address, case_id=case.id)
    match_again(case.tips)
    return key
