"""OpenActive RPDE feeds (https://openactive.io/realtime-paged-data-exchange/) -> listings.

A page is `{"items": [...], "next": URL, "license": ...}`; each item has `state` (`updated` or
`deleted`), `kind`, `id`, `modified` and, when updated, `data` (the opportunity). The last page has
no items, or a `next` equal to its own URL (`next_url` is then None). Legacy RPDE 0.2 pages
(`kind: "session"`, Event with `subEvent`s, `offer`, bare activity names) read the same way.
A file holding one item (`{"data": ...}`) or one opportunity node reads too.

Read: SessionSeries (a listing when it has an eventSchedule, read as a recurrence; without one it
only lends its fields to its sessions), ScheduledSession (joined to its
SessionSeries through `superEvent`: embedded, or by URL when the series came earlier in the same
run or, in scheduled runs, in an earlier run or a sibling source's feed named in the catalogue
(`mapping.series_sources = ["<slug of the SessionSeries source>"]`, run first): every series read
is kept in `context.memo["kept"]["series"]`, which incremental runs save and load; a session whose series
comes later in the run waits for it), CourseInstance, Event. A kept series is its node as compact JSON text,
decoded when a session joins to it: the memo crosses into and out of the parse worker with every page, and
thousands of series as nested dicts cost ~0.3 s a page to pickle and unpickle there, as text a few ms.
FacilityUse/Slot items are facility bookings, not community listings: skipped with a problem line.
Deleted items are listed by `removals` (their RPDE ids, the listings' `source_key`). A listing's
`source_key` is its RPDE item id, else its `@id`.

The activity list, a data catalogue or a dataset site is no feed of sessions: ParseError saying so.
"""

from __future__ import annotations

import json

from scrapers import register
from scrapers.base import Adapter, Context, ParseError, follow_link, json_document
from scrapers.listing import Listing
from scrapers.openactive_fields import FACILITY_TYPES, SESSION_TYPES, build_listing, node_id, node_type
from scrapers.text import load_json

MAX_KEPT_SERIES = 20_000  # series kept for joins between runs (past it, the earliest kept go first)
NOT_FEEDS = {
    "ConceptScheme": "an OpenActive activity list (SKOS concepts), not a feed of sessions",
    "DataCatalog": "an OpenActive data catalogue (it lists dataset sites, not sessions)",
    "Dataset": "an OpenActive dataset description (its DataDownload feeds hold the sessions)",
}


def page_items(data) -> list[dict]:
    """The RPDE items of a page, a single item, or a bare opportunity (wrapped as an item)."""
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        return [item for item in data["items"] if isinstance(item, dict)]
    if isinstance(data, dict) and ("data" in data or data.get("state") in ("updated", "deleted")):
        return [data]
    if isinstance(data, dict) and node_type(data) in SESSION_TYPES | FACILITY_TYPES:
        return [{"state": "updated", "data": data}]
    if isinstance(data, list) and all(isinstance(item, dict) and ("state" in item or "data" in item) for item in data):
        return data
    reason = NOT_FEEDS.get(node_type(data)) if isinstance(data, dict) else None
    raise ParseError(reason or "not an OpenActive RPDE page (no `items` list, no item `data`)")


def item_key(item: dict) -> str:
    """The RPDE id of an item (ids may be numbers), else its opportunity's @id."""
    raw = item.get("id")
    if raw not in (None, ""):
        return str(raw).strip()
    return node_id(item.get("data"))


