"""Statements of reasons: the written schema, the public and internal versions, periods, files, CLI and downloads."""

import csv
import io
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import select

from cases.actions import rules
from cases.actions.service import decide_action, propose_action, propose_lift
from cases.audit import AuditEntry
from tests.cases.conftest import BEIJING, CHAOYANG, HAIDIAN, file_tip, staff_client  # noqa: F401  (fixtures)
from tipline import catalog
from tipline.extensions import db
from tipline.figures import statements as sor
from tipline.timeutil import app_today, utcnow

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "statement-of-reasons.schema.json"
FACTS = "内部事实：巡查截图显示证人王某某的孩子被弹窗打断"
APPROVAL_NOTE = "审批备注：证据充分，同意暂停"
FORMULA = '=HYPERLINK("http://evil.example","点此")'
LAW = "《未成年人保护法》第七十四条"
PUBLIC = "课程页面多次推送网络游戏广告。"


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@pytest.fixture
def decided(app, make_platform, make_staff, file_tip):  # noqa: F811  (fixture)
    """Decisions of each kind: in Haidian a public case (an interview, a suspension and its lifting, one
    proposal waiting and one rejected) and an organisation's case (black listing, a formula as public reason);
    in Chaoyang, a sibling district, one rectification."""
    from tipline.organisations.service import create_organisation

    officer = make_staff("officer", "cyberspace", HAIDIAN)
    supervisor = make_staff("supervisor", "cyberspace", BEIJING)
    public_case = file_tip(make_platform(region_code=HAIDIAN), "game_ads").case
    interview = propose_action(
        public_case, officer, rules.INTERVIEW, LAW, details=FACTS, public_reason="约谈平台负责人。"
    )
    decide_action(interview, supervisor, approve=True)
    suspension = propose_action(public_case, officer, rules.SUSPEND_UPDATES, LAW, details=FACTS, public_reason=PUBLIC)
    decide_action(suspension, supervisor, approve=True, reason=APPROVAL_NOTE)
    lifting = propose_lift(suspension, officer, "整改完成，经复核符合要求", details=FACTS, public_reason="已整改。")
    decide_action(lifting, supervisor, approve=True, reason=APPROVAL_NOTE)
    waiting = propose_action(public_case, officer, rules.DELISTING, LAW, details=FACTS, public_reason="下架。")
    rejected = propose_action(public_case, officer, rules.TEMPORARY_OFFLINE, LAW, details=FACTS, public_reason="下线。")
    decide_action(rejected, supervisor, approve=False, reason="证据不足")

    committee = create_organisation(
        "实验小学家长委员会", "parent_committee", HAIDIAN, "jwh@school.example",
        "seven maple lanterns drift", school_name="实验小学", verified=True,
    )  # fmt: skip
    org_platform = make_platform(region_code=HAIDIAN)
    file_tip(org_platform, "vulgar")
    org_case = file_tip(org_platform, "vulgar", reporter_type="parent_committee", organisation_id=committee.id).case
    blacklisting = propose_action(org_case, officer, rules.BLACKLIST, LAW, details=FACTS, public_reason=FORMULA)
    decide_action(blacklisting, supervisor, approve=True, reason=APPROVAL_NOTE)

    chaoyang_officer = make_staff("officer", "cyberspace", CHAOYANG)
    chaoyang_case = file_tip(make_platform(region_code=CHAOYANG), "game_ads").case
    deadline = app_today() + timedelta(days=30)
    rectification = propose_action(
        chaoyang_case, chaoyang_officer, rules.RECTIFICATION, LAW, deadline_on=deadline, public_reason="限期整改。"
    )
    decide_action(rectification, supervisor, approve=True)
    db.session.commit()
    return {
        "interview": interview,
        "suspension": suspension,
        "lifting": lifting,
        "waiting": waiting,
        "rejected": rejected,
        "blacklisting": blacklisting,
        "rectification": rectification,
        "supervisor": supervisor,
        "officer": officer,
    }


def ids(*actions):
    return {sor.statement_id(action.id) for action in actions}


def by_id(statements):
    return {statement["statement_id"]: statement for statement in statements}


def approved(decided):
    return ids(*(decided[k] for k in ("interview", "suspension", "lifting", "blacklisting", "rectification")))


# --- the format ---------------------------------------------------------------------------------


@pytest.mark.parametrize("public", [False, True], ids=["internal", "public"])
def test_every_approved_decision_validates_against_the_written_schema(decided, validator, public):
    """Catches a statement that drifts from docs/statement-of-reasons.schema.json, a proposed or rejected action
    exported, or an approved one (a lifting) left out."""
    statements = list(sor.statements_between(None, public=public))
    assert set(by_id(statements)) == approved(decided)
    for statement in statements:
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(statement)]
        assert not errors, (statement["statement_id"], errors)
        assert statement["visibility"] == ("public" if public else "internal")
        assert ("internal" in statement) is not public


