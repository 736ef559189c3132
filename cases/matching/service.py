"""Matching a tip against the others, in the background, and what a case page shows of it.

A tip is matched when its `matched_at` is empty: new tips, and tips whose evidence was just
hashed, that were added to, released from the junk tray, or moved by a merge or a split (the
operations empty it). The job `tips.match`, every MATCH_SWEEP_MINUTES, matches those tips
(MATCH_BATCH at a time, oldest first; after a full batch it records itself again, so a burst
is worked through at once). Matching a tip replaces what was found for it before, so running
it twice does no harm. Intake never waits for it: it records nothing at all.

What is found, each through an index:
- FILE: a file with the same SHA-256 (the very same bytes);
- EVIDENCE: a photo within hashes.MATCH_DISTANCE bits (tipline/evidence/hashes.py: banded
  perceptual hashes): the same picture re-encoded, resized or cropped a little;
- LINK: another tip linking the same page or app (Tip.link_key);
- SITE: another tip about the same unregistered site (Tip.site), in another case;
- TEXT: a tip of another open case on the same platform, site or typed name whose text reads
  alike: TF-IDF over `text_features` (jieba's words, and each Chinese character and pair of
  characters, so that Chinese, English and both compare), cosine at least TEXT_ALIKE.
"""

# Imported here, not on first use: a worker imports the job modules before it forks a work horse per job.
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity
from sqlalchemy import delete, or_, select

from cases import states
from cases.junk_filter.features import HAN_RUN, words
from cases.matching.models import EVIDENCE, FILE, LINK, SITE, TEXT, TipMatch
from cases.models import Case
from tipline.evidence import hashes
from tipline.evidence.models import Evidence, ImageHash
from tipline.extensions import db
from tipline.jobs.outbox import record_job
from tipline.jobs.registry import job
from tipline.reports.models import Tip
from tipline.timeutil import utcnow

MATCH_BATCH = 100
TEXT_ALIKE = 0.45
# The most of each kind looked at for one tip: the newest first.
MOST_TIPS = 50
MOST_CASES = 30
TIPS_PER_CASE = 20


def evidence_matches(tip):
    """(kind, other tip, distance, evidence, other evidence) for the tip's files found in other tips' evidence:
    FILE for the same bytes, else EVIDENCE for the same picture."""
    files = db.session.scalars(select(Evidence).where(Evidence.tip_id == tip.id)).all()
    if not files:
        return []
    found = {}  # (evidence id, other evidence id) -> (kind, other tip id, distance)
    digests = {f.sha256: f.id for f in files if f.sha256}
    if digests:
        for other_id, other_tip, digest in db.session.execute(
            select(Evidence.id, Evidence.tip_id, Evidence.sha256)
            .where(Evidence.sha256.in_(digests), Evidence.tip_id.is_not(None), Evidence.tip_id != tip.id)
            .order_by(Evidence.id.desc())
            .limit(MOST_TIPS)
        ):
            found[(digests[digest], other_id)] = (FILE, other_tip, 0)
    own = db.session.execute(
        select(ImageHash.evidence_id, ImageHash.value).where(ImageHash.evidence_id.in_([f.id for f in files]))
    ).all()
    if own:
        band_values = [set() for _ in range(hashes.BANDS)]
        for _evidence_id, value in own:
            for n, band in enumerate(hashes.bands(value)):
                band_values[n].add(band)
        columns = (ImageHash.band0, ImageHash.band1, ImageHash.band2, ImageHash.band3)
        candidates = db.session.execute(
            select(ImageHash.evidence_id, ImageHash.value, Evidence.tip_id)
            .join(Evidence, Evidence.id == ImageHash.evidence_id)
            .where(
                or_(*(column.in_(values) for column, values in zip(columns, band_values, strict=True))),
                Evidence.tip_id.is_not(None),
                Evidence.tip_id != tip.id,
            )
        ).all()
        for evidence_id, value in own:
            for other_id, other_value, other_tip in candidates:
                apart = hashes.distance(value, other_value)
                key = (evidence_id, other_id)
                if apart <= hashes.MATCH_DISTANCE and apart < found.get(key, (None, None, 65))[2]:
                    found[key] = (found.get(key, (EVIDENCE,))[0], other_tip, apart)
    return [
        (kind, other, apart, evidence_id, other_id) for (evidence_id, other_id), (kind, other, apart) in found.items()
    ]


