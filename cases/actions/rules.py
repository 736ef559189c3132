"""The action types, what each does to a platform while in force, and who decides.

One table: the case page, the approval rule, the platform's enforcement status
and the tests all read it from here.
"""

from flask_babel import lazy_gettext as _l

INTERVIEW = "interview"
RECTIFICATION = "rectification"
SUSPEND_UPDATES = "suspend_updates"
TEMPORARY_OFFLINE = "temporary_offline"
DELISTING = "delisting"
REMOVE_WHITE = "remove_white"
BLACKLIST = "blacklist"
REFERRAL = "referral"

ACTION_TYPES = {
    INTERVIEW: _l("Interview (formal warning)"),
    RECTIFICATION: _l("Rectification within a deadline"),
    SUSPEND_UPDATES: _l("Suspension of updates"),
    TEMPORARY_OFFLINE: _l("Temporary offline"),
    DELISTING: _l("Delisting (taken off the shelf)"),
    REMOVE_WHITE: _l("Removal from the white list"),
    BLACKLIST: _l("Placing on the black list"),
    REFERRAL: _l("Referral for investigation and penalty"),
}

# Enforcement statuses, mildest first; a platform shows the strongest of its actions in force.
NORMAL = "normal"
RECTIFYING = "rectifying"
UPDATES_SUSPENDED = "updates_suspended"
OFFLINE = "temporarily_offline"
DELISTED = "delisted"
ENFORCEMENT_STATUSES = {
    NORMAL: _l("Normal"),
    RECTIFYING: _l("Rectifying"),
    UPDATES_SUSPENDED: _l("Updates suspended"),
    OFFLINE: _l("Temporarily offline"),
    DELISTED: _l("Delisted"),
}
SEVERITY_ORDER = [NORMAL, RECTIFYING, UPDATES_SUSPENDED, OFFLINE, DELISTED]

# What an action in force makes of the platform's enforcement status (None: no effect).
STATUS_EFFECT = {
    INTERVIEW: None,
    RECTIFICATION: RECTIFYING,
    SUSPEND_UPDATES: UPDATES_SUSPENDED,
    TEMPORARY_OFFLINE: OFFLINE,
    DELISTING: DELISTED,
    REMOVE_WHITE: None,
    BLACKLIST: None,
    REFERRAL: None,
}

# Actions whose effect lasts until lifted; the others are done once they are taken.
LIFTABLE = {RECTIFICATION, SUSPEND_UPDATES, TEMPORARY_OFFLINE, DELISTING, BLACKLIST}

# When a rectification fails its review, the stronger action proposed next.
ESCALATES_TO = {RECTIFICATION: SUSPEND_UPDATES, SUSPEND_UPDATES: TEMPORARY_OFFLINE, TEMPORARY_OFFLINE: DELISTING}

# Action states.
PROPOSED = "proposed"
REJECTED = "rejected"
IN_FORCE = "in_force"
ENDED = "ended"
ACTION_STATES = {
    PROPOSED: _l("Awaiting approval"),
    REJECTED: _l("Rejected"),
    IN_FORCE: _l("In force"),
    ENDED: _l("Ended"),
}

PROPOSER_ROLES = {"officer", "supervisor"}
APPROVER_ROLES = {"supervisor"}

# The review (复核) of a rectification, asked for only once its deadline has passed
# (cases/escalation.py). Four eyes: an officer or supervisor of the reviewing department
# records the outcome, and nothing changes for the platform until a supervisor of that
# department, never the one who recorded it, confirms it. Both must belong to the case,
# so the review request makes the reviewing department co-handle it.
REVIEW_DEPARTMENT = "education"
REVIEW_RECORDER_ROLES = {"officer", "supervisor"}
REVIEW_CONFIRMER_ROLES = {"supervisor"}
PASSED = "passed"
FAILED = "failed"
REVIEW_OUTCOMES = {
    PASSED: _l("Rectified: renew the filing"),
    FAILED: _l("Not rectified: escalate"),
}


def enforcement_status(types_in_force):
    """The enforcement status that a set of action types in force gives a platform."""
    effects = [STATUS_EFFECT[t] for t in types_in_force if STATUS_EFFECT.get(t)]
    return max(effects, key=SEVERITY_ORDER.index, default=NORMAL)
