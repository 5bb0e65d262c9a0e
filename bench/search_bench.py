"""Search benchmark: N synthetic listings around real cities, >= 300 mixed queries through run_search.

    python bench/search_bench.py --n 100000 [--queries 300] [--http-seconds 10] [--no-postgres] [--no-http]

Prints p50/p95/p99 for SQLite and PostgreSQL (run_search end to end, the SQL alone, and run_search cold: no
remembered online answers, as the first search of each filter set; per shape too) next to a
numpy brute-force baseline on the same data, the HTTP throughput of /api/v1/search under gunicorn
(2 workers, SQLite), and ends with the `search` figure line of DESIGN.md ('na' where not taken).
SQLite: the index is compacted after loading (`index_schema.compact`: FTS5 optimize, ANALYZE). PostgreSQL:
the index table is loaded in band order, CLUSTERed and ANALYZEd; session setting jit=off.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.host import HostMeter  # noqa: E402
from bench.search_brute import brute_top  # noqa: E402
from bench.search_data import NOW, WORDS, Data, load  # noqa: E402
from finder.db.engine import make_engine, make_sessionmaker  # noqa: E402
from finder.geo.math import KM_PER_DEGREE_LAT  # noqa: E402
from finder.index import schema as index_schema  # noqa: E402
from finder.models import Base  # noqa: E402
from finder.search import SearchQuery, run_search, sql_cache  # noqa: E402
from finder.search.run import make_plan  # noqa: E402
from finder.search.sql import execute  # noqa: E402
from finder.tags import load_vocabulary  # noqa: E402

log = logging.getLogger("bench.search")
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
RADII_KM = (5, 25, 100)


def make_queries(data: Data, count: int, seed: int) -> list[dict]:
    """radius 5/25/100 km × with/without interests × with/without text, around weighted city centres."""
    rng = np.random.default_rng(seed + 1)
    vocabulary = load_vocabulary()
    queries = []
    towns = rng.choice(len(data.city_p), size=count, p=data.city_p)
    for i in range(count):
        lat, lon = float(data.city_lat[towns[i]]), float(data.city_lon[towns[i]])
        lat += rng.normal(0, 3) / KM_PER_DEGREE_LAT
        lon += rng.normal(0, 5) / (KM_PER_DEGREE_LAT * np.cos(np.radians(lat)))
        combo = i % 12
        radius = RADII_KM[combo % 3]
        slugs = list(rng.choice(data.slugs[:30], size=1 + (i % 2), replace=False)) if combo // 3 % 2 else []
        word = WORDS[int(rng.choice([0, 1, 2, 5, 10, 18, 25, 40]))] if combo // 6 else ""
        lat, lon = round(lat, 5), round(lon, 5)  # the point the API is given, for the baseline too
        args = {"lat": f"{lat:.5f}", "lon": f"{lon:.5f}", "radius_km": str(radius)}
        if slugs:
            args["interests"] = ", ".join(vocabulary.label(s) for s in slugs)
        if word:
            args["q"] = word
        queries.append(
            {
                "args": args,
                "lat": lat,
                "lon": lon,
                "radius_km": float(radius),
                "word_bit": (1 << WORDS.index(word)) if word else 0,
                "tag_bits": [1 << data.slugs.index(s) for s in slugs],
            }
        )
    return queries


def percentiles(samples_s: list[float]) -> dict:
    ms = np.array(samples_s) * 1000
    return {
        "p50": float(np.percentile(ms, 50)),
        "p95": float(np.percentile(ms, 95)),
        "p99": float(np.percentile(ms, 99)),
    }


def time_backend(url: str, queries: list[dict]) -> tuple[list[float], list[float], list[list[int]], list[float]]:
    """(run_search seconds, SQL-only seconds, top ids, cold run_search seconds) per query; cold: with no
    remembered online answers at all, as the first search of each filter set finds it."""
    engine = make_engine(url)
    maker = make_sessionmaker(engine)
    parsed = [SearchQuery.from_args(q["args"]) for q in queries]
    full, sql_only, tops = [], [], []
    with maker() as session:
        for query in parsed:  # warm the page cache once; remembered online answers are then forgotten
            run_search(session, query, None, now=NOW)
            session.expunge_all()
        sql_cache.forget_online_answers()
        for query in parsed:
            started = time.perf_counter()
            page = run_search(session, query, None, now=NOW)
            full.append(time.perf_counter() - started)
            tops.append([r.listing.id for r in page.results])
            session.expunge_all()
        sql_cache.forget_online_answers()
        for query in parsed:
            plan = make_plan(query, NOW, "UTC")
            started = time.perf_counter()
            execute(session, plan)
            sql_only.append(time.perf_counter() - started)
        cold = []
        for query in parsed:
            sql_cache.forget_online_answers()
            started = time.perf_counter()
            run_search(session, query, None, now=NOW)
            cold.append(time.perf_counter() - started)
            session.expunge_all()
    engine.dispose()
    return full, sql_only, tops, cold


def shape(query: dict) -> str:
    """The query's shape: radius, with or without interests, with or without text."""
    return (
        f"{query['radius_km']:g} km"
        + (" +interests" if query["tag_bits"] else "")
        + (" +text" if query["word_bit"] else "")
    )


