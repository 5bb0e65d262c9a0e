"""Sources (mirroring data/sources.toml), their runs, and the fetcher's saved state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from finder.models.base import Base, utcnow


class Source(Base):
    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    adapter: Mapped[str] = mapped_column(String(40))
    url: Mapped[str] = mapped_column(Text)
    every: Mapped[str] = mapped_column(String(20), default="1d")
    enabled: Mapped[bool] = mapped_column(default=True)
    kind: Mapped[str | None] = mapped_column(String(20))
    tags: Mapped[list] = mapped_column(default=list)
    timezone: Mapped[str | None] = mapped_column(String(64))
    locality: Mapped[str] = mapped_column(String(200), default="")
    region: Mapped[str] = mapped_column(String(200), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    licence: Mapped[str] = mapped_column(String(200), default="")
    attribution: Mapped[str] = mapped_column(Text, default="")
    republish: Mapped[bool] = mapped_column(default=True)
    mapping: Mapped[dict] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    runs: Mapped[list[ScrapeRun]] = relationship(back_populates="source", cascade="all, delete-orphan")


class ScrapeRun(Base):
    """One fetch → parse → ingest of one source; `status` is ok, empty, failed or partial."""

    __tablename__ = "scrape_runs"
    __table_args__ = (Index("ix_scrape_runs_source_started", "source_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="running")
    items: Mapped[int] = mapped_column(default=0)
    invalid: Mapped[int] = mapped_column(default=0)
    inserted: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    gone: Mapped[int] = mapped_column(default=0)
    http_status: Mapped[int | None]
    duration_s: Mapped[float | None]
    error: Mapped[str] = mapped_column(Text, default="")
    problems: Mapped[list] = mapped_column(default=list)

    source: Mapped[Source] = relationship(back_populates="runs")


class FetchState(Base):
    """Key/value state the fetcher keeps between runs (ETags, robots.txt, host back-off)."""

    __tablename__ = "fetch_state"

    key: Mapped[str] = mapped_column(String(500), primary_key=True)
    value: Mapped[dict] = mapped_column(default=dict)
    expires_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
