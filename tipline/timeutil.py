"""Time in one place: stored times are naive UTC; calendar days are days of the app's time zone (Beijing).

Pages show times in the page's zone: the app's, or on staff pages the signed-in
user's own (tipline.i18n.select_time_zone). Dates that carry legal weight (when an
action takes effect, a rectification deadline, a filing review) are days of the
app's zone whoever types or reads them: actions take effect on Beijing calendar days.
"""

import re
from datetime import date, datetime, time, timezone
from functools import cache
from zoneinfo import ZoneInfo, available_timezones


def utcnow():
    """Now, as a naive UTC datetime (what every DateTime column stores)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def app_zone():
    """The app's time zone (BABEL_DEFAULT_TIMEZONE, Beijing time): the zone of every calendar day it keeps."""
    from flask import current_app

    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def app_today(now=None):
    """The calendar date in the app's time zone at `now` (naive UTC; this moment by default).

    Not `utcnow().date()`: from 00:00 to 08:00 Beijing time the UTC date is still yesterday.
    """
    moment = (now or utcnow()).replace(tzinfo=timezone.utc)
    return moment.astimezone(app_zone()).date()


def day_start(day):
    """The instant (naive UTC, as stored) at which a calendar day of the app's zone (Beijing) begins."""
    return datetime.combine(day, time.min, tzinfo=app_zone()).astimezone(timezone.utc).replace(tzinfo=None)


@cache
def time_zones():
    """The IANA time zones a person may choose, sorted.

    Those that both zoneinfo and pytz (with which Flask-Babel converts times) know:
    this leaves out "localtime" (the server's own) and "Factory", which are no places.
    """
    import pytz

    return tuple(sorted(available_timezones() & pytz.all_timezones_set))


def page_zone():
    """The time zone the page shows times in, in which people type them too."""
    from flask import has_request_context
    from flask_babel import get_timezone

    if not has_request_context():
        return app_zone()
    return ZoneInfo(get_timezone().zone)


def local_now():
    """Now, as a naive time in the page's time zone, to compare with typed times."""
    return datetime.now(page_zone()).replace(tzinfo=None)


def local_to_utc(value):
    """A naive time typed in the page's time zone as naive UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=page_zone()).astimezone(timezone.utc).replace(tzinfo=None)


# Dates typed into filters: nothing the app holds is older, and the zone arithmetic stays in range.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)
ISO_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


def typed_day(text):
    """A date typed as YYYY-MM-DD, or ValueError with the message to show (in the page's language)."""
    from flask_babel import format_date
    from flask_babel import gettext as _

    found = ISO_DAY.fullmatch(text)
    try:
        day = date(*(int(part) for part in found.groups())) if found else None
    except ValueError:
        day = None
    if day is None:
        raise ValueError(_("Give a real date as year-month-day, like %(example)s.", example="2026-03-31"))
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(
            _(
                "Give a date from %(first)s to %(last)s.",
                first=format_date(FIRST_DAY, "medium"),
                last=format_date(LAST_DAY, "medium"),
            )
        )
    return day