def test_the_schema_tells_the_versions_apart(decided, validator):
    """Catches a schema that would let internal facts into a statement marked public."""
    statement = sor.statement_of(decided["interview"])
    assert validator.is_valid(statement)
    assert not validator.is_valid({**statement, "visibility": "public"})
    public = sor.statement_of(decided["interview"], public=True)
    assert validator.is_valid(public)
    assert not validator.is_valid({**public, "visibility": "internal"})


def test_the_schema_and_the_tables_list_the_same_codes(validator):
    """Catches a new action type or category that the written schema (and so its readers) does not know."""
    defs = validator.schema["$defs"]
    assert set(defs["action_type"]["enum"]) == set(rules.ACTION_TYPES) == set(sor.MEASURES)
    assert set(defs["liftable_action_type"]["enum"]) == rules.LIFTABLE
    assert set(defs["category"]["enum"]) == set(catalog.CATEGORIES)
    for action_type, restrictions in sor.MEASURES.items():
        assert sum(value is not None for value in restrictions) == 1, action_type


def test_a_statement_says_what_was_decided_where_and_how_it_was_found(decided):
    """Catches the wrong measure, dates, territorial scope or detection source in a statement."""
    statements = by_id(sor.statements_between(None))
    suspension = statements[sor.statement_id(decided["suspension"].id)]
    assert suspension["decision"]["kind"] == "measure" and suspension["decision"]["lifts_statement_id"] is None
    assert suspension["decision"]["service_restriction"] == "partial_suspension"
    assert suspension["decision"]["state"] == "ended" and suspension["decision"]["end_reason"] == "lifted"
    assert suspension["ground"] == {
        "type": "illegal_or_non_compliant",
        "legal_basis": LAW,
        "category": "game_ads",
        "category_label": {"zh": "网络游戏广告", "en": "Online game advertising"},
    }
    assert suspension["dates"]["application_date"] == app_today().isoformat()
    assert suspension["dates"]["end_date"] == app_today().isoformat()
    assert suspension["territorial_scope"] == {
        "region_code": HAIDIAN,
        "region_name": {"zh": "海淀区", "en": "Haidian District"},
        "national": False,
    }
    assert suspension["detection"] == {
        "source": "public_tip",
        "sources": ["public_tip"],
        "automated_detection": "no",
        "automated_decision": "no",
    }
    assert suspension["internal"]["decision_facts"] == FACTS
    assert suspension["internal"]["decision_reason"] == APPROVAL_NOTE
    assert suspension["internal"]["reports"]["total"] == 1
    blacklisting = statements[sor.statement_id(decided["blacklisting"].id)]
    assert blacklisting["detection"]["source"] == "organisation"
    assert blacklisting["detection"]["sources"] == ["public_tip", "organisation"]
    assert blacklisting["decision"]["visibility_restriction"] == "placed_on_black_list"
    assert blacklisting["decision"]["state"] == "in_force" and blacklisting["dates"]["end_date"] is None
    rectification = statements[sor.statement_id(decided["rectification"].id)]
    assert rectification["dates"]["rectification_deadline"] == decided["rectification"].deadline_on.isoformat()
    assert rectification["territorial_scope"]["region_code"] == CHAOYANG


def test_a_lifting_is_a_statement_of_its_own_naming_what_it_lifts(decided):
    """Catches a lifting exported as the measure itself, or without the statement it lifts."""
    lifting = sor.statement_of(decided["lifting"], public=True)
    assert lifting["decision"]["kind"] == "lifting"
    assert lifting["decision"]["action_type"] == rules.SUSPEND_UPDATES
    assert lifting["decision"]["lifts_statement_id"] == sor.statement_id(decided["suspension"].id)
    assert lifting["decision"]["label"]["en"] == "Lifting of: Suspension of updates"
    assert lifting["decision"]["end_reason"] == "applied"


def test_proposed_and_rejected_actions_have_no_statement(decided):
    """Catches statement_of giving a statement of something never decided."""
    for key in ("waiting", "rejected"):
        with pytest.raises(ValueError):
            sor.statement_of(decided[key])


def test_the_public_version_holds_no_internal_facts(decided):
    """Catches the facts relied on, the approval note, the case or the staff leaking into the public files."""
    public = list(sor.statements_between(None, public=True))
    files = [b"".join(sor.jsonl_lines(public)), b"".join(sor.csv_lines(public, public=True))]
    for text in (f.decode("utf-8-sig") for f in files):
        for secret in (FACTS, APPROVAL_NOTE, "case_id", "decided_by", "proposed_by", "internal"):
            assert secret not in text
        assert PUBLIC in text and LAW in text  # the public reason and the law are public
    internal = b"".join(sor.jsonl_lines(sor.statements_between(None))).decode()
    assert FACTS in internal and APPROVAL_NOTE in internal


