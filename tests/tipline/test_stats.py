"""The public figures (/stats): every number on the page, in its charts and in its CSV files equals a count
made here directly from the rows, on SQLite and PostgreSQL; small counts stay hidden; bad choices are refused.

The expectations are computed in this file from tip, case_record, enforcement_action and platform, with the
Beijing month worked out in Python (naive UTC + 8 hours) and medians by `statistics.median`: never with the
rollup or the service they check. Each assertion names the one-line bug it catches where that is not plain.
"""

import csv
import html
import io
import itertools
import re
import statistics
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from cases import states
from cases.actions import rules
from cases.actions.models import Action
from cases.actions.service import decide_action, propose_action, propose_lift
from cases.models import Case
from cases.operations import change_state, close_case, send_message
from tests.cases.conftest import CHAOYANG, HAIDIAN
from tipline import catalog
from tipline.extensions import db
from tipline.figures import charts
from tipline.figures.models import FigureCount
from tipline.figures.rollup import refresh_figures, refreshed_at
from tipline.figures.service import PeriodError, figures, median_of_counts, parse_period
from tipline.jobs.registry import handler_for
from tipline.platforms.models import Platform
from tipline.regions.models import Region
from tipline.reports.models import Tip
from tipline.reports.service import TipSubmission, submit_tip

NATION, BEIJING, XUHUI, PUDONG = "100000", "110000", "310104", "310115"
BEIJING_HOURS = timedelta(hours=8)
DAY = timedelta(days=1)
EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
KEYS = ("months", "regions", "categories", "actions", "platforms", "timeliness")
CHARTED = {"months": (0, 1)}  # the columns each chart draws; (0,) for the others
HAN = re.compile(r"[\u4e00-\u9fff]")


# --- months and days, worked out here (not with tipline.figures) ------------------------------------


def beijing_today():
    return (datetime.now(timezone.utc) + BEIJING_HOURS).date()


def shift(year, month, by):
    """(year, month) `by` months later (earlier when negative)."""
    index = year * 12 + month - 1 + by
    return index // 12, index % 12 + 1


def key(year, month):
    return f"{year:04d}-{month:02d}"


def beijing_month(naive_utc):
    return (naive_utc + BEIJING_HOURS).strftime("%Y-%m")


def at(year_month, day, hour, minute=0):
    """The naive UTC time of a Beijing wall-clock time."""
    return datetime(*year_month, day, hour, minute) - BEIJING_HOURS


def whole_days(start, end):
    return None if end is None else (end - start) // DAY  # floor, as the figures promise


def months_ending(year_month, count=12):
    return tuple(key(*shift(*year_month, -n)) for n in range(count - 1, -1, -1))


def periods():
    """(typed period, its months, its trend) for the last twelve months, the year of month B, and month B."""
    today = beijing_today()
    now = (today.year, today.month)
    month_b = shift(*now, -2)
    year = month_b[0]
    last = now if year == today.year else (year, 12)
    return [
        ("", months_ending(now), months_ending(now)),
        (str(year), tuple(key(year, m) for m in range(1, last[1] + 1)), months_ending(last)),
        (key(*month_b), (key(*month_b),), months_ending(month_b)),
    ]


# --- the data set, made through the real operations, then moved in time ----------------------------


def file(platform, category, n, description=None):
    """A tip as the public files it (the same domain function as the form), committed."""
    tip, _code = submit_tip(
        TipSubmission(
            platform_id=platform.id if platform else None,
            platform_name=platform.name if platform else "某个未登记的网课App",
            category=category,
            location="popup",
            description=description or f"第{n}位家长：孩子上网课时遇到这个问题，影响学习，请核查。",
            reporter_type="parent",
            locale="zh",
            client=f"198.51.100.{n}",
        ),
        [],
    )
    db.session.commit()
    return tip


def move(model, row_id, **values):
    db.session.execute(update(model).where(model.id == row_id).values(**values))


def close(case, to_state, supervisor):
    if to_state == states.CLOSED_FOUNDED:
        change_state(case, states.TRIAGED, supervisor, "分派")
        change_state(case, states.INVESTIGATING, supervisor, "调查")
    assert close_case(case, to_state, supervisor, "经核查后结案。", confirmed=True)


def approve(case, proposer, decider, action_type):
    deadline = beijing_today() + timedelta(days=30) if action_type == rules.RECTIFICATION else None
    action = propose_action(
        case, proposer, action_type, "《未成年人保护法》第七十四条", deadline_on=deadline, public_reason="公开理由"
    )
    decide_action(action, decider, approve=True)
    return action


