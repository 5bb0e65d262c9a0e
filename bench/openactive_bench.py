"""OpenActive benchmark: `--n` ScheduledSessions read from generated RPDE pages through the real run path
(`finder.ingest.runs.run_source`: fetch, the `openactive` adapter in its parse worker, the incremental feed's
fold, the importer, the saved cursor), each run committed.

    .venv/bin/python bench/openactive_bench.py --n 100000

The pages have the shapes of ../shared/corpus/openactive: a SessionSeries feed (one source; each series
has an `eventSchedule`, a location with coordinates, an organiser and offers, like
`rpde-item-sessionseries-nottingham-leisurecloud.json`) and a ScheduledSession feed (a second source,
`mapping.series_sources` naming the first) whose sessions refer to their series by URL, with UTC dates
and a numeric `identifier` (`rpde-item-scheduledsession-superevent-ref-nottingham-leisurecloud.json`);
one item in 200 is a tombstone (`rpde-page-deleted-and-updated-openactive-rb-fixture.json`). A run reads
at most `finder.ingest.runs.MAX_PAGES` pages, so the sessions arrive over several runs, as in production.

Last line: `openactive n=.. seconds=.. per_s=.. import_per_s=..` (sessions read and stored per second, end to
end, and per second of the importer's own time, `ingest`, the figure to set beside bench/ingest_bench.py's;
SQLite file in --workdir; `--postgres` adds the same into a throw-away PostgreSQL database).
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.host import HostMeter  # noqa: E402
from finder.config import Config  # noqa: E402
from finder.db.engine import make_engine, make_sessionmaker  # noqa: E402
from finder.db.migrate import upgrade  # noqa: E402
from finder.ingest import runs  # noqa: E402
from finder.ingest.fetch_state import DatabaseFetchStore  # noqa: E402
from finder.ingest.runs import MAX_PAGES, run_source  # noqa: E402
from finder.models import Listing, Source  # noqa: E402
from scrapers.fetch.parts import FetchResult  # noqa: E402

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
BASE = "https://oa.bench.example/OpenActive/api"
ACTIVITIES = (
    "Fitness Class",
    "Swimming",
    "Badminton",
    "Yoga",
    "Walking Football",
    "Netball",
    "Pilates",
    "Spin",
    "Aqua Aerobics",
    "Table Tennis",
    "Boxing",
    "Zumba",
)
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
PAGE_ITEMS = 500  # a usual RPDE page size
log = logging.getLogger("bench")


def series_node(s: int, rng: random.Random) -> dict:
    activity = rng.choice(ACTIVITIES)
    venue = s % 400
    start_hour = 7 + rng.randrange(13)
    return {
        "id": f"{BASE}/session-series/S{s:06d}",
        "name": f"{activity} {s}",
        "type": "SessionSeries",
        "@context": ["https://openactive.io/", "https://openactive.io/ns-beta"],
        "description": f"A friendly {activity.lower()} session for all abilities. Come along and try it.",
        "offers": [
            {
                "name": "Non-Member",
                "type": "Offer",
                "price": 3.5 + s % 5,
                "identifier": "STAND",
                "description": activity,
                "priceCurrency": "GBP",
            }
        ],
        "category": [activity],
        "duration": "PT45M",
        "location": {
            "name": f"Leisure Centre {venue}",
            "type": "Place",
            "identifier": f"LC{venue}",
            "address": {
                "type": "PostalAddress",
                "streetAddress": f"{venue} High Street",
                "addressLocality": "Nottingham",
                "postalCode": "NG1 1AA",
                "addressCountry": "GB",
            },
            "geo": {"type": "GeoCoordinates", "latitude": 52.9 + venue / 4000, "longitude": -1.2 + venue / 4000},
        },
        "organizer": {
            "url": f"https://club{s % 900}.bench.example",
            "name": f"Sport and Leisure {s % 900}",
            "type": "Organization",
            "email": "hello@bench.example",
        },
        "identifier": f"S{s:06d}",
        "eventSchedule": [
            {
                "type": "PartialSchedule",
                "byDay": [f"http://schema.org/{DAYS[s % 7]}"],
                "startDate": "2026-01-05",
                "endDate": "2026-12-28",
                "startTime": f"{start_hour:02d}:15",
                "endTime": f"{start_hour + 1:02d}:00",
                "duration": "PT45M",
            }
        ],
    }


def session_node(i: int, series: int, rng: random.Random) -> dict:
    start = NOW + timedelta(days=rng.randrange(60), minutes=15 * rng.randrange(60))
    return {
        "id": f"{BASE}/scheduled-sessions/{i}",
        "type": "ScheduledSession",
        "@context": ["https://openactive.io/", "https://openactive.io/ns-beta"],
        "startDate": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "endDate": (start + timedelta(minutes=45)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "duration": "PT45M",
        "identifier": i,
        "superEvent": f"{BASE}/session-series/S{series:06d}",
        "maximumAttendeeCapacity": 35,
        "remainingAttendeeCapacity": rng.randrange(36),
        "beta:sportsActivityLocation": [{"name": [f"Court {1 + i % 4}"], "type": "SportsActivityLocation"}],
    }


def feed_pages(name: str, nodes: list[tuple[str, dict | None]]) -> dict[str, bytes]:
    """RPDE pages (by URL) holding `nodes` (key, data; None: a tombstone), PAGE_ITEMS a page, then the
    empty last page."""
    pages = {}
    modified = 1_700_000_000_000
    chunks = [nodes[offset : offset + PAGE_ITEMS] for offset in range(0, len(nodes), PAGE_ITEMS)] + [[]]
    for number, chunk in enumerate(chunks):
        items = []
        for key, data in chunk:
            modified += 1
            item = {
                "state": "updated" if data else "deleted",
                "kind": data["type"] if data else "ScheduledSession",
                "id": key,
                "modified": modified,
            }
            if data:
                item["data"] = data
            items.append(item)
        url = f"{BASE}/{name}?page={number}"
        following = f"{BASE}/{name}?page={min(number + 1, len(chunks) - 1)}"
        pages[url] = orjson.dumps(
            {"next": following, "license": "https://creativecommons.org/licenses/by/4.0/", "items": items}
        )
    return pages


class PageFetcher:
    """Serves the generated pages; fetch state in the database, as the real fetcher keeps it."""

    def __init__(self, session, pages: dict[str, bytes]):
        self.pages = pages
        self.store = DatabaseFetchStore(session, deferred=True)

    def fetch(self, url: str) -> FetchResult:
        return FetchResult(url=url, status=200, body=self.pages[url], encoding="utf-8")


def generate(n: int, series_count: int) -> tuple[dict[str, bytes], dict[str, bytes], int]:
    rng = random.Random(5)
    series = [(f"S{s:06d}", series_node(s, rng)) for s in range(series_count)]
    sessions: list[tuple[str, dict | None]] = []
    tombstones = 0
    for i in range(n):
        sessions.append((str(1_000_000 + i), session_node(1_000_000 + i, rng.randrange(series_count), rng)))
        if i % 200 == 199:  # a session cancelled and withdrawn earlier in the feed
            sessions.append((str(9_000_000 + i), None))
            tombstones += 1
    return feed_pages("session-series", series), feed_pages("scheduled-sessions", sessions), tombstones


class ImporterClock:
    """Seconds spent inside the importer (`ingest`, as the run path calls it), apart from fetch, parse and fold."""

    def __init__(self):
        self.seconds, self.real = 0.0, runs.ingest

    def __call__(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return self.real(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started


def run_feed(maker, slug: str, pages: dict[str, bytes], config: Config) -> tuple[float, list]:
    """Runs of `slug` until its feed is read to the end; seconds and the runs' counts."""
    runs = []
    started = time.perf_counter()
    while True:
        with maker() as session:
            run = run_source(session, slug, fetcher=PageFetcher(session, pages), now=NOW, config=config)
            session.commit()
            runs.append((run.status, run.inserted, run.updated, run.unchanged, run.gone, run.invalid, run.error))
            if run.status not in ("ok", "partial") or run.inserted + run.updated + run.gone == 0:
                break
    return time.perf_counter() - started, runs


