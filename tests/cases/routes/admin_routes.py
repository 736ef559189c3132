"""Administration: staff accounts within the admin's regions, and the audit log."""

from cases.access import visible_regions
from cases.accounts.models import StaffUser
from cases.admin import may_manage
from cases.audit import AuditEntry
from tests.cases.conftest import BEIJING, CHAOYANG, HAIDIAN
from tests.cases.routes.exercise import NOTHING, Exercise, audited, check, fixed, serial

ACCOUNTS = {
    "officer in Haidian": ("officer", HAIDIAN),
    "admin in Haidian": ("admin", HAIDIAN),
    "officer in Beijing": ("officer", BEIJING),
    "admin in Beijing": ("admin", BEIJING),
    "officer in Chaoyang": ("officer", CHAOYANG),
    "own account": None,  # the actor's own
}


def _account_scene(name, promote=False):
    """An account to edit (renamed, or also made an admin where it is: `promote`)."""

    def build(b):
        if ACCOUNTS[name] is None:
            return {"user": None, "promote": promote, "watch": list(b.actors.values())}
        user = b.make_staff(ACCOUNTS[name][0], "cyberspace", ACCOUNTS[name][1])
        return {"user": user, "promote": promote, "watch": [user]}

    return build


def _target(scene, actor):
    return scene["user"] or actor


def _account_hidden(actor, scene):
    return _target(scene, actor).region_code not in visible_regions(actor)


def _edit_path(scene, actor):
    return f"/staff/admin/users/{_target(scene, actor).id}"


def _edit_form(scene, actor):
    user = _target(scene, actor)
    scene["name"], scene["role"] = f"改名{next(serial)}", "admin" if scene["promote"] else user.role
    return {
        "name": scene["name"],
        "role": scene["role"],
        "department": user.department,
        "region": user.region_code,
        "active": "y",
    }


def _edit_allowed(actor, scene):
    """may_manage of the account as it is, and of the account as it would become (the grant)."""
    user = _target(scene, actor)
    granted = StaffUser(role="admin" if scene["promote"] else user.role, region_code=user.region_code)
    return may_manage(actor, user) and may_manage(actor, granted)


def _edit_effect(actor, scene, before, response):
    user = _target(scene, actor)
    return check(user.name == scene["name"] and user.role == scene["role"], "account not changed") + audited(
        before, actor, "user.update", user.id
    )


def _new_account(role, region):
    return lambda b: {"role": role, "region": region, "watch": []}


def _new_form(scene, actor):
    scene["email"] = f"new.{next(serial)}@example.com"
    return {
        "email": scene["email"],
        "name": "",
        "password": "Vq7#rT2m!Lp9xZw4",
        "role": scene["role"],
        "department": "education",
        "region": scene["region"],
    }


def _new_allowed(actor, scene):
    return may_manage(actor, StaffUser(role=scene["role"], region_code=scene["region"]))


def _new_effect(actor, scene, before, response):
    added = before.added(StaffUser, email=scene["email"], role=scene["role"], region_code=scene["region"])
    return check(added, "no account created") + audited(before, actor, "user.create", added[0].id if added else None)


def _export_effect(actor, scene, before, response):
    """An export of the audit log is itself audited, as about the exporter's region."""
    added = before.added(AuditEntry, actor_id=actor.id, action="audit.export")
    return check(added and added[0].region_code == actor.region_code, "the export was not audited")


def _statements_effect(actor, scene, before, response):
    """A download of statements of reasons is audited, as about the downloader's region."""
    added = before.added(AuditEntry, actor_id=actor.id, action="statements.export")
    return check(added and added[0].region_code == actor.region_code, "the download was not audited")


ADMIN_ROUTES = {
    ("staff.statements", "GET"): Exercise("GET", fixed("/staff/statements"), NOTHING, ok=200),
    ("staff.statements_jsonl", "GET"): Exercise(
        "GET", fixed("/staff/statements.jsonl"), NOTHING, effect=_statements_effect, ok=200, consumes=False
    ),
    ("staff.statements_csv", "GET"): Exercise(
        "GET", fixed("/staff/statements.csv"), NOTHING, effect=_statements_effect, ok=200, consumes=False
    ),
    ("staff.users", "GET"): Exercise("GET", fixed("/staff/admin/users"), NOTHING, ok=200),
    ("staff.new_user", "GET"): Exercise("GET", fixed("/staff/admin/users/new"), NOTHING, ok=200),
    ("staff.audit_log", "GET"): Exercise("GET", fixed("/staff/admin/audit"), NOTHING, ok=200),
    ("staff.audit_log_csv", "GET"): Exercise(
        "GET", fixed("/staff/admin/audit.csv"), NOTHING, effect=_export_effect, ok=200, consumes=False
    ),
    ("staff.edit_user", "GET"): Exercise(
        "GET",
        _edit_path,
        {name: _account_scene(name) for name in ACCOUNTS},
        hidden=_account_hidden,
        allowed=lambda a, s: may_manage(a, _target(s, a)),
        ok=200,
    ),
    ("staff.edit_user", "POST"): Exercise(
        "POST",
        _edit_path,
        {
            **{f"rename {name}": _account_scene(name) for name in ACCOUNTS},
            **{
                f"make admin: {name}": _account_scene(name, promote=True)
                for name in ("officer in Haidian", "own account")
            },
        },
        hidden=_account_hidden,
        allowed=_edit_allowed,
        form=_edit_form,
        effect=_edit_effect,
    ),
    ("staff.new_user", "POST"): Exercise(
        "POST",
        fixed("/staff/admin/users/new"),
        {
            "officer in Haidian": _new_account("officer", HAIDIAN),
            "admin in Haidian": _new_account("admin", HAIDIAN),
            "admin in Beijing": _new_account("admin", BEIJING),
            "officer in Chaoyang": _new_account("officer", CHAOYANG),
        },
        allowed=_new_allowed,
        form=_new_form,
        effect=_new_effect,
        consumes=False,
    ),
}
