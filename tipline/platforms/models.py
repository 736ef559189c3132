"""The platform registry: online course platforms used by minors and their filing records."""

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tipline.extensions import db
from tipline.timeutil import utcnow


def search_key(*parts):
    """The text a platform is found by: lower-cased, spaces folded.

    Chinese substrings and Latin names both match a plain LIKE on it, on SQLite
    and PostgreSQL alike.
    """
    text = " ".join(p for p in parts if p)
    # Control characters (NUL above all) can neither be stored nor searched for.
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(text.lower().split())


def pinyin(text):
    """The Chinese of a name in toneless pinyin, run together ("星火学堂" gives "xinghuoxuetang"), or ""."""
    from pypinyin import lazy_pinyin

    if not any("\u3400" <= ch <= "\u9fff" for ch in text or ""):
        return ""
    return "".join(syllable for syllable in lazy_pinyin(text, errors="ignore") if syllable.isascii())


def platform_search_text(name, name_en, operator, addresses, filing_number):
    """What a platform is found by: its names (and the Chinese one in pinyin), operator, addresses, filing."""
    return search_key(name, pinyin(name), name_en, operator, " ".join(addresses or ()), filing_number)


def like_pattern(text):
    """A LIKE pattern for a substring, with the wildcard characters taken literally (escape "\\")."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class Platform(db.Model):
    """An online course platform (web site or app) that minors use."""

    __tablename__ = "platform"
    __table_args__ = (UniqueConstraint("name", "region_code", name="uq_platform_name_region"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    operator: Mapped[str] = mapped_column(String(200), default="")
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    # Web addresses and app-store ids, in the order the operator gave them.
    addresses: Mapped[list] = mapped_column(JSON, default=list)
    teaches_subjects: Mapped[bool] = mapped_column(Boolean, default=False)
    list_status: Mapped[str] = mapped_column(String(8), default="none")
    # Derived from the actions in force (cases.actions.service.refresh_enforcement_status), never typed.
    enforcement_status: Mapped[str] = mapped_column(String(24), default="normal", server_default="normal")
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    region = relationship("Region")
    filing = relationship("FilingRecord", uselist=False, back_populates="platform", cascade="all, delete-orphan")
    address_keys = relationship("PlatformAddress", cascade="all, delete-orphan", back_populates="platform")

    def refresh_search_text(self):
        """Recompute what the platform is found by, typed or linked; call after changing its names or addresses."""
        from tipline.platforms.links import address_keys

        keys = address_keys(self.addresses)
        if sorted(row.key for row in self.address_keys) != keys:
            self.address_keys = [PlatformAddress(key=key) for key in keys]
        self.search_text = platform_search_text(
            self.name,
            self.name_en,
            self.operator,
            self.addresses,
            self.filing.filing_number if self.filing else "",
        )

    def __repr__(self):
        return f"<Platform {self.id} {self.name}>"


class PlatformAddress(db.Model):
    """One of a platform's addresses as a link to it is matched (tipline/platforms/links.py: link_key)."""

    __tablename__ = "platform_address"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id"), index=True)
    key: Mapped[str] = mapped_column(String(300), index=True)

    platform = relationship("Platform", back_populates="address_keys")


class FilingRecord(db.Model):
    """A platform's filing (备案): whether it is filed, under which number, and what."""

    __tablename__ = "filing_record"

    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(8), default="unfiled")
    filing_number: Mapped[str] = mapped_column(String(64), default="")
    filed_features: Mapped[str] = mapped_column(Text, default="")
    last_reviewed_on: Mapped[date | None] = mapped_column(Date)

    platform = relationship("Platform", back_populates="filing")
