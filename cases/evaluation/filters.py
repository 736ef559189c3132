"""What a supervisor asks of the evaluation, read from the query string: the form's region and period, and a
drill-down's cell. Wrong input is kept as typed, with a message per field in the page's language."""

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from cases.evaluation.measures import CLOSINGS, MEASURES, WITHIN
from cases.evaluation.periods import DEFAULT_QUICK, MAX_DAYS, QUICK, Period
from tipline import catalog
from tipline.timeutil import typed_day
from tipline.web import parse_row_id

FIELD_LABELS = {
    "region": _l("Region"),
    "date_from": _l("From (date)"),
    "date_to": _l("To (date)"),
    "period": _l("Period"),
}
OWN = "own"  # a drill-down's `level`: the region's own cases, none of the regions below


def _raw(args, name):
    """A query argument as sent (its first value), trimmed to what any real value fits in."""
    return (args.get(name) or "").strip()[:100]


def _shown(text):
    """What was typed, as the page shows it back (a NUL cannot be shown, or stored)."""
    return text.replace("\x00", "")


@dataclass
class EvaluationAsk:
    """The form as typed, the region and period it asks for, and what is wrong with it, field by field."""

    typed: dict
    region_code: str | None = None
    period: Period | None = None
    errors: dict = field(default_factory=dict)  # field name -> message

    def as_args(self):
        """The query string of this evaluation (the CSV links, the drill-down's way back)."""
        return {
            "region": self.region_code,
            "date_from": self.period.starts_on.isoformat(),
            "date_to": self.period.ends_on.isoformat(),
        }


def _period_errors(period):
    """What is wrong with a period of two real dates, by field (none: nothing)."""
    if period.starts_on > period.ends_on:
        return {"date_to": _("The end date is before the start date.")}
    if period.days > MAX_DAYS:
        return {"date_to": _("Choose a period of at most %(days)s days.", days=MAX_DAYS)}
    return {}


def read_period(args, errors):
    """The period of the query string's date_from and date_to (both needed), or None with errors added."""
    days = {}
    for name in ("date_from", "date_to"):
        text = _raw(args, name)
        if not text:
            errors[name] = _("Give a date.")
            continue
        try:
            days[name] = typed_day(text)
        except ValueError as exc:
            errors[name] = str(exc)
    if len(days) < 2:
        return None
    period = Period(days["date_from"], days["date_to"])
    found = _period_errors(period)
    errors.update(found)
    return None if found else period


def read_ask(args, offered, own_region, today):
    """The evaluation asked for: `offered` are the region codes the reader may choose (their region tree),
    `own_region` the default; the period is typed, or a quick choice (QUICK) counted from `today`."""
    typed = {name: _shown(_raw(args, name)) for name in ("region", "date_from", "date_to")}
    ask = EvaluationAsk(typed)
    region = _raw(args, "region") or own_region
    if region in offered:
        ask.region_code = region
    else:
        ask.errors["region"] = _("Choose a region from the list.")
    ask.typed["region"] = typed["region"] or own_region
    quick = _raw(args, "period")
    if not quick and not typed["date_from"] and not typed["date_to"]:
        quick = DEFAULT_QUICK
    if quick:
        if quick not in QUICK:
            ask.errors["period"] = _("Choose a period from the list.")
            return ask
        ask.period = QUICK[quick][1](today)
        ask.typed.update(date_from=ask.period.starts_on.isoformat(), date_to=ask.period.ends_on.isoformat())
        return ask
    ask.period = read_period(args, ask.errors)
    return ask


class DrillRefused(ValueError):
    """A drill-down asked for something that is no cell of the evaluation; the message says what."""


@dataclass
class DrillAsk:
    """The cell whose cases are listed: its measure, region, period and dimensions; and the page."""

    measure: str
    region_code: str
    own_level: bool = False
    period: Period | None = None
    dims: dict = field(default_factory=dict)  # Scope's dimensions
    before: int | None = None  # the page: cases older than this one

    def as_args(self):
        """The query string of this list (the page left out)."""
        args = {"measure": self.measure, "region": self.region_code}
        if self.own_level:
            args["level"] = OWN
        if self.period is not None:
            args["date_from"], args["date_to"] = self.period.starts_on.isoformat(), self.period.ends_on.isoformat()
        args.update({name: str(value) for name, value in self.dims.items()})
        return args

    def back_args(self):
        """An evaluation holding this list's number: its region, over its period (a figure of now: the default)."""
        args = {"region": self.region_code}
        if self.period is not None:
            args["date_from"], args["date_to"] = self.period.starts_on.isoformat(), self.period.ends_on.isoformat()
        return args


def _dimension(name, text):
    """A drill-down dimension as the scope takes it, or DrillRefused."""
    if name == "department":
        if text in catalog.DEPARTMENTS:
            return text
    elif name in ("platform", "organisation"):
        number = parse_row_id(text)
        if number is not None:
            return number
    elif name == "to_region":
        if text == WITHIN or (len(text) == 6 and text.isascii() and text.isdigit()):
            return text
    elif name == "state":
        if text in CLOSINGS:
            return text
    raise DrillRefused(_("That list does not exist: %(name)s is not one of its choices.", name=name))


DIMENSIONS = ("department", "platform", "organisation", "to_region", "state")


def read_drill(args):
    """The drill-down asked for, or DrillRefused with the message to show."""
    measure = _raw(args, "measure")
    if measure not in MEASURES:
        raise DrillRefused(_("That list does not exist: choose a number on the evaluation page."))
    spec = MEASURES[measure]
    region = _raw(args, "region")
    if not (len(region) == 6 and region.isascii() and region.isdigit()):
        raise DrillRefused(_("That list does not exist: choose a number on the evaluation page."))
    ask = DrillAsk(measure, region)
    level = _raw(args, "level")
    if level not in ("", OWN):
        raise DrillRefused(_("That list does not exist: choose a number on the evaluation page."))
    ask.own_level = level == OWN
    if spec.period:
        errors = {}
        ask.period = read_period(args, errors)
        if errors:
            raise DrillRefused(" ".join(f"{FIELD_LABELS[name]}: {message}" for name, message in errors.items()))
    for name in DIMENSIONS:
        text = _raw(args, name)
        if not text:
            if name in spec.needs:
                raise DrillRefused(_("That list does not exist: choose a number on the evaluation page."))
            continue
        if name not in spec.takes:
            raise DrillRefused(_("That list does not exist: %(name)s is not one of its choices.", name=name))
        ask.dims[name] = _dimension(name, text)
    before = _raw(args, "before")
    if before:
        ask.before = parse_row_id(before)
        if ask.before is None:
            raise DrillRefused(_("That page does not exist."))
    return ask
