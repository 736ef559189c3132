"""Bulk-loading a benchmark database: platforms, cases, tips, history and actions, by COPY.

Realistic in shape rather than in content: a few big platforms draw most reports
(a Zipf law), most cases hold one or two tips and a few hold hundreds, texts are
Chinese and English, platforms sit in every district, tips span four years, and
older cases are mostly closed. One case (`VIRAL`) already holds 9,999 tips: the
viral incident of a national evening. Rows are written as the app would write
them (the same search terms, reporter figures and open keys), with ids chosen
here; the sequences are moved past them afterwards.
"""

import json
import random
import secrets
from bisect import bisect
from datetime import timedelta
from functools import lru_cache
from itertools import accumulate

from cases import states
from cases.actions import rules
from cases.operations import deadline_for, open_key
from cases.priority import _score_to_priority
from tipline.catalog import CATEGORY_DEPARTMENTS, CATEGORY_SEVERITY
from tipline.platforms.models import search_key
from tipline.reports.search import search_terms
from tipline.timeutil import utcnow

SYLLABLES = "星火云朵小树苗墨香书法数学英语物理化学编程围棋美术音乐少儿成长课堂学堂网课在线"
OPENINGS = [
    "直播数学课中反复弹出游戏广告",
    "录播课视频里夹带网络游戏推广",
    "老师上课时说脏话，还嘲笑学生",
    "英语老师没有教师资格证",
    "课程页面侧边栏有低俗图片",
    "作业讲解页面弹出贷款广告",
    "平台未备案却向小学生收费",
    "课后讨论区有人发布暴力内容",
    "The live maths lesson keeps showing game adverts",
    "Pop-ups for mobile games cover the lesson video",
    "The teacher has no teaching certificate and shouts at pupils",
    "Recorded lessons contain vulgar jokes unsuitable for children",
    "The app is not on the filing list but charges primary pupils",
    "A chat section next to the lesson links to gambling sites",
]
MIDDLES = [
    "，孩子根本无法专心上课",
    "，关掉之后马上又出现",
    "，我已经截图保存",
    "，班上好几个家长都遇到了",
    "，持续了一个多星期",
    "; my child could not follow the class",
    "; it happens in every lesson since last week",
    "; several parents in our class saw the same",
    "; I kept screenshots of it",
]
ENDINGS = [
    "。",
    "，希望尽快处理。",
    "，请相关部门核查。",
    ". Please look into it.",
    ". This is not the first time.",
    "",
]
LOCATIONS = ["popup", "live", "recorded", "sidebar", "floating", "feed", "advert", "social", "other"]
REPORTERS = ["parent"] * 70 + ["student"] * 12 + ["teacher"] * 8 + ["school"] * 4 + ["parent_committee"] * 3
REPORTERS += ["industry_association", "social_organisation", "other"]
CATEGORY_WEIGHTS = {
    "game_ads": 30,
    "ad_diversion": 12,
    "page_surroundings": 10,
    "vulgar": 10,
    "teachers": 10,
    "unfiled": 8,
    "marketing": 6,
    "syllabus": 5,
    "core_values": 3,
    "violent": 3,
    "public_order": 2,
    "social": 1,
}
# Four years up to an hour before the run (UTC, naive like the app's timestamps).
END = utcnow().replace(microsecond=0) - timedelta(hours=1)
START = END - timedelta(days=4 * 365)
# Deadlines falling before the run can end were met by an escalation already (the scan skips them).
ESCALATED_BEFORE = END + timedelta(hours=2)
VIRAL_SIZE = 9_999


@lru_cache(maxsize=None)
def _terms(text):
    return search_terms(text)


class Zipf:
    """Draw 0..n-1 with weight 1/(rank+1)^s: a few ranks draw most."""

    def __init__(self, n, s, rng):
        self.cum = list(accumulate(1 / (i + 1) ** s for i in range(n)))
        self.rng = rng

    def draw(self):
        return bisect(self.cum, self.rng.random() * self.cum[-1])


