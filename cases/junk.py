"""Spotting likely junk at intake: empty, link-only, unrelated adverts, and floods from one client.

Two kinds of judge: the rules below (a short list of words, lengths, floods), and the junk
filter that learns from the tray's decisions (cases/junk_filter), which catches adverts
written in plain words. Nothing is dropped: a suspected tip goes to the junk tray, where a
person confirms or releases it, and that decision teaches the filter's next version.
"""

import re
from datetime import timedelta
from difflib import SequenceMatcher

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from tipline.extensions import db
from tipline.timeutil import utcnow

URL = re.compile(r"(https?://|www\.)\S+", re.IGNORECASE)
# Words of the trade of spam that has nothing to do with minors or lessons.
SPAM_WORDS = re.compile(
    r"健身|减肥|瘦身|贷款|网贷|博彩|彩票|代孕|刷单|兼职日结|加微信|壮阳|"
    r"\b(fitness|weight loss|gym membership|casino|loans?|crypto|bitcoin|viagra|dating|forex)\b",
    re.IGNORECASE,
)
# Words that tie a text to lessons, children or platforms; their presence clears SPAM_WORDS.
DOMAIN_WORDS = re.compile(
    r"课|老师|教师|学生|孩子|小孩|儿童|未成年|学习|作业|网校|平台|家长|学校|直播|弹窗|游戏|"
    r"lesson|course|class|teacher|student|child|kid|minor|school|homework|pupil",
    re.IGNORECASE,
)
FLOOD_WINDOW = timedelta(hours=1)
FLOOD_COUNT = 2  # this many near-identical tips from one client within the window before this one
SIMILAR = 0.9

REASONS = {
    "empty": _l("Says almost nothing"),
    "link_only": _l("Only a link"),
    "unrelated": _l("Looks like an advert unrelated to minors or lessons"),
    "flood": _l("One of many near-identical tips from one client"),
    "model": _l("The junk filter reads it as an advert unrelated to minors or lessons"),
}


def _meaningful(text):
    return re.sub(r"[\W_]+", "", URL.sub("", text))


def _weight(text):
    """How much a text says: a Chinese character says about as much as two Latin letters."""
    return sum(2 if "\u3400" <= ch <= "\u9fff" else 1 for ch in text)


def screen_tip(tip):
    """Judge a new tip: record what the junk filter says of it on the tip, and return every reason to set
    it aside (empty list: it looks genuine)."""
    from cases.junk_filter.score import junk_verdict

    verdict = junk_verdict(tip.description or "")
    tip.junk_score, tip.junk_model_id, tip.junk_words = verdict.score, verdict.version, list(verdict.words)
    reasons = detect_junk(tip)
    if verdict.is_junk():
        reasons.append("model")
    return reasons


def detect_junk(tip):
    """The junk rules a new tip trips, as codes (empty list: looks genuine)."""
    text = tip.description or ""
    reasons = []
    meaningful = _weight(_meaningful(text))
    if URL.search(text) and meaningful < 10:
        reasons.append("link_only")
    elif meaningful < 6:
        reasons.append("empty")
    if SPAM_WORDS.search(text) and not DOMAIN_WORDS.search(text):
        reasons.append("unrelated")
    if _is_flood(tip):
        reasons.append("flood")
    return reasons


def _is_flood(tip):
    """Whether the client sent FLOOD_COUNT near-identical tips within the window before this one.

    Bounded work whatever the client sent: at most 50 earlier texts, each first
    compared by difflib's cheap upper bounds, and the count stops once it is reached.
    """
    from tipline.reports.models import Tip

    since = utcnow() - FLOOD_WINDOW
    query = select(Tip.description).where(Tip.client_digest == tip.client_digest, Tip.created_at >= since)
    if tip.id is not None:  # a tip taken out of the tray again; a new one is not written yet
        query = query.where(Tip.id != tip.id)
    with db.session.no_autoflush:
        recent = db.session.scalars(query.order_by(Tip.id.desc()).limit(50)).all()
    matcher = SequenceMatcher(None, b=tip.description or "")  # difflib caches what it learns of b
    alike = 0
    for other in recent:
        matcher.set_seq1(other)
        if matcher.real_quick_ratio() >= SIMILAR and matcher.quick_ratio() >= SIMILAR and matcher.ratio() >= SIMILAR:
            alike += 1
            if alike >= FLOOD_COUNT:
                return True
    return False
