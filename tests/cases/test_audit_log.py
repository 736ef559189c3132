"""The audit log page and its CSV export: entries in words, filters, region rules, bad input, formula injection."""

import ast
import csv
import html
import io
import re
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from cases import states
from cases.audit import AuditEntry, audit
from cases.audit_log import AuditFilters, export_audit_log, safe_cell
from cases.audit_words import DETAILS, KINDS, AuditReader, kind_words
from tests.cases.conftest import BEIJING, CHAOYANG, HAIDIAN
from tests.cases.routes.world import Builder
from tipline.extensions import db

ROOT = Path(__file__).resolve().parents[2]
PAGE, CSV = "/staff/admin/audit", "/staff/admin/audit.csv"
ROW = re.compile(r'<tr id="entry-(\d+)" data-kind="[^"]*">(.*?)</tr>', re.S)


def english(client):
    """The client reads pages in English (the words tested are the msgids, translated or not)."""
    client.set_cookie("lang", "en")
    return client


def shown(response):
    """The ids of the entries a page lists, with the text of each row."""
    return {int(found.group(1)): found.group(2) for found in ROW.finditer(response.get_data(as_text=True))}


def csv_rows(response):
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


@pytest.fixture
def log(app, make_staff, make_platform, file_tip):
    """Entries about a Haidian case (its report, evidence and action), another Haidian case and a Chaoyang
    case, by named people and the system, at known times; and the staff who read them."""
    builder = Builder(make_staff, make_platform, file_tip)
    case = builder.case(states.INVESTIGATING)
    tip = case.tips[0]
    evidence = builder.evidence(tip)
    action = builder.proposed(case)
    other = file_tip(make_platform(region_code=HAIDIAN)).case
    far = file_tip(make_platform(region_code=CHAOYANG)).case
    people = {
        "wang": make_staff("officer", "cyberspace", HAIDIAN),
        "li": make_staff("officer", "education", HAIDIAN),
        "zhao": make_staff("officer", "cyberspace", CHAOYANG),
        "supervisor": make_staff("supervisor", "cyberspace", HAIDIAN),
        "sibling": make_staff("supervisor", "cyberspace", CHAOYANG),
        "admin": make_staff("admin", "cyberspace", BEIJING),
        "officer": make_staff("officer", "cyberspace", HAIDIAN),
        "intake": make_staff("intake", "cyberspace", HAIDIAN),
    }
    people["wang"].name, people["li"].name, people["zhao"].name = "王小明", "李老师", "赵六"
    wang, li, zhao = people["wang"], people["li"], people["zhao"]
    # Times in UTC; Beijing is eight hours ahead: "contact" is late on 1 March there, "download" early on 2 March.
    entries = {
        "contact": (audit(wang, "tip.contact_viewed", "tip", tip.id, case_id=case.id), "2025-03-01 15:30"),
        "download": (audit(li, "evidence.download", "evidence", evidence.id, tip_id=tip.id), "2025-03-01 16:30"),
        "approve": (audit(li, "action.approve", "action", action.id, lift=False), "2025-03-05 02:00"),
        "state": (audit(wang, "case.state", "case", other.id, old="new", new="triaged"), "2025-03-10 02:00"),
        "system": (audit(None, "case.escalate", "case", other.id, reasons=["overdue"]), "2025-03-11 02:00"),
        "far": (audit(zhao, "case.note", "case", far.id, note_id=1), "2025-03-01 02:00"),
    }
    for entry, at in entries.values():
        entry.created_at = datetime.fromisoformat(at)
    db.session.commit()
    ids = {name: entry.id for name, (entry, _) in entries.items()}
    return {"ids": ids, "people": people, "case": case, "other": other, "far": far, "tip": tip, "evidence": evidence}


def named(log, response):
    """Which of the log's named entries a page lists."""
    listed = shown(response)
    return {name for name, entry_id in log["ids"].items() if entry_id in listed}


