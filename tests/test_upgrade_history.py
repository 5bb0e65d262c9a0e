"""Upgrades keep data: a database built by each earlier `main` (its own code, run from git history),
holding listings written by that code, upgrades with today's `finder db upgrade` to exactly today's schema
and its listings are found by search, on SQLite and PostgreSQL.

Migration 0001 was rewritten after databases had been built from it, so each of these reports revision
0001, 0002 or 0003 while its tables differ (revision 0004 repairs them by inspection).

The old databases come from tests/earlier_mains.py: one process per revision builds those of all its selected
cases, and each case upgrades and checks a database of its own. The two cases of a revision share an xdist group,
so under `--dist loadgroup` one worker builds for both while the revisions spread over the workers.
"""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import inspect, text

from finder import create_app
from finder.cli import main
from finder.cli.doctor import check_database
from finder.db.engine import make_engine
from finder.db.migrate import include_object
from finder.models import Base
from tests.conftest import make_test_config, postgres_base_url
from tests.earlier_mains import WRITES_BY_MODELS, OldDatabases

# Every distinct schema `main` produced (0001 rewritten at a184fae, 1452047, ed929e8 and e435dfc; the
# search index's DDL changed in b7b93ab, first on main at 1d52dad's branch; 0003 added at 5e8eb57).
HISTORY = {
    "5819ee0": "foundation: 0001 without the 13 trust/alert tables, no search index, no importer",
    "6525e57": "0002 search index added; 0001 still the first one",
    "a184fae": "0001 regenerated with 13 more tables (no merge_group, no exdates)",
    "1452047": "listings.merge_group and ix_listings_merge on two columns",
    "ed929e8": "ix_listings_merge on three columns, maintenance indexes dropped",
    "1d52dad": "a184fae's 0001 with the online listings' own text table (perf-search2 branch)",
    "e435dfc": "listings.exdates, index without the online text table",
    "89e3db0": "today's 0001 and 0002 (revision 0002)",
    "5e8eb57": "revision 0003 as written",
}

CURRENT = {"89e3db0", "5e8eb57"}  # schemas already equal to today's: nothing to repair or rebuild

CASE = "test_database_from_an_earlier_main_upgrades_and_searches"


def runs_whole_revisions(config: pytest.Config) -> bool:
    """Whether this process runs both cases of each revision it runs: without pytest-xdist, or on a worker under
    --dist loadgroup (the revision's group keeps them together). Elsewhere (--dist load) they may be split over
    the workers, and each builds only the database its case needs."""
    return not hasattr(config, "workerinput") or getattr(config.option, "loadgroup", False)


@pytest.fixture(scope="module")
def old_databases(request, tmp_path_factory, gazetteer_path):
    def selected(revision: str) -> set[str]:
        if not runs_whole_revisions(request.config):
            return set()
        items = [i for i in request.session.items if getattr(i, "originalname", "") == CASE]
        return {i.callspec.params["backend"] for i in items if i.callspec.params["revision"] == revision}

    databases = OldDatabases(tmp_path_factory, gazetteer_path, selected)
    yield databases
    databases.drop(databases.ready.values())  # built for cases that did not run here


@pytest.fixture
def old_url(request, backend, revision, old_databases):
    """This case's database, as `revision` left it: its own, never upgraded before."""

    def postgres() -> str | None:
        return request.getfixturevalue("postgres_url") if backend == "postgres" else postgres_base_url()

    url, drop = old_databases.take(revision, backend, postgres)
    yield url
    drop()


CASES = [
    pytest.param(backend, revision, id=f"{backend}-{revision}", marks=pytest.mark.xdist_group(f"upgrade-{revision}"))
    for revision in HISTORY
    for backend in ("sqlite", "postgres")
]


@pytest.mark.parametrize(("backend", "revision"), CASES)
def test_database_from_an_earlier_main_upgrades_and_searches(
    backend, revision, old_url, tmp_path, monkeypatch, gazetteer_path
):
    monkeypatch.setenv("FINDER_DATABASE_URL", old_url)
    monkeypatch.setenv("FINDER_SECRET_KEY", "x")
    done = CliRunner().invoke(main, ["db", "upgrade"])
    assert done.exit_code == 0, done.output
    assert ("search index rebuilt" in done.output) == (revision not in CURRENT), done.output

    engine = make_engine(old_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"include_object": include_object, "compare_type": True}
            )
            assert compare_metadata(context, Base.metadata) == [], f"schema from {revision} differs from the models"
            assert "listing_geo" in inspect(connection).get_table_names()
            assert connection.execute(text("SELECT count(*) FROM listing_geo")).scalar() >= 1
        assert check_database(engine, old_url).ok
    finally:
        engine.dispose()

    app = create_app(make_test_config(old_url, tmp_path, GAZETTEER_PATH=str(gazetteer_path)))
    try:
        client = app.test_client()
        near = client.get("/api/v1/search?lat=51.5074&lon=-0.1278&q=chess")
        assert near.status_code == 200, near.text
        assert [r["title"] for r in near.json["results"]] == ["Upgrade Chess Club"]
        assert client.get("/search?where=London&q=chess").status_code == 200
        if revision not in WRITES_BY_MODELS:  # those wrote the in-person listing only
            online = client.get("/api/v1/search?online=only&q=knitting")
            assert [r["title"] for r in online.json["results"]] == ["Upgrade Online Knitting Circle"]
            beside = client.get("/api/v1/search?lat=51.5074&lon=-0.1278&q=knitting")  # SQLite: listing_geo_online
            assert [r["title"] for r in beside.json["results"]] == ["Upgrade Online Knitting Circle"]
    finally:
        app.extensions["engine"].dispose()


def test_repair_is_a_no_op_on_todays_schema(migrated_url):
    """Running 0004's checks again on a database built from today's files changes nothing."""
    from alembic import command

    from finder.db.migrate import alembic_config

    engine = make_engine(migrated_url)
    try:
        with engine.connect() as connection:
            before = {t: inspect(connection).get_indexes(t) for t in ("listings", "occurrences")}
        command.downgrade(alembic_config(migrated_url), "0003")
        command.upgrade(alembic_config(migrated_url), "head")
        with engine.connect() as connection:
            after = {t: inspect(connection).get_indexes(t) for t in ("listings", "occurrences")}
            context = MigrationContext.configure(connection, opts={"include_object": include_object})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()
    assert before == after
