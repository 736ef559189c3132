"""Regions: the administrative tree (GB/T 2260 codes) that every platform, case and staff member belongs to."""

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tipline.extensions import db
from tipline.i18n import localized


class Region(db.Model):
    """One node of the region tree: nation, province, or city/district."""

    __tablename__ = "region"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(64))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)

    parent = relationship("Region", remote_side=[code], back_populates="children")
    children = relationship("Region", back_populates="parent", order_by="Region.code")

    @property
    def name(self):
        """The name in the language of the current page."""
        return localized(self.name_zh, self.name_en)

    def path(self):
        """This region and its ancestors, nation first."""
        chain, node = [], self
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    def __repr__(self):
        return f"<Region {self.code} {self.name_en}>"