def test_entries_read_as_words_with_a_link_to_their_case(app, log, staff_client):
    """Catches raw kinds, raw JSON or account emails where a reader expects who did what on which case."""
    client = english(staff_client(log["people"]["supervisor"]))
    response = client.get(PAGE)
    assert response.status_code == 200
    rows = shown(response)
    case, tip, evidence = log["case"], log["tip"], log["evidence"]
    contact = rows[log["ids"]["contact"]]
    assert "Viewed the reporter&#39;s contact details" in contact
    assert "王小明" in contact and "Cyberspace department" in contact
    assert f'href="/staff/cases/{case.id}"' in contact and f"Report #{tip.id}" in contact
    download = rows[log["ids"]["download"]]
    assert "Downloaded an evidence file" in download and f"Evidence file #{evidence.id} (report #{tip.id})" in download
    assert f'href="/staff/cases/{case.id}"' in download and "Education department" in download
    assert f'href="/staff/cases/{case.id}"' in rows[log["ids"]["approve"]]  # an action leads to its case
    state = rows[log["ids"]["state"]]
    assert "From “New: waiting for triage” to “Triaged: waiting for investigation”." in html.unescape(state)
    assert "System" in rows[log["ids"]["system"]] and "Past the deadline of its state" in rows[log["ids"]["system"]]
    for text in rows.values():
        assert "{" not in text and "tip.contact_viewed" not in text and "evidence.download" not in text


FILTERS = {
    "person": (lambda log: {"person": log["people"]["wang"].id}, {"contact", "state"}),
    "the system": (lambda log: {"person": "system"}, {"system"}),
    "case": (lambda log: {"case": log["case"].id}, {"contact", "download", "approve"}),
    "case typed with # in full-width digits": (
        lambda log: {"case": "＃" + "".join(chr(ord(d) + 0xFEE0) for d in str(log["other"].id))},
        {"state", "system"},
    ),
    "kind": (lambda log: {"kind": "evidence.download"}, {"download"}),
    "from a date (Beijing days)": (
        lambda log: {"date_from": "2025-03-02", "date_to": "2025-03-09"},
        {"download", "approve"},
    ),
    "to a date (Beijing days)": (lambda log: {"date_to": "2025-03-01"}, {"contact"}),
    "one day": (lambda log: {"date_from": "2025-03-02", "date_to": "2025-03-02"}, {"download"}),
}


@pytest.mark.parametrize("name", list(FILTERS))
def test_each_filter_narrows_the_page_and_the_export(app, log, staff_client, name):
    """Catches a filter the page or the CSV ignores: every other entry of the region would show."""
    args, expected = FILTERS[name][0](log), FILTERS[name][1]
    client = english(staff_client(log["people"]["supervisor"]))
    response = client.get(PAGE, query_string=args)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert named(log, response) == expected
    export = client.get(CSV, query_string=args)
    assert export.status_code == 200
    rows = csv_rows(export)[1:]
    assert len(rows) == len(shown(response))  # the same entries as the page
    everyone = {"contact": "王小明", "state": "王小明", "download": "李老师", "approve": "李老师", "system": "System"}
    assert {everyone[n] for n in expected} <= {row[1] for row in rows}


def test_filters_are_kept_in_the_form_the_pages_and_the_export_link(app, log, staff_client, monkeypatch):
    """Catches an "older entries" or CSV link that drops the filters, or a form that forgets what was chosen."""
    from cases import audit_log

    monkeypatch.setattr(audit_log, "PAGE_SIZE", 1)
    client = english(staff_client(log["people"]["supervisor"]))
    args = {"person": str(log["people"]["wang"].id), "date_to": "2025-03-31"}
    page = client.get(PAGE, query_string=args)
    text = page.get_data(as_text=True)
    assert named(log, page) == {"state"}
    assert f'<option value="{args["person"]}" selected>' in text and 'value="2025-03-31"' in text
    older = html.unescape(re.search(r'href="([^"]+)">Older entries<', text).group(1))
    assert f"person={args['person']}" in older and "date_to=2025-03-31" in older and "before=" in older
    export_link = html.unescape(re.search(r'href="([^"]+)">Download as CSV<', text).group(1))
    assert export_link.startswith(CSV) and f"person={args['person']}" in export_link
    second = client.get(older)
    assert named(log, second) == {"contact"}
    assert "Newest entries" in second.get_data(as_text=True)