@pytest.fixture
def seeded(make_platform, make_staff):
    """Tips in five categories on platforms in Haidian, Chaoyang, Xuhui and nowhere registered; cases closed
    founded and unfounded; approved actions of two types (one lifted since), a rejected one; a staff message.
    Then times moved across months A, B, C (three, two and one months ago) with one tip half an hour before and
    one half an hour after the Beijing midnight that starts month B, when it is still month A in UTC."""
    today = beijing_today()
    now = (today.year, today.month)
    a, b, c, old = shift(*now, -3), shift(*now, -2), shift(*now, -1), shift(*now, -12)
    last_a = (date(*b, 1) - DAY).day
    boss, deputy = make_staff("supervisor", "cyberspace", NATION), make_staff("supervisor", "cyberspace", NATION)
    haidian = make_platform(region_code=HAIDIAN)
    chaoyang = make_platform(region_code=CHAOYANG)
    xuhui = make_platform(region_code=XUHUI)
    make_platform(region_code=PUDONG)  # no tips: counted among the platforms only

    # (platform, category, Beijing time it arrived, days and hours to first response or None, to action)
    plan = [
        (haidian, "game_ads", at(a, last_a, 23, 30), (2, 23), None),  # month A in Beijing and UTC
        (haidian, "game_ads", at(b, 1, 0, 30), (3, 0), None),  # month B in Beijing, still A in UTC
        (haidian, "game_ads", at(b, 10, 12), (0, 5), None),
        (haidian, "teachers", at(b, 15, 9), None, None),
        (haidian, "teachers", at(c, 1, 7), (1, 0), None),  # month C in Beijing, B in UTC
        (chaoyang, "vulgar", at(a, 5, 10), (1, 12), None),
        (chaoyang, "vulgar", at(a, 20, 10), (4, 0), None),
        (chaoyang, "game_ads", at(b, 20, 10), (2, 0), (5, 0)),
        (xuhui, "game_ads", at(a, 12, 10), (6, 1), (9, 23)),
        (xuhui, "game_ads", at(c, 3, 10), (0, 2), None),
        (xuhui, "marketing", at(a, 8, 10), (1, 0), None),
        (None, "other", at(c, 9, 10), None, None),  # unregistered: a national case
        (haidian, "syllabus", at(old, 10, 10), (3, 0), (7, 0)),  # in month B's trend, in no period
    ]
    tips = [file(platform, category, n) for n, (platform, category, *_rest) in enumerate(plan, 1)]
    junk = file(haidian, "game_ads", 99, description="看看")  # set aside: never counted
    assert junk.case_id is None and junk.junk_status == "suspected"
    cases = {name: tips[n].case for name, n in (("hd_ads", 0), ("cy_vulgar", 5), ("cy_ads", 7), ("xh_ads", 8))}
    cases |= {"xh_marketing": tips[10].case, "hd_teachers": tips[3].case}
    assert len({case.id for case in cases.values()}) == 6

    send_message(cases["hd_teachers"], tips[4], boss, "您好，我们已收到，正在核查。")
    interview = approve(cases["hd_ads"], boss, deputy, rules.INTERVIEW)
    in_force = approve(cases["hd_ads"], boss, deputy, rules.RECTIFICATION)
    refused = propose_action(cases["hd_ads"], boss, rules.DELISTING, "依据", public_reason="公开理由")
    decide_action(refused, deputy, approve=False, reason="证据不足")
    lifted = approve(cases["cy_ads"], boss, deputy, rules.RECTIFICATION)
    lift = propose_lift(lifted, boss, "整改完成", public_reason="解除")
    decide_action(lift, deputy, approve=True)
    far = approve(cases["xh_ads"], boss, deputy, rules.INTERVIEW)
    close(cases["hd_ads"], states.CLOSED_FOUNDED, boss)
    close(cases["xh_ads"], states.CLOSED_FOUNDED, boss)
    close(cases["cy_vulgar"], states.CLOSED_UNFOUNDED, boss)
    close(cases["xh_marketing"], states.CLOSED_UNFOUNDED, boss)
    db.session.commit()

    for tip, (_platform, _category, created, response, action) in zip(tips, plan, strict=True):
        move(
            Tip,
            tip.id,
            created_at=created,
            first_response_at=created + timedelta(days=response[0], hours=response[1]) if response else None,
            acted_at=created + timedelta(days=action[0], hours=action[1]) if action else None,
        )
    move(Tip, junk.id, created_at=at(b, 11, 10))
    move(Action, interview.id, decided_at=at(b, 12, 10))
    move(Action, in_force.id, decided_at=at(c, 5, 10))
    move(Action, refused.id, decided_at=at(b, 6, 10))
    move(Action, lifted.id, decided_at=at(b, 25, 10))
    move(Action, lift.id, decided_at=at(c, 10, 10))
    move(Action, far.id, decided_at=at(c, 1, 0, 5))  # month C in Beijing, B in UTC
    move(Case, cases["hd_ads"].id, closed_at=at(c, 2, 10))
    move(Case, cases["xh_ads"].id, closed_at=at(c, 25, 10))
    move(Case, cases["cy_vulgar"].id, closed_at=at(b, 1, 0, 10))  # month B in Beijing, A in UTC
    move(Case, cases["xh_marketing"].id, closed_at=at(a, last_a, 23, 50))
    refresh_figures()
    db.session.commit()
    db.session.expire_all()
    return {"a": key(*a), "b": key(*b), "c": key(*c)}


