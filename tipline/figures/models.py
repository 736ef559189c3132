"""The rollup the public figures are read from, rebuilt from the rows by a job (tipline/figures/rollup.py)."""

from sqlalchemy import Boolean, Index, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from tipline.extensions import db


class FigureCount(db.Model):
    """One count: how many of `measure` in a Beijing month, a region and a category.

    `month` is "YYYY-MM", or "" for a count of now (platforms by enforcement status);
    `category` is "" where the measure has none; `bucket` is the whole number of days
    for the measures that are distributions (days to first response, days to action),
    and -1 otherwise. A row counts what lies in the region itself (`whole` false), or in the
    region and every region below it (`whole` true): a page reads its region's whole rows for its
    totals and its children's for the table by region, a few thousand at most, however many
    tips and leaves lie below.
    """

    __tablename__ = "figure_count"
    __table_args__ = (Index("ix_figure_count_region_whole_measure_month", "region_code", "whole", "measure", "month"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    measure: Mapped[str] = mapped_column(String(40))
    month: Mapped[str] = mapped_column(String(7))
    region_code: Mapped[str] = mapped_column(String(6))
    category: Mapped[str] = mapped_column(String(32), default="")
    bucket: Mapped[int] = mapped_column(Integer, default=-1)
    value: Mapped[int] = mapped_column(Integer)
    whole: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
