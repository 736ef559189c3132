"""Periods of the evaluation: Beijing calendar days, both ends included, and the period just before."""

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l

from tipline.timeutil import day_start

# The longest period one evaluation covers (a leap year): past it, the figures would read every
# case of several years at once; a longer view is a series of periods.
MAX_DAYS = 366


@dataclass(frozen=True)
class Period:
    """From `starts_on` to `ends_on`, Beijing calendar days, both included."""

    starts_on: date
    ends_on: date

    @property
    def days(self):
        """How many days the period holds."""
        return (self.ends_on - self.starts_on).days + 1

    @property
    def start(self):
        """The period's first instant (naive UTC)."""
        return day_start(self.starts_on)

    @property
    def end(self):
        """The instant just after the period (naive UTC): times t with start <= t < end lie in it."""
        return day_start(self.ends_on + timedelta(days=1))

    def previous(self):
        """The period of the same length that ends the day before this one begins."""
        return Period(self.starts_on - timedelta(days=self.days), self.starts_on - timedelta(days=1))


def last_week(today):
    """Monday to Sunday of the week before today's."""
    monday = today - timedelta(days=today.weekday())
    return Period(monday - timedelta(days=7), monday - timedelta(days=1))


def last_month(today):
    """The calendar month before today's."""
    last = today.replace(day=1) - timedelta(days=1)
    return Period(last.replace(day=1), last)


def this_month(today):
    """This calendar month so far: from its first day to today."""
    return Period(today.replace(day=1), today)


# The quick choices of the form, in the order shown; the default is the first full month behind us.
QUICK = {
    "last_week": (_l("Last week"), last_week),
    "last_month": (_l("Last month"), last_month),
    "this_month": (_l("This month"), this_month),
}
DEFAULT_QUICK = "last_month"