# --- what the rows say, counted here ---------------------------------------------------------------


class Rows:
    """The rows the figures count, read plainly from the tables, with months and days worked out here."""

    def __init__(self):
        self.tips = [
            (beijing_month(created), region, category, whole_days(created, answered), whole_days(created, acted))
            for created, region, category, answered, acted in db.session.execute(
                select(Tip.created_at, Case.region_code, Tip.category, Tip.first_response_at, Tip.acted_at)
                .join(Case, Case.id == Tip.case_id)
                .where(Tip.junk_status.notin_(("suspected", "confirmed")))
            )
        ]
        self.closed = [
            (state, beijing_month(closed), region, category)
            for state, closed, region, category in db.session.execute(
                select(Case.state, Case.closed_at, Case.region_code, Case.category).where(
                    Case.state.in_((states.CLOSED_FOUNDED, states.CLOSED_UNFOUNDED)), Case.closed_at.is_not(None)
                )
            )
        ]
        self.actions = [
            (action_type, beijing_month(decided), region)
            for action_type, decided, region in db.session.execute(
                select(Action.type, Action.decided_at, Case.region_code)
                .join(Case, Case.id == Action.case_id)
                .where(Action.state.in_((rules.IN_FORCE, rules.ENDED)), Action.lifts_id.is_(None))
            )
        ]
        self.platforms = db.session.execute(select(Platform.region_code, Platform.enforcement_status)).all()
        self.parents = dict(db.session.execute(select(Region.code, Region.parent_code)).all())

    def ancestors(self, code):
        while code is not None:
            yield code
            code = self.parents.get(code)

    def under(self, code, region):
        return region in self.ancestors(code)


def count_text(n, floor):
    return f"<{floor}" if 0 < n < floor else str(n)


def median_text(days, floor):
    if not days or len(days) < floor:
        return "–"
    middle = statistics.median(days)
    return str(int(middle)) if middle == int(middle) else str(middle)


def expected(rows, region_code, months, trend, floor):
    """{table key: [[label, cell, ...], ...]} and the headline, as the page must show them."""
    tips = [t for t in rows.tips if rows.under(t[1], region_code)]
    closed = [c for c in rows.closed if rows.under(c[2], region_code)]
    actions = [a for a in rows.actions if rows.under(a[2], region_code)]

    def outcomes(month_test, place_test=lambda code: True):
        return [
            sum(1 for t in tips if month_test(t[0]) and place_test(t[1])),
            sum(1 for c in closed if c[0] == states.CLOSED_FOUNDED and month_test(c[1]) and place_test(c[2])),
            sum(1 for c in closed if c[0] == states.CLOSED_UNFOUNDED and month_test(c[1]) and place_test(c[2])),
            sum(1 for a in actions if month_test(a[1]) and place_test(a[2])),
        ]

    def in_period(month):
        return month in months

    def texts(counts):
        return [count_text(n, floor) for n in counts]

    tables = {"months": [[m, *texts(outcomes(lambda month, m=m: month == m))] for m in trend]}
    children = sorted(code for code, parent in rows.parents.items() if parent == region_code)
    names = {code: name for code, name in db.session.execute(select(Region.code, Region.name_en))}
    tables["regions"] = [
        [names[child], *texts(outcomes(in_period, lambda code, child=child: rows.under(code, child)))]
        for child in children
    ]
    # The region's own cases (nationally: platforms not in the registry) close the table, when there are any,
    # so that its rows add up to the headline.
    own = outcomes(in_period, lambda code: code == region_code)
    if any(own):
        tables["regions"].append([f"{names[region_code]} itself", *texts(own)])
    tables["categories"] = [
        [
            str(label),
            *texts(
                [
                    sum(1 for t in tips if in_period(t[0]) and t[2] == code),
                    sum(1 for c in closed if c[0] == states.CLOSED_FOUNDED and in_period(c[1]) and c[3] == code),
                    sum(1 for c in closed if c[0] == states.CLOSED_UNFOUNDED and in_period(c[1]) and c[3] == code),
                ]
            ),
        ]
        for code, label in catalog.CATEGORIES.items()
    ]
    tables["actions"] = [
        [str(label), count_text(sum(1 for a in actions if a[0] == code and in_period(a[1])), floor)]
        for code, label in rules.ACTION_TYPES.items()
    ]
    tables["platforms"] = [
        [
            str(label),
            count_text(sum(1 for r, s in rows.platforms if s == code and rows.under(r, region_code)), floor),
        ]
        for code, label in rules.ENFORCEMENT_STATUSES.items()
    ]

    def timeliness(label, month_set):
        answered = [t[3] for t in tips if t[0] in month_set and t[3] is not None]
        acted = [t[4] for t in tips if t[0] in month_set and t[4] is not None]
        return [
            label,
            median_text(answered, floor),
            count_text(len(answered), floor),
            median_text(acted, floor),
            count_text(len(acted), floor),
        ]

    tables["timeliness"] = [timeliness(m, {m}) for m in trend] + [timeliness("The whole period", set(months))]
    headline = texts(outcomes(in_period))
    return tables, headline


