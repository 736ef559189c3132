"""Objects in each state for the route rules test, and snapshots of the database to tell what a request changed.

Everything lives in Haidian (110108): cases in every state with their departments
varied, actions at each step of their life, tasks of each department, tips in the
junk tray, evidence, and staff accounts for the admin pages. The people who act
(the actors) are made by the test; the helpers here (proposers, approvers,
reviewers) are accounts of their own, so that an actor is never by accident the
person the four-eyes rules exclude, except where a scene says so.
"""

import functools
from datetime import timedelta

from sqlalchemy import func, inspect, select

from cases import states
from cases.actions import rules
from cases.models import CaseTask
from tests.cases.conftest import HAIDIAN
from tipline.extensions import db
from tipline.timeutil import utcnow

# Categories whose routing (tipline/catalog.py: CATEGORY_DEPARTMENTS) gives each arrangement of departments.
CYBER_ONLY = "game_ads"  # lead cyberspace
EDUCATION_ONLY = "teachers"  # lead education
CYBER_WITH_EDUCATION = "marketing"  # lead cyberspace, co education
EDUCATION_WITH_CYBER = "unfiled"  # lead education, co cyberspace


class Builder:
    """Makes fresh objects in a given state, through the domain functions where they exist."""

    def __init__(self, make_staff, make_platform, file_tip):
        self.make_staff, self.make_platform, self.file_tip = make_staff, make_platform, file_tip
        self._helpers, self._scenes = {}, {}
        self.actors = {}  # (role, department, region) -> the test's actor, for scenes that involve one

    def scene(self, build):
        """The scene `build` makes, shared by the routes that try the same one until a request uses it up."""
        if build not in self._scenes:
            self._scenes[build] = build(self)
        return self._scenes[build]

    def used_up(self, build):
        self._scenes.pop(build, None)

    def helper(self, role, department):
        """A Haidian account that sets scenes up (proposes, approves, records reviews); never an actor."""
        key = (role, department)
        if key not in self._helpers:
            self._helpers[key] = self.make_staff(role, department, HAIDIAN)
        return self._helpers[key]

    def case(self, state=states.NEW, category=CYBER_ONLY, tips=1, contact=None):
        """A case of its own platform in `state`, holding `tips` tips (the first with `contact`)."""
        platform = self.make_platform(region_code=HAIDIAN)
        first = self.file_tip(platform, category, contact=contact or {})
        for _ in range(tips - 1):
            self.file_tip(platform, category)
        case = first.case
        assert case is not None and len(case.tips) == tips, "a scene's tips must be filed together"
        if state != states.NEW:
            now = utcnow()
            case.state, case.state_changed_at = state, now
            if state in states.CLOSED_STATES:
                case.open_key, case.closed_at = None, now
        db.session.commit()
        return case

    def task(self, department, state=states.INVESTIGATING):
        case = self.case(state, CYBER_WITH_EDUCATION)
        creator = self.helper("officer", department)
        task = CaseTask(case=case, department=department, title="核实课程内容", created_by_id=creator.id)
        db.session.add(task)
        db.session.commit()
        return task

    def proposed(self, case=None, action_type=rules.SUSPEND_UPDATES, proposer=None, **dates):
        """An action waiting for a decision, proposed by an officer of the case's lead department."""
        from cases.actions.service import propose_action

        case = case or self.case(states.INVESTIGATING, CYBER_WITH_EDUCATION)
        proposer = proposer or self.helper("officer", case.lead_department)
        action = propose_action(case, proposer, action_type, "《未成年人保护法》", **dates, public_reason="公开理由")
        db.session.commit()
        return action

    def in_force(self, action_type=rules.RECTIFICATION, case=None, overdue=False):
        """An approved action; a rectification's deadline is a month ahead, or passed when `overdue`."""
        from cases.actions.service import decide_action

        today = utcnow().date()
        dates = {}
        if action_type == rules.RECTIFICATION:
            start = today - timedelta(days=40) if overdue else today
            dates = {"starts_on": start, "deadline_on": start + timedelta(days=30)}
        action = self.proposed(case, action_type, **dates)
        decide_action(action, self.helper("supervisor", action.department), approve=True)
        db.session.commit()
        return action

    def review_requested(self, case=None):
        """A rectification past its deadline whose review was asked for (cases/escalation.py)."""
        from cases.escalation import request_rectification_reviews

        action = self.in_force(rules.RECTIFICATION, case, overdue=True)
        request_rectification_reviews(utcnow())
        db.session.commit()
        assert action.review_requested_at is not None
        return action

    def review_recorded(self, recorder=None, passed=True):
        """A requested review whose outcome one person has recorded; it waits for a second."""
        from cases.actions import review

        action = self.review_requested()
        recorder = recorder or self.helper("officer", rules.REVIEW_DEPARTMENT)
        review.review_rectification(action, recorder, passed, "现场复核")
        db.session.commit()
        return action

    def review_confirmed(self):
        """A rectification whose review was recorded and confirmed: it has ended as rectified."""
        from cases.actions import review

        action = self.review_recorded()
        review.confirm_review(action, self.helper("supervisor", rules.REVIEW_DEPARTMENT), agree=True)
        db.session.commit()
        assert action.state == rules.ENDED
        return action

    def lift_pending(self):
        """An action in force whose lifting waits for a decision."""
        from cases.actions.service import propose_lift

        action = self.in_force(rules.SUSPEND_UPDATES)
        propose_lift(action, self.helper("officer", action.department), "整改完成", public_reason="解除的公开理由")
        db.session.commit()
        return action

    def tray_tip(self, junk_status="suspected"):
        """A tip set aside at intake as junk (suspected), or already confirmed as junk."""
        from tests.tipline import images
        from tipline.evidence.files import clean_upload
        from tipline.reports.service import add_to_tip

        platform = self.make_platform(region_code=HAIDIAN)
        tip = self.file_tip(platform, CYBER_ONLY, description="https://spam.example/x")
        assert tip.junk_status == "suspected", tip.junk_reasons
        add_to_tip(tip, "", [clean_upload(images.png_image(), "j.png", 10**8)])
        tip.junk_status = junk_status
        db.session.commit()
        return tip

    def organisation(self, status="pending", confirmed=True, proof=False):
        """An organisation of Haidian in `status` (tests/cases/routes/world.py make_organisation)."""
        return make_organisation(status, confirmed, proof=proof)

    def evidence(self, tip=None, pdf=False):
        """A photo (a thumbnail is made from it), or a PDF, added to a tip of a case in Haidian."""
        from tests.tipline import images
        from tipline.evidence.files import clean_upload
        from tipline.evidence.models import Evidence
        from tipline.reports.service import add_to_tip

        tip = tip or self.case(states.INVESTIGATING).tips[0]
        data, name = (images.PDF, "a.pdf") if pdf else (images.photo_with_gps(), "p.jpg")
        add_to_tip(tip, "截图", [clean_upload(data, name, 10**8)])
        db.session.commit()
        return db.session.scalars(select(Evidence).where(Evidence.tip_id == tip.id).order_by(Evidence.id)).all()[-1]