def link_matches(tip):
    """(other tip, kind) for tips linking the same page (LINK), or the same unregistered site in another case (SITE)."""
    found = []
    if tip.link_key:
        others = db.session.scalars(
            select(Tip.id)
            .where(Tip.link_key == tip.link_key, Tip.id != tip.id, Tip.case_id.is_not(None))
            .order_by(Tip.id.desc())
            .limit(MOST_TIPS)
        ).all()
        found += [(other, LINK) for other in others]
    if tip.site and tip.platform_id is None:
        same_page = {other for other, _kind in found}
        others = db.session.scalars(
            select(Tip.id)
            .where(
                Tip.site == tip.site,
                Tip.id != tip.id,
                Tip.case_id.is_not(None),
                Tip.case_id != tip.case_id,
                Tip.platform_id.is_(None),
            )
            .order_by(Tip.id.desc())
            .limit(MOST_TIPS)
        ).all()
        found += [(other, SITE) for other in others if other not in same_page]
    return found


def _same_platform(case):
    """Open cases, other than `case`, on its platform (or site, or typed name for an unregistered one)."""
    if case.platform_id:
        where = Case.platform_id == case.platform_id
    elif case.site:
        where = Case.site == case.site
    else:
        where = (Case.platform_id.is_(None)) & (Case.platform_name == case.platform_name)
    return db.session.scalars(
        select(Case.id)
        .where(where, Case.id != case.id, Case.state.in_(states.OPEN_STATES))
        .order_by(Case.id.desc())
        .limit(MOST_CASES)
    ).all()


def text_features(text):
    """What two reports are compared by: their words, and their Chinese characters one and two at a time."""
    text = (text or "").lower()
    found = words(text)
    for run in HAN_RUN.findall(text):
        found += list(run) + [run[i : i + 2] for i in range(len(run) - 1)]
    return found


def text_matches(tip):
    """(other tip, similarity) for tips of other open cases on the same platform whose text reads like this one's."""
    if tip.case is None:
        return []
    cases = _same_platform(tip.case)
    others = []
    for case_id in cases:
        others += db.session.execute(
            select(Tip.id, Tip.description).where(Tip.case_id == case_id).order_by(Tip.id.desc()).limit(TIPS_PER_CASE)
        ).all()
    if not others:
        return []
    texts = [tip.description or ""] + [text or "" for _id, text in others]
    try:
        matrix = TfidfVectorizer(analyzer=text_features, sublinear_tf=True).fit_transform(texts)
    except ValueError:  # no features in any text (empty, or only punctuation)
        return []
    alike = cosine_similarity(matrix[0], matrix[1:])[0]
    return [(other_id, round(float(score), 2)) for (other_id, _text), score in zip(others, alike, strict=True)
            if score >= TEXT_ALIKE]  # fmt: skip


def match_tip(tip):
    """Find what the tip matches, replacing what was found for it before; returns the rows written."""
    db.session.execute(delete(TipMatch).where(TipMatch.tip_id == tip.id))
    rows = []
    if tip.case_id is not None:  # a tip in the junk tray is matched once it is released
        for kind, other, apart, evidence_id, other_evidence_id in evidence_matches(tip):
            rows.append(
                TipMatch(
                    tip_id=tip.id, other_tip_id=other, kind=kind, distance=apart,
                    evidence_id=evidence_id, other_evidence_id=other_evidence_id,
                )
            )  # fmt: skip
        rows += [TipMatch(tip_id=tip.id, other_tip_id=other, kind=kind) for other, kind in link_matches(tip)]
        rows += [
            TipMatch(tip_id=tip.id, other_tip_id=other, kind=TEXT, distance=score) for other, score in text_matches(tip)
        ]
    db.session.add_all(rows)
    tip.matched_at = utcnow()
    return rows


@job("tips.match")
def match_waiting_tips(payload):
    """The periodic job (tipline/jobs/schedule.py): match the tips waiting for it, oldest first, a batch at a time;
    a full batch records the job again, so that a burst of tips is worked through without waiting for the next
    period."""
    waiting = db.session.scalars(select(Tip).where(Tip.matched_at.is_(None)).order_by(Tip.id).limit(MATCH_BATCH)).all()
    for tip in waiting:
        match_tip(tip)
    if len(waiting) == MATCH_BATCH:
        record_job("tips.match")
