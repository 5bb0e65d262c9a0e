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
- what an adapter must remember between runs (OpenActive: each SessionSeries, which later runs'
  sessions join to) goes through `memory`, given to the adapter as `context.memo["memory"]`.
The cursor and the memory live in the fetcher's state store (`fetch_state`), written with the run.
"""

from __future__ import annotations

from scrapers.listing import Listing

CURSOR_PREFIX = "cursor:"
MEMORY_PREFIX = "memory:"
MEMORY_TTL_S = 400 * 24 * 3600  # a series not updated for over a year is forgotten


class FeedMemory:
    """Nodes an adapter keeps between runs of one source, by key, in the fetcher's state store; it also
    reads (never writes) the memory of the sibling sources named in `shared` (OpenActive: the source of
    the SessionSeries feed that a ScheduledSession feed's sessions point at)."""

    def __init__(self, store, prefix: str, shared: tuple[str, ...] = ()):
        self.store, self.prefix, self.shared = store, prefix, shared

    def get(self, key: str) -> dict | None:
        for prefix in (self.prefix, *self.shared):
            value = self.store.get(prefix + key) if self.store is not None else None
            if value:
                return value.get("node")
        return None

    def put(self, key: str, node: dict) -> None:
        if self.store is not None:
            self.store.put(self.prefix + key, {"node": node}, MEMORY_TTL_S)


class IncrementalFeed:
    def __init__(self, source, fetcher):
        self.store = getattr(fetcher, "store", None)
        self.key = f"{CURSOR_PREFIX}{source.slug}:{source.url}"
        saved = (self.store.get(self.key) if self.store is not None else None) or {}
        self.first_url = saved.get("url") or source.url
        self.resumed = bool(saved.get("url"))
        siblings = (source.mapping or {}).get("series_sources") or []
        self.memory = FeedMemory(self.store, f"{MEMORY_PREFIX}{source.slug}:",
                                 tuple(f"{MEMORY_PREFIX}{slug}:" for slug in siblings if isinstance(slug, str)))
        self.last_url: str | None = None  # the last page read in full
        self.resume_at: str | None = None  # set when the run stopped early at a page cap
        self._items: dict[str, Listing] = {}
        self._removed: dict[str, None] = {}

    def start_url(self) -> str:
        return self.first_url

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

    def save(self) -> None:
        """Remember where the next run starts (the cap's next page, else the last page read)."""
        url = self.resume_at or self.last_url
        if self.store is not None and url:
            self.store.put(self.key, {"url": url}, None)
