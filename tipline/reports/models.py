"""Tips and their public history: what a reporter sent, never edited, only added to."""

from datetime import datetime

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tipline.extensions import db
from tipline.reports.search import search_index_expression, search_terms
from tipline.timeutil import utcnow


def _search_terms_of_description(context):
    return search_terms(context.get_current_parameters().get("description"))


class Tip(db.Model):
    """One report from one reporter."""

    __tablename__ = "tip"
    # "Has this client reported the case before?" is one index probe (cases/priority.py).
    __table_args__ = (
        Index("ix_tip_case_id_client_digest", "case_id", "client_digest"),
        # Tip-text search on PostgreSQL (tipline/reports/search.py); SQLite searches without it.
        Index("ix_tip_search_terms", search_index_expression("search_terms"), postgresql_using="gin").ddl_if(
            dialect="postgresql"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # HMAC of the receipt code; the code itself is never stored.
    receipt_digest: Mapped[str] = mapped_column(String(64), unique=True)
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platform.id"), index=True)
    # The platform as the reporter named it (kept even when matched to the registry).
    platform_name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(32), index=True)
    location: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    # What tip-text search finds the tip by (tipline/reports/search.py), written with the tip.
    search_terms: Mapped[str] = mapped_column(Text, default=_search_terms_of_description, server_default="")
    url: Mapped[str] = mapped_column(String(2000), default="")
    # The tip's link (its URL, or the first address in its text) as links match (tipline/platforms/links.py),
    # and that link's site: what tips about the same page, app or unregistered site share.
    link_key: Mapped[str | None] = mapped_column(String(300), index=True)
    site: Mapped[str | None] = mapped_column(String(300), index=True)
    # When the tip was last matched against the others (cases/matching); empty: the next sweep matches it.
    matched_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    seen_at: Mapped[datetime | None] = mapped_column(DateTime)
    reporter_type: Mapped[str] = mapped_column(String(32))
    # Fernet ciphertext of {name, email, phone}; None for an anonymous tip.
    contact_encrypted: Mapped[str | None] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(16))
    # Keyed hash of the client address, for spotting floods without keeping addresses.
    client_digest: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    # The case the tip was found together with; None while it waits in the junk tray.
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id"), index=True)
    # The organisation that filed the tip, and the member who did (None for the public).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    org_member_id: Mapped[int | None] = mapped_column(ForeignKey("org_member.id"))
    # "", "suspected" (in the junk tray), "confirmed" (kept aside) or "released" (a real tip after all).
    junk_status: Mapped[str] = mapped_column(String(12), default="", index=True)
    junk_reasons: Mapped[list] = mapped_column(JSON, default=list)
    # What the junk filter said at intake: the probability of junk, the version that said it (None:
    # the starter set's, before any version was saved) and the words that weighed most towards junk.
    junk_score: Mapped[float | None] = mapped_column(Float)
    junk_model_id: Mapped[int | None] = mapped_column(ForeignKey("junk_model.id"))
    junk_words: Mapped[list | None] = mapped_column(JSON, default=list)
    # When staff confirmed or released it in the junk tray (the filter's precision and recall are counted on these).
    junk_decided_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    # The first time staff answered the reporter (a change of public status or a message), and
    # the first time an action was approved in the tip's case after it arrived: what the public
    # figures measure the days to (tipline/figures/rollup.py).
    first_response_at: Mapped[datetime | None] = mapped_column(DateTime)
    acted_at: Mapped[datetime | None] = mapped_column(DateTime)

    platform = relationship("Platform")
    case = relationship("Case", back_populates="tips")
    events = relationship("TipEvent", back_populates="tip", order_by="TipEvent.id")
    evidence = relationship("Evidence", back_populates="tip", order_by="Evidence.id")

    @property
    def is_anonymous(self):
        """True when the reporter left no way to reach them."""
        return self.contact_encrypted is None


class TipEvent(db.Model):
    """One entry in a tip's public history: submission, additions, status changes, messages."""

    __tablename__ = "tip_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tip.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # An addition an organisation following the tip made (its member signed in), not the reporter.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))

    tip = relationship("Tip", back_populates="events")
    organisation = relationship("Organisation")
    evidence = relationship("Evidence", back_populates="event")
