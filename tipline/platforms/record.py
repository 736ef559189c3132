"""The public enforcement record: approved decisions in force and recent ones, as a page and as an Atom feed.

Only what the public may read leaves here: the platform, the action (or its
lifting), its dates, whether it is in force, and its public reason (for actions
approved before public reasons existed, the legal basis, which is public law).
Never a proposal, a rejection, a decision reason, details, or who took part.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from feedgen.feed import FeedGenerator
from flask import Response, current_app, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import contains_eager

from cases.actions import rules
from cases.actions.models import Action
from tipline.extensions import db
from tipline.i18n import html_lang
from tipline.platforms.models import Platform, like_pattern, search_key
from tipline.regions.models import Region
from tipline.regions.service import subtree_codes
from tipline.timeutil import app_today, utcnow
from tipline.web import parse_row_id

# Decisions approved within this many days are listed, whether still in force or not.
RECENT_DAYS = 90
PAGE_SIZE = 30
FEED_SIZE = 50
MAX_QUERY = 100
# The filter values a link or form sends (the query string); "before" is the paging key.
FILTERS = ("q", "type", "status", "region")
IN_FORCE_ONLY = "in_force"
STATUS_CHOICES = {"": _l("In force and recent"), IN_FORCE_ONLY: _l("In force only")}

# How an ended decision ended, as the public reads it (cases/actions/service.py end_action).
ENDED_AS = {
    "lifted": _l("Lifted on %(day)s"),
    "done": _l("Carried out on %(day)s"),
    "rectified": _l("Rectified; ended on %(day)s"),
    "escalated": _l("Not rectified; replaced by a stronger action on %(day)s"),
    "applied": _l("Lifting took effect on %(day)s"),
}


class RecordArgs(Schema):
    """The query string of /platforms/actions and its feed."""

    class Meta:
        unknown = EXCLUDE

    q = fields.String(
        load_default="", validate=validate.Length(max=MAX_QUERY, error=_l("Search for at most 100 characters."))
    )
    type = fields.String(
        load_default="",
        validate=validate.OneOf(["", *rules.ACTION_TYPES], error=_l("Choose an action from the list.")),
    )
    status = fields.String(
        load_default="",
        validate=validate.OneOf(list(STATUS_CHOICES), error=_l("Choose in force only, or in force and recent.")),
    )
    region = fields.String(
        load_default="", validate=validate.Regexp(r"^([0-9]{6})?$", error=_l("Choose a region from the list."))
    )
    before = fields.String(load_default="")

    @validates("before")
    def _before(self, value, **kwargs):
        if value and parse_row_id(value) is None:
            raise ValidationError(_l("This page of the record does not exist. Start again from the newest decisions."))


def province_choices():
    """(code, name) of the regions right below the nation, for the region filter."""
    top = select(Region.code).where(Region.parent_code.is_(None))
    provinces = db.session.scalars(select(Region).where(Region.parent_code.in_(top)).order_by(Region.code)).all()
    return [(region.code, region.name) for region in provinces]


def parse_filters(query_args):
    """The filters asked for, and the errors to show by field name ({} when all are good)."""
    try:
        args, errors = RecordArgs().load(query_args), {}
    except ValidationError as exc:
        args, errors = RecordArgs().load({}), exc.messages
    if args["region"] and args["region"] not in dict(province_choices()):
        errors["region"] = [_("Choose a region from the list.")]
    anchor = None
    if args["before"] and not errors:
        anchor = db.session.get(Action, parse_row_id(args["before"]))
        if anchor is None or anchor.state not in (rules.IN_FORCE, rules.ENDED) or anchor.decided_at is None:
            errors["before"] = [_("This page of the record does not exist. Start again from the newest decisions.")]
    args["anchor"] = anchor
    return args, {name: [str(m) for m in messages] for name, messages in errors.items()}


def approved_decisions(args, limit, now=None):
    """Approved decisions (actions and liftings) in force or decided in the last RECENT_DAYS, newest decision first.

    Filtered by action type, in force only, the platform's region within a province's
    subtree and words of its names; paged by keyset after `args["anchor"]`, never by OFFSET.
    """
    now = now or utcnow()
    conditions = [Action.state.in_((rules.IN_FORCE, rules.ENDED)), Action.decided_at.is_not(None)]
    if args["status"] == IN_FORCE_ONLY:
        conditions.append(Action.state == rules.IN_FORCE)
    else:
        conditions.append(or_(Action.state == rules.IN_FORCE, Action.decided_at >= now - timedelta(days=RECENT_DAYS)))
    if args["type"]:
        conditions.append(Action.type == args["type"])
    if args["region"]:
        conditions.append(Platform.region_code.in_(subtree_codes(args["region"])))
    for word in search_key(args["q"][:MAX_QUERY]).split():
        conditions.append(Platform.search_text.like(like_pattern(word), escape="\\"))
    anchor = args.get("anchor")
    if anchor is not None:
        conditions.append(
            or_(
                Action.decided_at < anchor.decided_at,
                and_(Action.decided_at == anchor.decided_at, Action.id < anchor.id),
            )
        )
    return db.session.scalars(
        select(Action)
        .join(Action.platform)
        .options(contains_eager(Action.platform))
        .where(*conditions)
        .order_by(Action.decided_at.desc(), Action.id.desc())
        .limit(limit)
    ).all()


@dataclass
class Decision:
    """One line of the public record: nothing but what the public may read."""

    id: int
    platform: Platform
    action: str
    is_lift: bool
    decided_at: datetime
    decided_on: date
    starts_on: date
    deadline_on: date | None
    in_force: bool
    status: str
    public_reason: str


def public_decision(action, today):
    """What the record shows of an approved action or lifting."""
    label = rules.ACTION_TYPES.get(action.type, action.type)
    if action.is_lift:
        label = _("Lifting: %(action)s", action=label)
    if action.state == rules.IN_FORCE and action.starts_on <= today:
        status = _("In force")
    elif action.state == rules.IN_FORCE:
        status = _("Takes effect on %(day)s", day=_day(action.starts_on))
    else:
        ended = ENDED_AS.get(action.end_reason, _l("Ended on %(day)s"))
        status = ended % {"day": _day(app_today(action.ended_at or action.decided_at))}
    return Decision(
        id=action.id,
        platform=action.platform,
        action=str(label),
        is_lift=action.is_lift,
        decided_at=action.decided_at,
        decided_on=app_today(action.decided_at),
        starts_on=action.starts_on,
        deadline_on=action.deadline_on,
        in_force=action.state == rules.IN_FORCE,
        status=str(status),
        # Approved before public reasons were asked for: the legal basis, public law, stands in.
        public_reason=action.public_reason or action.legal_basis,
    )


def _day(value):
    return format_date(value, "medium")


def enforcement_record(args, limit, now=None):
    """(decisions of one page, whether older ones follow)."""
    now = now or utcnow()
    found = approved_decisions(args, limit + 1, now)
    today = app_today(now)
    return [public_decision(action, today) for action in found[:limit]], len(found) > limit


def _shown(query_args):
    """The filters as typed, to keep in the form, in links and in the feed's address."""
    return {name: query_args.get(name, "")[:MAX_QUERY] for name in FILTERS}


