"""Forgetting on time what is kept only briefly: day keys, receipt hand-overs, tracking sessions, and the
answers kept for idempotency keys (a report's contents among them)."""


def purge_expired(now):
    """Delete past days' client keys, receipt codes never fetched, ended tracking sessions and old answers
    to idempotency keys.

    Each is also purged when its next one is made; this catches quiet days. Run by
    every worker and by `scan-deadlines`; idempotent. Returns how many rows went.
    """
    from tipline.api.idempotency import purge_old_requests
    from tipline.reports.client_keys import purge_past_client_keys
    from tipline.reports.handover import purge_expired_handovers
    from tipline.tracking.sessions import purge_ended_sessions

    return (
        purge_past_client_keys(now.date())
        + purge_expired_handovers(now)
        + purge_ended_sessions(now)
        + purge_old_requests(now)
    )
