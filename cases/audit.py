"""The audit log: who did or saw what, and when. Rows are only ever added."""

from datetime import datetime

from flask import has_request_context, request
from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tipline.extensions import db
from tipline.timeutil import utcnow


class AuditEntry(db.Model):
    """One audited act by a member of staff (or the system, when actor is None)."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
    action: Mapped[str] = mapped_column(String(48), index=True)
    target_type: Mapped[str] = mapped_column(String(24))
    target_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    address: Mapped[str] = mapped_column(String(64), default="")
    # The region of what was acted on, when it was acted on: who may read the entry
    # follows from it, not from where the actor works today.
    region_code: Mapped[str | None] = mapped_column(String(6), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)

    actor = relationship("StaffUser")


def target_region(target_type, target_id):
    """The region a target belongs to (a case's, a tip's case's, an account's, a region itself...), or None."""
    from cases.accounts.models import StaffUser
    from cases.actions.models import Action
    from cases.models import Case
    from tipline.evidence.models import Evidence
    from tipline.organisations.models import Organisation
    from tipline.platforms.models import Platform
    from tipline.reports.models import Tip

    if target_id is None:
        return None
    if target_type == "region":
        # A region itself (say, the one whose audit log was exported): its code is its number.
        from tipline.regions.models import Region

        region = db.session.get(Region, f"{target_id:06d}")
        return region.code if region else None
    if target_type == "evidence":
        evidence = db.session.get(Evidence, target_id)
        if evidence is not None and evidence.tip_id is None:
            # An organisation's proof document belongs to no tip: it lies where the organisation does.
            from cases.organisations import proof_owner

            owner = proof_owner(evidence)
            return owner.region_code if owner else None
        target_type, target_id = "tip", evidence.tip_id if evidence else None
    if target_type == "tip":
        tip = db.session.get(Tip, target_id) if target_id else None
        if tip is None:
            return None
        if tip.case is not None:
            return tip.case.region_code
        from cases.routing import route_case

        return route_case(tip.platform, tip.category)[0]
    from cases.periodic.models import PeriodicReport

    model = {
        "case": Case,
        "user": StaffUser,
        "action": Action,
        "platform": Platform,
        "organisation": Organisation,
        "report": PeriodicReport,
    }.get(target_type)
    row = db.session.get(model, target_id) if model else None
    if row is None:
        return None
    return row.case.region_code if target_type == "action" else row.region_code


def audit(actor, action, target_type, target_id=None, **detail):
    """Add an audit row to the current transaction."""
    db.session.flush()
    entry = AuditEntry(
        region_code=target_region(target_type, target_id),
        actor_id=actor.id if actor is not None else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        detail=detail,
        address=(request.remote_addr or "") if has_request_context() else "",
    )
    db.session.add(entry)
    return entry