# --- the page, its charts and its CSV files, read back ---------------------------------------------

SECTION = re.compile(r'<section class="figure" aria-labelledby="(\w+)-heading">(.*?)</section>', re.S)
ROW = re.compile(r"<tr>(.*?)</tr>", re.S)
CELL = re.compile(r"<t[hd][^>]*>(.*?)</t[hd]>", re.S)
TAG = re.compile(r"<[^>]+>")
SVG = re.compile(r"<svg([^>]*)>(.*?)</svg>", re.S)
SVG_PART = re.compile(r"<rect([^>]*)/>|<text[^>]*>(.*?)</text>", re.S)
CSV_LINK = re.compile(r'<a href="([^"]+\.csv[^"]*)" download>')
HEADLINE = re.compile(r"<dd>(.*?)</dd>")
SUMMARY = re.compile(r'<h2 id="summary">(.*?)</h2>', re.S)


def text_of(fragment):
    return html.unescape(TAG.sub("", fragment)).strip()


def attribute(attrs, name):
    found = re.search(rf'\b{name}="([^"]*)"', attrs)
    return html.unescape(found.group(1)) if found else None


def read_page(body):
    """{key: {"rows": [[...]] (heading row first), "svg": (attrs, body), "csv": link}} of the figures page."""
    sections = {}
    for section_key, inner in SECTION.findall(body):
        svg = SVG.search(inner)
        sections[section_key] = {
            "rows": [[text_of(cell) for cell in CELL.findall(row)] for row in ROW.findall(inner)],
            "svg": (svg.group(1), svg.group(2)),
            "csv": html.unescape(CSV_LINK.search(inner).group(1)),
        }
    return sections


def bars(svg_body, table_rows, charted):
    """[(label, [(bar text, bar width), ...])] of a chart, after its legend."""
    parts = [
        ("rect", attribute(a, "width")) if a else ("text", html.unescape(re.sub(r"<[^>]+>", "", t)))
        for a, t in SVG_PART.findall(svg_body)
    ]
    legend = 2 * len(charted) if len(charted) > 1 else 0
    parts = parts[legend:]
    drawn, step = [], 1 + 2 * len(charted)
    for n in range(len(table_rows)):
        label, *rest = parts[n * step : (n + 1) * step]
        drawn.append((label[1], [(rest[i + 1][1], float(rest[i][1])) for i in range(0, len(rest), 2)]))
    assert len(parts) == step * len(table_rows)
    return drawn


def read_csv(response):
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads the Chinese only with the BOM
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def figures_of(region_code, typed):
    return figures(db.session.get(Region, region_code), parse_period(typed))


# --- 1, 2: every number, from the rows -------------------------------------------------------------


