"""Shared fixtures: real SQLite and (when it answers) real PostgreSQL, each in a fresh schema.

`db_url` is parametrised over both backends; tests taking `session` or `app` run on both.
PostgreSQL absent: those cases skip with a reason, except when CI=true, where they fail.
"""

from __future__ import annotations

import functools
import gc
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from finder import create_app
from finder.config import Config
from finder.db.engine import make_engine, make_sessionmaker
from finder.db.migrate import upgrade
from finder.index import schema as index_schema
from finder.models import Base
from tests import route_cache, template_cache

route_cache.install()  # Werkzeug's URL builders compiled once per rule, not once per test app (see there)
template_cache.install()  # Jinja templates compiled once per process, not once per test app (see there)


def pytest_configure(config):
    """Python's cycle collector looks at its youngest objects every 100,000 new ones rather than every 700 (and
    at all of them 50,000 times more rarely), and never at what was imported before the tests (gc.freeze): the
    suite's ORM objects, apps and responses made it walk modules that live for the whole run thousands of
    times (~12% of the in-process tests' CPU). Cycles are still collected; subprocesses keep the defaults."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(100_000, 50, 1000)


HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
CORPUS = HERE.parent.parent / "shared" / "corpus"
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
# The instant every date-building test starts from (a Wednesday), never the real clock: with `frozen_now`
# the clock stands still there, so a test passes on any day (CI also runs the suite with the clock moved).
FROZEN_NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
# Tests that run `finder demo load`/`build` write the demo files into the checkout's data/demo/ (the folder the
# catalogue's file:data/demo/... URLs read) and read them back; under pytest-xdist they share one worker, so
# one test never reads files another is rewriting around a different day (`make test` runs --dist loadgroup).
WRITES_DEMO_FILES = pytest.mark.xdist_group("data-demo")


def postgres_base_url() -> str | None:
    """A PostgreSQL URL that answers, or None (skip), or a failure under CI=true."""
    url = os.environ.get("FINDER_TEST_POSTGRES_URL") or DEFAULT_POSTGRES
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
        return url
    except Exception as error:  # any connection failure means "absent"
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI but did not answer at {url}: {error}")
        return None


@pytest.fixture
def frozen_now():
    """The clock stopped at FROZEN_NOW for the test (time-machine: datetime.now, date.today, time.time);
    build the test's dates from the value it returns. Monotonic clocks and sleeps still run."""
    with time_machine.travel(FROZEN_NOW, tick=False):
        yield FROZEN_NOW


@pytest.fixture(scope="session")
def postgres_url():
    url = postgres_base_url()
    if url is None:
        pytest.skip("PostgreSQL not reachable (set FINDER_TEST_POSTGRES_URL or run it on 127.0.0.1:5432)")
    return url


def fresh_postgres_schema(base_url: str):
    """Create a new schema; return (url pinned to it, drop function)."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})

    def drop():
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return url.render_as_string(hide_password=False), drop


def build_schema(url: str) -> None:
    """Tables from the models plus the search-index objects (migrations are tested separately), stamped
    with the head revision as `finder db upgrade` would leave them (/healthz checks it)."""
    from alembic import command

    from finder.db.migrate import alembic_config

    engine = make_engine(url)
    with engine.begin() as connection:
        Base.metadata.create_all(connection)
        for hook in SCHEMA_HOOKS:
            hook(connection)
    engine.dispose()
    command.stamp(alembic_config(url), "head")


# Objects outside the models (search indexes) register their creators here.
SCHEMA_HOOKS: list = [index_schema.create_objects]


def _database(request, tmp_path_factory, prepare):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
        prepare(url)
        yield url
        return
    base = request.getfixturevalue("postgres_url")
    url, drop = fresh_postgres_schema(base)
    prepare(url)
    yield url
    drop()


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def db_url(request, tmp_path_factory):
    """An empty database URL with the full schema, on each backend (one per test run)."""
    yield from _database(request, tmp_path_factory, build_schema)


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def migrated_url(request, tmp_path_factory):
    """A database brought from empty to head by the Alembic migrations, on each backend."""
    yield from _database(request, tmp_path_factory, upgrade)


@pytest.fixture(scope="session")
def engine(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def clear_tables(engine) -> None:
    """Empty every table, as a fresh database would be (ids start again at 1), in one round trip.

    PostgreSQL: DELETE only from the tables holding rows and rewind only the sequences that were used, in
    one DO block with synchronous_commit off. TRUNCATE of every table cost ~0.5-0.8 s per test here (it makes
    new files for each table and index); this costs a few milliseconds. Rows written by other connections and
    subprocesses are seen too (the check reads the tables, not what this process wrote)."""
    names = [table.name for table in reversed(Base.metadata.sorted_tables)]  # children before parents
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(_postgres_clear_block(tuple(names))))
        else:
            for name in names:
                connection.execute(text(f'DELETE FROM "{name}"'))  # noqa: S608 (names from our metadata)
        for hook in CLEAR_HOOKS:
            hook(connection)


@functools.cache
def _postgres_clear_block(names: tuple[str, ...]) -> str:
    tables = ", ".join(f"'{name}'" for name in names)
    return f"""DO $$
