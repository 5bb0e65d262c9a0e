"""Two trees' searches on the bench's data, compared: the same pages (ids, distances, scores, totals), and their times.

    (in each tree) python bench/search_compare.py dump OUT.json --n 1000000 [--postgres] [--workdir DIR]
    python bench/search_compare.py compare BEFORE.json AFTER.json

`dump` runs the bench's 300 searches plus 160 variants (fourth pages, 'soonest', 'free') through `execute` cold (the
online branch's remembered answers forgotten before each), then the 300 through `run_search` warm, on the data
`search_bench.py --reuse-sqlite / --reuse-postgres` keeps (build it with that first). `compare` prints how many
pages differ (a change to the SQL must keep this 0) and p50/p95 per shape. A check for changes to search's SQL,
not a benchmark figure: run both dumps in turn on a quiet machine, and more than once.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.search_bench import DEFAULT_POSTGRES, NOW, make_queries, shape  # noqa: E402
from bench.search_data import Data  # noqa: E402
from finder.db.engine import make_engine, make_sessionmaker  # noqa: E402
from finder.search import SearchQuery, run_search, sql_cache  # noqa: E402
from finder.search.run import make_plan  # noqa: E402
from finder.search.sql import execute  # noqa: E402


def variants(queries: list[dict]) -> list[tuple[str, dict]]:
    """(shape, arguments) of the bench's searches and of variants other paths serve."""
    found = [(shape(q), q["args"]) for q in queries]
    found += [("page 4", {**q["args"], "page": "4"}) for q in queries[:60]]
    found += [("soonest", {**q["args"], "sort": "soonest"}) for q in queries[60:120]]
    found += [("free", {**q["args"], "free": "1"}) for q in queries[120:160]]
    return found


def dump(options) -> None:
    data = Data(options.n, 7)
    queries = make_queries(data, 300, 7)
    if options.postgres:
        url = f"{DEFAULT_POSTGRES}?options=-cjit%3Doff%20-csearch_path%3Dsearch_bench_{options.n}_7"
    else:
        url = f"sqlite:///{Path(options.workdir) / f'search_bench_{options.n}.sqlite'}"
    engine = make_engine(url)
    searches = variants(queries)
    out: dict = {"shapes": [name for name, _ in searches], "pages": [], "cold": [], "warm": []}
    with make_sessionmaker(engine)() as session:
        parsed = [SearchQuery.from_args(args) for _, args in searches]
        for query in parsed:  # the page cache warmed once
            run_search(session, query, None, now=NOW)
            session.expunge_all()
        for query in parsed:
            sql_cache.forget_online_answers()
            plan = make_plan(query, NOW, "UTC")
            started = time.perf_counter()
            rows, total = execute(session, plan)
            out["cold"].append(time.perf_counter() - started)
            out["pages"].append([[list(row) for row in rows], total])
        sql_cache.forget_online_answers()
        for query in parsed[: len(queries)]:
            started = time.perf_counter()
            run_search(session, query, None, now=NOW)
            out["warm"].append(time.perf_counter() - started)
            session.expunge_all()
    engine.dispose()
    Path(options.out).write_text(json.dumps(out))


def _say(line: str) -> None:
    """A line of the report (its output, as the benches write their figure lines)."""
    sys.stdout.write(line + "\n")


def compare(options) -> None:
    before, after = (json.loads(Path(name).read_text()) for name in (options.before, options.after))
    differ = [i for i, (a, b) in enumerate(zip(before["pages"], after["pages"], strict=True)) if a != b]
    _say(f"pages that differ: {len(differ)} of {len(before['pages'])} {differ[:10]}")
    for key in ("cold", "warm"):
        a, b = (np.array(d[key]) * 1000 for d in (before, after))
        _say(
            f"{key}: p50 {np.percentile(a, 50):.2f} -> {np.percentile(b, 50):.2f} ms, "
            f"p95 {np.percentile(a, 95):.2f} -> {np.percentile(b, 95):.2f} ms"
        )
    for name in sorted(set(before["shapes"])):
        chosen = [i for i, s in enumerate(before["shapes"]) if s == name]
        a, b = (np.array([d["cold"][i] for i in chosen]) * 1000 for d in (before, after))
        _say(
            f"  cold {name:26s} p50 {np.percentile(a, 50):.2f} -> {np.percentile(b, 50):.2f}  "
            f"p95 {np.percentile(a, 95):.2f} -> {np.percentile(b, 95):.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    dumping = commands.add_parser("dump")
    dumping.add_argument("out")
    dumping.add_argument("--n", type=int, default=1_000_000)
    dumping.add_argument("--postgres", action="store_true", help="the kept PostgreSQL schema instead of SQLite")
    dumping.add_argument("--workdir", default="/tmp", help="where search_bench.py keeps its SQLite file")
    comparing = commands.add_parser("compare")
    comparing.add_argument("before")
    comparing.add_argument("after")
    options = parser.parse_args()
    if options.command == "dump":
        dump(options)
    else:
        compare(options)


if __name__ == "__main__":
    main()
