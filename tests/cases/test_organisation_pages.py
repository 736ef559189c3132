"""Staff verify organisations: the list, one organisation, its proof document, and the decisions on it."""

import re

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from cases.audit import AuditEntry
from tests.cases.conftest import BEIJING, CHAOYANG, HAIDIAN, csrf_token
from tests.cases.routes.world import make_organisation
from tipline.extensions import db
from tipline.jobs.models import OutboxJob
from tipline.organisations.models import Organisation
from tipline.organisations.service import OrganisationError, decide
from tipline.organisations.trust import RECORD_DAYS, RECORD_MIN

LIST = "/staff/organisations"
ENGLISH = {"Accept-Language": "en"}


def page_of(organisation):
    return f"/staff/organisations/{organisation.id}"


def post_decision(client, organisation, decision, reason=""):
    token = csrf_token(client, page_of(organisation))
    data = {"csrf_token": token, "decision-decision": decision, "decision-reason": reason}
    return client.post(f"{page_of(organisation)}/decide", data=data, headers=ENGLISH)


def audit_rows(action, organisation=None):
    query = select(AuditEntry).where(AuditEntry.action == action)
    if organisation is not None:
        query = query.where(AuditEntry.target_id == organisation.id)
    return db.session.scalars(query.order_by(AuditEntry.id)).all()


def mail_jobs():
    return db.session.scalars(select(OutboxJob).where(OutboxJob.name == "mail.org_decision")).all()


# --- the list ---------------------------------------------------------------------------------


def test_the_list_keeps_to_the_region_tree_and_shows_what_waits_first(app, make_staff, staff_client):
    """Catches: a sibling region's organisation listed or opened, or the default list mixing in organisations
    that cannot be verified yet (address unconfirmed) or were decided already."""
    waiting = make_organisation("pending", True, name="海淀等待家委会")
    unconfirmed = make_organisation("pending", False, name="海淀未确认家委会")
    verified = make_organisation("verified", name="海淀已认证家委会")
    sibling = make_organisation("pending", True, region=CHAOYANG, name="朝阳等待家委会")
    intake = staff_client(make_staff("intake", "cyberspace", HAIDIAN))

    listed = intake.get(LIST, headers=ENGLISH).get_data(as_text=True)
    assert waiting.name in listed and "confirmed" in listed
    assert unconfirmed.name not in listed and verified.name not in listed and sibling.name not in listed
    everything = intake.get(LIST, query_string={"status": "all"}).get_data(as_text=True)
    assert all(o.name in everything for o in (waiting, unconfirmed, verified)) and sibling.name not in everything
    assert unconfirmed.name in intake.get(LIST, query_string={"status": "unconfirmed"}).get_data(as_text=True)
    assert intake.get(page_of(sibling)).status_code == 404
    assert intake.get("/staff/organisations/999999").status_code == 404

    above = staff_client(make_staff("supervisor", "education", BEIJING))
    assert sibling.name in above.get(LIST).get_data(as_text=True)
    assert above.get(page_of(sibling)).status_code == 200


def test_the_list_filters_searches_and_pages(app, make_staff, staff_client, monkeypatch):
    """Catches: a search by credit code that needs the code typed exactly, a kind filter ignored, or paging
    that repeats or skips an organisation."""
    from cases import organisations as listing

    school = make_organisation(
        "verified", name="星光学校", kind="school", credit_code="91350100M000100Y43", school_name=""
    )
    committees = [make_organisation("verified", name=f"家委会{n}") for n in range(3)]
    client = staff_client(make_staff("intake", "education", HAIDIAN))

    found = client.get(LIST, query_string={"status": "all", "q": "91350100 m000100y43"}).get_data(as_text=True)
    assert page_of(school) in found and not any(page_of(c) in found for c in committees)
    by_kind = client.get(LIST, query_string={"status": "verified", "kind": "school"}).get_data(as_text=True)
    assert page_of(school) in by_kind and page_of(committees[0]) not in by_kind

    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    seen, after = [], None
    for _page in range(3):
        query = {"status": "verified", **({"after": after} if after else {})}
        body = client.get(LIST, query_string=query).get_data(as_text=True)
        seen += [o.id for o in (school, *committees) if page_of(o) in body]
        following = re.search(r'rel="next" href="[^"]*after=([0-9]+)', body)
        if following is None:
            break
        after = following.group(1)
    assert sorted(seen) == sorted(o.id for o in (school, *committees)) and len(seen) == len(set(seen))

    refused = client.get(LIST, query_string={"status": "gone", "kind": "x", "q": "汉" * 101}, headers=ENGLISH)
    assert refused.status_code == 400
    body = refused.get_data(as_text=True)
    assert "Choose a status from the list." in body and "Choose a kind from the list." in body


