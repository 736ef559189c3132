"""The app's routes as its URL map has them, filled in from a small world of objects, and the forms that post to them.

For the tests generated from the URL map (tests/test_hostile_routes.py,
tests/cases/test_no_store.py): a route added later is covered without a change
here, unless it takes a URL parameter that PARAMS does not know or posts a form
that no page shows and no form class in its view names; then those tests fail by
name rather than skip it.
"""

import inspect
import types
import uuid
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from flask_wtf import FlaskForm
from wtforms import fields as wtf

from tests.cases.conftest import HAIDIAN, sign_in
from tests.conftest import PASSWORD

PRIVATE_PREFIXES = ("/staff", "/org")
NOT_PAGES = {"static"}  # files, never a form

# Which object of the world fills a URL parameter: by (endpoint, parameter), else by parameter.
PARAMS = {
    "case_id": "case",
    "task_id": "task",
    "tip_id": "tip",
    "action_id": "in_force",
    "evidence_id": "evidence",
    "platform_id": "platform",
    "user_id": "other_user",
    "notice_id": "notice",
    "filter_id": "saved_filter",
    "organisation_id": "organisation",
    "member_id": "org_other_member",
    "link_id": "org_invitation",
    "batch_id": "org_batch",
    ("org.confirm", "token"): "org_confirm_token",
    ("org.join", "token"): "org_invite_token",
    ("org.tip", "tip_id"): "org_tip",
    ("org.add", "tip_id"): "org_tip",
    ("org.uncollect", "tip_id"): "org_tip",
    "code": "language",
    "page": "first_page",
    ("staff.decide_action", "action_id"): "proposed",
    ("staff.review_action", "action_id"): "review_requested",
    ("staff.confirm_review", "action_id"): "review_recorded",
    ("staff.confirm_junk", "tip_id"): "tray_tip",
    ("staff.release_junk", "tip_id"): "tray_tip",
    ("staff.evaluation_csv", "table"): "evaluation_table",
    "report_id": "report",
    ("staff.report_file", "kind"): "report_kind",
    ("staff.revoke_api_key", "token_id"): "staff_api_key",
    ("org.revoke_api_key", "token_id"): "org_api_key",
}


def is_private(path):
    """Whether a path lies on the staff or organisation surface."""
    return any(path == p or path.startswith(p + "/") for p in PRIVATE_PREFIXES)


def rules(app, method):
    """Every rule of the URL map answering `method` (static files left out), sorted by path."""
    found = [r for r in app.url_map.iter_rules() if method in r.methods and r.endpoint not in NOT_PAGES]
    return sorted(found, key=lambda r: (r.rule, r.endpoint))


class UnknownParameter(LookupError):
    """A URL parameter no entry of PARAMS fills."""


def url_for_rule(app, rule, world):
    """The rule's URL with its parameters taken from the world."""
    values = {}
    for arg in sorted(rule.arguments):
        key = PARAMS.get((rule.endpoint, arg)) or PARAMS.get(arg)
        if key is None or key not in world:
            raise UnknownParameter(f"{rule.rule} ({rule.endpoint}): no object of the world fills <{arg}>")
        values[arg] = world[key]
    method = "POST" if "POST" in rule.methods else "GET"
    return app.url_map.bind("localhost").build(rule.endpoint, values, method=method)


# --- the world -------------------------------------------------------------------------------


@dataclass
class World:
    """Ids of objects in each state, the signed-in people, and how to make a client for each kind of visitor."""

    ids: dict
    people: dict = field(default_factory=dict)
    receipt_code: str = ""


