"""One run of one source: fetch (following pages) -> parse -> ingest -> one `ScrapeRun` row.

Statuses: `ok`; `partial` (a later page failed or the page cap was reached: what was read is
stored, nothing counts as gone); `empty` (no valid item where the last good run had some: an
alarm, nothing is stored or hidden); `failed` (the fetch or parse of the first page failed, or
anything raised). Incremental feeds (OpenActive RPDE: `adapter.incremental`) resume where the last
run ended and never count unseen listings as missing (see finder/ingest/runs_incremental.py). A 304
Not Modified is `ok` and changes nothing. A run never raises; the caller commits.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from finder.config import Config
from finder.ingest.importer import ingest
from finder.ingest.runs_incremental import IncrementalFeed
from finder.models import ScrapeRun, Source, utcnow
from scrapers import ADAPTERS, load_adapters
from scrapers.base import Context, ParseError
from scrapers.budget import Budget, parse_within

log = logging.getLogger(__name__)
MAX_PAGES = 50
MAX_PROBLEMS = 200


def run_source(
    session: Session, slug: str, *, fetcher=None, resolver=None, now: datetime | None = None, config: Config
) -> ScrapeRun:
    """Run source `slug` once and return its (flushed, uncommitted) `ScrapeRun`.
    Raises LookupError only when no source has that slug. `config`: the caller's settings (never read from the
    environment here)."""
    reading_only = not session.in_transaction()
    source = session.scalar(select(Source).where(Source.slug == slug))
    if source is None:
        raise LookupError(f"no source {slug!r} in the catalogue (run `finder sources` to list them)")
    now = now or utcnow()
    clock = time.monotonic()
    fetcher = fetcher or default_fetcher(session, config)
    if reading_only and not (session.new or session.dirty or session.deleted):
        session.commit()  # ends the read of the source row: no connection idles in a transaction during fetches
    # The run row and the fetcher's state are written once the pages are in: no write (and on SQLite
    # no lock on the whole database) is held while the source's server takes its time.
    run = ScrapeRun(source_id=source.id, started_at=now, status="running", problems=[])
    try:
        _run(session, source, run, fetcher, resolver, now, config)
    except Exception as error:  # a run records every failure and never raises to the scheduler
        log.exception("source %s: run failed", slug)
        run.status = "failed"
        run.error = f"{type(error).__name__}: {error}"[:2000]
    run.duration_s = round(time.monotonic() - clock, 3)
    run.finished_at = now + timedelta(seconds=run.duration_s)
    if run.status in ("failed", "empty"):
        log.warning("source %s: %s: %s", slug, run.status, run.error)
    session.add(run)
    _save_fetch_state(fetcher)
    session.flush()
    return run


def default_fetcher(session: Session, config: Config):
    """The polite fetcher with its state (ETags, robots, back-off) kept in the database."""
    from finder.ingest.fetch_state import DatabaseFetchStore
    from scrapers.fetch.fetcher import Fetcher, FetchSettings

    return Fetcher(FetchSettings.from_config(config), DatabaseFetchStore(session, deferred=True))


def _save_fetch_state(fetcher) -> None:
    """Write the fetch state a deferred store kept in memory during the run (other fetchers: nothing)."""
    save = getattr(getattr(fetcher, "store", None), "save", None)
    if save is not None:
        save()


def adapter_class(name: str) -> type:
    if name not in ADAPTERS:
        load_adapters()
    if name not in ADAPTERS:
        raise LookupError(f"unknown adapter {name!r}")
    return ADAPTERS[name]


def make_context(source: Source, now: datetime, config: Config) -> Context:
    return Context(
        url=source.url,
        window_start=now,
        window_end=now + timedelta(days=config.EXPANSION_DAYS),
        timezone=source.timezone,
        locality=source.locality,
        region=source.region,
        country=source.country,
        mapping=dict(source.mapping or {}),
        max_bytes=config.FETCH_MAX_BYTES,
    )


def _run(session, source: Source, run: ScrapeRun, fetcher, resolver, now, config: Config) -> None:
    from scrapers.fetch.fetcher import FetchError

    adapter = adapter_class(source.adapter)
    budget = Budget(timeout_s=config.PARSE_TIMEOUT_S, max_memory_mb=config.PARSE_MAX_MEMORY_MB)
    context = make_context(source, now, config)
    listings, problems, complete = [], [], True
    feed = IncrementalFeed(source, fetcher) if getattr(adapter, "incremental", False) else None
    url, visited = (feed.start_url() if feed else source.url), set()
    if feed:
        context.memo["kept"] = feed.kept()
    while url:
        visited.add(url)
        page = len(visited)
        try:
            result = fetcher.fetch(url)
        except FetchError as error:
            if page == 1:
                run.status, run.http_status, run.error = "failed", error.status, f"fetch: {error}"
                return
            complete = False
            problems.append(f"page {page}: fetch: {error}")
            break
        if page == 1:
            run.http_status = 304 if result.not_modified else result.status
        if result.not_modified:
            if page == 1:
                run.status = "ok"
                return
            complete = False
            problems.append(f"page {page}: not modified while page 1 changed")
            break
        try:
            parsed = parse_within(budget, adapter, result.body, result.url or url, context)
        except ParseError as error:
            if page == 1:
                run.status, run.error = "failed", f"parse: {error}"
                _forget(fetcher, url)  # else the next run's 304 would pass the broken body off as "ok"
                return
            complete = False
            problems.append(f"page {page}: parse: {error}")
            break
        context.problems = parsed.problems
        context.memo = parsed.memo  # what the adapter carries from page to page (a worker had a copy)
        if feed:
            feed.page(url, parsed.listings, parsed.removals)
        else:
            listings.extend(parsed.listings)
        url = parsed.next_url
        if url in visited:
            url = None
        elif url and page >= MAX_PAGES:
            complete = False
            problems.append(f"stopped after {MAX_PAGES} pages")
            if feed:
                feed.resume_at = url  # the next run carries on from here
            url = None
    if feed:
        feed.resume_at = feed.resume_at or url  # a page that failed: everything before it is stored
        _store(
            session,
            source,
            run,
            _Read(feed.listings(), context.problems, problems, complete, feed),
            resolver,
            now,
            config,
        )
        if run.status in ("ok", "partial"):
            feed.save(context.memo.get("kept"))
        return
    _store(session, source, run, _Read(listings, context.problems, problems, complete), resolver, now, config)
    if run.status == "empty":
        _forget(fetcher, source.url)  # read the page again next time, so the alarm holds until it is fixed


def _forget(fetcher, url: str) -> None:
    """Drop the saved ETag/Last-Modified of `url` (fetchers without that memory need nothing)."""
    forget = getattr(fetcher, "forget", None)
    if forget is not None:
        forget(url)


@dataclass
class _Read:
    """What the pages of one run added up to, for `_store`."""

    listings: list
    item_problems: list[str]  # the adapter's, per item
    page_problems: list[str]  # a later page that failed, the page cap
    complete: bool
    feed: IncrementalFeed | None = None


def _store(session, source, run, read: _Read, resolver, now, config) -> None:
    listings, item_problems, page_problems = read.listings, read.item_problems, read.page_problems
    complete, feed = read.complete, read.feed
    run.items = len(listings) + len(item_problems)
    valid = sum(1 for item in listings if not item.problems())
    if valid == 0 and not (feed and (feed.removed or feed.resumed)):  # a resumed feed may well have nothing new
        previous = last_good_run(session, source.id, before_id=run.id)
        if previous is not None and previous.items > 0:
            run.status = "empty"
            run.invalid = run.items
            run.problems = (page_problems + item_problems + [p for i in listings for p in i.problems()])[:MAX_PROBLEMS]
            run.error = f"no valid items, where the last good run (#{previous.id}) had {previous.items}"
            return
    with session.begin_nested():
        report = ingest(
            session,
            source,
            listings,
            resolver=resolver,
            now=now,
            complete=complete and feed is None,
            hide_after_misses=config.HIDE_AFTER_MISSES,
            removed=feed.removed if feed else (),
        )
    run.inserted, run.updated, run.unchanged, run.gone = report.inserted, report.updated, report.unchanged, report.gone
    run.invalid = report.invalid + len(item_problems)
    run.problems = (page_problems + item_problems + report.problems)[:MAX_PROBLEMS]
    run.status = "ok" if complete else "partial"
    if page_problems:
        run.error = page_problems[0]


def last_good_run(session: Session, source_id: int, before_id: int | None = None) -> ScrapeRun | None:
    """The latest ok/partial run that read content (a 304 answer read none)."""
    query = select(ScrapeRun).where(
        ScrapeRun.source_id == source_id,
        ScrapeRun.status.in_(("ok", "partial")),
        or_(ScrapeRun.http_status.is_(None), ScrapeRun.http_status != 304),
    )
    if before_id is not None:
        query = query.where(ScrapeRun.id < before_id)
    return session.scalar(query.order_by(ScrapeRun.id.desc()).limit(1))


def last_runs(session: Session) -> dict[int, ScrapeRun]:
    """The latest run of each source, by source id."""
    latest = {}
    for run in session.scalars(select(ScrapeRun).order_by(ScrapeRun.id)):
        latest[run.source_id] = run
    return latest