# --- who may come in --------------------------------------------------------------------------


def test_officers_are_refused_and_admins_only_read(app, make_staff, staff_client):
    """Catches: an officer reaching the organisations by URL or a crafted POST, or an administrator deciding."""
    organisation = make_organisation("pending", True, proof=True)
    officer = staff_client(make_staff("officer", "cyberspace", HAIDIAN))
    assert officer.get(LIST).status_code == 403
    assert officer.get(page_of(organisation)).status_code == 403
    token = csrf_token(officer, "/staff/account")
    crafted = {"csrf_token": token, "decision-decision": "verify", "decision-reason": ""}
    assert officer.post(f"{page_of(organisation)}/decide", data=crafted).status_code == 403
    assert officer.get(f"/staff/evidence/{organisation.proof_evidence_id}").status_code == 404
    assert "/staff/organisations" not in officer.get("/staff/").get_data(as_text=True)

    admin = staff_client(make_staff("admin", "cyberspace", HAIDIAN))
    assert admin.get(page_of(organisation)).status_code == 200
    token = csrf_token(admin, "/staff/account")
    crafted["csrf_token"] = token
    assert admin.post(f"{page_of(organisation)}/decide", data=crafted).status_code == 403
    db.session.refresh(organisation)
    assert organisation.status == "pending" and not mail_jobs() and not audit_rows("organisation.verify")


def test_the_operation_checks_the_actor_itself(app, make_staff):
    """Catches: service.decide trusting its view for the actor's role and region."""
    organisation = make_organisation("pending", True)
    for role, region in (("supervisor", CHAOYANG), ("officer", HAIDIAN), ("admin", HAIDIAN)):
        with pytest.raises(OrganisationError):
            decide(organisation, "verify", make_staff(role, "cyberspace", region))
        db.session.rollback()
    assert db.session.get(Organisation, organisation.id).status == "pending"


# --- decisions --------------------------------------------------------------------------------

# What each decision may do from each standing (status, address confirmed): typed here, not read from the code.
OPEN = {
    ("pending", False): {"refuse"},
    ("pending", True): {"verify", "refuse"},
    ("verified", True): {"suspend"},
    ("refused", True): set(),
    ("suspended", True): {"reinstate"},
}
TARGET = {"verify": "verified", "refuse": "refused", "suspend": "suspended", "reinstate": "verified"}


@pytest.mark.parametrize("standing", list(OPEN), ids=lambda s: f"{s[0]}-{'confirmed' if s[1] else 'unconfirmed'}")
@pytest.mark.parametrize("decision", list(TARGET))
def test_each_decision_from_each_status(app, make_staff, staff_client, standing, decision):
    """Catches: a decision taken from a status it does not belong to (reinstating a refused organisation,
    verifying an unconfirmed address), or one that changes the status without its audit row and mail."""
    organisation = make_organisation(*standing)
    actor = make_staff("supervisor", "cyberspace", HAIDIAN)
    response = post_decision(staff_client(actor), organisation, decision, "证明材料已核实")
    organisation = db.session.get(Organisation, organisation.id)
    if decision in OPEN[standing]:
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        assert organisation.status == TARGET[decision] and organisation.status_reason == "证明材料已核实"
        [row] = audit_rows(f"organisation.{decision}", organisation)
        assert (row.actor_id, row.region_code, row.detail["before"]) == (actor.id, HAIDIAN, standing[0])
        [job] = mail_jobs()
        assert job.payload["organisation_id"] == organisation.id and job.payload["decision"] == decision
    else:
        assert response.status_code == 400
        assert "This decision cannot be taken on the organisation as it stands now." in response.get_data(as_text=True)
        assert organisation.status == standing[0]
        assert not audit_rows(f"organisation.{decision}") and not mail_jobs()


