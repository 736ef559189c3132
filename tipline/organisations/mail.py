"""Mail to organisations, in the language each registered in: links, and staff's decisions on them.

Outbox jobs (tipline/jobs): each message is sent once however often its job runs (tipline.mail).
"""

import hashlib

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from tipline.crypto import decrypt_secret
from tipline.extensions import db
from tipline.jobs.registry import job
from tipline.mail import send_mail
from tipline.organisations.models import CONFIRM, Organisation, OrgLink
from tipline.timeutil import utcnow


def _locale(organisation):
    return "en" if organisation.locale == "en" else "zh_Hans"


def _url(path):
    return current_app.config["PUBLIC_URL"] + path


@job("mail.org_link")
def mail_link(payload):
    """The confirmation or invitation link, to the address it was made for."""
    link = db.session.get(OrgLink, payload["link_id"])
    if link is None or not link.is_open(utcnow()):
        return  # used, withdrawn or replaced before the mail went: a dead link is not sent
    token = decrypt_secret(payload["token"])
    organisation = link.organisation
    hours = current_app.config["ORG_CONFIRM_HOURS"]
    days = current_app.config["ORG_INVITE_DAYS"]
    with force_locale(_locale(organisation)):
        if link.kind == CONFIRM:
            subject = _("Tipline: confirm the address of %(org)s", org=organisation.name)
            body = "\n\n".join(
                [
                    _("Someone registered %(org)s on Tipline with this address.", org=organisation.name),
                    _("Open this link to confirm it (it works once, for %(n)d hours):", n=hours),
                    _url(f"/org/confirm/{token}"),
                    _("If it was not you, ignore this mail: nothing happens without the confirmation."),
                ]
            )
        else:
            subject = _("Tipline: an invitation to report for %(org)s", org=organisation.name)
            body = "\n\n".join(
                [
                    _("%(org)s invites you to report and follow its reports on Tipline.", org=organisation.name),
                    _("Open this link to choose your password and join (it works once, for %(n)d days):", n=days),
                    _url(f"/org/join/{token}"),
                    _("If you did not expect it, ignore this mail."),
                ]
            )
    send_mail(f"org-link-{link.id}", link.email, subject, body)


@job("mail.org_decision")
def mail_decision(payload):
    """Staff verified, refused, suspended or reinstated the organisation: it is told, with the reason given."""
    organisation = db.session.get(Organisation, payload["organisation_id"])
    decision = payload["decision"]
    if organisation is None or decision not in ("verify", "refuse", "suspend", "reinstate"):
        return
    reason = payload.get("reason") or ""
    with force_locale(_locale(organisation)):
        subject, text = {
            "verify": (
                _("Tipline: %(org)s is verified", org=organisation.name),
                _(
                    "Staff have verified %(org)s. Its reports now carry the weight of a verified organisation.",
                    org=organisation.name,
                ),
            ),
            "refuse": (
                _("Tipline: the registration of %(org)s was refused", org=organisation.name),
                _("Staff could not verify %(org)s.", org=organisation.name),
            ),
            "suspend": (
                _("Tipline: %(org)s is suspended", org=organisation.name),
                _(
                    "Staff have suspended %(org)s. Its members can still sign in and follow its reports, "
                    "but cannot file new ones as the organisation.",
                    org=organisation.name,
                ),
            ),
            "reinstate": (
                _("Tipline: %(org)s is reinstated", org=organisation.name),
                _(
                    "Staff have reinstated %(org)s. Its members can file reports as the organisation again.",
                    org=organisation.name,
                ),
            ),
        }[decision]
        parts = [text]
        if reason:
            parts.append(_("Reason given: %(reason)s", reason=reason))
        parts.append(_("Sign in: %(url)s", url=_url("/org/login")))
    send_mail(
        f"org-{organisation.id}-{decision}-{payload['event_id']}", organisation.email, subject, "\n\n".join(parts)
    )


@job("mail.org_taken")
def mail_taken(payload):
    """An invitation to an address that reports for another organisation: it is told, and nothing else happens."""
    organisation = db.session.get(Organisation, payload["organisation_id"])
    if organisation is None:
        return
    with force_locale(_locale(organisation)):
        subject = _("Tipline: an invitation to report for %(org)s", org=organisation.name)
        body = "\n\n".join(
            [
                _("%(org)s invites you to report and follow its reports on Tipline.", org=organisation.name),
                _(
                    "This address already reports for another organisation, and an address reports for one "
                    "organisation only. Ask %(org)s to invite another address of yours.",
                    org=organisation.name,
                ),
            ]
        )
    # Keyed by the address's digest and the day: asking again the same day sends nothing more.
    address = hashlib.sha256(payload["email"].encode()).hexdigest()[:16]
    send_mail(f"org-{organisation.id}-taken-{address}-{utcnow().date()}", payload["email"], subject, body)


@job("mail.org_member_locked")
def mail_member_locked(payload):
    """Failed sign-ins locked the member's account for a while: its owner is told, in the organisation's language."""
    from tipline.organisations.models import OrgMember

    member = db.session.get(OrgMember, payload["member_id"])
    if member is None or not member.active:
        return
    with force_locale(_locale(member.organisation)):
        subject = _("Tipline: sign-in to your account is paused")
        body = "\n\n".join(
            [
                _(
                    "Several wrong passwords or codes were entered for %(email)s. Sign-in from there is paused "
                    "for %(n)d minutes.",
                    email=member.email,
                    n=payload["minutes"],
                ),
                _("If it was not you, change your password once you are signed in: %(url)s", url=_url("/org/account")),
            ]
        )
    send_mail(f"org-member-{member.id}-locked-{payload['at']}", member.email, subject, body)
