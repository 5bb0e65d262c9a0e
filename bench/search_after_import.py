"""Searches after imports: the bench's first searches per shape on a copy of its kept data, before and after `--rows`
new listings written in committed batches of 1,000 through the index's own write path (`index.write_rows`).

    python bench/search_after_import.py --n 1000000 [--rows 20000] [--workdir DIR] [--no-postgres]

`search_bench.py` measures an index just built and compacted (FTS5 merged into one segment, PostgreSQL VACUUMed),
which no running site keeps: imports write to it between searches. Here the data `search_bench.py --reuse-sqlite
--reuse-postgres` keeps (build it with that first) is copied (the SQLite file; PostgreSQL's database by CREATE
DATABASE ... TEMPLATE, which needs no other session on it), the copy searched as the bench's cold pass does, written
to, searched again, and dropped. Prints p50 / p95 ms per shape, before and after. This found PostgreSQL's text
indexes leaving every write in a pending list that each search with words read through (finder.index.writes).
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.search_bench import DEFAULT_POSTGRES, by_shape, make_queries, time_backend  # noqa: E402
from bench.search_data import Data, load  # noqa: E402
from finder.db.engine import make_engine  # noqa: E402

BATCH = 1000


def write_listings(url: str, n: int, rows: int) -> None:
    """`rows` new listings (another seed, ids after the kept ones) in committed batches of BATCH."""
    extra = Data(rows, seed=8)
    extra.ids = extra.ids + n
    engine = make_engine(url)
    with engine.connect() as connection:
        load(connection, extra, chunk=BATCH, add_tags=False, commit=True)
    engine.dispose()


def measured(url: str, queries: list[dict], n: int, rows: int) -> tuple[dict, dict]:
    """Cold p50 / p95 per shape on `url`, before and after the writes."""
    before = by_shape(queries, time_backend(url, queries)[3])
    write_listings(url, n, rows)
    after = by_shape(queries, time_backend(url, queries)[3])
    return before, after


def sqlite_copy(workdir: Path, n: int, queries: list[dict], rows: int) -> tuple[dict, dict]:
    kept = workdir / f"search_bench_{n}.sqlite"
    if not kept.exists():
        raise SystemExit(f"{kept} is missing: run search_bench.py --n {n} --reuse-sqlite --workdir {workdir} first")
    with tempfile.TemporaryDirectory(dir=workdir) as folder:
        copy = Path(folder) / "after_import.sqlite"
        shutil.copyfile(kept, copy)
        return measured(f"sqlite:///{copy}", queries, n, rows)


def postgres_copy(base_url: str, n: int, queries: list[dict], rows: int) -> tuple[dict, dict]:
    source = make_url(base_url).database
    copy = f"bench_after_import_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{copy}" TEMPLATE "{source}" STRATEGY FILE_COPY'))
    try:
        url = make_url(base_url).set(database=copy)
        url = url.update_query_dict({"options": f"-cjit=off -csearch_path=search_bench_{n}_7"})
        return measured(url.render_as_string(hide_password=False), queries, n, rows)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)'))
        admin.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="listings in the kept data")
    parser.add_argument("--rows", type=int, default=20_000, help="new listings written after the first pass")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES)
    parser.add_argument("--no-postgres", action="store_true")
    options = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s")
    queries = make_queries(Data(options.n, 7), 300, 7)
    results = {"sqlite": sqlite_copy(options.workdir, options.n, queries, options.rows)}
    if not options.no_postgres:
        results["postgres"] = postgres_copy(options.postgres_url, options.n, queries, options.rows)
    out = sys.stdout.write
    out(f"first searches (cold) before / after {options.rows} new listings in batches of {BATCH}, n={options.n}\n")
    out(f"{'p50 / p95 ms per shape':26}" + "".join(f"{f'{name} before':>18}{f'{name} after':>18}" for name in results))
    out("\n")
    for shape in results["sqlite"][0]:
        cells = [
            f"{table[shape]['p50']:.2f} / {table[shape]['p95']:.2f}" for pair in results.values() for table in pair
        ]
        out(f"{shape:26}" + "".join(f"{cell:>18}" for cell in cells) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
