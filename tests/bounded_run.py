"""Scrape sources through the real path (run_source) in a process held to a memory limit; one JSON line out.

`python -m tests.bounded_run MAX_MB DB_URL SPEC_JSON`: once the application's modules are loaded, the address
space of this process (and of every process it starts: the parse workers) may grow by MAX_MB at most — the
budget is what the work may take, not what the interpreter and its libraries already hold; SPEC_JSON is
{"now": iso, "settings": {...}, "sources": [[slug, adapter, url], ...]}. Each source is run once on a
fresh SQLite schema at DB_URL; printed: {slug: {status, error, problems, seconds, listings: {title: n}}}.
With "suggest": [url, ...] instead of "sources", each URL is posted to the suggest form, the clock frozen
at "now"; printed: {url: {status_code, seconds, page}}.
"""

from __future__ import annotations

import resource
import sys


def _address_space_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmSize in /proc/self/status")


def _limit(max_mb: int) -> None:
    import finder  # noqa: F401  the application and its libraries, loaded before the budget starts
    import finder.ingest.runs  # noqa: F401
    import finder.web.views.contribute  # noqa: F401
    import tests.conftest  # noqa: F401

    size = _address_space_bytes() + max_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (size, size))


def suggest(db_url: str, spec: dict, folder: str) -> dict:
    import time
    from datetime import datetime
    from pathlib import Path

    import time_machine

    from finder import create_app
    from tests.conftest import build_schema, make_test_config
    from tests.trust_helpers import post_form

    build_schema(db_url)
    catalog = Path(folder) / "sources.toml"
    catalog.write_text("# test catalogue\n")
    app = create_app(make_test_config(db_url, None, SOURCES_FILE=str(catalog), **spec.get("settings", {})))
    client = app.test_client()
    out = {}
    with time_machine.travel(datetime.fromisoformat(spec["now"]), tick=True):
        for url in spec["suggest"]:
            clock = time.monotonic()
            answer = post_form(client, "/suggest", url=url)
            out[url] = {
                "status_code": answer.status_code,
                "seconds": time.monotonic() - clock,
                "page": answer.get_data(as_text=True),
            }
    app.extensions["engine"].dispose()
    return out


def main(db_url: str, spec: dict) -> dict:
    import time
    from datetime import datetime

    from sqlalchemy import select

    from finder.db.engine import make_engine, make_sessionmaker
    from finder.ingest.runs import run_source
    from finder.models import Listing, Source
    from tests.conftest import build_schema, make_test_config

    build_schema(db_url)
    engine = make_engine(db_url)
    session = make_sessionmaker(engine)()
    config = make_test_config(db_url, None, **spec.get("settings", {}))
    now = datetime.fromisoformat(spec["now"])
    out = {}
    for slug, adapter, url in spec["sources"]:
        session.add(Source(slug=slug, adapter=adapter, url=url, timezone="Europe/London", country="GB"))
        session.commit()
        clock = time.monotonic()
        run = run_source(session, slug, now=now, config=config)
        session.commit()
        seconds = time.monotonic() - clock
        listings = session.scalars(select(Listing).where(Listing.sources.any(source_id=run.source_id))).all()
        out[slug] = {
            "status": run.status,
            "error": run.error,
            "problems": run.problems,
            "seconds": seconds,
            "listings": {listing.title: len(listing.occurrences) for listing in listings},
        }
    session.close()
    engine.dispose()
    return out


if __name__ == "__main__":
    _limit(int(sys.argv[1]))
    import json

    spec = json.loads(sys.argv[3])
    if "suggest" in spec:
        print(json.dumps(suggest(sys.argv[2], spec, sys.argv[4])))
    else:
        print(json.dumps(main(sys.argv[2], spec)))