DECLARE
    t text;
    has_rows boolean;
    s record;
BEGIN
    SET LOCAL synchronous_commit = off;
    FOREACH t IN ARRAY ARRAY[{tables}]::text[] LOOP
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I)', t) INTO has_rows;
        IF has_rows THEN
            EXECUTE format('DELETE FROM %I', t);
        END IF;
    END LOOP;
    FOR s IN SELECT schemaname, sequencename FROM pg_sequences
             WHERE schemaname = current_schema() AND last_value IS NOT NULL LOOP
        PERFORM setval(format('%I.%I', s.schemaname, s.sequencename), 1, false);
    END LOOP;
END $$"""


# Search-index tables and other non-model objects register their cleaners here.
CLEAR_HOOKS: list = [index_schema.clear]


@pytest.fixture
def session(engine):
    """A session on an empty database; the test owns its commits."""
    clear_tables(engine)
    maker = make_sessionmaker(engine)
    with maker() as session:
        yield session


def make_test_config(db_url: str, tmp_path: Path, **overrides) -> Config:
    values = dict(
        DATABASE_URL=db_url,
        SECRET_KEY="test-secret",
        TESTING=True,
        FETCH_ALLOW_PRIVATE=True,
        FETCH_MIN_DELAY_S=0.0,
        FETCH_RETRY_BACKOFF_S=0.05,  # the retries still happen, without 7 s of waiting behind each 5xx
        RATELIMIT_ENABLED=False,
        SMTP_URL="",
    )
    values.update(overrides)
    return Config(**values)


@pytest.fixture
def app(engine, db_url, tmp_path):
    clear_tables(engine)
    app = create_app(make_test_config(db_url, tmp_path))
    yield app
    app.extensions["engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def corpus():
    """The shared real-world corpus; tests using it skip cleanly when it is absent."""
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS}")
    return CORPUS


@pytest.fixture(scope="session")
def gazetteer_path(tmp_path_factory) -> Path:
    """A small gazetteer (tests/fixtures/geo/gazetteer.json) built once per run; see finder/geo/build.py."""
    from finder.geo.build import build_gazetteer, load_fixture

    path = tmp_path_factory.mktemp("gazetteer") / "gazetteer.sqlite"
    build_gazetteer(path, sources=load_fixture(FIXTURES / "geo" / "gazetteer.json"))
    return path


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright, one per test process (tests/live_site.py says how it is launched):
    each launch costs ~1.4 s of CPU, and each test opens a context of its own. While it is up, Playwright's event
    loop counts as running in this thread: a test here must not call asyncio.run() (none does; aiosmtpd runs its
    loop in a thread of its own)."""
    from playwright.sync_api import sync_playwright

    from tests.live_site import launch

    with sync_playwright() as playwright:
        launched = launch(playwright)
        yield launched
        launched.close()
