"""The importer: the only place that decides identity, merges across sources, upserts and keeps liveness.

`ingest(session, source, listings)` takes what one run of one source parsed and returns counts.
Importing the same batch twice is all "unchanged". The caller owns the commit.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Collection
from contextlib import contextmanager
from datetime import datetime
from types import SimpleNamespace

from sqlalchemy.orm import Session

from finder import index
from finder.config import Config
from finder.geo import settle_zone
from finder.identity import stable_key
from finder.ingest.batch import Batch, IngestReport, ensure_tags, load_links
from finder.ingest.defaults import apply_source_defaults
from finder.ingest.insert import insert_new
from finder.ingest.liveness import count_misses, mark_seen, remove_links
from finder.ingest.merge import Candidates
from finder.ingest.organizations import OrgCache
from finder.ingest.overrides import apply_overrides
from finder.ingest.prepare import PreparedItem, prepare
from finder.ingest.upsert import add_item, refresh_next_start, update_item
from finder.models import ListingSource, Source, utcnow
from finder.tags import Vocabulary, load_vocabulary

log = logging.getLogger(__name__)
ITEM_ERRORS = (ValueError, TypeError, KeyError, AttributeError, IndexError, OverflowError)  # what bad values raise


def ingest(
    session: Session,
    source: Source,
    listings: list,
    *,
    resolver=None,
    now: datetime | None = None,
    complete: bool = True,
    hide_after_misses: int = Config.HIDE_AFTER_MISSES,
    vocabulary: Vocabulary | None = None,
    removed: Collection[str] = (),
) -> IngestReport:
    """Upsert `listings` (scrapers Listings from one run of `source`).

    `complete`: the batch is everything the source lists now (a successful run), so listings
    missing from it count a miss; pass False for partial runs (nothing is counted as gone).
    `removed`: `source_key`s the source says it deleted (incremental feeds): hidden at once, and
    counted as gone, unless another source still lists them.
    `hide_after_misses`: the caller's setting (FINDER_HIDE_AFTER_MISSES: `runs` passes its config's); the
    environment is never read here.
    """
    with collector_paused():
        report = _ingest(session, source, listings, resolver, now, complete, hide_after_misses, vocabulary)
        if removed:
            _remove(session, source, removed, listings, report, hide_after_misses)
        return report


def _remove(session, source, removed, listings, report: IngestReport, hide_after_misses) -> None:
    hide_after = hide_after_misses
    live = {item.source_key for item in listings}
    keys = [
        stable_key(source.slug, SimpleNamespace(source_key=key, url="", title="", start=None))
        for key in removed
        if key not in live
    ]
    links = load_links(session, source, keys)
    touched: set = set()
    report.gone += remove_links(list(links.values()), hide_after, touched)
    session.flush()
    ids = {listing.id for listing in touched}
    report.listing_ids |= ids
    report.touched |= touched
    if ids:
        index.refresh(session, ids)


@contextmanager
def collector_paused():
    """Python's cyclic garbage collector off for the duration (and back on after, if it was on).

    An import allocates many objects that live for the whole batch (prepared items, rows, candidates),
    so the collector would run full passes over everything alive, the parsed items and the session
    included: 15-20% of an import of 1,000 new listings. Reference counting still frees nearly all
    garbage meanwhile; the few cycles left (none to a few hundred objects per batch) wait for the next
    collection after the batch."""
    if not gc.isenabled():  # already off (by the caller, or another import in another thread)
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _ingest(session, source, listings, resolver, now, complete, hide_after_misses, vocabulary) -> IngestReport:
    now = now or utcnow()
    hide_after = hide_after_misses
    vocabulary = vocabulary or load_vocabulary()
    report = IngestReport()
    batch = _valid_items(source, listings, report, resolver)
    links = load_links(session, source, None if complete else list(batch))
    run = Batch(session, source, ensure_tags(session, vocabulary), OrgCache(session), report, resolver, now)
    run.orgs.prefetch((item.organizer.name, item.organizer.url) for item in batch.values())
    seen: list[ListingSource] = []  # marked seen in bulk after the loop
    prepared_items = _prepared_items(batch, source, vocabulary, now, report)
    run.candidates = Candidates(session, [prepared for key, prepared in prepared_items.items() if key not in links])
    with session.no_autoflush:  # other sources' rows are all flushed; this batch is flushed once, at the end
        for key, prepared in prepared_items.items():
            link = links.get(key)
            if link is None:
                link = add_item(run, key, prepared)
                if link is None:
                    continue
                links[key] = link
            elif link.content_hash == prepared.hash:
                report.unchanged += 1
                refresh_next_start(link.listing, prepared, now, report)
            else:
                report.updated += 1
                update_item(run, link, prepared)
            seen.append(link)
        mark_seen(session, seen, now, report.touched)
        if complete:
            report.gone = count_misses(links, set(batch), hide_after, report.touched)
        fresh = _with_organizations(run)
    session.flush()
    known = {listing.id for listing in report.touched}
    report.listing_ids = known | insert_new(session, source, fresh, run.tags, now)
    changed = apply_overrides(session, report.listing_ids)  # organisers' corrections and opt-outs outlive re-scrapes
    session.flush()
    if known | changed:  # new listings got their index rows as they were inserted
        index.refresh(session, known | changed)
    return report


def _with_organizations(run: Batch) -> list[tuple[str, PreparedItem, object]]:
    """The new listings with their organisations, those new to the database created together."""
    organizers = [(prepared.item.organizer.name, prepared.item.organizer.url) for _key, prepared in run.fresh]
    run.orgs.create_new(organizers)
    return [
        (key, prepared, run.orgs.get(name, url))
        for (key, prepared), (name, url) in zip(run.fresh, organizers, strict=True)
    ]


def _valid_items(source: Source, listings: list, report: IngestReport, resolver=None) -> dict:
    """The valid items by stable key (invalid ones and repeated keys reported, not raised)."""
    batch = {}
    defaults = {"locality": source.locality, "region": source.region, "country": source.country}
    for parsed in listings:
        item = apply_source_defaults(parsed, source)  # the catalogue's kind, tags, zone and place fill the blanks
        settle_zone(item, resolver, source.timezone, report.problems, defaults)  # bare times: the venue's zone
        problems = item.problems()
        if problems:
            report.invalid += 1
            report.problems.append(f"{(item.title or item.source_key or '?')[:80]}: {'; '.join(problems)}")
            continue
        key = stable_key(source.slug, item)
        if key in batch:
            report.problems.append(f"{item.title[:80]}: same key {key[:80]!r} twice in one run; later copy ignored")
            continue
        batch[key] = item
    return batch


def _prepared_items(
    batch: dict, source: Source, vocabulary: Vocabulary, now: datetime, report: IngestReport
) -> dict[str, PreparedItem]:
    """Each item prepared: everything computed from the item's own values (times in UTC, keys, hash), one item
    at a time, before anything is written. An item that fails this is reported and left out, never the run;
    its key stays in the batch, so its listing is not counted as missing either."""
    prepared_items = {}
    for key, item in batch.items():
        try:
            prepared = prepare(item, source, vocabulary, now)
        except ITEM_ERRORS as error:
            report.invalid += 1
            report.problems.append(
                f"{(item.title or item.source_key or '?')[:80]}: not imported: "
                f"{type(error).__name__}: {str(error)[:200]}"
            )
            continue
        prepared_items[key] = prepared
    return prepared_items