def test_every_figure_equals_a_count_made_from_the_rows(app, client, seeded):
    """Catches, among others: months counted in UTC (the tips at 00:30 Beijing on the 1st of month B, the action
    and the closing just after midnight), days rounded instead of floored (2 days 23 hours), a median of an even
    number of tips not the mean of the middle two (month C: 0 and 1 days), junk, rejected actions or liftings
    counted, a region's figures taken from one district or from the whole nation, the period filter ignored (the
    tip twelve months ago), the trend not ending with the period, and a table, chart or CSV disagreeing."""
    app.config["FIGURES_MIN_COUNT"] = 1  # exact numbers everywhere; the threshold is tested on its own below
    rows = Rows()
    assert len(rows.tips) == 13 and len(rows.actions) == 4 and len(rows.closed) == 4
    assert sum(1 for t in rows.tips if t[0] == seeded["b"]) == 4  # with the one UTC puts in month A
    for region_code, (typed, months, trend) in itertools.product((NATION, BEIJING), periods()):
        where = (region_code, typed)
        with app.test_request_context(headers=EN):
            name = db.session.get(Region, region_code).name_en
            tables, headline = expected(rows, region_code, months, trend, floor=1)
            result = figures_of(region_code, typed)
            assert result.period.months == months and result.period.trend == trend
            assert [c.shown for c in result.headline.values()] == headline, where
            assert [t.key for t in result.tables] == [k for k in KEYS if tables[k]]
            for table in result.tables:
                got = [[str(label), *cells] for label, *cells in list(table.csv_rows())[1:]]
                assert got == tables[table.key], (*where, table.key)

        response = client.get("/stats", query_string={"region": region_code, "period": typed}, headers=EN)
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert [text_of(dd) for dd in HEADLINE.findall(body)] == headline, where
        span = months[0] if len(months) == 1 else f"{months[0]} to {months[-1]}"
        assert text_of(SUMMARY.search(body).group(1)) == f"{name}, {span}"
        page = read_page(body)
        assert set(page) == {k for k in KEYS if tables[k]}
        for table_key, section in page.items():
            assert section["rows"][1:] == tables[table_key], (*where, table_key)
            charted = CHARTED.get(table_key, (0,))
            for (label, drawn), (row_label, *cells) in zip(
                bars(section["svg"][1], section["rows"][1:], charted), section["rows"][1:], strict=True
            ):
                assert label == row_label
                assert [text for text, _width in drawn] == [cells[c] for c in charted], (*where, table_key)
                for text, width in drawn:  # a bar as long as a hidden count would tell it
                    assert (width == 0) == (text in ("0", "–") or text.startswith("<")), (table_key, text)

            link = section["csv"]
            assert link.startswith(f"/stats/figures/{table_key}.csv?")
            got = read_csv(client.get(link, headers=EN))
            assert got[0] == section["rows"][0]  # the header as the table's headings
            assert got[1:] == tables[table_key], (*where, table_key)


def test_the_csv_names_its_columns_and_its_file(app, client, seeded):
    """Catches: a CSV without its header or heading another column, and a file name that does not say what it is."""
    today = beijing_today()
    first = key(*shift(today.year, today.month, -11))
    response = client.get(f"/stats/figures/months.csv?region={BEIJING}", headers=EN)
    rows = read_csv(response)
    assert rows[0] == ["Month", "Tips received", "Cases closed: founded", "Cases closed: unfounded", "Actions taken"]
    assert len(rows) == 13 and rows[1][0] == first
    name = f"tipline-months-{BEIJING}-{first}-{key(today.year, today.month)}.csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'


# --- 3: the small-count rule at its default --------------------------------------------------------


@pytest.fixture
def few(make_platform):
    """Month X (two months ago): 3 tips in Haidian and 1 in Chaoyang, all answered; month Y (last month):
    5 tips in Chaoyang, all answered. Nothing else."""
    today = beijing_today()
    x, y = shift(today.year, today.month, -2), shift(today.year, today.month, -1)
    haidian, chaoyang = make_platform(region_code=HAIDIAN), make_platform(region_code=CHAOYANG)
    plan = [(haidian, "game_ads", x)] * 3 + [(chaoyang, "vulgar", x)] + [(chaoyang, "vulgar", y)] * 5
    for n, (platform, category, month) in enumerate(plan, 1):
        tip = file(platform, category, n)
        created = at(month, 10, 10, n)
        move(Tip, tip.id, created_at=created, first_response_at=created + timedelta(days=n % 3, hours=2))
    refresh_figures()
    db.session.commit()
    return key(*x), key(*y)


def row_of(rows, label):
    return next(r for r in rows if r[0] == label)


def test_small_counts_show_as_fewer_than_five_everywhere(app, client, few):
    """Catches: the threshold compared with <= (5 hidden) or not at all (3 shown) in any of the table, the
    headline, the chart's text or bar, or the CSV; zero hidden as "<5"; a median over 4 tips shown, or shown
    as "<5", which reads as "under five days"."""
    assert app.config["FIGURES_MIN_COUNT"] == 5
    x, y = few
    with app.test_request_context(headers=EN):
        result = figures_of(BEIJING, "")
        regions = result.table("regions")
        haidian = next(cells for label, cells in regions.rows if label == "Haidian District")
        assert haidian[0].hidden and haidian[0].shown == "<5" and haidian[0].drawn == 0
        assert result.headline["tips"].shown == "9"

    body = client.get(f"/stats?region={BEIJING}", headers=EN).get_data(as_text=True)
    page = read_page(body)
    assert [text_of(dd) for dd in HEADLINE.findall(body)] == ["9", "0", "0", "0"]
    assert row_of(page["regions"]["rows"], "Haidian District")[1:] == ["<5", "0", "0", "0"]  # 3 tips
    assert row_of(page["regions"]["rows"], "Chaoyang District")[1:] == ["6", "0", "0", "0"]
    assert row_of(page["months"]["rows"], x)[1] == "<5"  # 4 tips
    assert row_of(page["months"]["rows"], y)[1] == "5"  # exactly the threshold shows
    assert row_of(page["categories"]["rows"], str(catalog.CATEGORIES["game_ads"]))[1] == "<5"
    # A median over 4 tips is hidden (and not as "<5", which would read as "under five days"); over 5 it shows.
    assert row_of(page["timeliness"]["rows"], x)[1:3] == ["–", "<5"]
    assert row_of(page["timeliness"]["rows"], y)[1:3] == [median_text([n % 3 for n in range(5, 10)], 5), "5"]
    assert ">3<" not in body.split('id="summary"')[1]  # never the exact small count, anywhere in the figures

    drawn = dict(bars(page["regions"]["svg"][1], page["regions"]["rows"][1:], (0,)))
    assert drawn["Haidian District"] == [("<5", 0.0)]  # the text hidden and no bar whose length gives it away
    assert drawn["Chaoyang District"][0][0] == "6" and drawn["Chaoyang District"][0][1] > 0

    rows = read_csv(client.get(f"/stats/figures/regions.csv?region={BEIJING}", headers=EN))
    assert row_of(rows, "Haidian District") == ["Haidian District", "<5", "0", "0", "0"]
    timeliness = read_csv(client.get(f"/stats/figures/timeliness.csv?region={BEIJING}", headers=EN))
    assert row_of(timeliness, x)[1:3] == ["–", "<5"]

    chinese = client.get(f"/stats?region={BEIJING}", headers=ZH).get_data(as_text=True)
    assert "<abbr" in chinese and "&lt;5</abbr>" in chinese  # the hidden cell explains itself