@register("openactive")
class OpenActiveAdapter(Adapter):
    incremental = True  # runs resume from the last page and apply `removals`; unseen listings are not missing

    def __init__(self):
        self._series: dict[str, dict] = {}  # kept series decoded during this parse, by @id
        self._page: tuple[bytes, object] | None = None  # the last body read and its JSON (parse, then the rest)

    def _document(self, body: bytes):
        """The JSON of `body`, read once for `parse`, `removals` and `next_url` of the same page."""
        if self._page is None or self._page[0] is not body:
            self._page = (body, json_document(body, "an OpenActive RPDE page"))
        return self._page[1]

    def _kept_series(self, memo: dict, series_id: str) -> dict | None:
        """The kept series `series_id` (JSON text, or a dict as earlier versions kept it), decoded once a parse."""
        found = self._series.get(series_id)
        if found is None:
            found = memo["series"].get(series_id)
            if isinstance(found, str):
                try:
                    found = json.loads(found)
                except (ValueError, RecursionError):  # not written by this adapter: as if never read
                    found = None
            if isinstance(found, dict):
                self._series[series_id] = found
        return found if isinstance(found, dict) else None

    def parse(self, body: bytes, url: str = "", context: Context | None = None) -> list[Listing]:
        context = context or Context(url=url)
        self._series = {}  # decoded from this context's memo only
        items = page_items(self._document(body))
        memo = context.memo.setdefault("openactive", {"waiting": {}, "items": 0})
        memo["series"] = context.memo.setdefault("kept", {}).setdefault("series", {})  # kept between runs
        if not items and not memo["items"]:  # said once, when a whole read found nothing
            context.problems.append("an empty RPDE page (the end of the feed: nothing new)")
        memo["items"] += len(items)
        built: list[Listing] = []
        for index, item in enumerate(items):
            if item.get("state") == "deleted":
                continue
            data, key = item.get("data"), item_key(item)
            kind = node_type(data) or str(item.get("kind") or "")
            label = f"item {key or index}"
            if not isinstance(data, dict):
                context.problems.append(f"{label}: state {item.get('state')!r} without data; skipped")
            elif kind in FACILITY_TYPES or str(item.get("kind") or "") in FACILITY_TYPES:
                context.problems.append(f"{label}: {kind} is a facility booking, not a community listing; skipped")
            elif kind not in SESSION_TYPES:
                context.problems.append(f"{label}: type {kind or '?'} is not read; skipped")
            else:
                built.extend(self._opportunity(data, kind, key, label, memo, context))
        return built

    def _opportunity(self, data: dict, kind: str, key: str, label: str, memo: dict, context: Context) -> list[Listing]:
        if kind == "SessionSeries" and node_id(data):
            memo["series"].pop(node_id(data), None)  # re-inserted: the most recently read stay longest
            memo["series"][node_id(data)] = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
            self._series[node_id(data)] = data
            while len(memo["series"]) > MAX_KEPT_SERIES:
                memo["series"].pop(next(iter(memo["series"])))
        series = data.get("superEvent") if kind == "ScheduledSession" else None
        if isinstance(series, str):
            found = self._kept_series(memo, series.strip())
            if found is None and not data.get("name"):
                memo["waiting"].setdefault(series.strip(), []).append((data, key, label))
                context.problems.append(f"{label}: superEvent {series.strip()} not read yet in this run")
                return []
            series = found
        listings = (
            []
            if kind == "SessionSeries" and not (data.get("eventSchedule") or data.get("subEvent"))
            else context.each(
                [data],
                lambda node: build_listing(node, series if isinstance(series, dict) else None, key, context),
                label,
            )
        )
        for session, session_key, session_label in (
            memo["waiting"].pop(node_id(data), []) if kind == "SessionSeries" else []
        ):
            context.problems.remove(f"{session_label}: superEvent {node_id(data)} not read yet in this run")
            listings += context.each(
                [session], lambda node, k=session_key: build_listing(node, data, k, context), session_label
            )
        return listings

    def removals(self, body: bytes, url: str = "") -> list[str]:
        """The ids of the items this page deletes."""
        try:
            items = page_items(self._document(body))
        except ParseError:
            return []
        return [item_key(item) for item in items if item.get("state") == "deleted" and item_key(item)]

    def next_url(self, body: bytes, url: str) -> str | None:
        """The page's `next` (absolute), or None on the last page (no items, or `next` is this page)."""
        try:
            data = self._document(body)
        except ParseError:
            return None
        if not isinstance(data, dict):
            return None
        if not isinstance(data.get("next"), str) or not data.get("items"):
            return None
        return follow_link(url, data["next"])

    @classmethod
    def sniff(cls, body: bytes, url: str) -> bool:
        head = body[:4096]
        if b"openactive" not in body[:200_000].lower() and b'"items"' not in head and b'"state"' not in head:
            return False
        try:
            data = load_json(body)
        except ValueError:
            return False
        if not isinstance(data, dict):
            return False
        if isinstance(data.get("items"), list):
            return "next" in data and all(isinstance(i, dict) and "state" in i for i in data["items"][:20])
        if isinstance(data.get("data"), dict) and node_type(data["data"]):
            return True
        context = str(data.get("@context") or "")
        return "openactive" in context.lower() or (
            "openactive" in str(data.get("id") or data.get("@id") or "").lower() and node_type(data) in NOT_FEEDS
        )