def test_region_rules_hold_for_the_page_the_people_and_the_export(app, log, staff_client):
    """Catches an entry of a sibling district reaching a supervisor, on the page, in the person list or in the CSV."""
    haidian_only = {"contact", "download", "approve", "state", "system"}
    sibling = english(staff_client(log["people"]["sibling"]))
    page = sibling.get(PAGE)
    assert named(log, page) == {"far"}
    assert f'value="{log["people"]["wang"].id}"' not in page.get_data(as_text=True)
    assert sibling.get(PAGE, query_string={"person": log["people"]["wang"].id}).status_code == 400
    assert named(log, sibling.get(PAGE, query_string={"case": log["case"].id})) == set()
    export = sibling.get(CSV).get_data().decode("utf-8-sig")
    assert "赵六" in export and "王小明" not in export and "李老师" not in export
    supervisor = staff_client(log["people"]["supervisor"])
    assert named(log, supervisor.get(PAGE)) == haidian_only
    assert "赵六" not in supervisor.get(CSV).get_data().decode("utf-8-sig")
    admin = staff_client(log["people"]["admin"])
    assert named(log, admin.get(PAGE)) == haidian_only | {"far"}


@pytest.mark.parametrize("role", ["officer", "intake"])
def test_officers_and_intake_may_not_read_the_log(app, log, staff_client, role):
    client = staff_client(log["people"][role])
    assert client.get(PAGE).status_code == 403
    assert client.get(CSV).status_code == 403
    assert not db.session.scalars(select(AuditEntry).where(AuditEntry.action == "audit.export")).all()
    assert app.test_client().get(CSV).status_code == 302  # to sign in


def test_the_export_is_a_private_utf8_file_in_words_and_is_itself_audited(app, log, staff_client):
    supervisor = log["people"]["supervisor"]
    client = english(staff_client(supervisor))
    response = client.get(CSV, query_string={"kind": "evidence.download", "date_from": "2025-03-01"})
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and response.headers["Content-Disposition"].startswith("attachment;")
    assert response.cache_control.no_store and response.cache_control.private
    assert response.get_data().startswith("\ufeff".encode())  # Excel reads UTF-8 (the Chinese) only with it
    header, *rows = csv_rows(response)
    assert header == ["Time (Asia/Shanghai)", "Person", "Department", "What", "Case", "Target", "Details", "IP address"]
    evidence, tip = log["evidence"], log["tip"]
    assert rows == [
        [
            "2025-03-02 00:30:00",
            "李老师",
            "Education department",
            "Downloaded an evidence file",
            f"#{log['case'].id}",
            f"Evidence file #{evidence.id} (report #{tip.id})",
            f"A file of report #{tip.id}.",
            "",
        ]
    ]
    (exported,) = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "audit.export")).all()
    assert exported.actor_id == supervisor.id and exported.region_code == HAIDIAN
    assert exported.detail["filters"] == {"kind": "evidence.download", "date_from": "2025-03-01"}
    assert exported.detail["rows"] == 1 and exported.detail["truncated"] is False
    row = shown(client.get(PAGE, query_string={"kind": "audit.export"}))[exported.id]
    assert "Exported the audit log" in row and "Filters: kind: Downloaded an evidence file; from" in row
    assert "1 entry." in row