def test_the_threshold_is_one_setting(app, client, few):
    """Catches: a threshold of 5 written into the page or the CSV instead of read from FIGURES_MIN_COUNT."""
    app.config["FIGURES_MIN_COUNT"] = 3
    x, _y = few
    rows = read_csv(client.get(f"/stats/figures/regions.csv?region={BEIJING}", headers=EN))
    assert row_of(rows, "Haidian District")[1] == "3"
    months = read_csv(client.get(f"/stats/figures/months.csv?region={BEIJING}", headers=EN))
    assert row_of(months, x)[1] == "4"
    app.config["FIGURES_MIN_COUNT"] = 7
    body = client.get(f"/stats?region={BEIJING}", headers=EN).get_data(as_text=True)
    assert row_of(read_page(body)["regions"]["rows"], "Chaoyang District")[1] == "<7"
    assert "&lt;7" in body and "&lt;5" not in body


# --- 4: periods and bad choices --------------------------------------------------------------------

TODAY = date(2026, 11, 30)


def test_periods_parse_into_beijing_months():
    """Catches: the last twelve months off by one at either end, a year running past today, a month's trend not
    ending with the month, December or January mishandled."""
    last = parse_period("", today=TODAY)
    assert last.text == "" and last.months[0] == "2025-12" and last.months[-1] == "2026-11" and len(last.months) == 12
    assert last.trend == last.months
    year = parse_period("2026", today=TODAY)
    assert year.months == tuple(f"2026-{m:02d}" for m in range(1, 12))
    assert year.trend == last.months
    assert parse_period("2025", today=TODAY).months == tuple(f"2025-{m:02d}" for m in range(1, 13))
    month = parse_period("2026-05", today=TODAY)
    assert month.months == ("2026-05",) and month.trend[0] == "2025-06" and month.trend[-1] == "2026-05"
    assert parse_period("2026-01", today=TODAY).trend[:2] == ("2025-02", "2025-03")
    assert parse_period(" 2026-11 ", today=TODAY).months == ("2026-11",)  # this month, as typed with spaces
    assert parse_period("2026", today=date(2026, 1, 1)).months == ("2026-01",)


@pytest.mark.parametrize(
    "typed",
    ["2026-13", "2026-00", "abc", "2026-5", "20260", "١٢٣٤", "٢٠٢٦", "２０２６", "2026-12", "2027", "1999", "2026/05"],
)
def test_bad_periods_are_refused(typed):
    """Catches: a month 13 or 0, a one-digit month, digits of other scripts read as a year ("٢٠٢٦" is 2026 to
    Python's int), a month or year still to come, a year before the figures."""
    with pytest.raises(PeriodError):
        parse_period(typed, today=TODAY)


def test_a_bad_period_is_explained_and_kept_in_the_form(app, client):
    """Catches: a bad period answered 200 with the default figures as if it were asked for, the message missing,
    and the value typed lost from the form."""
    response = client.get("/stats?period=abc", headers=EN)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Choose a period from the list, or type a year (2026) or a month (2026-05)." in body
    assert '<option value="abc" selected>abc</option>' in body
    assert 'aria-invalid="true" aria-describedby="f-period-error"' in body
    future = client.get(f"/stats?period={beijing_today().year + 1}", headers=EN)
    assert future.status_code == 400 and "There are no figures for that period yet." in future.get_data(as_text=True)
    hostile = client.get("/stats", query_string={"period": '"><script>x</script>'}, headers=EN)
    assert hostile.status_code == 400 and "<script>x" not in hostile.get_data(as_text=True)