class Seeder:
    """Fills one PostgreSQL database, in steps: `platforms()` once, then `tips(n)` as often as needed."""

    def __init__(self, conn, regions, staff_ids, encrypt, seed=7):
        self.conn = conn
        self.rng = random.Random(seed)
        self.districts = [code for code in regions if not code.endswith("00")]
        self.staff_ids = staff_ids
        self.encrypt = encrypt
        self.platform_names = []
        self.open_keys = set()
        self.cases = 0
        self.tips_loaded = 0
        self.viral_case = None

    # --- registry -----------------------------------------------------------------------------

    def platforms(self, count):
        rng = self.rng
        now = END
        with self.conn.cursor() as cur:
            with cur.copy(
                "COPY platform (id, name, name_en, operator, region_code, addresses, teaches_subjects, list_status,"
                " search_text, created_at, updated_at, enforcement_status) FROM STDIN"
            ) as copy:
                for i in range(count):
                    name = "".join(rng.choice(SYLLABLES) for _ in range(4)) + str(i)
                    latin = f"Platform {i} Academy"
                    address = f"https://p{i}.example"
                    self.platform_names.append(name)
                    listed = "black" if i % 97 == 0 else ("white" if i % 5 == 0 else "none")
                    copy.write_row(
                        (i + 1, name, latin, f"{name}科技有限公司", rng.choice(self.districts), json.dumps([address]),
                         bool(i % 2), listed, search_key(name, latin, address), now, now, "normal")
                    )  # fmt: skip
            with cur.copy("COPY filing_record (platform_id, status, filing_number, filed_features) FROM STDIN") as copy:
                for i in range(count):
                    filed = i % 4 != 0
                    copy.write_row(
                        (i + 1, "filed" if filed else "unfiled", f"教APP备{1100000 + i}" if filed else "", "")
                    )
            cur.execute("SELECT setval('platform_id_seq', %s)", (count,))
        self.platform_pick = Zipf(count, 1.05, rng)
        self.categories = list(CATEGORY_WEIGHTS)
        self.category_cum = list(accumulate(CATEGORY_WEIGHTS.values()))

    # --- cases and tips -----------------------------------------------------------------------

    def _category(self):
        return self.categories[bisect(self.category_cum, self.rng.random() * self.category_cum[-1])]

    def _when(self, start=START):
        span = (END - start).total_seconds()
        # Reports grow year on year: draw later times more often.
        return start + timedelta(seconds=span * self.rng.random() ** 0.7)

    def _text(self):
        rng = self.rng
        return rng.choice(OPENINGS) + rng.choice(MIDDLES) + rng.choice(ENDINGS)

    def _case_sizes(self, tips):
        """How many tips each new case holds: mostly one or two, a long tail of big ones."""
        sizes, total = [], 0
        while total < tips:
            size = min(int(self.rng.paretovariate(1.6)), 800, tips - total)
            sizes.append(size)
            total += size
        return sizes

    def tips(self, count, viral=False):
        """Add about `count` tips in new cases (with `viral`, also a case of VIRAL_SIZE tips)."""
        rng = self.rng
        self._next_ids()
        sizes = self._case_sizes(count)
        if viral:
            sizes.insert(0, VIRAL_SIZE)
        case_rows, case_events, tip_rows, tip_events, actions = [], [], [], [], []
        clients = [secrets.token_hex(32) for _ in range(max(100, count // 3))]
        for size in sizes:
            case_id = self.next_case
            self.next_case += 1
            viral_case = viral and size == VIRAL_SIZE
            # The viral evening hits the biggest platform, whose older cases are all closed.
            platform_index = 0 if viral_case else self.platform_pick.draw()
            platform_id = platform_index + 1
            category = "game_ads" if viral_case else self._category()
            created = END - timedelta(hours=6) if viral_case else self._when()
            age = (END - created).days
            key = open_key(platform_id, "", category)
            if age > 120 or key in self.open_keys or rng.random() < 0.3 or platform_index == 0:
                state = rng.choice([states.CLOSED_FOUNDED, states.CLOSED_UNFOUNDED, states.CLOSED_UNFOUNDED])
                kept_key = None
            else:
                state = rng.choice([states.NEW, states.NEW, states.TRIAGED, states.INVESTIGATING])
                kept_key = key
                self.open_keys.add(key)
            if viral_case:  # one evening's reports: the case is still new
                state, kept_key = states.NEW, key
                self.open_keys.add(key)
                self.viral_case = (case_id, platform_id, category)
            lead, co = CATEGORY_DEPARTMENTS[category]
            # Public tips only: no organisation filed them, so none weighs in the priority (trust.py).
            case_clients, organisation = set(), False
            case_tips = []
            last = created
            for n in range(size):
                tip_id = self.next_tip
                self.next_tip += 1
                gap = (
                    timedelta(seconds=rng.expovariate(1 / 2))
                    if viral_case
                    else timedelta(minutes=rng.expovariate(1 / 600))
                )
                at = created if n == 0 else min(END, last + gap)
                last = at
                reporter = rng.choice(REPORTERS)
                client = rng.choice(clients)
                case_clients.add(client)
                text = self._text()
                contact = self.encrypt({"email": f"parent{tip_id}@example.com"}) if rng.random() < 0.4 else None
                case_tips.append(
                    (tip_id, secrets.token_hex(32), platform_id, self.platform_names[platform_index], category,
                     rng.choice(LOCATIONS), text, "", None, reporter, contact, "zh" if text[0] > "~" else "en",
                     client, at, case_id, "", "[]", _terms(text))
                )  # fmt: skip
                tip_events.append((self.next_tip_event, tip_id, "submitted", "", at))
                self.next_tip_event += 1
                kind, detail = ("created", {"tip_id": tip_id}) if n == 0 else ("tip_joined", {"tip_id": tip_id})
                case_events.append((self.next_case_event, case_id, None, kind, json.dumps(detail), at))
                self.next_case_event += 1
            score = CATEGORY_SEVERITY[category] + (2 if len(case_clients) >= 10 else 1 if len(case_clients) >= 3 else 0)
            priority = _score_to_priority(score + organisation)
            changed = last if state == states.NEW else last + timedelta(days=rng.randint(1, 30))
            changed = min(changed, END)
            closed = changed if state in states.CLOSED_STATES else None
            deadline = deadline_for(state, changed)
            # Overdue open cases were escalated when they fell due (cases/escalation.py).
            escalated = changed if deadline is not None and deadline < ESCALATED_BEFORE else None
            assignee = rng.choice(self.staff_ids) if state != states.NEW else None
            acted = state == states.CLOSED_FOUNDED and rng.random() < 0.3
            # Triage answers every reporter (their public status changes); an action is approved when it closes.
            triaged = changed if state != states.NEW else None
            acted_at = changed if acted else None
            case_rows.append(
                (case_id, platform_id, self.platform_names[platform_index], category, self.platform_region(platform_id),
                 lead, co, assignee, priority, json.dumps([["severity", CATEGORY_SEVERITY[category]]]), state, changed,
                 deadline, kept_key, None, created, changed, closed, escalated, None, size, len(case_clients),
                 organisation, triaged, acted_at)
            )  # fmt: skip
            tip_rows.extend(row + (triaged, acted_at) for row in case_tips)
            if state != states.NEW:
                case_events.append(
                    (self.next_case_event, case_id, assignee, "state_changed",
                     json.dumps({"from": states.NEW, "to": state}), changed)
                )  # fmt: skip
                self.next_case_event += 1
            if acted:
                kind = rng.choice([rules.INTERVIEW, rules.RECTIFICATION, rules.SUSPEND_UPDATES, rules.DELISTING])
                actions.append(
                    (self.next_action, case_id, platform_id, kind, lead, "《未成年人保护法》第七十四条",
                     "责令限期整改", rules.ENDED, changed.date(), None, self.staff_ids[0], changed, self.staff_ids[-1],
                     changed, "", changed, "ended", "")
                )  # fmt: skip
                self.next_action += 1
        self._copy(case_rows, case_events, tip_rows, tip_events, actions)
        self.cases += len(case_rows)
        self.tips_loaded += len(tip_rows)

    def _next_ids(self):
        """Carry on after the rows already there: the app itself (escalations, intake) writes too."""
        with self.conn.cursor() as cur:
            for attribute, table in [
                ("next_case", "case_record"),
                ("next_tip", "tip"),
                ("next_tip_event", "tip_event"),
                ("next_case_event", "case_event"),
                ("next_action", "enforcement_action"),
            ]:
                setattr(self, attribute, cur.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()[0])

    def platform_region(self, platform_id):
        if not hasattr(self, "_regions"):
            with self.conn.cursor() as cur:
                self._regions = dict(cur.execute("SELECT id, region_code FROM platform").fetchall())
        return self._regions[platform_id]

    def _copy(self, case_rows, case_events, tip_rows, tip_events, actions):
        tables = [
            ("case_record (id, platform_id, platform_name, category, region_code, lead_department, co_department,"
             " assignee_id, priority, priority_reasons, state, state_changed_at, deadline_at, open_key, merged_into_id,"
             " created_at, updated_at, closed_at, escalated_for, escalated_to_region, tip_count, reporter_count,"
             " organisation_reported, triaged_at, first_action_at)", case_rows),
            ("tip (id, receipt_digest, platform_id, platform_name, category, location, description, url, seen_at,"
             " reporter_type, contact_encrypted, locale, client_digest, created_at, case_id, junk_status, junk_reasons,"
             " search_terms, first_response_at, acted_at)", tip_rows),
            ("tip_event (id, tip_id, kind, body, created_at)", tip_events),
            ("case_event (id, case_id, actor_id, kind, detail, created_at)", case_events),
            ("enforcement_action (id, case_id, platform_id, type, department, legal_basis, details, state, starts_on,"
             " deadline_on, proposed_by_id, proposed_at, decided_by_id, decided_at, decision_reason, ended_at,"
             " end_reason, review_note)", actions),
        ]  # fmt: skip
        with self.conn.cursor() as cur:
            # The rows are consistent by construction: skip the per-row foreign-key triggers, as a restore does.
            cur.execute("SET session_replication_role = replica")
            for table, rows in tables:
                with cur.copy(f"COPY {table} FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            cur.execute("SET session_replication_role = DEFAULT")
            for sequence, value in [
                ("case_record_id_seq", self.next_case),
                ("tip_id_seq", self.next_tip),
                ("tip_event_id_seq", self.next_tip_event),
                ("case_event_id_seq", self.next_case_event),
                ("enforcement_action_id_seq", self.next_action),
            ]:
                cur.execute(f"SELECT setval('{sequence}', %s, false)", (value,))
