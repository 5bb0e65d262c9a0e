"""Pydantic shapes of the /api/v1 answers, for the OpenAPI document (spectree reads them)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from scrapers.listing import KINDS

Kind = Literal[KINDS]


class SearchArgs(BaseModel):
    """Parameters of GET /api/v1/search (all optional; lat+lon win over where)."""

    where: str | None = Field(None, description="Place text: a city, postcode or 'lat,lon'")
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    radius_km: float | None = Field(None, gt=0, le=500, description="Default 25")
    radius_mi: float | None = Field(None, gt=0, le=310)
    interests: str | None = Field(None, description="Comma list of free words, mapped to tags through synonyms")
    q: str | None = Field(None, description="Free text; every word must match")
    kind: str | None = Field(None, description="Comma list of " + ", ".join(KINDS))
    when: Literal["any", "today", "weekend", "week", "month"] | None = None
    from_: str | None = Field(None, alias="from", description="YYYY-MM-DD")
    to: str | None = Field(None, description="YYYY-MM-DD")
    days: str | None = Field(None, description="Comma list of mon..sun")
    time: str | None = Field(None, description="Comma list of morning, afternoon, evening")
    recurring: bool | None = None
    free: bool | None = None
    newcomer: bool | None = None
    audience: str | None = Field(None, description="Comma list of kids, teens, seniors, families, groups")
    access: str | None = Field(None, description="Comma list of wheelchair, sign_language")
    online: Literal["include", "only", "exclude"] | None = None
    sort: Literal["best", "nearest", "soonest"] | None = None
    page: int | None = Field(None, ge=1, le=1000)
    per_page: int | None = Field(None, ge=1, le=100)


class PlaceOut(BaseModel):
    name: str
    lat: float
    lon: float
    precision: str


class ResultOut(BaseModel):
    id: int
    title: str
    kind: Kind
    distance_km: float | None = Field(description="Null for online listings and searches without a place")
    next_start: str | None = Field(description="ISO 8601 with offset")
    reasons: list[str]
    url: str = Field(description="The Kindred page of the listing")
    source_url: str
    lat: float | None
    lon: float | None
    tags: list[str]
    online: bool
    licence: str | None = Field(None, description="The source's licence (several joined with '; ')")
    attribution: str | None = Field(None, description="Credit the source asks for")
    links_only: bool = Field(False, description="True when the source forbids republishing: show title and link only")


class SearchOut(BaseModel):
    total: int
    page: int
    per_page: int
    place: PlaceOut | None
    results: list[ResultOut]


class ErrorDetail(BaseModel):
    code: str
    message: str
    param: str | None
    suggestions: list[str] | None = None


class ErrorOut(BaseModel):
    error: ErrorDetail


class OccurrenceOut(BaseModel):
    start: str
    end: str | None
    status: str


class ListingOut(ResultOut):
    description: str
    status: str
    timezone: str | None
    all_day: bool
    recurrence: str | None
    recurrence_text: str
    cost: str
    free: bool | None
    venue: dict[str, str]
    organizer: dict[str, str]
    online_url: str
    occurrences: list[OccurrenceOut]
    sources: list[dict[str, str]]
    extra: dict[str, Any] = {}  # the source's fields without a column (a phone, OpenActive's level...), bounded


class TagOut(BaseModel):
    slug: str
    label: str
    facet: str
    listings: int


class TagsOut(BaseModel):
    tags: list[TagOut]