def test_a_bad_period_is_explained_in_chinese_on_a_chinese_page(app, client):
    """Catches: the period messages not translated (or not marked for translation), so a Chinese page says it in
    English."""
    english = client.get("/stats?period=2026-13", headers=EN).get_data(as_text=True)
    response = client.get("/stats?period=2026-13", headers=ZH)
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and 'lang="zh-Hans"' in body
    message = text_of(re.search(r'<p class="error" id="f-period-error">(.*?)</p>', body).group(1))
    assert HAN.search(message) and message not in english, message
    assert '<option value="2026-13" selected>2026-13</option>' in body


@pytest.mark.parametrize("region", ["999999", "\x00", "11010８", "110000' OR '1'='1", "1" * 40])
def test_a_region_not_in_the_tree_is_refused(app, client, region):
    """Catches: an unknown code shown as the nation's figures with 200, and a NUL or odd digits reaching
    PostgreSQL (a 500)."""
    response = client.get("/stats", query_string={"region": region}, headers=EN)
    assert response.status_code == 400
    assert "Choose a region from the list." in response.get_data(as_text=True)
    csv_response = client.get("/stats/figures/months.csv", query_string={"region": region})
    assert csv_response.status_code == 400 and csv_response.mimetype == "text/plain"


def test_unknown_figures_and_bad_csv_choices(app, client):
    """Catches: an unknown figure answered with an empty file, and a CSV for a period that cannot be."""
    assert client.get("/stats/figures/nope.csv").status_code == 404
    assert client.get("/stats/figures/months.csv?region=110000").status_code == 200
    bad = client.get("/stats/figures/months.csv?period=2026-13", headers=EN)
    assert bad.status_code == 400 and "Choose a period" in bad.get_data(as_text=True)
    assert "attachment" not in bad.headers.get("Content-Disposition", "")


# --- 5: the charts and the region picker -----------------------------------------------------------


def test_every_chart_is_an_image_with_a_title_and_a_description(app, client, seeded):
    """Catches: a chart screen readers skip (no role) or read as "image" only (aria-labelledby pointing nowhere),
    and two charts sharing ids."""
    body = client.get(f"/stats?region={BEIJING}", headers=EN).get_data(as_text=True)
    page = read_page(body)
    assert set(page) == set(KEYS)
    ids = []
    for table_key, section in page.items():
        attrs, inner = section["svg"]
        assert attribute(attrs, "role") == "img"
        title_id, desc_id = attribute(attrs, "aria-labelledby").split()
        title = re.search(rf'<title id="{title_id}">(.+?)</title>', inner)
        desc = re.search(rf'<desc id="{desc_id}">(.+?)</desc>', inner)
        assert title and desc, table_key
        heading = re.search(rf'<h2 id="{table_key}-heading">(.*?)</h2>', body).group(1)
        assert text_of(title.group(1)) == text_of(heading)
        ids += [title_id, desc_id]
    assert len(ids) == len(set(ids))
    assert len(re.findall(r"<script", body)) == 0  # drawn on the server, no script needed


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_label_of_every_chart_fits_the_chart(app, client, lang):
    """Catches what a phone showed: English kinds of problem running off the chart's right edge, and Chinese
    region names (内蒙古自治区) set left of their bars, over the number, because they have few characters."""
    for region in (NATION, BEIJING):
        with app.test_request_context(headers={"Accept-Language": lang}):
            result = figures_of(region, "")
            for table in result.tables:
                chart = charts.layout(table)
                names = [line for _colour, name, _y in chart.legend for line in name]
                for (label, _cells), row in zip(table.rows, chart.rows, strict=True):
                    assert "".join(line for line, _y in row.label) == str(label)  # broken, never cut
                    bars_at = row.bars[0].x
                    for line, _y in row.label:
                        room = bars_at - 6 if bars_at else charts.WIDTH
                        assert charts.text_width(line.rstrip()) <= room, (table.key, line)
                for line, _y in names:
                    assert charts.text_width(line.rstrip()) <= charts.WIDTH - 20, (table.key, line)


def test_a_long_label_breaks_between_words_or_characters():
    """Catches a label cut short instead of broken, or broken inside an English word."""
    label = "Traffic-diverting advertising unfit for minors (incl. pushed by algorithm)"
    lines = charts.wrap(label, 200)
    assert "".join(lines) == label and len(lines) > 1
    assert all(line.endswith(" ") for line in lines[:-1])  # each break falls between words
    chinese = charts.wrap("课程中插入或推送与学习无关的游戏广告、弹窗和浮窗", 100)
    assert "".join(chinese) == "课程中插入或推送与学习无关的游戏广告、弹窗和浮窗"
    assert [len(line) for line in chinese[:-1]] == [7] * (len(chinese) - 1)  # 7 characters of 14 px in 100


