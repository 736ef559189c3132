"""The rollup the public figures are read from, rebuilt from the rows by a job (tipline/figures/rollup.py)."""

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tipline.extensions import db


class FigureCount(db.Model):
    """One count: how many of `measure` in a Beijing month, a leaf region and a category.

    `month` is "YYYY-MM", or "" for a count of now (platforms by enforcement status);
    `category` is "" where the measure has none; `bucket` is the whole number of days
    for the measures that are distributions (days to first response, days to action),
    and -1 otherwise.
    """

    __tablename__ = "figure_count"
    __table_args__ = (Index("ix_figure_count_measure_month", "measure", "month"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    measure: Mapped[str] = mapped_column(String(40))
    month: Mapped[str] = mapped_column(String(7))
    region_code: Mapped[str] = mapped_column(String(6))
    category: Mapped[str] = mapped_column(String(32), default="")
    bucket: Mapped[int] = mapped_column(Integer, default=-1)
    value: Mapped[int] = mapped_column(Integer)
