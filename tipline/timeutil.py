"""Time in one place: stored times are naive UTC; pages show Beijing time."""

from datetime import datetime, timezone


def utcnow():
    """Now, as a naive UTC datetime (what every DateTime column stores)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def local_now():
    """Now, as a naive time in the app's time zone (Beijing time), to compare with typed times."""
    from zoneinfo import ZoneInfo

    from flask import current_app

    return datetime.now(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).replace(tzinfo=None)


def local_to_utc(value):
    """A naive time typed in the app's time zone (Beijing time) as naive UTC."""
    from zoneinfo import ZoneInfo

    from flask import current_app

    if value is None:
        return None
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return value.replace(tzinfo=zone).astimezone(timezone.utc).replace(tzinfo=None)
