"""The receipt page from an attacker's side: a saved cookie, two tabs at once, a code left waiting."""

import threading
from datetime import timedelta

from sqlalchemy import func, select, update

from tests.tipline.test_report import CODE, report_data
from tipline.extensions import db
from tipline.reports.handover import ReceiptHandover
from tipline.timeutil import utcnow


def submit(client):
    """Send a good report without following the redirect; returns the session cookie the browser now holds."""
    response = client.post("/report", data=report_data(client))
    assert response.status_code == 303
    return client.get_cookie("session").value


def waiting():
    return db.session.scalar(select(func.count()).select_from(ReceiptHandover))


def test_a_replayed_cookie_gets_410_once_the_receipt_was_shown(client):
    """Catches: "shown once" enforced by the cookie alone (a saved cookie jar shows the code again)."""
    saved = submit(client)
    shown = client.get("/report/receipt")
    assert shown.status_code == 200 and CODE.search(shown.get_data(as_text=True))
    client.set_cookie("session", saved)  # the attacker's copy, taken before the page was opened
    replay = client.get("/report/receipt")
    assert replay.status_code == 410 and not CODE.search(replay.get_data(as_text=True))
    assert waiting() == 0


def test_two_parallel_gets_show_the_receipt_once(app, client):
    """Catches: reading the code and deleting it in two steps (two tabs at once both get it)."""
    saved = submit(client)
    tabs = [app.test_client() for _ in range(4)]
    for tab in tabs:
        tab.set_cookie("session", saved)
    statuses, start = [], threading.Barrier(len(tabs))

    def fetch(tab):
        start.wait()
        statuses.append(tab.get("/report/receipt").status_code)

    threads = [threading.Thread(target=fetch, args=(tab,)) for tab in tabs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 410, 410, 410]
    assert waiting() == 0


def test_a_code_never_fetched_expires(client, app):
    """Catches: a hand-over without expiry (a code never fetched waits on the server for ever)."""
    app.config["RECEIPT_PURGE_SECONDS"] = 0
    submit(client)
    db.session.execute(update(ReceiptHandover).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert client.get("/report/receipt").status_code == 410
    assert waiting() == 0
    # Codes nobody came for are purged when the next report hands its own over.
    submit(app.test_client())
    db.session.execute(update(ReceiptHandover).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    submit(app.test_client())
    assert waiting() == 1