def measure(url: str, n: int, series_count: int) -> tuple[float, float]:
    """Seconds for the sessions' runs, end to end and inside the importer."""
    upgrade(url)
    engine = make_engine(url)
    maker = make_sessionmaker(engine)
    series_pages, session_pages, tombstones = generate(n, series_count)
    config = Config.from_env()
    with maker() as session:
        session.add_all(
            [
                Source(
                    slug="oa-series",
                    adapter="openactive",
                    url=f"{BASE}/session-series?page=0",
                    country="GB",
                    timezone="Europe/London",
                    tags=[],
                    mapping={},
                ),
                Source(
                    slug="oa-sessions",
                    adapter="openactive",
                    url=f"{BASE}/scheduled-sessions?page=0",
                    country="GB",
                    timezone="Europe/London",
                    tags=[],
                    mapping={"series_sources": ["oa-series"]},
                ),
            ]
        )
        session.commit()
    seconds, done = run_feed(maker, "oa-series", series_pages, config)
    log.info("%s: %d series in %.1f s (%s)", engine.dialect.name, series_count, seconds, done)
    runs.ingest = clock = ImporterClock()
    try:
        seconds, done = run_feed(maker, "oa-sessions", session_pages, config)
    finally:
        runs.ingest = clock.real
    inserted = sum(run[1] for run in done)
    with maker() as session:
        stored = session.scalar(select(Listing.id).order_by(Listing.id.desc()).limit(1))
    log.info(
        "%s: %d sessions (+%d tombstones) in %d runs of up to %d pages: %.1f s, %d inserted, %d listings in all; "
        "runs %s; %.1f s in the importer",
        engine.dialect.name,
        n,
        tombstones,
        len(done),
        MAX_PAGES,
        seconds,
        inserted,
        stored,
        [run[:6] for run in done],
        clock.seconds,
    )
    if inserted != n:
        raise SystemExit(f"expected {n} new listings, got {inserted}: {done}")
    engine.dispose()
    return seconds, clock.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="ScheduledSessions in the feed")
    parser.add_argument("--series", type=int, default=5000, help="SessionSeries they belong to")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--postgres", action="store_true", help="also into PostgreSQL (FINDER_TEST_POSTGRES_URL)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("finder").setLevel(logging.WARNING)
    meter = HostMeter.start()
    with tempfile.TemporaryDirectory(dir=args.workdir) as folder:
        seconds, importing = measure(f"sqlite:///{folder}/openactive.sqlite", args.n, args.series)
    line = f"openactive n={args.n} seconds={seconds:.1f} per_s={args.n / seconds:.0f}"
    line += f" import_per_s={args.n / importing:.0f}"
    if args.postgres:
        base_url = os.environ.get("FINDER_TEST_POSTGRES_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        name = f"bench_openactive_{uuid.uuid4().hex[:8]}"
        admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            seconds, importing = measure(
                make_url(base_url).set(database=name).render_as_string(hide_password=False), args.n, args.series
            )
            line += f" postgres_seconds={seconds:.1f} postgres_per_s={args.n / seconds:.0f}"
            line += f" postgres_import_per_s={args.n / importing:.0f}"
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    sys.stdout.write(meter.line() + "\n")
    sys.stdout.write(line + "\n")


if __name__ == "__main__":
    main()
