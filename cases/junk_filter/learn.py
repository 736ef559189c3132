"""Training the junk filter: scikit-learn over the starter set and staff's decisions, kept as a version.

The examples: the labelled starter set that ships with the project (starter.csv: adverts that
have nothing to do with minors or lessons, in zh, en and mixed, and real reports, many of them
about adverts around lessons), and every decision made in the junk tray: a confirm says "junk",
a release says "genuine". A decision about a text outweighs the starter set (DECISION_WEIGHT).

The model: TF-IDF over features.py (jieba words, character pairs and triples; sublinear term
frequency, l2 norm) and a logistic regression with balanced classes. It is kept as plain numbers
(models.JunkModel.weights) and scored by score.py. Training is deterministic: the examples are read
in a fixed order (starter file order, then tips by id) and the solver has no randomness, so the
same examples give the same model, and the job trains a new version only when they changed.
"""

import csv
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from cases.junk_filter.features import features
from cases.junk_filter.models import JunkModel
from tipline.extensions import db
from tipline.jobs.registry import job

STARTER = Path(__file__).with_name("starter.csv")
JUNK, GENUINE = 1, 0
LABELS = {"junk": JUNK, "genuine": GENUINE}
# A decision staff made counts this many times a starter example: the tip line's own tips teach most.
DECISION_WEIGHT = 3.0
# The inverse of the regularisation strength: how closely the model may fit its examples.
C = 10.0


@dataclass(frozen=True)
class Example:
    text: str
    label: int  # JUNK or GENUINE
    weight: float = 1.0


def starter_examples():
    """The labelled starter set, in file order."""
    with STARTER.open(encoding="utf-8", newline="") as handle:
        return [Example(row["text"], LABELS[row["label"]]) for row in csv.DictReader(handle)]


def decision_examples():
    """Every confirm (junk) and release (genuine) made in the junk tray, by tip id."""
    from tipline.reports.models import Tip

    rows = db.session.execute(
        select(Tip.description, Tip.junk_status).where(Tip.junk_status.in_(("confirmed", "released"))).order_by(Tip.id)
    )
    return [Example(text, JUNK if status == "confirmed" else GENUINE, DECISION_WEIGHT) for text, status in rows]


def digest(examples):
    """SHA-256 of the examples in order: what decides whether a new version is needed."""
    data = json.dumps([(e.text, e.label, e.weight) for e in examples], ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def estimators():
    """The scikit-learn estimators of a version, not yet fitted: the TF-IDF of features.py, and a logistic
    regression without an intercept (a text the model knows nothing of scores 0.5: evidence alone moves it)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(analyzer=features, sublinear_tf=True, norm="l2")
    classifier = LogisticRegression(
        C=C, class_weight="balanced", solver="liblinear", max_iter=1000, fit_intercept=False
    )
    return vectorizer, classifier


def train(examples):
    """The model the examples teach, as JunkModel.weights holds it. Needs both labels among them."""
    import numpy

    vectorizer, classifier = estimators()
    matrix = vectorizer.fit_transform([e.text for e in examples])
    classifier.fit(matrix, [e.label for e in examples], sample_weight=[e.weight for e in examples])
    weights = classifier.coef_[0]
    return {
        "intercept": float(numpy.ravel(classifier.intercept_)[0]),
        "features": {
            feature: [float(vectorizer.idf_[column]), float(weights[column])]
            for feature, column in sorted(vectorizer.vocabulary_.items())
        },
    }


def retrain():
    """Train a new version from the starter set and every decision, unless the newest was trained on exactly
    these examples; returns the version intake will use."""
    starter, decisions = starter_examples(), decision_examples()
    examples = starter + decisions
    fingerprint = digest(examples)
    newest = latest_model()
    if newest is not None and newest.examples_digest == fingerprint:
        return newest
    model = JunkModel(
        examples_digest=fingerprint,
        starter_examples=len(starter),
        decisions=len(decisions),
        junk_examples=sum(1 for e in examples if e.label == JUNK),
        genuine_examples=sum(1 for e in examples if e.label == GENUINE),
        weights=train(examples),
    )
    db.session.add(model)
    db.session.flush()
    return model


def latest_model():
    """The newest version, or None before the first training."""
    return db.session.scalars(select(JunkModel).order_by(JunkModel.id.desc()).limit(1)).first()


@job("junk.retrain")
def retrain_job(payload):
    """The periodic job (tipline/jobs/schedule.py): learn from the decisions made since the last version."""
    retrain()
