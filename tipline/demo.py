"""Demo data for a new machine: real region codes, fictional platforms and tips."""

import json
from datetime import timedelta

from sqlalchemy import func, select

from tipline.extensions import db
from tipline.platforms.importer import import_platforms
from tipline.platforms.models import Platform
from tipline.regions.service import load_regions
from tipline.reports.models import Tip
from tipline.reports.service import TipSubmission, submit_tip
from tipline.timeutil import utcnow

# Published in the README: demo machines only. Strong enough for the password policy (zxcvbn).
DEMO_PASSWORD = "velvet-harbor-kite-orbit"
# (email, role, department, region): a national admin, Beijing and Shanghai staff, district officers.
DEMO_STAFF = [
    ("admin@tipline.example", "admin", "cyberspace", "100000"),
    ("national.supervisor@tipline.example", "supervisor", "cyberspace", "100000"),
    ("bj.intake@tipline.example", "intake", "cyberspace", "110000"),
    ("bj.cyber.supervisor@tipline.example", "supervisor", "cyberspace", "110000"),
    ("bj.edu.supervisor@tipline.example", "supervisor", "education", "110000"),
    ("haidian.cyber@tipline.example", "officer", "cyberspace", "110108"),
    ("haidian.edu@tipline.example", "officer", "education", "110108"),
    ("chaoyang.cyber@tipline.example", "officer", "cyberspace", "110105"),
    ("sh.intake@tipline.example", "intake", "education", "310000"),
    ("sh.edu@tipline.example", "officer", "education", "310000"),
    # Confirms the reviews Shanghai's officer records (a review takes two people).
    ("sh.edu.supervisor@tipline.example", "supervisor", "education", "310000"),
]


def load_demo_staff():
    """Create the demo staff accounts that do not exist yet."""
    from cases.accounts.service import create_user, find_user

    for email, role, department, region in DEMO_STAFF:
        if find_user(email) is None:
            create_user(email, DEMO_PASSWORD, role, department, region, name=email.split("@")[0])
    return DEMO_STAFF


def load_demo(data_dir):
    """Load the demo files; tips already present (same platform and text) are not added again."""
    regions = load_regions((data_dir / "regions.csv").read_text(encoding="utf-8"))
    report = import_platforms((data_dir / "demo_platforms.csv").read_bytes())
    if report.refused:
        raise ValueError(f"demo platforms refused: {report.refused}")
    receipts = []
    tips = json.loads((data_dir / "demo_tips.json").read_text(encoding="utf-8"))
    for item in tips:
        platform = db.session.scalars(select(Platform).where(Platform.name == item["platform"])).first()
        exists = db.session.scalar(
            select(func.count(Tip.id)).where(Tip.description == item["description"], Tip.platform_id == platform.id)
        )
        if exists:
            continue
        tip, code = submit_tip(
            TipSubmission(
                platform_id=platform.id,
                platform_name=platform.name,
                category=item["category"],
                location=item["location"],
                description=item["description"],
                url=item.get("url", ""),
                reporter_type=item["reporter_type"],
                locale="en" if item.get("locale") == "en" else "zh",
                client=f"demo-{len(receipts)}",
            ),
            [],
        )
        tip.created_at = utcnow() - timedelta(days=item.get("days_ago", 1))
        tip.events[0].created_at = tip.created_at
        receipts.append((platform.name, code))
    db.session.flush()
    staff = load_demo_staff()
    organisations = load_demo_organisations(receipts)
    return {
        "staff": staff,
        "organisations": organisations,
        "staff_password": DEMO_PASSWORD,
        "regions": regions,
        "platforms": db.session.scalar(select(func.count(Platform.id))),
        "tips": len(tips),
        "new_tips": len(receipts),
        "receipts": receipts,
    }