def _query(values):
    return {name: value for name, value in values.items() if value}


def actions_page():
    """/platforms/actions: the decisions in force and recent ones, filterable, paged by keyset."""
    args, errors = parse_filters(request.args)
    shown = _shown(request.args)
    decisions, more = ([], False) if errors else enforcement_record(args, PAGE_SIZE)
    older = _query({**shown, "before": str(decisions[-1].id)}) if more else None
    return render_template(
        "tipline/actions.html",
        decisions=decisions,
        errors=errors,
        args=shown,
        paged=bool(args["before"]) and not errors,
        older=older,
        newest=_query(shown),
        feed_args={} if errors else _query(shown),
        action_types=rules.ACTION_TYPES,
        status_choices=STATUS_CHOICES,
        provinces=province_choices(),
        recent_days=RECENT_DAYS,
    ), (400 if errors else 200)


# Characters XML 1.0 cannot hold; none should reach the database, but a feed must never fail on one.
NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text):
    return NOT_XML.sub("", str(text))


def _entry_content(decision):
    """The entry's HTML: the public reason, then the dates."""
    facts = [
        (_("Decided on"), _day(decision.decided_on)),
        (_("Takes effect on"), _day(decision.starts_on)),
    ]
    if decision.deadline_on:
        facts.append((_("Rectify by"), _day(decision.deadline_on)))
    facts.append((_("Status"), decision.status))
    items = Markup("").join(Markup("<li>{}</li>").format(_("%(name)s: %(value)s", name=n, value=v)) for n, v in facts)
    return Markup("<p>{}</p><ul>{}</ul>").format(decision.public_reason, items)


def actions_feed():
    """/platforms/actions.atom: the latest FEED_SIZE approved decisions, with the page's filters."""
    args, errors = parse_filters(request.args)
    if errors:
        text = "\n".join(messages[0] for messages in errors.values())
        return Response(text + "\n", 400, content_type="text/plain; charset=utf-8")
    args["anchor"] = None  # a feed is always its newest entries
    decisions, _more = enforcement_record(args, FEED_SIZE)
    base = current_app.config["PUBLIC_URL"]
    query = _query(_shown(request.args))
    feed_url = base + url_for("platforms.actions_feed", **query)
    feed = FeedGenerator()
    feed.id(feed_url)
    feed.title(_xml(_("Enforcement record") + " · " + _("Tipline")))
    feed.subtitle(
        _xml(
            _(
                "Decisions on online course platforms used by minors: those in force, and those of the last"
                " %(days)d days, newest first.",
                days=RECENT_DAYS,
            )
        )
    )
    feed.author(name=_xml(_("Tipline")), uri=base + "/")
    feed.generator("Tipline")  # not feedgen's name and version
    feed.link(href=feed_url, rel="self", type="application/atom+xml")
    feed.link(href=base + url_for("platforms.actions", **query), rel="alternate", type="text/html")
    feed.language(html_lang())
    feed.updated(_aware(decisions[0].decided_at) if decisions else datetime.now(timezone.utc))
    for decision in decisions:
        entry = feed.add_entry(order="append")  # newest first, as given
        entry.id(f"{base}{url_for('platforms.actions')}#action-{decision.id}")
        entry.title(_xml(_("%(platform)s: %(action)s", platform=decision.platform.name, action=decision.action)))
        entry.updated(_aware(decision.decided_at))
        entry.published(_aware(decision.decided_at))
        entry.link(href=base + url_for("platforms.detail", platform_id=decision.platform.id), rel="alternate")
        entry.content(_xml(_entry_content(decision)), type="html")
    return Response(feed.atom_str(pretty=True), 200, content_type="application/atom+xml; charset=utf-8")


def _aware(moment):
    """A stored (naive UTC) time as the feed writes it."""
    return moment.replace(tzinfo=timezone.utc)
