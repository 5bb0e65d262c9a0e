"""CPU milliseconds per GET /api/v1/search request, in total and by phase (cProfile), through the test client.

    PYTHONPATH=$PWD python bench/api_profile.py [--n 20000] [--requests 500] [--storage memory:// | redis://...]

Builds (or reuses, --reuse) a SQLite file of N synthetic listings with the search benchmark's generator, makes the
app with the rate limiter on (memory or the given store), warms up, then times N requests of a mix of query shapes
(where=London + interests, online=only, kind=volunteer, q=club) by process CPU time without a profiler, and again
under cProfile for the per-phase split (cumulative ms per request; the profiler inflates every figure a little).
Ends with a figure line `api_profile requests=.. cpu_ms=.. profiled_ms=..`.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search_bench import build_sqlite, reuse_sqlite  # noqa: E402
from bench.search_data import Data  # noqa: E402

PATHS = [
    "/api/v1/search?where=London&interests=gardening,chess",
    "/api/v1/search?where=London&interests=music&radius_km=10",
    "/api/v1/search?online=only",
    "/api/v1/search?where=Paris&kind=volunteer",
    "/api/v1/search?where=London&q=club",
    "/api/v1/search?q=club&kind=club,volunteer",
    "/api/v1/search?lat=51.5074&lon=-0.1278&radius_km=25&sort=nearest",
    "/api/v1/search?where=Berlin&interests=yoga&when=month",
]
# (label, file fragment, function name): cumulative time of the first function matching each phase.
PHASES = [
    ("request (wsgi_app)", "flask/app.py", "wsgi_app"),
    ("  search view", "finder/web/api.py", "search"),
    ("    argument parsing", "finder/search/query.py", "from_args"),
    ("    run_search", "finder/search/run.py", "run_search"),
    ("      resolve place", "finder/search/run.py", "resolve_place"),
    ("      make_plan", "finder/search/run.py", "make_plan"),
    ("      SQL execute", "finder/search/sql.py", "execute"),
    ("      load page listings", "finder/search/page_orm.py", "load_listings"),
    ("      page rows", "finder/search/page_rows.py", "load_page"),
    ("      reasons", "finder/reasons.py", "reasons"),
    ("    page_sources", "finder/catalog/licences.py", "page_sources"),
    ("    jsonify", "flask/json/__init__.py", "jsonify"),
    ("  limiter check", "flask_limiter/_extension.py", "_check_request_limit"),
    ("  limiter headers", "flask_limiter/_extension.py", "__inject_headers"),
    ("  spectree wrapper", "spectree/plugins/flask_plugin.py", "validate"),
    ("  app context teardown", "flask/ctx.py", "pop"),
    ("    session close", "finder/web/extensions.py", "_close_session"),
]


def build_app(url: str, storage: str, gazetteer: Path):
    from finder.config import Config
    from finder.web.app import create_app

    config = Config(
        DATABASE_URL=url,
        SECRET_KEY="profile-secret",
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=storage,
        GAZETTEER_PATH=str(gazetteer),
        LOG_LEVEL="WARNING",
    )
    app = create_app(config)
    app.config["RATELIMIT_DEFAULT"] = None
    return app


def make_gazetteer(workdir: Path) -> Path:
    """The tests' small gazetteer (tests/fixtures/geo/gazetteer.json): London, Paris, Berlin and their like."""
    from finder.geo.build import build_gazetteer, load_fixture

    path = workdir / "api_profile_gazetteer.sqlite"
    if not path.exists():
        build_gazetteer(path, sources=load_fixture(ROOT / "tests" / "fixtures" / "geo" / "gazetteer.json"))
    return path


def run(client, count: int) -> None:
    for i in range(count):
        # a distinct client address per request keeps the limit (120/minute) from answering 429
        response = client.get(PATHS[i % len(PATHS)], environ_base={"REMOTE_ADDR": f"10.0.{i // 250}.{i % 250}"})
        if response.status_code != 200:
            raise RuntimeError(f"{PATHS[i % len(PATHS)]} answered {response.status_code}: {response.data[:200]!r}")


def dump(client, path: Path) -> None:
    """Each query's body and X-RateLimit headers (a fresh client address, so the counts compare), one per line."""
    lines = []
    for i, query in enumerate(PATHS):
        response = client.get(query, environ_base={"REMOTE_ADDR": f"10.9.9.{i}"})
        limits = sorted((k, v) for k, v in response.headers.items() if k.lower().startswith("x-ratelimit-limit"))
        remaining = sorted((k, v) for k, v in response.headers.items() if k.lower().startswith("x-ratelimit-rem"))
        lines.append(f"{query} {limits} {remaining}\n{response.get_data(as_text=True)}\n")
    path.write_text("".join(lines))


def phase_table(profile: cProfile.Profile, count: int) -> list[tuple[str, float]]:
    stats = pstats.Stats(profile).stats
    rows = []
    for label, fragment, name in PHASES:
        found = [v[3] for (file, _line, func), v in stats.items() if func == name and file.endswith(fragment)]
        if found:
            rows.append((label, max(found) * 1000 / count))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--storage", default="memory://")
    parser.add_argument("--reuse", action="store_true", help="Keep the SQLite file of an earlier run")
    parser.add_argument("--workdir", default=tempfile.gettempdir())
    parser.add_argument("--dump", help="Write each query's answer (body and rate-limit headers) to this file")
    parser.add_argument("--callers", help="Also print the callers of functions matching this name")
    parser.add_argument("--top", type=int, default=0, help="Also print the N costliest functions (own time)")
    options = parser.parse_args(argv)
    workdir = Path(options.workdir)
    path = workdir / f"api_profile_{options.n}.sqlite"
    url = reuse_sqlite(path) if options.reuse and path.exists() else build_sqlite(path, Data(options.n))
    app = build_app(url, options.storage, make_gazetteer(workdir))
    client = app.test_client()
    run(client, 100)  # warm-up: statement caches, gazetteer, babel
    if options.dump:
        dump(client, Path(options.dump))
    started = time.process_time()
    run(client, options.requests)
    cpu_ms = (time.process_time() - started) * 1000 / options.requests
    profile = cProfile.Profile(time.process_time)  # CPU time: other processes share the machine
    profile.enable()
    run(client, options.requests)
    profile.disable()
    rows = phase_table(profile, options.requests)
    print(f"GET /api/v1/search, {options.n} listings (SQLite), limiter storage {options.storage}")
    for label, ms in rows:
        print(f"{label:<28} {ms:7.2f} ms")
    if options.top:
        pstats.Stats(profile).sort_stats("tottime").print_stats(options.top)
    if options.callers:
        pstats.Stats(profile).sort_stats("tottime").print_callers(options.callers)
        pstats.Stats(profile).sort_stats("tottime").print_callees(options.callers)
    print(f"api_profile requests={options.requests} cpu_ms={cpu_ms:.2f} profiled_ms={rows[0][1]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
