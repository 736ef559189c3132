"""The receipt page: the code stays until the reporter kept it; then a saved cookie finds nothing."""

from datetime import timedelta

from sqlalchemy import func, select, update

from tests.conftest import csrf_token
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


def confirm(client, saved="y"):
    data = {"csrf_token": csrf_token(client, "/report/receipt"), "submit": "1"}
    if saved:
        data["saved"] = saved
    return client.post("/report/receipt", data=data)


def test_the_code_stays_until_the_reporter_confirms_she_kept_it(client):
    """Catches: a reload losing the code for good (parents lose it), or the code never let go."""
    submit(client)
    first = client.get("/report/receipt")
    code = CODE.search(first.get_data(as_text=True)).group(1)
    again = client.get("/report/receipt")  # a reload, or the language switch
    assert again.status_code == 200 and CODE.search(again.get_data(as_text=True)).group(1) == code
    assert again.headers["Cache-Control"] == "no-store"
    done = confirm(client)
    assert done.status_code == 303 and done.headers["Location"].endswith("/track")
    assert client.get("/report/receipt").status_code == 410
    assert waiting() == 0


def test_confirming_without_the_tick_keeps_the_code_and_says_why(client):
    """Catches: the code released by a stray press, without the reporter saying she kept it."""
    submit(client)
    client.set_cookie("lang", "en")
    refused = confirm(client, saved="")
    assert refused.status_code == 303  # back to the page: Back never lands on a form to send again
    body = client.get("/report/receipt").get_data(as_text=True)
    assert CODE.search(body)
    assert "Tick the box once you have kept your receipt code." in body
    assert waiting() == 1


def test_a_replayed_cookie_gets_410_once_the_code_was_let_go(client):
    """Catches: "let go" enforced by the cookie alone (a saved cookie jar shows the code again)."""
    saved = submit(client)
    client.get("/report/receipt")
    confirm(client)
    client.set_cookie("session", saved)  # the attacker's copy, taken before the code was let go
    replay = client.get("/report/receipt")
    assert replay.status_code == 410 and not CODE.search(replay.get_data(as_text=True))
    assert client.get("/report/receipt/download").status_code == 410


def test_the_download_is_a_text_file_with_the_code(client):
    """Catches: a download that phones cannot save (a data: link) or that a cache may keep."""
    submit(client)
    code = CODE.search(client.get("/report/receipt").get_data(as_text=True)).group(1).replace("<wbr>", "")
    client.set_cookie("lang", "zh")
    download = client.get("/report/receipt/download")
    assert download.status_code == 200 and download.mimetype == "text/plain"
    assert download.headers["Content-Disposition"] == 'attachment; filename="tipline-receipt.txt"'
    assert download.headers["Cache-Control"] == "no-store"
    text = download.get_data(as_text=True)
    assert code in text and "/track" in text and "回执码" in text


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