@pytest.fixture
def route_world(app, make_staff, make_platform, file_tip):
    """One case in Haidian holding what its pages show a form for, a merge target, a junk-tray tip, a notice,
    an officer's saved filter, an organisation waiting for verification.

    The case (cyberspace leads, education co-handles, under investigation) has two
    tips (one with a reporter's address and a photo), a task, and actions at each
    step: proposed, in force, a rectification whose review is asked for, and one
    whose review is recorded and waits for a second person. Built once per test
    through the domain functions; its forms all show on the one case page.
    """
    from datetime import timedelta

    from sqlalchemy import select

    from cases import states
    from cases.actions import review
    from cases.actions import rules as action_rules
    from cases.actions import service as actions
    from cases.escalation import request_rectification_reviews
    from cases.models import CaseTask
    from cases.notices import Notice
    from cases.operations import assign
    from cases.periodic.models import PeriodicReport
    from cases.saved_filters import save_filter
    from tests.cases.routes.world import make_organisation
    from tests.tipline import images
    from tipline.evidence.files import clean_upload
    from tipline.evidence.models import Evidence
    from tipline.extensions import db
    from tipline.reports.service import add_to_tip
    from tipline.timeutil import utcnow

    def staff(role, department="cyberspace"):
        return make_staff(role, department, HAIDIAN)

    officer, admin = staff("officer"), staff("admin")
    cyber_officer, cyber_supervisor = staff("officer"), staff("supervisor")
    education_officer, education_supervisor = staff("officer", "education"), staff("supervisor", "education")

    platform = make_platform(region_code=HAIDIAN)
    tip = file_tip(platform, "marketing", contact={"email": "parent@example.com"})  # cyberspace leads, education too
    file_tip(platform, "marketing")
    case = tip.case
    case.state = states.INVESTIGATING
    add_to_tip(tip, "截图", [clean_upload(images.photo_with_gps(), "p.jpg", 10**8)])
    task = CaseTask(case=case, department="cyberspace", title="核实课程内容", created_by_id=cyber_officer.id)
    db.session.add(task)
    assign(case, cyber_supervisor, officer)  # a notice for the officer

    def action(action_type, decided=True, overdue=False):
        today = utcnow().date()
        start = today - timedelta(days=40) if overdue else today
        dates = {"starts_on": start, "deadline_on": start + timedelta(days=30)}
        made = actions.propose_action(
            case, cyber_officer, action_type, "《未成年人保护法》", **dates, public_reason="公开理由"
        )
        if decided:
            actions.decide_action(made, cyber_supervisor, approve=True)
        return made

    proposed = action(action_rules.SUSPEND_UPDATES, decided=False)
    in_force = action(action_rules.INTERVIEW)
    review_requested = action(action_rules.RECTIFICATION, overdue=True)
    review_recorded = action(action_rules.RECTIFICATION, overdue=True)
    request_rectification_reviews(utcnow())
    review.review_rectification(review_recorded, education_officer, True, "现场复核")

    other = file_tip(make_platform(region_code=HAIDIAN), "game_ads")
    tray = file_tip(make_platform(region_code=HAIDIAN), "game_ads", description="https://spam.example/x")
    assert tray.junk_status == "suspected", tray.junk_reasons
    saved_filter = save_filter(officer, "我的逾期案件", {"scope": "overdue"})  # the officer's own, no one else's
    report = PeriodicReport(
        kind="on_demand", region_code=HAIDIAN, starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31), state="done",
        csv_data=b"\xef\xbb\xbfreport\n", pdf_data=b"%PDF-1.4 report",
    )  # fmt: skip
    db.session.add(report)
    # API keys, an officer's and a member's: a visitor of another kind revoking them changes nothing.
    from tipline.api.tokens import create_token

    staff_key, _secret = create_token(officer, "区县系统", ["cases:read"])
    db.session.commit()
    # An organisation waiting for verification (address confirmed), with its proof document.
    organisation = make_organisation("pending", confirmed=True, proof=True)
    reporting = organisation_world(tip)
    ids = {
        **reporting.pop("ids"),
        "case": case.id,
        "other_case": other.case_id,
        "tip": tip.id,
        "task": task.id,
        "evidence": db.session.scalars(select(Evidence.id).where(Evidence.tip_id == tip.id)).one(),
        "platform": platform.id,
        "proposed": proposed.id,
        "in_force": in_force.id,
        "review_requested": review_requested.id,
        "review_recorded": review_recorded.id,
        "tray_tip": tray.id,
        "other_user": education_supervisor.id,
        "notice": db.session.scalars(select(Notice.id).where(Notice.user_id == officer.id)).first(),
        "saved_filter": saved_filter.id,
        "organisation": organisation.id,
        "language": "en",
        "evaluation_table": "timeliness",
        "report": report.id,
        "report_kind": "pdf",
        "staff_api_key": staff_key.id,
        "first_page": 1,  # of a PDF's pages (the photo's route answers 404: it is not a PDF)
    }
    people = {"officer": officer, "admin": admin, **reporting}
    return World(ids=ids, people=people, receipt_code=tip.receipt_code)


ORG_PEOPLE = ("org_admin", "org_member")