def by_shape(queries: list[dict], samples_s: list[float]) -> dict[str, dict]:
    """Percentiles of the samples per query shape."""
    groups: dict[str, list[float]] = {}
    for query, sample in zip(queries, samples_s, strict=True):
        groups.setdefault(shape(query), []).append(sample)
    return {name: percentiles(values) for name, values in groups.items()}


def fill(engine, data: Data) -> None:
    """The schema, the search-index objects and the listings of `data`, in one transaction."""
    with engine.begin() as connection:
        Base.metadata.create_all(connection)
        index_schema.create_objects(connection)
        load(connection, data)


def build_sqlite(path: Path, data: Data) -> str:
    url = f"sqlite:///{path}"
    if path.exists():
        path.unlink()
    engine = make_engine(url)
    started = time.perf_counter()
    fill(engine, data)
    with engine.begin() as connection:
        index_schema.compact(connection)
    engine.dispose()
    log.info("sqlite loaded in %.1f s (%s)", time.perf_counter() - started, path)
    return url


def reuse_sqlite(path: Path) -> str:
    """The url of a file built earlier, with index tables added since (filled as their migration does)."""
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    with engine.begin() as connection:
        index_schema.create_objects(connection)
        if connection.exec_driver_sql("SELECT 1 FROM listing_geo_online LIMIT 1").first() is None:
            connection.exec_driver_sql(index_schema.ONLINE_FILL)
    engine.dispose()
    return url


def build_postgres(base_url: str, data: Data, *, reuse: bool = False) -> tuple[str, str]:
    """A schema `search_bench_<n>_<seed>` holding the data (a fresh one unless `reuse` finds it already
    loaded); returns (url pinned to it, schema)."""
    schema = f"search_bench_{data.n}_{data.seed}"
    url = make_url(base_url).update_query_dict({"options": f"-cjit=off -csearch_path={schema}"})
    url = url.render_as_string(hide_password=False)
    if reuse and _postgres_loaded(base_url, schema):
        log.info("postgres schema %s reused", schema)
        with make_engine(url).begin() as connection:  # index objects added since, as their migration makes them
            index_schema.create_objects(connection)
            connection.exec_driver_sql("DROP INDEX IF EXISTS listing_geo_band_lon")  # replaced (migration 0014)
            connection.exec_driver_sql("DROP INDEX IF EXISTS listing_geo_online_rank")  # replaced (migration 0017)
            connection.exec_driver_sql("ANALYZE listing_geo")
        return url, schema
    with make_engine(base_url).begin() as connection:
        connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    engine = make_engine(url)
    started = time.perf_counter()
    fill(engine, data)
    with engine.begin() as connection:
        connection.exec_driver_sql("CLUSTER listing_geo USING listing_geo_band_lon_cover")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()
    log.info("postgres loaded in %.1f s", time.perf_counter() - started)
    return url, schema


def _postgres_loaded(base_url: str, schema: str) -> bool:
    """Whether `schema` holds a finished load (the bench VACUUMs last, so a table with statistics)."""
    engine = make_engine(base_url)
    with engine.connect() as connection:
        found = connection.exec_driver_sql(
            "SELECT reltuples FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %(schema)s AND c.relname = 'listing_geo'",
            {"schema": schema},
        ).scalar()
    engine.dispose()
    return bool(found and found > 0)


def drop_postgres(base_url: str, schema: str) -> None:
    engine = make_engine(base_url)
    with engine.begin() as connection:
        connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    engine.dispose()


def brute(data: Data, queries: list[dict]) -> tuple[list[float], list[list[int]]]:
    samples, tops = [], []
    for query in queries[:5]:
        brute_top(data, query, NOW.timestamp())
    for query in queries:
        started = time.perf_counter()
        top, _ = brute_top(data, query, NOW.timestamp())
        samples.append(time.perf_counter() - started)
        tops.append(top)
    return samples, tops


