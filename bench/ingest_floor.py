"""The database's share of an import, measured alone: the ceiling no importer on this schema and machine can pass.

    .venv/bin/python bench/ingest_floor.py --n 20000 --base 1000000 --workdir W

Uses the bases `ingest_bench.py --reuse-base --workdir W` keeps (building them when absent). It imports `--n`
new listings into one copy of a base with the real importer, then writes the rows that import added again into
a second copy, in the same batches and commits, with no Python between the databases: SQLite copies them
from the attached first copy (`INSERT ... SELECT`, the full-text tables tokenising their text again);
PostgreSQL streams each batch out of the first copy and into the second by binary COPY, its triggers and
foreign keys checked, the text indexes' pending lists cleaned each batch as the importer does. The
PostgreSQL search rows arrive with their tsvectors built, so its floor is a little under the real one.

Last line: `ingest_floor n=.. sqlite_db_per_s=.. postgres_db_per_s=.. prepare_us=..`: listings per second of
the database work alone, and the microseconds of Python each listing costs before any of it (`prepare` and
`listing_values` of the importer over the same items, best of 3, no database).
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.host import HostMeter  # noqa: E402
from bench.ingest_bench import NOW, ingest_rate, postgres_copy, postgres_url, sqlite_base, synthetic_items  # noqa: E402
from finder.db.engine import make_engine  # noqa: E402
from finder.db.wal import checkpointer_of  # noqa: E402
from finder.index.writes import GIN_CLEAN  # noqa: E402
from finder.ingest.defaults import apply_source_defaults  # noqa: E402
from finder.ingest.prepare import listing_values, prepare  # noqa: E402
from finder.models import Source  # noqa: E402
from finder.tags import load_vocabulary  # noqa: E402

# What an import of new listings writes, in foreign-key order: (table, the column that says which listing).
LISTING_TABLES = (
    ("listings", "id"),
    ("occurrences", "listing_id"),
    ("listing_sources", "listing_id"),
    ("listing_tags", "listing_id"),
    ("listing_geo", "id"),
)
SQLITE_TABLES = (
    *LISTING_TABLES,
    ("listing_geo_online", "id"),
)  # placeless search rows; PostgreSQL keeps them in listing_geo
SQLITE_TEXT_TABLES = ("listing_fts", "listing_fts_online")
log = logging.getLogger("bench")


def sqlite_floor(base: Path, n: int, batch: int) -> float:
    """Listings per second of the SQLite writes of one import of `n` listings, replayed alone."""
    with tempfile.TemporaryDirectory(dir=base.parent) as folder:
        imported, floor = Path(folder) / "imported.sqlite", Path(folder) / "floor.sqlite"
        shutil.copyfile(base, imported)
        ingest_rate(f"sqlite:///{imported}", n, batch, again=False)  # the new listings alone
        shutil.copyfile(base, floor)
        written, elapsed = sqlite_replay(imported, floor, batch)
    return written / elapsed


def sqlite_replay(imported: Path, floor: Path, batch: int) -> tuple[int, float]:
    """The listings `imported` holds beyond `floor` (a copy of its base) written into `floor` with every row that
    goes with them, `batch` listings a commit; returns how many, and the seconds it took."""
    engine = make_engine(f"sqlite:///{floor}")  # the importer's connection settings and background checkpoints
    with engine.connect() as connection:
        run = connection.exec_driver_sql
        run("ATTACH DATABASE ? AS imported", (str(imported),))
        first = run("SELECT max(id) FROM main.listings").scalar_one() + 1
        last = run("SELECT max(id) FROM imported.listings").scalar_one()
        for table in ("sources", "organizations"):  # rows the listings refer to, untimed
            newer = f"id > (SELECT coalesce(max(id), 0) FROM main.{table})"  # noqa: S608 (fixed names)
            run(f"INSERT INTO main.{table} SELECT * FROM imported.{table} WHERE {newer}")  # noqa: S608
        connection.commit()
        statements = [(table, _sqlite_copy(run, table, key)) for table, key in SQLITE_TABLES]
        statements += [
            (
                t,
                f"INSERT INTO main.{t} (rowid, title, body, tags, cell) "  # noqa: S608 (fixed names)
                f"SELECT rowid, title, body, tags, cell FROM imported.{t} WHERE rowid BETWEEN ? AND ?",
            )
            for t in SQLITE_TEXT_TABLES
        ]
        parts, checkpointer = Parts(), checkpointer_of(engine)
        for low in range(first, last + 1, batch):
            for table, statement in statements:
                with parts.timing(table):
                    run(statement, (low, min(low + batch - 1, last)))
            with parts.timing("commit"):
                connection.commit()
            checkpointer.request()  # as after the importer's commits (this connection is not returned to the pool)
        with parts.timing("checkpoint"):  # as the importer's figure: until every page is in the file
            run("PRAGMA wal_checkpoint(FULL)")
            connection.commit()
        elapsed = parts.log("sqlite")
        written = run("SELECT count(*) FROM main.listings WHERE id >= ?", (first,)).scalar_one()
        run("DETACH DATABASE imported")
    engine.dispose()
    return written, elapsed


def _sqlite_copy(run, table: str, key: str) -> str:
    columns = ", ".join(f'"{row[1]}"' for row in run(f"PRAGMA main.table_info({table})"))
    return f"INSERT INTO main.{table} ({columns}) SELECT {columns} FROM imported.{table} WHERE {key} BETWEEN ? AND ?"  # noqa: S608


def postgres_floor(base_url: str, base_n: int, n: int, batch: int) -> float:
    """Listings per second of the PostgreSQL writes of one import of `n` listings, replayed alone."""
    with postgres_copy(base_url, base_n) as imported_url, postgres_copy(base_url, base_n) as floor_url:
        ingest_rate(imported_url, n, batch, again=False)
        imported, floor = make_engine(imported_url), make_engine(floor_url)
        with imported.connect() as source, floor.connect() as target:
            first = target.execute(text("SELECT max(id) FROM listings")).scalar_one() + 1
            last = source.execute(text("SELECT max(id) FROM listings")).scalar_one()
            driver = target.connection.dbapi_connection
            cursor = driver.cursor()
            for table in ("sources", "organizations"):  # rows the listings refer to, untimed
                since = target.execute(text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar_one()  # noqa: S608
                _copy_in(cursor, *_copy_out(source, table, f"id > {since}"))
            target.commit()
            lows = range(first, last + 1, batch)
            batches = [  # read out before timing: the floor is the writing database's work
                [
                    _copy_out(source, t, f"{key} BETWEEN {low} AND {min(low + batch - 1, last)}")
                    for t, key in LISTING_TABLES
                ]
                for low in lows
            ]
            parts = Parts()
            for writes in batches:
                for table, columns, data in writes:
                    with parts.timing(table):
                        _copy_in(cursor, table, columns, data)
                with parts.timing("text index cleanup"):
                    cursor.execute(GIN_CLEAN)
                with parts.timing("commit"):
                    driver.commit()  # the batch's transaction was begun by the driver, not by SQLAlchemy
            elapsed = parts.log("postgresql")
            written = target.execute(text("SELECT count(*) FROM listings WHERE id >= :f"), {"f": first}).scalar_one()
        imported.dispose()
        floor.dispose()
    return written / elapsed


class Parts:
    """Seconds spent per part of a replay (a table's writes, commits, checkpoints), summed over its batches."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def timing(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started

    def log(self, dialect: str) -> float:
        """Logs the parts, largest first, and returns their total."""
        total = sum(self.seconds.values())
        ranked = sorted(self.seconds.items(), key=lambda part: -part[1])
        log.info("%s floor: %.2f s: %s", dialect, total, ", ".join(f"{name} {seconds:.2f}" for name, seconds in ranked))
        return total


def _copy_in(cursor, table: str, columns: str, data: bytes) -> None:
    """One binary COPY stream (from `_copy_out`) into `table`."""
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:  # noqa: S608 (fixed names)
        copy.write(data)


def _copy_out(source, table: str, where: str) -> tuple[str, str, bytes]:
    """`table`'s rows matching `where` as one binary COPY stream, with the (stored, not generated) columns it holds."""
    names = source.execute(
        text(
            "SELECT attname FROM pg_attribute WHERE attrelid = CAST(:t AS regclass) AND attnum > 0 "
            "AND NOT attisdropped AND attgenerated = '' ORDER BY attnum"
        ),
        {"t": table},
    ).scalars()
    columns = ", ".join(f'"{name}"' for name in names)
    with (
        source.connection.dbapi_connection.cursor() as cursor,
        cursor.copy(
            f"COPY (SELECT {columns} FROM {table} WHERE {where}) TO STDOUT (FORMAT BINARY)"  # noqa: S608
        ) as copy,
    ):
        data = b"".join(bytes(block) for block in copy)
    return table, columns, data


def prepare_us(n: int) -> float:
    """Microseconds of Python per listing in the importer's preparation (`prepare`, `listing_values`), best of 3."""
    items = synthetic_items(n, seed=7, prefix="new")
    source = Source(slug="bench", adapter="ics", url="https://bench.example/", tags=["social"])
    vocabulary = load_vocabulary()
    for item in items:
        apply_source_defaults(item, source)
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for item in items:
            listing_values(prepare(item, source, vocabulary, NOW))
        best = min(best, time.perf_counter() - started)
    return best / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="listings imported, then written again alone")
    parser.add_argument("--base", type=int, default=1_000_000, help="listings already in the database")
    parser.add_argument("--batch", type=int, default=1000, help="listings per ingest call and per replayed commit")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()), help="where the bases are kept")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    meter = HostMeter.start()
    python = prepare_us(args.n)
    sqlite = sqlite_floor(sqlite_base(args.workdir, args.base, reuse=True), args.n, args.batch)
    base_url = None if args.skip_postgres else postgres_url()
    postgres = postgres_floor(base_url, args.base, args.n, args.batch) if base_url else None
    figure = f"{postgres:.0f}" if postgres else "na"
    sys.stdout.write(meter.line() + "\n")
    sys.stdout.write(
        f"ingest_floor n={args.n} sqlite_db_per_s={sqlite:.0f} postgres_db_per_s={figure} prepare_us={python:.1f}\n"
    )


if __name__ == "__main__":
    main()
