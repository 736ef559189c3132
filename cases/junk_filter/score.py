"""Scoring a tip with the junk filter: the newest version, loaded once per process, in well under a millisecond.

A version's numbers (models.JunkModel.weights) are what scikit-learn learnt; scoring repeats
its TfidfVectorizer (sublinear tf, idf, l2 norm) and LogisticRegression by hand, over the same
features, so that the few words that weighed most can be shown in the junk tray. A test holds
the two to the same probabilities.
"""

import math
import time
from collections import Counter
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from cases.junk_filter.features import features, is_word, readable, shown
from cases.junk_filter.models import JunkModel
from tipline.extensions import db

# How many of the words that weighed most towards junk the tray shows.
TOP_WORDS = 5
# The fewest features of a text the version must know to set it aside.
MIN_KNOWN = 3


@dataclass(frozen=True)
class Verdict:
    """What the filter says of one text."""

    score: float  # the probability that it is junk, 0 to 1
    version: int | None  # the version that said it; None for the starter set's, before any was saved
    words: tuple  # what weighed most towards junk, as staff read it
    known: int = 0  # how many of the text's features the version knows

    def is_junk(self):
        """Whether the tip waits in the junk tray for it: a score at the threshold or above, from enough of
        the text that the version knows (of a text it knows nothing of, it has no opinion)."""
        return self.known >= MIN_KNOWN and self.score >= current_app.config["JUNK_MODEL_THRESHOLD"]


class Scorer:
    """One version of the filter, ready to score."""

    def __init__(self, weights, version):
        self.version = version
        self.intercept = weights["intercept"]
        self.features = weights["features"]  # feature -> [idf, weight]

    def verdict(self, text):
        counts = Counter(f for f in features(text) if f in self.features)
        values = {f: (1.0 + math.log(n)) * self.features[f][0] for f, n in counts.items()}
        norm = math.sqrt(sum(v * v for v in values.values())) or 1.0
        pushes = {f: v / norm * self.features[f][1] for f, v in values.items()}
        z = self.intercept + sum(pushes.values())
        score = 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))
        # Words first, then runs of characters: "loan" says more to a reader than "loa".
        toward_junk = sorted(((is_word(f), p, f) for f, p in pushes.items() if p > 0), reverse=True)
        words = []
        for _word, _push, feature in toward_junk:
            word = shown(feature)
            if readable(feature) and word not in words and not any(word in other for other in words):
                words.append(word)
            if len(words) == TOP_WORDS:
                break
        return Verdict(round(score, 4), self.version, tuple(words), len(counts))


_starter = []  # the starter set's scorer, trained once per process when no version is saved yet


def _starter_scorer():
    if not _starter:
        from cases.junk_filter.learn import starter_examples, train

        _starter.append(Scorer(train(starter_examples()), None))
    return _starter[0]


def current_scorer():
    """The newest version's scorer; the database is asked for a newer one at most every
    JUNK_MODEL_CHECK_SECONDS (a worker may have trained one)."""
    cache = current_app.extensions.setdefault("junk_scorer", {"scorer": None, "checked": -math.inf})
    now = time.monotonic()
    if cache["scorer"] is not None and now - cache["checked"] < current_app.config["JUNK_MODEL_CHECK_SECONDS"]:
        return cache["scorer"]
    version = db.session.scalar(select(JunkModel.id).order_by(JunkModel.id.desc()).limit(1))
    scorer = cache["scorer"]
    if scorer is None or scorer.version != version:
        scorer = _starter_scorer() if version is None else Scorer(db.session.get(JunkModel, version).weights, version)
    cache.update(scorer=scorer, checked=now)
    return scorer


def junk_verdict(text):
    """What the newest version says of a text."""
    return current_scorer().verdict(text)