@pytest.mark.parametrize("decision, status", [("refuse", "pending"), ("suspend", "verified")])
def test_refusing_and_suspending_need_a_reason_and_keep_what_was_typed(app, make_staff, staff_client, decision, status):
    """Catches: an organisation refused or suspended without being told why, or the typed reason lost on error."""
    organisation = make_organisation(status, True)
    client = staff_client(make_staff("intake", "cyberspace", HAIDIAN))
    response = post_decision(client, organisation, decision, "x")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Give the reason: the organisation is told it." in body
    assert re.search(r">\s*x</textarea>", body)  # what was typed is kept
    assert db.session.get(Organisation, organisation.id).status == status and not mail_jobs()
    assert post_decision(client, organisation, decision, "证明材料为伪造").status_code == 302


def test_verifying_needs_no_reason_and_the_page_says_what_happened(app, make_staff, staff_client):
    """Catches: a reason demanded to verify, or no word on the page that the organisation was told."""
    organisation = make_organisation("pending", True)
    client = staff_client(make_staff("intake", "education", HAIDIAN))
    response = post_decision(client, organisation, "verify")
    assert response.status_code == 302
    page = client.get(response.headers["Location"], headers=ENGLISH).get_data(as_text=True)
    assert f"{organisation.name} is verified. It is told by mail." in page
    assert "Verified an organisation" in page  # the status history
    assert 'value="suspend"' in page and 'value="verify"' not in page  # the decisions open now


@pytest.mark.parametrize("locale", ["en", "zh_Hans"])
def test_the_organisation_is_mailed_in_its_own_language(smtp_server, app, make_staff, staff_client, locale):
    """Catches: the decision mail written in the staff member's language (or always in one), or without the reason."""
    organisation = make_organisation("pending", True, locale=locale, name="Sunrise 家委会")
    client = staff_client(make_staff("intake", "cyberspace", HAIDIAN))
    # Staff work in the other language: the mail must follow the organisation, not them.
    other = "zh" if locale == "en" else "en"
    token = csrf_token(client, page_of(organisation))
    response = client.post(
        f"{page_of(organisation)}/decide",
        data={"csrf_token": token, "decision-decision": "refuse", "decision-reason": "材料不全 / incomplete"},
        headers={"Accept-Language": other},
    )
    assert response.status_code == 302
    [mail] = smtp_server.to(organisation.email)
    subjects = {}
    for language in ("en", "zh_Hans"):
        with app.test_request_context(), force_locale(language):
            subjects[language] = _("Tipline: the registration of %(org)s was refused", org=organisation.name)
            if language == locale:
                reason = _("Reason given: %(reason)s", reason="材料不全 / incomplete")
    assert subjects["en"] != subjects["zh_Hans"], "the zh_Hans catalog lacks the decision mail's words"
    assert mail["Subject"] == subjects[locale]
    assert reason in mail.get_content()


# --- the organisation page and its proof document -------------------------------------------


def test_the_page_shows_details_members_record_reports_and_is_audited(
    app, make_staff, staff_client, make_platform, file_tip
):
    """Catches: contact details read without an audit row, the trust rule retyped with other numbers, or
    reports listed from cases the reader may not open."""
    organisation = make_organisation("verified", True, proof=True)
    here = file_tip(make_platform(region_code=HAIDIAN), "vulgar", organisation_id=organisation.id)
    elsewhere = file_tip(make_platform(region_code=CHAOYANG), "vulgar", organisation_id=organisation.id)
    reader = make_staff("intake", "cyberspace", HAIDIAN)
    client = staff_client(reader)
    body = client.get(page_of(organisation), headers=ENGLISH).get_data(as_text=True)
    for shown in (organisation.name, organisation.email, organisation.phone, organisation.contact_name):
        assert shown in body
    assert organisation.members[0].email in body and "Administrator" in body
    assert f"in the last {RECORD_DAYS} days" in body and f"at least {RECORD_MIN} closed" in body
    assert "Its reports raise the priority of their cases." in body
    assert f"/staff/cases/{here.case_id}#tip-{here.id}" in body
    assert f"/staff/cases/{elsewhere.case_id}" not in body and "1 of its reports is not shown" in body
    assert f"/staff/evidence/{organisation.proof_evidence_id}" in body
    [row] = audit_rows("organisation.view", organisation)
    assert (row.actor_id, row.region_code) == (reader.id, HAIDIAN)

    # The case page links the organisation's name to this page, for those who may open it.
    case_page = client.get(f"/staff/cases/{here.case_id}").get_data(as_text=True)
    assert f'<a href="{page_of(organisation)}">{organisation.name}</a>' in case_page
    officer = staff_client(make_staff("officer", "cyberspace", HAIDIAN))
    assert page_of(organisation) not in officer.get(f"/staff/cases/{here.case_id}").get_data(as_text=True)


