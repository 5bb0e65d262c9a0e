"""Listings, their occurrences, tags, provenance, organisations and recorded changes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from finder.models.base import Base, utcnow


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)  # normalised name + website domain
    name: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    listings: Mapped[list[Listing]] = relationship(back_populates="organization")


class Listing(Base):
    __tablename__ = "listings"
    __table_args__ = (
        # cross-source merge candidates; the id included on PostgreSQL, whose merge read then needs no table row
        Index("ix_listings_merge", "merge_group", "start", "match_title", postgresql_include=["id"]),
        Index("ix_listings_first_seen", "first_seen"),  # new listings for alert digests
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(Text, default="")
    image_url: Mapped[str] = mapped_column(Text, default="")
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"), index=True)
    organizer_name: Mapped[str] = mapped_column(String(300), default="")
    organizer_url: Mapped[str] = mapped_column(Text, default="")
    venue_name: Mapped[str] = mapped_column(String(300), default="")
    street: Mapped[str] = mapped_column(String(300), default="")
    locality: Mapped[str] = mapped_column(String(200), default="")
    region: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(20), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    geo_precision: Mapped[str | None] = mapped_column(String(20))  # source/point/postcode/locality/region/country
    online: Mapped[bool] = mapped_column(default=False)
    online_url: Mapped[str] = mapped_column(Text, default="")
    cost: Mapped[str] = mapped_column(String(200), default="")
    free: Mapped[bool | None]
    for_kids: Mapped[bool] = mapped_column(default=False)
    for_teens: Mapped[bool] = mapped_column(default=False)
    for_seniors: Mapped[bool] = mapped_column(default=False)
    for_families: Mapped[bool] = mapped_column(default=False)
    for_groups: Mapped[bool] = mapped_column(default=False)
    wheelchair: Mapped[bool] = mapped_column(default=False)
    sign_language: Mapped[bool] = mapped_column(default=False)
    newcomer_friendly: Mapped[bool] = mapped_column(default=False)
    min_age: Mapped[int | None]
    timezone: Mapped[str | None] = mapped_column(String(64))
    all_day: Mapped[bool] = mapped_column(default=False)
    start: Mapped[datetime | None]  # first start, UTC
    end: Mapped[datetime | None]
    recurrence: Mapped[str | None] = mapped_column(Text)  # RRULE value
    recurrence_text: Mapped[str] = mapped_column(String(200), default="")
    exdates: Mapped[list] = mapped_column(default=list)  # the source's EXDATEs (ISO), kept out when series roll on
    next_start: Mapped[datetime | None]  # next scheduled occurrence, UTC (denormalised for sorting)
    status: Mapped[str] = mapped_column(String(20), default="scheduled")
    liveness: Mapped[str] = mapped_column(String(20), default="active")
    categories: Mapped[list] = mapped_column(default=list)
    extra: Mapped[dict] = mapped_column(
        default=dict
    )  # what an adapter keeps that has no column (ingest_apply.stored_extra)
    connection_score: Mapped[float] = mapped_column(Float, default=0.0)
    match_title: Mapped[str] = mapped_column(String(300), default="")  # normalised title for merging
    first_day: Mapped[str] = mapped_column(String(10), default="")  # local YYYY-MM-DD of start, for merging
    merge_group: Mapped[str] = mapped_column(String(20), default="")  # identity.merge_group(first_day, match_title)
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization | None] = relationship(back_populates="listings")
    occurrences: Mapped[list[Occurrence]] = relationship(
        back_populates="listing", cascade="all, delete-orphan", order_by="Occurrence.start"
    )
    sources: Mapped[list[ListingSource]] = relationship(back_populates="listing", cascade="all, delete-orphan")
    tags: Mapped[list[Tag]] = relationship(secondary="listing_tags", order_by="Tag.slug")
    changes: Mapped[list[ListingChange]] = relationship(
        back_populates="listing", cascade="all, delete-orphan", order_by="ListingChange.changed_at"
    )


class Occurrence(Base):
    __tablename__ = "occurrences"
    __table_args__ = (UniqueConstraint("listing_id", "start", name="uq_occurrences_listing_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"))
    start: Mapped[datetime]
    end: Mapped[datetime | None]
    all_day: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20), default="scheduled")

    listing: Mapped[Listing] = relationship(back_populates="occurrences")


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    label: Mapped[str] = mapped_column(String(100))
    facet: Mapped[str] = mapped_column(String(20))  # cause | activity


class ListingTag(Base):
    __tablename__ = "listing_tags"
    __table_args__ = (Index("ix_listing_tags_tag", "tag_id", "listing_id"),)

    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)


class ListingSource(Base):
    """Provenance: one listing seen in one source under one stable key ("also listed on")."""

    __tablename__ = "listing_sources"
    __table_args__ = (UniqueConstraint("source_id", "source_key", name="uq_listing_sources_source_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    source_key: Mapped[str] = mapped_column(String(500))
    source_url: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    missed_runs: Mapped[int] = mapped_column(default=0)
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)

    listing: Mapped[Listing] = relationship(back_populates="sources")
    source: Mapped[Source] = relationship()  # noqa: F821 (resolved by the registry)


class ListingChange(Base):
    """A change people care about (cancelled, postponed, new start, new venue), for digests and pages."""

    __tablename__ = "listing_changes"
    __table_args__ = (Index("ix_listing_changes_changed_at", "changed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(40))
    old: Mapped[str] = mapped_column(Text, default="")
    new: Mapped[str] = mapped_column(Text, default="")
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    listing: Mapped[Listing] = relationship(back_populates="changes")
