"""Time in one place: stored times are naive UTC; pages show Beijing time."""

from datetime import datetime, timezone


def utcnow():
    """Now, as a naive UTC datetime (what every DateTime column stores)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)