_organisation_serial = iter(range(1, 10**6))


def make_organisation(status="pending", confirmed=True, region=HAIDIAN, locale="zh_Hans", proof=False, **values):
    """An organisation (a parent committee naming its school, unless `values` say otherwise) in `status`,
    its address confirmed or not, with a proof document (a photo, or a PDF: proof="pdf") if asked."""
    from tipline.organisations.models import PENDING
    from tipline.organisations.service import create_organisation
    from tipline.timeutil import utcnow

    n = next(_organisation_serial)
    fields = {
        "name": f"第{n}实验小学家长委员会",
        "kind": "parent_committee",
        "region_code": region,
        "email": f"committee{n}@school.example",
        "password": "seven maple lanterns drift",
        "school_name": f"第{n}实验小学",
        "contact_name": "王老师",
        "phone": "010-62345678",
        **values,
    }
    organisation = create_organisation(**fields)
    organisation.status, organisation.locale = status, locale
    organisation.email_confirmed_at = utcnow() if confirmed or status != PENDING else None
    if proof:
        attach_proof(organisation, pdf=proof == "pdf")
    db.session.commit()
    return organisation


def attach_proof(organisation, pdf=False):
    """A proof document for the organisation, kept and checked as registration does (evidence of no tip)."""
    from tests.tipline import images
    from tipline.evidence.files import clean_upload
    from tipline.evidence.intake import keep_evidence
    from tipline.jobs.outbox import record_job

    data, name = (images.PDF, "证明.pdf") if pdf else (images.photo_with_gps(), "证明.jpg")
    evidence = keep_evidence(None, None, clean_upload(data, name, 10**8))
    db.session.add(evidence)
    db.session.flush()
    organisation.proof_evidence_id = evidence.id
    record_job("evidence.check", evidence_id=evidence.id)
    db.session.commit()  # the check runs now (JOB_MODE sync): the proof is cleaned and has its thumbnail
    return evidence


def watched_tables():
    """Every table but the reference data: what a refused request must leave as it was."""
    return [t for t in db.metadata.sorted_tables if t.name not in ("region", "alembic_version")]


@functools.cache
def _tops_query():
    """One SELECT of each table's row count and highest id (built once: building it costs more than running it)."""
    columns = []
    for table in watched_tables():
        columns.append(select(func.count()).select_from(table).scalar_subquery())
        top = func.max(table.c.id) if "id" in table.c else func.count()
        columns.append(select(func.coalesce(top, 0)).select_from(table).scalar_subquery())
    return select(*columns)


class Snapshot:
    """Row counts and highest ids of every table, and the full rows of the objects a scene watches."""

    def __init__(self, watch=()):
        tables = watched_tables()
        values = db.session.execute(_tops_query()).one()
        self.tops = {t.name: (values[2 * i], values[2 * i + 1]) for i, t in enumerate(tables)}
        self.rows = {}
        keys = {}  # table -> primary keys of its watched rows: one query per table
        for obj in watch:
            keys.setdefault(obj.__table__, set()).add(inspect(obj).identity[0])
        for table, ids in keys.items():
            (key,) = table.primary_key.columns
            for row in db.session.execute(select(table).where(key.in_(ids))):
                self.rows[(table.name, row._mapping[key])] = tuple(row)

    def changes(self, later):
        """What differs between this snapshot and a later one, as readable lines."""
        lines = [f"{name}: {top} -> {later.tops[name]}" for name, top in self.tops.items() if top != later.tops[name]]
        lines += [f"{key} changed" for key in self.rows if self.rows[key] != later.rows.get(key)]
        return lines

    def added(self, model, **match):
        """Rows of `model` added since this snapshot, optionally only those whose attributes match."""
        top = self.tops[model.__table__.name][1]
        rows = db.session.scalars(select(model).where(model.id > top).order_by(model.id)).all()
        return [r for r in rows if all(getattr(r, k) == v for k, v in match.items())]