def organisation_world(tip):
    """A verified parent committee with another member, an open invitation, a batch, the tip in its list,
    and open links to confirm an (other) organisation's address and to join it.

    Returns {"ids": {...}, "org_admin": organisation, "org_member": organisation}: visitors of those kinds
    are new members of it (tests/route_map.py visitor).
    """
    import hashlib
    from datetime import timedelta

    from tests.organisations.helpers import add_member, make_org, valid_code
    from tipline.extensions import db
    from tipline.organisations.models import COLLECTED, CONFIRM, DONE, INVITE, OrgBatch, OrgLink
    from tipline.organisations.tips import add_to_list
    from tipline.timeutil import utcnow

    organisation = make_org(name="海淀实验小学家长委员会", email="committee@haidian.example")
    other = add_member(organisation, "other.parent@haidian.example")
    waiting = make_org(
        name="朝阳协会",
        email="assoc@chaoyang.example",
        code=valid_code("51110105MJ0000001"),
        kind="social_organisation",
        verified=False,
    )
    add_to_list(organisation.id, tip, COLLECTED, other)
    tokens = {CONFIRM: "c" * 43, INVITE: "j" * 43}
    links = {}
    for kind, owner in ((CONFIRM, waiting), (INVITE, organisation)):
        links[kind] = OrgLink(
            kind=kind,
            organisation_id=owner.id,
            email="assoc@chaoyang.example" if kind == CONFIRM else "invited@example.org",
            token_hash=hashlib.sha256(tokens[kind].encode()).hexdigest(),
            expires_at=utcnow() + timedelta(days=3),
        )
        db.session.add(links[kind])
    batch = OrgBatch(organisation_id=organisation.id, member_id=other.id, digest="0" * 64, rows=[], state=DONE)
    db.session.add(batch)
    from tipline.api.tokens import create_token

    member_key, _secret = create_token(other, "学校系统", ["tips:read"], operator=True)
    db.session.commit()
    ids = {
        "org_other_member": other.id,
        "org_invitation": links[INVITE].id,
        "org_batch": batch.id,
        "org_api_key": member_key.id,
        "org_tip": tip.id,
        "org_confirm_token": tokens[CONFIRM],
        "org_invite_token": tokens[INVITE],
    }
    return {"ids": ids, "org_admin": organisation, "org_member": organisation}


def visitor(app, world, kind, make_staff):
    """A new client of one kind: anonymous, reporter (following a report), signing_in (second factor due), or staff."""
    from tests.conftest import csrf_token

    client = app.test_client()
    if kind == "reporter":
        response = client.post("/track", data={"csrf_token": csrf_token(client, "/track"), "code": world.receipt_code})
        assert response.status_code in (302, 303), response.status_code
    elif kind == "signing_in":
        user = make_staff("officer", "cyberspace", HAIDIAN, totp=True)
        response = client.post(
            "/staff/login",
            data={"csrf_token": csrf_token(client, "/staff/login"), "email": user.email, "password": PASSWORD},
        )
        assert "/staff/login/code" in response.headers.get("Location", ""), response.status_code
    elif kind in ORG_PEOPLE:
        # A new member each time (an administrator or not): a hostile request may have removed the last one.
        from tests.organisations.helpers import PASSWORD as MEMBER_PASSWORD
        from tests.organisations.helpers import add_member

        organisation = world.people[kind]
        email = f"{kind}.{uuid.uuid4().hex[:8]}@haidian.example"
        add_member(organisation, email, role="admin" if kind == "org_admin" else "member")
        response = client.post(
            "/org/login",
            data={"csrf_token": csrf_token(client, "/org/login"), "email": email, "password": MEMBER_PASSWORD},
        )
        assert response.status_code == 303, (kind, response.status_code)
    elif kind in world.people:
        # A new account each time: a hostile request may well have changed the last one's password.
        person = world.people[kind]
        response = sign_in(client, make_staff(person.role, person.department, person.region_code))
        assert response.status_code == 302 and "/login" not in response.headers["Location"], kind
    else:
        assert kind == "anonymous", kind
    return client


# --- forms ------------------------------------------------------------------------------------


@dataclass
class Field:
    """A form field: its kind (text, choice, check, button, file, hidden...) and a value a person would send.

    Forms are dicts of these by name, buttons by "name=value" (several buttons may share a name).
    """

    name: str
    kind: str
    value: object = ""


class FormParser(HTMLParser):
    """The POST forms of a page: their action and fields, with the values a browser would send."""

    def __init__(self, page_url):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms = []  # (action path, {name: Field})
        self._fields = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            if a.get("method", "get").lower() != "post":
                self._fields = None
                return
            action = urlsplit(a.get("action") or self.page_url).path
            self._fields = {}
            self.forms.append((action, self._fields))
            return
        if self._fields is None or not a.get("name"):
            if tag == "option" and self._select is not None:
                self._option(a)
            return
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                self._check(name, a.get("value", "on"), "checked" in a)
            elif kind == "file":
                self._fields.setdefault(name, Field(name, "file", None))
            elif kind in ("submit", "image", "button", "reset"):
                self._button(name, a.get("value", ""))
            else:
                self._fields.setdefault(name, Field(name, kind, a.get("value", "") or typical(kind)))
        elif tag == "button":
            self._button(name, a.get("value", ""))
        elif tag == "select":
            self._select = self._fields.setdefault(name, Field(name, "choice", None))
        elif tag == "textarea":
            self._textarea = self._fields.setdefault(name, Field(name, "text", ""))

    def _option(self, a):
        value = a.get("value", "")
        if self._select.value is None or ("selected" in a) or (self._select.value == "" and value):
            self._select.value = value

    def _button(self, name, value):
        # Keyed by name and value: a form may offer several buttons of one name (a browser sends the one pressed).
        self._fields.setdefault(f"{name}={value}", Field(name, "button", value))

    def _check(self, name, value, checked):
        known = self._fields.get(name)
        if known is None or (checked and not known.value):
            self._fields[name] = Field(name, "check", value)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._fields = None
        elif tag == "select":
            if self._select is not None and self._select.value is None:
                self._select.value = ""
            self._select = None
        elif tag == "textarea":
            if self._textarea is not None and not self._textarea.value.strip():
                self._textarea.value = typical("text")
            self._textarea = None


