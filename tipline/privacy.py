"""Forgetting on time what the public side keeps only briefly: day keys, receipt hand-overs, tracking sessions."""


def purge_expired(now):
    """Delete past days' client keys, receipt codes never fetched and ended tracking sessions.

    Each is also purged when its next one is made; this catches quiet days. Run by
    every worker and by `scan-deadlines`; idempotent. Returns how many rows went.
    """
    from tipline.reports.client_keys import purge_past_client_keys
    from tipline.reports.handover import purge_expired_handovers
    from tipline.tracking.sessions import purge_ended_sessions

    return purge_past_client_keys(now.date()) + purge_expired_handovers(now) + purge_ended_sessions(now)