def test_the_export_stops_at_its_cap_and_says_so(app, log):
    supervisor = log["people"]["supervisor"]
    for n in range(3):
        audit(log["people"]["wang"], "case.note", "case", log["case"].id, note_id=n + 1)
    db.session.commit()
    with app.test_request_context(headers={"Cookie": "lang=en"}):
        capped = export_audit_log(supervisor, AuditFilters(kind="case.note"), cap=2)
        whole = export_audit_log(supervisor, AuditFilters(kind="case.note"), cap=3)
    assert (capped.rows, capped.truncated, whole.rows, whole.truncated) == (2, True, 3, False)
    capped_rows = list(csv.reader(io.StringIO(capped.body.decode("utf-8-sig"))))
    assert len(capped_rows) == 1 + 2 + 1 and "the newest 2" in capped_rows[-1][0]
    assert len(list(csv.reader(io.StringIO(whole.body.decode("utf-8-sig"))))) == 1 + 3


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_that_would_be_a_formula_reads_as_text(start):
    assert safe_cell(f"{start}1+1") == f"'{start}1+1"
    assert safe_cell(f"a{start}1") == f"a{start}1"


def test_the_export_neutralises_formulas_in_names_and_addresses(app, log, staff_client):
    """Catches a name or address typed as a formula reaching a spreadsheet as one (CSV injection)."""
    wang = log["people"]["wang"]
    wang.name = '=HYPERLINK("http://evil.example","x")'
    entry = audit(wang, "tip.message", "tip", log["tip"].id)
    entry.address = "@SUM(1+1)*cmd|' /C calc'!A0"
    db.session.commit()
    rows = csv_rows(staff_client(log["people"]["supervisor"]).get(CSV, query_string={"kind": "tip.message"}))
    assert rows[1][1] == "'" + wang.name and rows[1][7] == "'" + entry.address
    assert not [cell for row in rows for cell in row if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]


BAD_INPUT = {
    "case in letters": ({"case": "abc"}, "case", "Give a case number in digits, like 12."),
    "case in Arabic-Indic digits": ({"case": "١٢"}, "case", "Give a case number in digits, like 12."),
    "case with a NUL": ({"case": "1\x002"}, "case", "Give a case number in digits, like 12."),
    "month 13": ({"date_from": "2026-13-45"}, "date_from", "Give a real date as year-month-day"),
    "no date at all": ({"date_to": "yesterday"}, "date_to", "Give a real date as year-month-day"),
    "year 9999": ({"date_to": "9999-12-31"}, "date_to", "Give a date from"),
    "year 1": ({"date_from": "0001-01-01"}, "date_from", "Give a date from"),
    "from after to": ({"date_from": "2026-03-05", "date_to": "2026-03-01"}, "date_to", "before the start date"),
    "unknown kind": ({"kind": "case.nonsense"}, "kind", "Choose a kind from the list."),
    "unknown person": ({"person": "99999999"}, "person", "Choose a person from the list."),
    "bad page": ({"before": "x"}, None, "That page does not exist."),
}


@pytest.mark.parametrize("name", list(BAD_INPUT))
def test_bad_input_is_refused_in_words_keeping_what_was_typed(app, log, staff_client, name):
    """Catches a 500 or a silently ignored filter on bad input, on the page and the export alike."""
    args, field, message = BAD_INPUT[name]
    client = english(staff_client(log["people"]["supervisor"]))
    for path in (PAGE, CSV):
        response = client.get(path, query_string=args)
        text = response.get_data(as_text=True)
        assert response.status_code == 400, (path, text[:300])
        assert response.mimetype == "text/html" and message in html.unescape(text)
        if field:
            assert f'aria-describedby="f-{field}-error"' in text
        for typed in args.values():
            if field in ("case", "date_from", "date_to") and "\x00" not in typed:
                assert f'value="{html.escape(typed)}"' in text
    assert not db.session.scalars(select(AuditEntry).where(AuditEntry.action == "audit.export")).all()


def test_a_very_long_value_is_refused_not_a_500(app, log, staff_client):
    client = staff_client(log["people"]["supervisor"])
    for name in ("person", "case", "kind", "date_from", "date_to", "before"):
        assert client.get(PAGE, query_string={name: "汉" * 100_000}).status_code == 400