def test_a_period_is_whole_beijing_days(decided):
    """Catches periods cut at UTC midnight, or an `until` day left out."""
    late, early = decided["interview"], decided["blacklisting"]
    late.decided_at = datetime(2026, 3, 1, 15, 59, 59)  # 23:59:59 on 1 March in Beijing
    early.decided_at = datetime(2026, 3, 1, 16, 0, 0)  # 00:00 on 2 March in Beijing
    db.session.commit()
    first, second = datetime(2026, 3, 1).date(), datetime(2026, 3, 2).date()
    assert set(by_id(sor.statements_between(first, first))) == ids(late)
    assert set(by_id(sor.statements_between(second, second))) == ids(early)
    assert set(by_id(sor.statements_between(first, second))) == ids(late, early)
    assert sor.statement_of(early)["dates"]["decision_date"] == "2026-03-02"
    assert sor.count_statements(first, second) == 2


def test_statements_come_in_decision_order_and_by_region_tree(decided):
    """Catches an export out of decision order, or a region filter that lets a sibling district in."""
    decided["interview"].decided_at = utcnow() + timedelta(minutes=5)
    db.session.commit()
    order = [s["statement_id"] for s in sor.statements_between(None)]
    assert order[-1] == sor.statement_id(decided["interview"].id)
    haidian = set(by_id(sor.statements_between(None, region_code=HAIDIAN)))
    assert haidian == approved(decided) - ids(decided["rectification"])
    assert set(by_id(sor.statements_between(None, region_code=BEIJING))) == approved(decided)


# --- files ------------------------------------------------------------------------------------


def test_csv_has_a_bom_its_columns_and_no_cell_that_runs(decided):
    """Catches a CSV without the byte-order mark, with internal columns in the public file, or a formula
    typed as a public reason left to run in a spreadsheet."""
    out = io.BytesIO()
    count = sor.write_csv(sor.statements_between(None, public=True), out, public=True)
    body = out.getvalue()
    assert body.startswith("\ufeff".encode()) and count == 5
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert tuple(rows[0]) == sor.PUBLIC_CSV_COLUMNS and not any(c.startswith("internal.") for c in rows[0])
    reasons = [dict(zip(rows[0], row, strict=True))["public_reason"] for row in rows[1:]]
    assert "'" + FORMULA in reasons and FORMULA not in reasons


def test_csv_columns_are_every_field_flattened(decided):
    """Catches a field added to the statement but not to the CSV columns (it would be silently dropped)."""
    for public, columns in ((False, sor.CSV_COLUMNS), (True, sor.PUBLIC_CSV_COLUMNS)):
        for statement in sor.statements_between(None, public=public):
            assert tuple(sor.flatten(statement)) == columns


def test_jsonl_is_one_statement_a_line(decided, validator):
    out = io.BytesIO()
    assert sor.write_jsonl(sor.statements_between(None, public=True), out) == 5
    lines = out.getvalue().decode("utf-8").splitlines()
    assert len(lines) == 5 and all(validator.is_valid(json.loads(line)) for line in lines)
    assert "网络游戏广告" in lines[0]  # the Chinese as it is, not \u-escaped


# --- the command ------------------------------------------------------------------------------


def test_the_command_writes_the_file(decided, runner, tmp_path, validator):
    """Catches export-statements writing nothing, the wrong version, or to the wrong place."""
    path = tmp_path / "sor.jsonl"
    today = app_today().isoformat()
    result = runner.invoke(args=["export-statements", "--since", today, "--out", str(path)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert {s["statement_id"] for s in lines} == approved(decided)
    assert all(validator.is_valid(s) and s["visibility"] == "internal" for s in lines)
    csv_path = tmp_path / "sor.csv"
    public_csv = ["--until", today, "--public", "--format", "csv", "--out", str(csv_path)]
    result = runner.invoke(args=["export-statements", "--since", today, *public_csv])
    assert result.exit_code == 0, result.output
    assert csv_path.read_bytes().startswith("\ufeff".encode()) and FACTS not in csv_path.read_text("utf-8")
    result = runner.invoke(args=["export-statements", "--since", today, "--public", "--out", "-"])
    assert result.exit_code == 0 and len(result.stdout.splitlines()) == 5


@pytest.mark.parametrize(
    "args",
    [
        ["--since", "2026-02-30"],
        ["--since", "yesterday"],
        ["--since", "0001-01-01"],
        ["--since", "2026-03-02", "--until", "2026-03-01"],
    ],
)
def test_the_command_refuses_a_bad_date(app, runner, tmp_path, args):
    """Catches a bad date answered by a traceback or an empty file rather than a usage error."""
    path = tmp_path / "sor.jsonl"
    result = runner.invoke(args=["export-statements", *args, "--out", str(path)])
    assert result.exit_code == 2, result.output
    assert not path.exists()


# --- the staff download -------------------------------------------------------------------------


def exports():
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == "statements.export")).all()