def test_the_proof_document_is_seen_exactly_by_those_who_see_the_organisation(app, make_staff, staff_client):
    """Catches: a proof document (evidence of no tip) open to any signed-in staff, or its viewer breaking
    for want of a report; and its audit row without a region, which no supervisor could read."""
    organisation = make_organisation("pending", True, proof=True)
    pdf_organisation = make_organisation("pending", True, proof="pdf")
    proof, pdf = (
        f"/staff/evidence/{organisation.proof_evidence_id}",
        f"/staff/evidence/{pdf_organisation.proof_evidence_id}",
    )
    allowed = [("intake", HAIDIAN), ("supervisor", HAIDIAN), ("admin", HAIDIAN), ("supervisor", BEIJING)]
    refused = [("officer", HAIDIAN), ("intake", CHAOYANG), ("supervisor", CHAOYANG)]
    for role, region in allowed:
        client = staff_client(make_staff(role, "cyberspace", region))
        viewer = client.get(proof, headers=ENGLISH)
        assert viewer.status_code == 200, (role, region)
        assert page_of(organisation) in viewer.get_data(as_text=True)  # back to the organisation, not a report
        for url in (f"{proof}/file", f"{proof}/thumbnail", f"{proof}/download", f"{pdf}/pages/1", pdf):
            assert client.get(url).status_code == 200, (role, region, url)
    for role, region in refused:
        client = staff_client(make_staff(role, "education", region))
        for url in (proof, f"{proof}/file", f"{proof}/thumbnail", f"{proof}/download", f"{pdf}/pages/1"):
            assert client.get(url).status_code == 404, (role, region, url)
    rows = db.session.scalars(select(AuditEntry).where(AuditEntry.action.like("evidence.%"))).all()
    assert rows and all(row.region_code == HAIDIAN and row.detail.get("tip_id") is None for row in rows)


def test_the_audit_log_reads_organisation_entries_in_words(app, make_staff, staff_client):
    """Catches: organisation and proof-document entries read as codes ("organisation: verify", "report #None")."""
    organisation = make_organisation("pending", True, proof=True)
    supervisor = make_staff("supervisor", "cyberspace", HAIDIAN)
    client = staff_client(supervisor)
    client.get(f"/staff/evidence/{organisation.proof_evidence_id}")
    assert post_decision(client, organisation, "refuse", "证明材料与名称不符").status_code == 302
    log = client.get("/staff/admin/audit", headers=ENGLISH).get_data(as_text=True)
    assert "Refused an organisation&#39;s registration" in log
    assert "From “waiting for verification” to “refused”. Reason: 证明材料与名称不符" in log
    assert f"Proof document #{organisation.proof_evidence_id} of {organisation.name}" in log
    assert "None" not in log and "Other act" not in log


def test_hostile_decisions_are_refused_in_words_never_a_500(app, make_staff, staff_client):
    """Catches: a 500 on what no page sends to a decider (the hostile-routes test signs in only as admin and
    officer, who never get this far): unknown decisions, NUL, a reason of 100k characters, a decision sent twice."""
    organisation = make_organisation("pending", True)
    client = staff_client(make_staff("intake", "cyberspace", HAIDIAN))
    for decision, reason in (
        ("", ""),
        ("delete", "x"),
        ("verify\x00", ""),
        ("refuse", "a\x00b"),
        ("refuse", "汉" * 100_000),
        ("١٢٣", "١٢٣٤٥٦"),
    ):
        assert post_decision(client, organisation, decision, reason).status_code == 400, (decision, reason[:10])
    assert db.session.get(Organisation, organisation.id).status == "pending" and not mail_jobs()
    token = csrf_token(client, page_of(organisation))
    twice = {"csrf_token": token, "decision-decision": ["refuse", "verify"], "decision-reason": ""}
    assert client.post(f"{page_of(organisation)}/decide", data=twice).status_code in (302, 400)
    for query in ({"after": "-1"}, {"after": "9" * 40}, {"status": ["all", "x"]}, {"q": "a\x00b"}):
        assert client.get(LIST, query_string=query).status_code in (200, 400), query