# --- every kind of entry has words --------------------------------------------------------------


def _audit_calls(tree):
    """(call, enclosing function) for every call of audit(...) in a module."""
    parents = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name == "audit":
                enclosing = parents.get(node)
                while enclosing is not None and not isinstance(enclosing, ast.FunctionDef | ast.AsyncFunctionDef):
                    enclosing = parents.get(enclosing)
                yield node, enclosing


def _passed_for(tree, function, parameter):
    """The string constants passed for `parameter` of `function` wherever the module calls it."""
    names = [a.arg for a in function.args.args]
    position = names.index(parameter)
    values = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == function.name:
            given = [k.value for k in node.keywords if k.arg == parameter]
            given += node.args[position : position + 1]
            values += [v.value for v in given if isinstance(v, ast.Constant) and isinstance(v.value, str)]
    return values


def _kind_tables(tree):
    """The module's dicts whose values are all strings, by name: kinds looked up in a table (`KINDS[x]`)."""
    tables = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = node.value
            if isinstance(value, ast.Dict) and value.values:
                if all(isinstance(v, ast.Constant) and isinstance(v.value, str) for v in value.values):
                    tables[node.targets[0].id] = {v.value for v in value.values}
    return tables


def audited_kinds():
    """Every kind of entry the code writes (its audit(...) calls), and the calls whose kind cannot be read."""
    kinds, unread = set(), []
    for path in sorted([*ROOT.joinpath("cases").rglob("*.py"), *ROOT.joinpath("tipline").rglob("*.py")]):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        tables = _kind_tables(tree)
        for call, function in _audit_calls(tree):
            where = f"{path.relative_to(ROOT)}:{call.lineno}"
            if len(call.args) < 2:
                unread.append(where)
                continue
            kind = call.args[1]
            if isinstance(kind, ast.Constant) and isinstance(kind.value, str):
                kinds.add(kind.value)
            elif isinstance(kind, ast.Subscript) and isinstance(kind.value, ast.Name) and kind.value.id in tables:
                kinds.update(tables[kind.value.id])
            elif isinstance(kind, ast.Name) and function is not None and kind.id in [a.arg for a in function.args.args]:
                passed = _passed_for(tree, function, kind.id)
                kinds.update(passed)
                if not passed:
                    unread.append(where)
            else:
                unread.append(where)
    return kinds, unread


def test_every_kind_the_code_audits_has_words():
    """Catches a new audit(...) kind with no sentence in cases/audit_words.py (it would read as a code)."""
    kinds, unread = audited_kinds()
    assert not unread, f"audit calls whose kind this test cannot read: {unread}"
    assert {"tip.contact_viewed", "evidence.download", "user.login", "audit.export"} <= kinds  # the walk works
    assert not kinds - set(KINDS), f"kinds without words in cases/audit_words.py KINDS: {sorted(kinds - set(KINDS))}"
    assert set(DETAILS) == set(KINDS), "each kind says how its detail reads (DETAILS)"


def test_details_of_any_shape_read_as_words(app, make_staff):
    """Catches a detail rendered as raw JSON, or an old entry of another shape breaking the page."""
    viewer = make_staff("supervisor", "cyberspace", HAIDIAN)
    odd = {"old": [1, {"x": 2}], "new": None, "reasons": "x", "tip_ids": 3, "filters": "x", "into": {"a": 1}}
    with app.test_request_context(headers={"Cookie": "lang=en"}):
        reader = AuditReader(viewer)
        for kind in [*KINDS, "some.new_kind"]:
            for detail in ({}, odd, {"anything": {"nested": [1, 2]}}):
                entry = AuditEntry(id=1, action=kind, target_type="case", target_id=None, detail=detail, address="")
                words = reader.details(entry)
                assert "{" not in words and "[" not in words, (kind, detail, words)
        assert kind_words("some.new_kind") == "Other act: some: new kind"
        assert all(not kind_words(kind).startswith("Other act") for kind in KINDS)
