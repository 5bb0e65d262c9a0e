"""Runs of incremental feeds (OpenActive RPDE): where to start, what the pages add up to, where to resume.

An incremental feed pages through changes in order: an item updated again later in the feed
appears again further on (a moved session), a deleted item appears as a tombstone. So:
- a run starts at the cursor the last run saved (the last page it read, which RPDE says to poll),
  or at the source's URL the first time (or after the URL changed in the catalogue);
- the pages fold into one batch in feed order: a later copy of an id replaces the earlier one, a
  deletion drops it and lists its key in `removed` (the importer hides those listings); an id
  updated after its deletion is live again;
- the batch is never "complete": a listing not in this run's pages is unchanged, not missing;
- the cursor is saved only once the batch is stored (a failed run reads the same pages again);
- what an adapter keeps between runs (OpenActive: each SessionSeries, which later runs' sessions
  join to) is plain data in `context.memo["kept"]`: loaded before the run (with, read-only, what the
  sibling sources named in `mapping.series_sources` kept) and saved after it. Plain data, so that
  it travels to and from a parse worker process with the rest of the context.
The cursor and the kept data live in the fetcher's state store (`fetch_state`), written with the run.
"""

from __future__ import annotations

from scrapers.listing import Listing

CURSOR_PREFIX = "cursor:"
MEMORY_PREFIX = "memory:"
MEMORY_TTL_S = 400 * 24 * 3600  # a source not run for over a year forgets what it kept


class IncrementalFeed:
    def __init__(self, source, fetcher):
        self.store = getattr(fetcher, "store", None)
        self.key = f"{CURSOR_PREFIX}{source.slug}:{source.url}"
        saved = (self.store.get(self.key) if self.store is not None else None) or {}
        self.first_url = saved.get("url") or source.url
        self.resumed = bool(saved.get("url"))
        self.memory_key = f"{MEMORY_PREFIX}{source.slug}"
        siblings = [slug for slug in (source.mapping or {}).get("series_sources") or [] if isinstance(slug, str)]
        self.shared = [self._load(f"{MEMORY_PREFIX}{slug}") for slug in siblings]
        self.last_url: str | None = None  # the last page read in full
        self.resume_at: str | None = None  # set when the run stopped early at a page cap
        self._items: dict[str, Listing] = {}
        self._removed: dict[str, None] = {}

    def start_url(self) -> str:
        return self.first_url

    def _load(self, key: str) -> dict:
        return ((self.store.get(key) if self.store is not None else None) or {}).get("kept") or {}

    def kept(self) -> dict:
        """What the adapter kept in earlier runs, with the siblings' entries under its own (read-only)."""
        merged: dict = {}
        for kept in [*self.shared, self._load(self.memory_key)]:
            for name, entries in kept.items():
                if isinstance(entries, dict):
                    merged.setdefault(name, {}).update(entries)
        return merged

    def page(self, url: str, listings: list[Listing], removed: list[str]) -> None:
        """Fold one page, in feed order, into the batch."""
        for index, listing in enumerate(listings):
            key = listing.source_key or f"{url}#{index}"
            self._removed.pop(key, None)
            self._items.pop(key, None)  # re-inserted: the batch keeps feed order
            self._items[key] = listing
        for key in removed:
            self._items.pop(key, None)
            self._removed[key] = None
        self.last_url = url

    def listings(self) -> list[Listing]:
        return list(self._items.values())

    @property
    def removed(self) -> list[str]:
        return list(self._removed)

    def save(self, kept: dict | None = None) -> None:
        """Remember where the next run starts (the cap's next page, else the last page read) and what the
        adapter kept (`context.memo["kept"]`, siblings' entries left out)."""
        url = self.resume_at or self.last_url
        if self.store is not None and url:
            self.store.put(self.key, {"url": url}, None)
        if self.store is not None and kept:
            foreign = [(name, key) for shared in self.shared for name, entries in shared.items() for key in entries]
            own = {name: dict(entries) for name, entries in kept.items() if isinstance(entries, dict)}
            for name, key in foreign:
                own.get(name, {}).pop(key, None)
            self.store.put(self.memory_key, {"kept": own}, MEMORY_TTL_S)