@pytest.mark.parametrize("role", ["officer", "intake"])
def test_officers_and_intake_are_refused(decided, make_staff, staff_client, role):  # noqa: F811  (fixture)
    """Catches the internal statements reachable by a crafted GET from a role that may not read them."""
    client = staff_client(make_staff(role, "cyberspace", HAIDIAN))
    for url in ("/staff/statements", "/staff/statements.jsonl", "/staff/statements.csv?since=2000-01-01"):
        assert client.get(url).status_code == 403, url
    assert not exports()


def test_a_supervisor_downloads_the_region_tree_and_it_is_audited(decided, make_staff, staff_client, validator):  # noqa: F811
    """Catches a download that shows a sibling district's decisions, or that the audit log does not record."""
    haidian_supervisor = make_staff("supervisor", "cyberspace", HAIDIAN)
    client = staff_client(haidian_supervisor)
    page = client.get("/staff/statements")
    assert page.status_code == 200 and "statements.jsonl" in page.get_data(as_text=True)
    today = app_today().isoformat()
    response = client.get(f"/staff/statements.jsonl?since={today}&until={today}")
    assert response.status_code == 200 and response.cache_control.no_store
    statements = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert {s["statement_id"] for s in statements} == approved(decided) - ids(decided["rectification"])
    assert all(validator.is_valid(s) and s["internal"]["decision_facts"] == FACTS for s in statements)
    (entry,) = exports()
    assert entry.actor_id == haidian_supervisor.id and entry.region_code == HAIDIAN
    assert entry.detail == {"since": today, "until": today, "format": "jsonl", "rows": 4}
    response = client.get(f"/staff/statements.csv?since={today}")
    assert response.status_code == 200 and response.get_data().startswith("\ufeff".encode())
    assert "internal.decision_facts" in response.get_data(as_text=True) and len(exports()) == 2


def test_bad_dates_are_refused_on_the_page_with_what_was_typed(decided, make_staff, staff_client):  # noqa: F811
    """Catches a bad date answered by a 500 or by the whole history, or the typed date lost."""
    client = staff_client(make_staff("supervisor", "cyberspace", HAIDIAN))
    for url in ("/staff/statements", "/staff/statements.jsonl", "/staff/statements.csv"):
        response = client.get(url + "?since=2026-02-30&until=2026-03-01")
        assert response.status_code == 400, url
        assert 'value="2026-02-30"' in response.get_data(as_text=True)
    assert client.get("/staff/statements?since=2026-03-02&until=2026-03-01").status_code == 400
    assert not exports()


# --- the public download ------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", ["jsonl", "csv"])
def test_the_public_downloads_need_no_sign_in_and_hold_the_public_version(decided, client, validator, file_format):
    """Catches the public files needing a sign-in, holding internal facts, or a year-old decision left in
    by default (the last 12 months)."""
    decided["interview"].decided_at = utcnow() - timedelta(days=400)
    db.session.commit()
    response = client.get(f"/stats/statements.{file_format}")
    assert response.status_code == 200 and "public" in response.headers["Cache-Control"]
    body = response.get_data()
    assert FACTS.encode() not in body and APPROVAL_NOTE.encode() not in body
    if file_format == "jsonl":
        statements = [json.loads(line) for line in body.decode().splitlines()]
        assert all(validator.is_valid(s) and s["visibility"] == "public" for s in statements)
        assert {s["statement_id"] for s in statements} == approved(decided) - ids(decided["interview"])
    else:
        assert body.startswith("\ufeff".encode()) and b"internal." not in body
    old = client.get(f"/stats/statements.{file_format}?since=2000-01-01").get_data()
    assert sor.statement_id(decided["interview"].id).encode() in old


def test_the_public_download_refuses_a_bad_date_in_words(app, client):
    """Catches a bad date in the query string answered by a 500 or a file of everything."""
    response = client.get("/stats/statements.jsonl?since=2026-13-01", headers={"Accept-Language": "en"})
    assert response.status_code == 400 and response.mimetype == "text/plain"
    assert "year-month-day" in response.get_data(as_text=True)
    assert client.get("/stats/statements.csv?since=2026-03-02&until=2026-03-01").status_code == 400