def typical(kind):
    """What a person would type into an empty field of this HTML type."""
    return {
        "email": "someone@example.com",
        "password": PASSWORD,
        "date": date.today().isoformat(),
        "datetime-local": date.today().isoformat() + "T08:00",
        "number": "1",
        "hidden": "",
    }.get(kind, "合规检查 ok 1")


def forms_on(client, url):
    """(action path, fields) of the POST forms on the page at `url`; none when it is not an HTML page."""
    response = client.get(url)
    if response.status_code != 200 or not response.mimetype == "text/html":
        return []
    parser = FormParser(url)
    parser.feed(response.get_data(as_text=True))
    return parser.forms


def find_form(app, client, post_url, world, seen_pages=None):
    """The fields of the form that posts to `post_url`, from the first page (closest path first) showing it.

    `seen_pages` (page URL -> its forms) keeps pages already read by a visitor of the same
    kind; their CSRF tokens belong to that visitor's session, so callers put their own in.
    """
    seen_pages = {} if seen_pages is None else seen_pages
    pages = []
    for rule in rules(app, "GET"):
        if is_private(rule.rule) != is_private(urlsplit(post_url).path):
            continue
        try:
            pages.append(url_for_rule(app, rule, world))
        except UnknownParameter:
            continue  # the GET-route tests name it
    pages.sort(key=lambda page: -_shared_prefix(page, post_url))
    for page in pages:
        if page not in seen_pages:
            seen_pages[page] = forms_on(client, page)
        for action, form_fields in seen_pages[page]:
            if action == post_url:
                return page, form_fields
    return None, None


def _shared_prefix(a, b):
    n = 0
    for x, y in zip(a.split("/"), b.split("/"), strict=False):
        if x != y:
            break
        n += 1
    return n


def form_classes_of(view, depth=2):
    """The WTForms classes a view builds; if it builds none itself, those of the module's functions it calls.

    The nearest level that names any wins, so a view that re-renders a whole page (and
    so reaches every form of it through a helper) still gives only its own form.
    """
    level = [inspect.unwrap(view)]
    seen = set()
    for _ in range(depth + 1):
        found, calls = [], []
        for function in level:
            if id(function) in seen:
                continue
            seen.add(id(function))
            names = set(function.__code__.co_names)
            for const in function.__code__.co_consts:  # nested functions and comprehensions
                if isinstance(const, types.CodeType):
                    names |= set(const.co_names)
            for name in sorted(names):
                value = function.__globals__.get(name)
                if inspect.isclass(value) and issubclass(value, FlaskForm) and value not in found:
                    found.append(value)
                elif isinstance(value, types.FunctionType) and value.__module__ == function.__module__:
                    calls.append(value)
        if found:
            return found
        level = calls
    return []


def fields_of_class(app, form_class):
    """The fields of a WTForms class, with a value a person would send."""
    with app.test_request_context("/", method="GET"):
        form = form_class()
        result = {}
        for f in form:
            if isinstance(f, wtf.FileField):
                result[f.name] = Field(f.name, "file", None)
            elif isinstance(f, wtf.SubmitField):
                result[f"{f.name}=1"] = Field(f.name, "button", "1")
            elif isinstance(f, (wtf.BooleanField,)):
                result[f.name] = Field(f.name, "check", "y")
            elif isinstance(f, wtf.SelectFieldBase):
                values = [str(v) for v, *_rest in f.iter_choices() if v != ""] if f.choices else []
                result[f.name] = Field(f.name, "choice", values[0] if values else "")
            elif isinstance(f, wtf.DateField):
                result[f.name] = Field(f.name, "date", typical("date"))
            elif isinstance(f, wtf.DateTimeLocalField):
                result[f.name] = Field(f.name, "datetime-local", typical("datetime-local"))
            elif isinstance(f, (wtf.IntegerField, wtf.DecimalField, wtf.FloatField)):
                result[f.name] = Field(f.name, "number", "1")
            elif f.name == "csrf_token":
                result[f.name] = Field(f.name, "hidden", "")
            else:
                result[f.name] = Field(f.name, "text", typical(getattr(f.widget, "input_type", "text")))
    return result