# (name, kind, region, credit code or None, school named instead, contact, (admin, member) emails)
DEMO_ORGANISATIONS = [
    (
        "海淀实验小学家长委员会",
        "parent_committee",
        "110108",
        None,
        "海淀实验小学",
        "周女士",
        ("parents.admin@haidian-school.example", "parents.member@haidian-school.example"),
    ),
    (
        "朝阳星光中学",
        "school",
        "110105",
        "12110105MB1234567X",
        "",
        "德育处 刘老师",
        ("office@xingguang-school.example", "teacher@xingguang-school.example"),
    ),
]
# (organisation index, platform, category, location, description, what staff did: "new", "handled", "closed")
DEMO_ORGANISATION_TIPS = [
    (
        0,
        "星火学堂",
        "page_surroundings",
        "floating",
        "家委会汇总：三年级多名家长反映，录播课页面四周有浮动的网络游戏广告，家长关掉后刷新又出现。",
        "handled",
    ),
    (
        0,
        "乐音钢琴陪练",
        "teachers",
        "live",
        "家委会收到家长反映：陪练老师在直播课中自称音乐学院教师，但平台页面没有任何资质信息。",
        "new",
    ),
    (
        1,
        "云朵网课",
        "game_ads",
        "popup",
        "本校学生反映：作业批改页面弹出游戏充值活动，点开后直接进入支付页面。学校信息中心已留存截图。",
        "closed",
    ),
    (1, "启航数学", "vulgar", "feed", "学校老师在课程推荐流中看到低俗图片广告，学生上课期间可见，请核查。", "new"),
]


def load_demo_organisations(receipts):
    """A verified parent committee and school, their members, and tips of theirs in several states.

    Returns [(organisation, [(email, role)])]; nothing is added twice. `receipts` are the public demo
    tips' (platform, code): the parent committee collects the first one, as a parent would hand it over.
    """
    from cases.accounts.service import hasher
    from tipline.organisations.models import COLLECTED, OrgMember
    from tipline.organisations.service import create_organisation
    from tipline.organisations.tips import add_to_list
    from tipline.reports.service import find_tip

    made = []
    for index, (name, kind, region, code, school, contact, (admin_email, member_email)) in enumerate(
        DEMO_ORGANISATIONS
    ):
        member = db.session.scalars(select(OrgMember).where(OrgMember.email == member_email)).first()
        if member is None:
            organisation = create_organisation(
                name=name,
                kind=kind,
                region_code=region,
                email=admin_email,
                password=DEMO_PASSWORD,
                credit_code=code or "",
                school_name=school,
                contact_name=contact,
                phone="010-6000 0000",
                verified=True,
            )
            member = OrgMember(
                organisation_id=organisation.id,
                email=member_email,
                name=member_email.split("@")[0],
                password_hash=hasher().hash(DEMO_PASSWORD),
            )
            db.session.add(member)
            db.session.flush()
            _demo_organisation_tips(organisation, member, index)
            if index == 0 and receipts:
                add_to_list(organisation.id, find_tip(receipts[0][1]), COLLECTED, member)
        made.append((member.organisation, [(admin_email, "admin"), (member_email, "member")]))
    return made


def _demo_organisation_tips(organisation, member, index):
    from cases.accounts.service import find_user
    from cases.operations import change_state, close_case, send_message, triage
    from tipline.organisations.tips import filed

    intake = find_user("bj.intake@tipline.example")
    supervisor = find_user("bj.cyber.supervisor@tipline.example")
    for owner, platform_name, category, location, description, fate in DEMO_ORGANISATION_TIPS:
        if owner != index:
            continue
        platform = db.session.scalars(select(Platform).where(Platform.name == platform_name)).first()
        tip, _code = submit_tip(
            TipSubmission(
                platform_id=platform.id,
                platform_name=platform.name,
                category=category,
                location=location,
                description=description,
                reporter_type=organisation.kind,
                locale="zh_Hans",
                client=f"demo-organisation-{organisation.id}",
                organisation_id=organisation.id,
                org_member_id=member.id,
            ),
            [],
        )
        filed(member, tip)
        case = tip.case
        if fate == "new" or case is None or case.state != "new":
            continue
        triage(case, intake, case.lead_department, case.co_department, None)
        send_message(case, tip, intake, "您好，收到贵单位的举报。请补充弹窗出现时的页面截图和时间。")
        if fate == "closed":
            change_state(case, "investigating", supervisor)
            close_case(
                case, "closed_founded", supervisor, "经核查，平台确有在课程页面推送游戏充值弹窗，已责令整改。", True
            )