def agreement(a: list[list[int]], b: list[list[int]]) -> float:
    return 100.0 * sum(x == y for x, y in zip(a, b, strict=True)) / len(a)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--http-seconds", type=float, default=10.0)
    parser.add_argument("--postgres-url", default=os.environ.get("FINDER_TEST_POSTGRES_URL") or DEFAULT_POSTGRES)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--reuse-sqlite", action="store_true", help="Keep an existing SQLite file of this n and seed")
    parser.add_argument(
        "--reuse-postgres",
        action="store_true",
        help="Keep the PostgreSQL schema of this n and seed (reused when loaded, not dropped after)",
    )
    parser.add_argument("--workdir", default=tempfile.gettempdir())
    options = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    figures = {
        "sqlite_p50_ms": None,
        "sqlite_p95_ms": None,
        "postgres_p95_ms": None,
        "brute_p95_ms": None,
        "http_rps": None,
    }

    meter = HostMeter.start()
    data = Data(options.n, options.seed)
    options.cities = data.cities
    queries = make_queries(data, max(options.queries, 300), options.seed)
    brute_s, brute_tops = brute(data, queries)
    brute_p = percentiles(brute_s)
    figures["brute_p95_ms"] = brute_p["p95"]
    report = [("numpy brute force", brute_p, None)]
    shapes = {"brute": by_shape(queries, brute_s)}

    sqlite_path = Path(options.workdir) / f"search_bench_{options.n}.sqlite"
    reuse = options.reuse_sqlite and sqlite_path.exists()
    sqlite_url = reuse_sqlite(sqlite_path) if reuse else build_sqlite(sqlite_path, data)
    full_s, sql_s, tops, cold_s = time_backend(sqlite_url, queries)
    full = percentiles(full_s)
    figures["sqlite_p50_ms"], figures["sqlite_p95_ms"] = full["p50"], full["p95"]
    report += [
        ("sqlite run_search", full, agreement(tops, brute_tops)),
        ("sqlite SQL only", percentiles(sql_s), None),
        ("sqlite cold", percentiles(cold_s), None),
    ]
    shapes["sqlite"] = by_shape(queries, full_s)
    shapes["sqlite cold"] = by_shape(queries, cold_s)

    if not options.no_postgres:
        try:
            pg_url, schema = build_postgres(options.postgres_url, data, reuse=options.reuse_postgres)
        except SQLAlchemyError as error:  # PostgreSQL absent or refusing: the figure is 'na'
            log.warning("postgres skipped: %s", error)
        else:
            try:
                full_s, sql_s, tops, cold_s = time_backend(pg_url, queries)
                full = percentiles(full_s)
                figures["postgres_p95_ms"] = full["p95"]
                report += [
                    ("postgres run_search", full, agreement(tops, brute_tops)),
                    ("postgres SQL only", percentiles(sql_s), None),
                    ("postgres cold", percentiles(cold_s), None),
                ]
                shapes["postgres"] = by_shape(queries, full_s)
                shapes["postgres cold"] = by_shape(queries, cold_s)
            finally:
                if not options.reuse_postgres:
                    drop_postgres(options.postgres_url, schema)

    http = None
    if not options.no_http:
        from bench.search_http import measure

        paths = ["/api/v1/search?" + urlencode(q["args"]) for q in queries]
        http = measure(sqlite_url, paths, options.http_seconds)
        figures["http_rps"] = http["rps"]

    print_report(options, report, shapes, http, figures, meter)
    return 0


def print_report(options, report, shapes, http, figures, meter: HostMeter) -> None:
    out = sys.stdout.write
    out(
        f"\nsearch benchmark: n={options.n} listings around {options.cities}, queries={max(options.queries, 300)} "
        f"(radius {'/'.join(map(str, RADII_KM))} km x interests x text)\n"
    )
    out(f"{'':24} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  same top-20 as brute\n")
    for name, p, agree in report:
        same = f"{agree:.0f}%" if agree is not None else ""
        out(f"{name:24} {p['p50']:8.2f} {p['p95']:8.2f} {p['p99']:8.2f}  {same}\n")
    out("\np50 / p95 ms per shape   " + "".join(f"{name:>16}" for name in shapes) + "\n")
    for name in sorted(shapes["brute"], key=lambda k: (float(k.split()[0]), k)):
        cells = (f"{found[name]['p50']:.2f} / {found[name]['p95']:.2f}" for found in shapes.values())
        out(f"{name:24} " + "".join(f"{cell:>16}" for cell in cells) + "\n")
    out("\n")
    if http:
        out(
            f"http /api/v1/search (gunicorn -w 2, sqlite, {http['tool']}): {http['rps']:.0f} req/s, "
            f"errors {http['errors']}, largest worker RSS {http['worker_rss_mb']:.0f} MB\n"
        )
    if figures["sqlite_p95_ms"] and figures["brute_p95_ms"]:
        out(f"speed-up over brute force at p95: sqlite {figures['brute_p95_ms'] / figures['sqlite_p95_ms']:.1f}x\n")
    out(meter.line() + "\n")
    line = " ".join(
        f"{k}={'na' if v is None else f'{v:.1f}' if k == 'http_rps' else f'{v:.2f}'}" for k, v in figures.items()
    )
    out(f"search n={options.n} {line}\n")


if __name__ == "__main__":
    sys.exit(main())
