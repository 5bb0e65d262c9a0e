"""While a source's server takes its time, the run holds no PostgreSQL connection "idle in transaction":
the source row is read and the read ended before fetching, and the fetcher's state is read through short
connections of its own. Observed from pg_stat_activity while the (real, local) server is answering."""

from __future__ import annotations

import time
import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug import Response

from finder.db.engine import make_engine, make_sessionmaker
from finder.db.migrate import upgrade
from finder.ingest.runs import default_fetcher, run_source
from finder.models import Source
from tests.conftest import fresh_postgres_schema, make_test_config
from tests.trust_helpers import calendar, soon

SLOW_S = 1.0


def test_a_slow_source_leaves_no_connection_idle_in_transaction(postgres_url, httpserver, tmp_path):
    url, drop = fresh_postgres_schema(postgres_url)
    name = f"kindred-idle-{uuid.uuid4().hex[:8]}"
    ours = make_url(url).update_query_dict({"application_name": name}).render_as_string(hide_password=False)
    watcher = create_engine(postgres_url)
    seen: list[str] = []

    def slow_page(_request):
        time.sleep(SLOW_S / 2)  # the run is waiting on us now: what are its connections doing?
        with watcher.connect() as connection:
            seen.extend(
                connection.execute(
                    text("SELECT state FROM pg_stat_activity WHERE application_name = :n"), {"n": name}
                ).scalars()
            )
        time.sleep(SLOW_S / 2)
        body = calendar({"uid": "s1@slow", "title": "Slow Club", "start": soon(3)})
        return Response(body, content_type="text/calendar")

    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/slow.ics").respond_with_handler(slow_page)
    engine = make_engine(ours)
    try:
        upgrade(url)
        config = make_test_config(ours, tmp_path)
        with make_sessionmaker(engine)() as session:
            session.add(Source(slug="slow", adapter="ics", url=httpserver.url_for("/slow.ics")))
            session.commit()
        with make_sessionmaker(engine)() as session:
            run = run_source(session, "slow", fetcher=default_fetcher(session, config), config=config)
            session.commit()
        assert run.status == "ok" and run.inserted == 1
        assert seen, "the handler saw none of the run's connections"
        assert "idle in transaction" not in seen, seen
    finally:
        engine.dispose()
        watcher.dispose()
        drop()