def test_a_province_pick_offers_its_districts(app, client):
    """Catches: the districts of every province listed at once, or none after picking a province."""

    def options(query):
        body = client.get(f"/stats{query}", headers=EN).get_data(as_text=True)
        select_box = re.search(r'<select id="f-region" name="region"[^>]*>(.*?)</select>', body, re.S).group(1)
        return dict(re.findall(r'<option value="(\d+)" ?(selected)?>', select_box))

    national = options("")
    assert {NATION, BEIJING, "310000"} <= set(national) and HAIDIAN not in national
    assert national[NATION] == "selected"
    beijing = options(f"?region={BEIJING}")
    assert {HAIDIAN, CHAOYANG, "310000"} <= set(beijing) and XUHUI not in beijing
    assert beijing[BEIJING] == "selected"
    district = options(f"?region={HAIDIAN}")
    assert CHAOYANG in district and district[HAIDIAN] == "selected" and XUHUI not in district


# --- 6: the median ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "counts, median",
    [
        ({4: 1}, 4),  # a single value
        ({1: 1, 2: 1, 9: 1}, 2),  # odd: the middle one, not the mean (4)
        ({1: 1, 4: 1}, 2.5),  # even: the mean of the middle two
        ({0: 1, 1: 1}, 0.5),
        ({1: 2, 3: 2}, 2),  # even, the middle two in different buckets
        ({2: 3, 7: 1}, 2),  # even, the middle two in one bucket
        ({5: 4}, 5),
        ({0: 2, 10: 1, 3: 2}, 3),  # buckets given out of order
    ],
)
def test_median_of_counts(counts, median):
    """Catches: the upper middle taken for an even count, buckets read unsorted, a bucket counted once."""
    assert median_of_counts(counts) == median
    assert median_of_counts(counts) == statistics.median([v for v, n in counts.items() for _ in range(n)])


# --- 7: the refresh job ----------------------------------------------------------------------------


def test_the_refresh_job_is_idempotent_and_registered(app, client, seeded):
    """Catches: a rebuild that adds to the old rollup instead of replacing it (every figure doubled), and the
    periodic job's name not leading to it."""

    def rollup():
        return sorted(
            db.session.execute(
                select(
                    FigureCount.measure,
                    FigureCount.month,
                    FigureCount.region_code,
                    FigureCount.category,
                    FigureCount.bucket,
                    FigureCount.whole,
                    FigureCount.value,
                )
            ).all()
        )

    first = rollup()
    assert first and sum(row.value for row in first if row.measure == "tips" and not row.whole) == 13
    # Summed up the tree: the nation's whole rows hold every tip once.
    national = [row for row in first if row.measure == "tips" and row.whole and row.region_code == NATION]
    assert sum(row.value for row in national) == 13
    before = client.get(f"/stats?region={BEIJING}", headers=EN).get_data(as_text=True)
    refresh_figures()
    db.session.commit()
    assert rollup() == first
    mark = refreshed_at()
    handler_for("figures.refresh")({})
    db.session.commit()
    assert rollup() == first and refreshed_at() >= mark
    after = client.get(f"/stats?region={BEIJING}", headers=EN).get_data(as_text=True)
    assert read_page(after) == read_page(before)
    assert db.session.scalar(select(func.count()).select_from(FigureCount)) == len(first)


# --- 8: the same figures in the API ---------------------------------------------------------------


def test_the_api_gives_the_numbers_of_each_csv_and_never_a_hidden_one(app, client, seeded):
    """Catches: the API computing its own figures (numbers that differ from the page's CSV), and a count the
    page hides as "<5" given exactly in the API's `value`."""
    answer = client.get(f"/api/v1/stats?region={BEIJING}", headers=EN)
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["region"]["code"] == BEIJING and body["tables"]
    hidden_seen = False
    for table in body["tables"]:
        rows = read_csv(client.get(f"/stats/figures/{table['key']}.csv?region={BEIJING}", headers=EN))
        assert [table["columns"]] + [
            [row["label"]] + [cell["shown"] for cell in row["cells"]] for row in table["rows"]
        ] == rows
        for cell in (cell for row in table["rows"] for cell in row["cells"]):
            if cell["hidden"] or cell["shown"] == "–":
                assert cell["value"] is None
            else:
                assert float(cell["shown"]) == cell["value"]
            hidden_seen |= cell["hidden"]
    assert hidden_seen  # the seeded data holds small counts: the rule is exercised
    refused = client.get("/api/v1/stats?region=abc&period=2026-13", headers=EN)
    assert refused.status_code == 422
    assert {error["parameter"] for error in refused.get_json()["errors"]} == {"region", "period"}
