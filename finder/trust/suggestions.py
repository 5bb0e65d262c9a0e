"""Suggest a source: fetch the URL through the guarded fetcher, detect its format, preview the first
listings, queue a `SourceSuggestion`; an approved one becomes a catalogue entry in the overlay file.
No Flask here."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from finder.catalog import SLUG, sync_one, write_entry
from finder.config import Config
from finder.identity import domain
from finder.models import Source, SourceSuggestion, utcnow
from scrapers.base import Context, ParseError
from scrapers.budget import Budget, parse_within
from scrapers.fetch.fetcher import Fetcher, FetchError, FetchSettings

PREVIEW_ITEMS = 5
PREVIEW_PROBLEMS = 5
MAX_URL = 2000


class SuggestError(ValueError):
    """The URL cannot become a source; the message says why, for the person who pasted it."""


@dataclass
class Preview:
    url: str
    adapter: str
    items: int
    listings: list[dict] = field(default_factory=list)  # [{"title", "start", "url"}]
    problems: list[str] = field(default_factory=list)  # what the parse could not read, as the adapter said it


def preview(url: str, config: Config, *, now: datetime | None = None, fetcher: Fetcher | None = None) -> Preview:
    """Fetch `url` once (SSRF guard, robots, size caps), detect its format and parse it in a worker under
    the parse budget (SUGGEST_PARSE_TIMEOUT_S, PARSE_MAX_MEMORY_MB): a hostile file costs this request only."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if len(url) > MAX_URL or parts.scheme not in ("http", "https") or not parts.hostname:
        raise SuggestError("Please paste a full web address starting with http:// or https://.")
    fetcher = fetcher or Fetcher(FetchSettings.from_config(config))
    try:
        result = fetcher.fetch(url, conditional=False)
    except FetchError as error:
        raise SuggestError(f"We could not fetch that address: {error}") from None
    now = now or utcnow()
    context = Context(
        url=url,
        window_start=now,
        window_end=now + timedelta(days=config.EXPANSION_DAYS),
        max_bytes=config.FETCH_MAX_BYTES,
    )
    budget = Budget(timeout_s=config.SUGGEST_PARSE_TIMEOUT_S, max_memory_mb=config.PARSE_MAX_MEMORY_MB)
    try:
        parsed = parse_within(budget, None, result.body, result.url or url, context)
    except ParseError as error:
        raise SuggestError(f"We could not read listings there: {error}") from None
    valid = [item for item in parsed.listings if not item.problems()]
    if not valid:
        raise SuggestError("We read that page but found no listings in it.")
    return Preview(
        url=url,
        adapter=parsed.adapter,
        items=len(valid),
        listings=[_summary(item) for item in valid[:PREVIEW_ITEMS]],
        problems=parsed.problems[:PREVIEW_PROBLEMS],
    )


def queue(session: Session, found: Preview, note: str, now: datetime | None = None) -> SourceSuggestion:
    """Record the suggestion for an administrator (the same URL pending twice is kept once)."""
    existing = session.scalar(
        select(SourceSuggestion).where(SourceSuggestion.url == found.url, SourceSuggestion.status == "pending")
    )
    row = existing or SourceSuggestion(url=found.url, status="pending", created_at=now or utcnow())
    row.adapter, row.items, row.preview = found.adapter, found.items, found.listings
    row.note = (note or "").strip()[:2000]
    session.add(row)
    session.flush()
    return row


def approve(
    session: Session, suggestion: SourceSuggestion, config: Config, actor: str, now: datetime | None = None
) -> Source:
    """Write the suggestion into the overlay catalogue and the `Source` table; the caller commits."""
    if suggestion.status != "pending":
        raise SuggestError(f"suggestion {suggestion.id} is already {suggestion.status}")
    slug = free_slug(session, suggestion.url)
    catalog = config.path(config.SOURCES_FILE)
    write_entry(
        catalog,
        {
            "slug": slug,
            "adapter": suggestion.adapter,
            "url": suggestion.url,
            "every": "1d",
            "enabled": True,
            "name": domain(suggestion.url) or slug,
            "licence": "",
            "attribution": "",
            "republish": False,
        },
    )
    source = sync_one(session, catalog, slug)
    suggestion.status, suggestion.slug = "approved", slug
    suggestion.decided_at, suggestion.decided_by = now or utcnow(), actor[:100]
    return source


def free_slug(session: Session, url: str) -> str:
    """'suggested-<domain>' made unique among the sources."""
    base = re.sub(r"[^a-z0-9]+", "-", (domain(url) or "source").lower()).strip("-")[:60] or "source"
    base = f"suggested-{base}"
    taken = set(session.scalars(select(Source.slug).where(Source.slug.startswith(base))))
    slug, number = base, 2
    while slug in taken or not SLUG.match(slug):
        slug, number = f"{base}-{number}", number + 1
    return slug


def _summary(item) -> dict:
    start = item.start.isoformat() if item.start is not None else None
    return {"title": item.title[:300], "start": start, "url": item.url[:2000]}
