"""The online geocoder's persistent cache and its one rate limit shared by every process."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from finder.models.base import Base, utcnow


class GeocodeCache(Base):
    """One online answer (or a miss, `found` false) per provider, country hint and folded query."""

    __tablename__ = "geocode_cache"
    __table_args__ = (Index("ix_geocode_cache_expires_at", "expires_at"),)

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    provider: Mapped[str] = mapped_column(String(40))
    query: Mapped[str] = mapped_column(Text)
    found: Mapped[bool] = mapped_column(default=False)
    name: Mapped[str] = mapped_column(Text, default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    precision: Mapped[str] = mapped_column(String(20), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class GeocodeRate(Base):
    """The next moment (Unix seconds) a request to `provider` may start; reserved by compare-and-swap."""

    __tablename__ = "geocode_rate"

    provider: Mapped[str] = mapped_column(String(40), primary_key=True)
    next_at: Mapped[float] = mapped_column(Float, default=0.0)
