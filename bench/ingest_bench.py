"""Ingest benchmark: adapter parse throughput, then the whole import path (identity, merge, tags,
occurrences, organisations, search index) into a database already holding `--base` listings.

    .venv/bin/python bench/ingest_bench.py --n 20000 --base 1000000

Last line: `ingest n=.. sqlite_per_s=.. postgres_per_s=..` (`na` when PostgreSQL does not answer).
PostgreSQL: FINDER_TEST_POSTGRES_URL or postgresql+psycopg://postgres@127.0.0.1:5432/test, in a
throw-away schema; with `--reuse-base` the base is kept in its own database on that server
(`bench_ingest_base_<n>`) and each run imports into a fresh copy of it (`CREATE DATABASE ... TEMPLATE`).
`--profile FILE` writes a cProfile of the first (new-listings) pass of each database to FILE.<dialect>.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import logging
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.host import HostMeter  # noqa: E402
from finder.db.engine import make_engine, make_sessionmaker  # noqa: E402
from finder.identity import merge_group  # noqa: E402
from finder.index import rows as search_index  # noqa: E402
from finder.index import schema as index_schema  # noqa: E402
from finder.index import writes as index_writes  # noqa: E402
from finder.ingest.importer import ingest  # noqa: E402
from finder.models import Base, Listing, ListingSource, ListingTag, Organization, Source, Tag  # noqa: E402
from finder.models import Occurrence as StoredOccurrence  # noqa: E402
from finder.tags import load_vocabulary  # noqa: E402
from scrapers import load_adapters  # noqa: E402
from scrapers.base import Context  # noqa: E402
from scrapers.listing import Listing as Item  # noqa: E402
from scrapers.listing import Occurrence, Organizer, Venue  # noqa: E402

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
ZONE = ZoneInfo("Europe/Paris")
WORDS = (
    "board games",
    "knitting circle",
    "river cleanup",
    "book club",
    "choir",
    "python meetup",
    "yoga",
    "food bank shift",
    "language exchange",
    "hike",
    "chess",
    "repair cafe",
    "tutoring",
    "salsa",
    "run club",
)
BASE_SOURCES = 1000
BASE_ORGANIZATIONS = 50_000
log = logging.getLogger("bench")


def synthetic_items(n: int, seed: int, prefix: str) -> list[Item]:
    """`n` plausible listings around Paris; a third recurring weekly with their occurrences."""
    rng = random.Random(seed)
    items = []
    for i in range(n):
        start = datetime(2026, 3, 3, 9, 0, tzinfo=ZONE) + timedelta(
            days=rng.randrange(200), minutes=15 * rng.randrange(48)
        )
        weekly = i % 3 == 0
        group = rng.randrange(500)  # an organiser keeps one website
        occurrences = [
            Occurrence(start + timedelta(weeks=w), start + timedelta(weeks=w, hours=2))
            for w in range(13 if weekly else 1)
        ]
        items.append(
            Item(
                title=f"{rng.choice(WORDS).title()} #{prefix}{i}",
                description=f"Welcome to our {rng.choice(WORDS)}. All welcome, no experience needed.",
                url=f"https://bench.example/{prefix}/{i}",
                organizer=Organizer(name=f"Group {group}", url=f"https://group{group}.example/"),
                venue=Venue(
                    name=f"Hall {rng.randrange(2000)}",
                    street=f"{rng.randrange(200)} rue X",
                    locality="Paris",
                    country="FR",
                ),
                lat=48.8 + rng.random() * 0.1,
                lon=2.3 + rng.random() * 0.1,
                timezone="Europe/Paris",
                start=start,
                end=start + timedelta(hours=2),
                recurrence="FREQ=WEEKLY" if weekly else None,
                occurrences=occurrences,
                categories=[rng.choice(["GAMES", "Sports & Fitness", "Community", "Hunger"])],
                source_key=f"{prefix}-{i}",
            )
        )
    return items


def parse_rates(n: int) -> dict[str, float]:
    """Listings per second of the iCalendar and JSON-LD adapters on generated bodies of `n` events."""
    adapters = load_adapters()
    rates = {}
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//bench//EN"]
    for i in range(n):
        day = datetime(2026, 3, 3, 18, 0) + timedelta(days=i % 80, minutes=i % 60)
        lines += [
            "BEGIN:VEVENT",
            f"UID:e{i}@bench",
            "DTSTAMP:20260101T000000Z",
            f"DTSTART;TZID=Europe/Paris:{day:%Y%m%dT%H%M%S}",
            f"DTEND;TZID=Europe/Paris:{day + timedelta(hours=2):%Y%m%dT%H%M%S}",
            f"SUMMARY:Event {i}",
            "LOCATION:Hall\\, Paris",
            "GEO:48.86;2.35",
            "END:VEVENT",
        ]
    ics = "\r\n".join([*lines, "END:VCALENDAR", ""]).encode()
    events = [
        {
            "@type": "Event",
            "name": f"Event {i}",
            "startDate": f"2026-04-{1 + i % 28:02d}T18:00:00+02:00",
            "url": f"https://bench.example/e/{i}",
            "location": {
                "@type": "Place",
                "name": "Hall",
                "address": {"@type": "PostalAddress", "addressLocality": "Paris"},
            },
        }
        for i in range(n)
    ]
    html = (
        f'<html><head><script type="application/ld+json">{json.dumps(events)}</script></head><body></body></html>'
    ).encode()
    for name, body in (("ics", ics), ("schemaorg", html)):
        context = Context(window_start=NOW, window_end=NOW + timedelta(days=90), timezone="Europe/Paris")
        started = time.perf_counter()
        found = adapters[name]().parse(body, "https://bench.example/", context)
        rates[name] = len(found) / (time.perf_counter() - started)
    return rates


def fill_base(engine, base: int) -> None:
    """`base` listings spread over BASE_SOURCES sources and BASE_ORGANIZATIONS organisations, each with its
    provenance, an occurrence, a tag and its index rows, by bulk insert."""
    rng = random.Random(1)
    vocabulary = load_vocabulary().all()
    with engine.begin() as connection:
        connection.execute(
            insert(Source),
            [
                {"slug": f"base-{s}", "adapter": "ics", "url": f"https://b{s}.example/", "tags": [], "mapping": {}}
                for s in range(BASE_SOURCES)
            ],
        )
        connection.execute(
            insert(Tag),
            [{"id": i + 1, "slug": t.slug, "label": t.label, "facet": t.facet} for i, t in enumerate(vocabulary)],
        )
        connection.execute(
            insert(Organization),
            [
                {
                    "id": i + 1,
                    "key": f"club {i}|club{i}.example",
                    "name": f"Club {i}",
                    "url": f"https://club{i}.example/",
                }
                for i in range(BASE_ORGANIZATIONS)
            ],
        )
    chunk = 20_000
    for offset in range(0, base, chunk):
        rows, links, occurrences, tagged, slugs = [], [], [], [], []
        for i in range(offset, min(base, offset + chunk)):
            start = NOW + timedelta(days=rng.randrange(365), minutes=15 * rng.randrange(96))
            title = f"{rng.choice(WORDS)} {i}"
            tag = rng.randrange(len(vocabulary))
            rows.append(
                {
                    "id": i + 1,
                    "kind": "event",
                    "title": title,
                    "lat": 35 + rng.random() * 25,
                    "lon": -10 + rng.random() * 40,
                    "start": start,
                    "next_start": start,
                    "match_title": title,
                    "first_day": start.date().isoformat(),
                    "merge_group": merge_group(start.date().isoformat(), title),
                    "categories": [],
                    "content_hash": "x",
                    "connection_score": 0.5,
                    "online": False,
                    "timezone": "Europe/Paris",
                    "organization_id": 1 + i % BASE_ORGANIZATIONS,
                }
            )
            links.append(
                {"listing_id": i + 1, "source_id": 1 + i % BASE_SOURCES, "source_key": f"k{i}", "content_hash": "x"}
            )
            occurrences.append(
                {"listing_id": i + 1, "start": start, "end": None, "status": "scheduled", "all_day": False}
            )
            tagged.append({"listing_id": i + 1, "tag_id": tag + 1})
            slugs.append(vocabulary[tag])
        # the index rows as index_writes.refresh would write them, built from unsaved Listing objects
        geo = [
            search_index.index_row(Listing(**row), [tag.slug], [(row["start"], None, "scheduled", False)])
            for row, tag in zip(rows, slugs, strict=True)
        ]
        with engine.begin() as connection:
            connection.execute(insert(Listing), rows)
            connection.execute(insert(ListingSource), links)
            connection.execute(insert(StoredOccurrence), occurrences)
            connection.execute(insert(ListingTag), tagged)
            index_writes.write_rows(
                connection, geo, [(r["id"], r["title"], "", t.label) for r, t in zip(rows, slugs, strict=True)]
            )
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("SELECT setval(pg_get_serial_sequence('listings', 'id'), :n)"), {"n": base + 1})
            connection.execute(
                text("SELECT setval(pg_get_serial_sequence('organizations', 'id'), :n)"), {"n": BASE_ORGANIZATIONS + 1}
            )
        # VACUUM, not only ANALYZE: a production table's settled rows are all-visible (autovacuum sees to it), so its
        # index-only scans (the importer's merge read) skip the table; a test server may run without autovacuum
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))


def build_base(url: str, base: int) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        Base.metadata.create_all(connection)
        index_schema.create_objects(connection)
    started = time.perf_counter()
    fill_base(engine, base)
    log.info("%s: base of %d listings in %.1f s", engine.dialect.name, base, time.perf_counter() - started)
    engine.dispose()


def sqlite_base(workdir: Path, base: int, reuse: bool) -> Path:
    """A SQLite file holding the base listings, kept in `workdir` and reused when asked."""
    path = workdir / f"ingest_base_v4_{base}.sqlite"  # v4: the placeless by-start index (0016)
    if not (reuse and path.exists()):
        path.unlink(missing_ok=True)
        build_base(f"sqlite:///{path}", base)
    settle(path)
    return path


def settle(path: Path) -> None:
    """Every committed page of `path` moved from its write-ahead log into the file (the log emptied), so that a
    copy of the file alone holds the whole base. The build leaves its log on disk (177 MB at 1M); its background
    checkpoints had copied every frame when checked (the file alone held all 1M listings), but nothing guaranteed it."""
    connection = sqlite3.connect(path, timeout=30)
    try:
        for _attempt in range(100):  # a background checkpoint of the build (finder.db.wal) may still be running
            busy, _log_pages, _moved = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if not busy:
                return
            time.sleep(0.1)
        raise RuntimeError(f"{path}: its log is in use by another process; cannot copy a settled base")
    finally:
        connection.close()


def ingest_rate(url: str, n: int, batch: int, profile: Path | None = None, again: bool = True) -> float:
    """Listings per second of `n` new listings in batches of `batch`, each batch committed, until SQLite's
    write-ahead log is checkpointed into the database file; then (`again`) logs the rate of the same batches
    imported again a day later (all unchanged: a daily re-scrape)."""
    engine = make_engine(url)
    items = synthetic_items(n, seed=7, prefix="new")
    maker = make_sessionmaker(engine)
    with maker() as session:
        source = Source(slug="bench", adapter="ics", url="https://bench.example/", tags=["social"])
        session.add(source)
        session.commit()
        rates = []
        for now in (NOW, NOW + timedelta(days=1)) if again else (NOW,):
            profiler = cProfile.Profile() if profile and now == NOW else None
            if profiler:
                profiler.enable()
            started = time.perf_counter()
            for offset in range(0, n, batch):
                ingest(session, source, items[offset : offset + batch], now=now, complete=False, hide_after_misses=2)
                session.commit()
            if engine.dialect.name == "sqlite":  # timed until every page written is in the database file
                session.connection().exec_driver_sql("PRAGMA wal_checkpoint(FULL)")
                session.commit()
            rates.append(n / (time.perf_counter() - started))
            if profiler:
                profiler.disable()
                profiler.dump_stats(f"{profile}.{engine.dialect.name}")
    engine.dispose()
    log.info("%s: %.0f new listings/s", engine.dialect.name, rates[0])
    if again:
        log.info("%s: then %.0f/s imported again unchanged", engine.dialect.name, rates[1])
    return rates[0]


def postgres_url() -> str | None:
    url = os.environ.get("FINDER_TEST_POSTGRES_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
        return url
    except Exception as error:  # absent server: the figure is "na"
        log.info("PostgreSQL not measured: %s", error)
        return None


def postgres_copy_rate(base_url: str, args) -> float:
    """The rate into a fresh copy of a kept base database."""
    with postgres_copy(base_url, args.base) as url:
        return ingest_rate(url, args.n, args.batch, args.profile)


@contextmanager
def postgres_copy(base_url: str, base: int) -> Iterator[str]:
    """The URL of a fresh copy of the kept base database of `base` listings (built on first use; its name carries
    the size), dropped after."""
    base_db = f"bench_ingest_base_v6_{base}"  # v6: lexeme counts (0015), by-start index (0016); v5: 0014
    run_db = f"bench_ingest_run_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": base_db}).first()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{base_db}"'))
    base_url_kept = make_url(base_url).set(database=base_db).render_as_string(hide_password=False)
    if not exists:
        try:
            build_base(base_url_kept, base)
        except BaseException:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE "{base_db}"'))
            raise
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{run_db}" TEMPLATE "{base_db}" STRATEGY FILE_COPY'))
    try:
        yield make_url(base_url).set(database=run_db).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{run_db}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="listings to ingest")
    parser.add_argument("--base", type=int, default=1_000_000, help="listings already in the database")
    parser.add_argument("--batch", type=int, default=1000, help="listings per ingest call")
    parser.add_argument("--parse-n", type=int, default=2000, help="events per generated body for parse rates")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument(
        "--reuse-base",
        action="store_true",
        help="keep the bases between runs: the SQLite file in --workdir, the PostgreSQL database on its server",
    )
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--profile", type=Path, help="write a cProfile of the new-listings pass to FILE.<dialect>")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    meter = HostMeter.start()
    for name, rate in parse_rates(args.parse_n).items():
        log.info("parse %s: %.0f listings/s", name, rate)
    base_file = sqlite_base(args.workdir, args.base, args.reuse_base)
    with tempfile.TemporaryDirectory(dir=args.workdir) as folder:
        shutil.copyfile(base_file, Path(folder) / "bench.sqlite")
        sqlite = ingest_rate(f"sqlite:///{folder}/bench.sqlite", args.n, args.batch, args.profile)
    if not args.reuse_base:
        base_file.unlink()
    postgres = None
    base_url = None if args.skip_postgres else postgres_url()
    if base_url and args.reuse_base:
        postgres = postgres_copy_rate(base_url, args)
    elif base_url:
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(base_url)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
            url = url.render_as_string(hide_password=False)
            build_base(url, args.base)
            postgres = ingest_rate(url, args.n, args.batch, args.profile)
        finally:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    figure = f"{postgres:.0f}" if postgres else "na"
    sys.stdout.write(meter.line() + "\n")
    sys.stdout.write(f"ingest n={args.n} sqlite_per_s={sqlite:.0f} postgres_per_s={figure}\n")


if __name__ == "__main__":
    main()
