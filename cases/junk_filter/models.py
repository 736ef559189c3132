"""The junk filter's versions: each training is kept, with what it learnt from and how it did."""

from datetime import datetime

from sqlalchemy import JSON, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tipline.extensions import db
from tipline.timeutil import utcnow


class JunkModel(db.Model):
    """One trained version of the junk filter; the newest is the one intake uses.

    `weights` is the whole model as data ({"intercept": z, "features": {feature: [idf, weight]}}),
    read by cases/junk_filter/score.py: no pickled code is ever loaded from the database.
    """

    __tablename__ = "junk_model"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # the version
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # SHA-256 of the labelled examples in order: the same examples train the same model.
    examples_digest: Mapped[str] = mapped_column(String(64))
    starter_examples: Mapped[int] = mapped_column(Integer)
    decisions: Mapped[int] = mapped_column(Integer)  # staff's confirms and releases learnt from
    junk_examples: Mapped[int] = mapped_column(Integer)
    genuine_examples: Mapped[int] = mapped_column(Integer)
    weights: Mapped[dict] = mapped_column(JSON)
