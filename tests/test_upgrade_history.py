"""Upgrades keep data: a database built by each earlier `main` (its own code, run from git history),
holding listings written by that code, upgrades with today's `finder db upgrade` to exactly today's schema
and its listings are found by search, on SQLite and PostgreSQL.

Migration 0001 was rewritten after databases had been built from it, so each of these reports revision
0001, 0002 or 0003 while its tables differ (revision 0004 repairs them by inspection).
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

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
from tests.conftest import fresh_postgres_schema, make_test_config

REPO = Path(__file__).resolve().parent.parent

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

SOURCES = """[[source]]
slug = "ops-upgrade"
adapter = "ics"
url = "file:data/ops_upgrade.ics"
every = "1d"
enabled = true
timezone = "Europe/London"
locality = "London"
country = "GB"
licence = "test"
attribution = "test"
"""

# 5819ee0 had no importer, and 6525e57's importer read tables its own migrations did not make yet: there
# the listing is written through that revision's ORM models.
WRITES_BY_MODELS = {"5819ee0", "6525e57"}
FOUNDATION_WRITE = """
import os, sys
from datetime import datetime, timedelta, timezone
from sqlalchemy.orm import Session
from finder import models
from finder.db import make_engine
from finder.migrate import upgrade
upgrade(os.environ["FINDER_DATABASE_URL"])
start = datetime.fromisoformat(sys.argv[1])
with Session(make_engine(os.environ["FINDER_DATABASE_URL"])) as s:
    src = models.Source(slug="ops-upgrade", name="ops", adapter="ics", url="file:data/ops_upgrade.ics", every="1d")
    s.add(src); s.flush()
    li = models.Listing(kind="club", title="Upgrade Chess Club", description="Weekly chess, newcomers welcome",
        url="https://example.org/chess", locality="London", country="GB", lat=51.5074, lon=-0.1278,
        start=start, end=start + timedelta(hours=2), recurrence="FREQ=WEEKLY", next_start=start,
        match_title="upgrade chess club", first_day=start.date().isoformat())
    s.add(li); s.flush()
    s.add(models.ListingSource(listing_id=li.id, source_id=src.id, source_key="chess-1",
                               source_url="https://example.org/chess"))
    s.add(models.Occurrence(listing_id=li.id, start=start, end=start + timedelta(hours=2)))
    s.commit()
"""


def calendar(start: datetime) -> str:
    """A weekly in-person group in London and a weekly online one, starting two days after `start`."""
    first = (start + timedelta(days=2)).strftime("%Y%m%dT190000")
    online = (start + timedelta(days=3)).strftime("%Y%m%dT180000Z")
    return "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//kindred tests//EN",
            "BEGIN:VEVENT",
            "UID:ops-chess-1@example.org",
            "DTSTAMP:20260101T000000Z",
            f"DTSTART;TZID=Europe/London:{first}",
            "DURATION:PT2H",
            "RRULE:FREQ=WEEKLY",
            "SUMMARY:Upgrade Chess Club",
            "DESCRIPTION:Weekly chess for everyone\\, newcomers welcome.",
            "LOCATION:Central Library\\, London\\, UK",
            "URL:https://example.org/chess",
            "END:VEVENT",
            "BEGIN:VEVENT",
            "UID:ops-online-1@example.org",
            "DTSTAMP:20260101T000000Z",
            f"DTSTART:{online}",
            "DURATION:PT1H",
            "RRULE:FREQ=WEEKLY",
            "SUMMARY:Upgrade Online Knitting Circle",
            "DESCRIPTION:Knit together online every week.",
            "URL:https://example.org/knit",
            "LOCATION:Online",
            "END:VEVENT",
            "END:VCALENDAR",
            "",
        ]
    )


def checkout(revision: str, into: Path, gazetteer: Path) -> Path:
    """The revision's code and data (git archive), with the test gazetteer beside it (a fresh clone has no
    built data/gazetteer.sqlite; the test one holds London)."""
    found = subprocess.run(["git", "-C", str(REPO), "cat-file", "-e", f"{revision}^{{commit}}"], capture_output=True)
    if found.returncode != 0:
        pytest.skip(f"git history with {revision} not available")
    listed = subprocess.run(
        ["git", "-C", str(REPO), "ls-tree", "--name-only", revision], capture_output=True, text=True, check=True
    ).stdout.split()
    paths = [p for p in ("finder", "scrapers", "migrations", "data") if p in listed]
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", revision, *paths], capture_output=True, check=True
    ).stdout
    into.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    (into / "data").mkdir(exist_ok=True)
    (into / "data" / "gazetteer.sqlite").symlink_to(gazetteer)
    return into


OLD_SCRAPE = """
import os
from finder.cli import main
from finder.migrate import upgrade
upgrade(os.environ["FINDER_DATABASE_URL"])
main(["scrape", "ops-upgrade"], standalone_mode=False)
"""


def run_old(tree: Path, url: str, *args: str) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(tree),
        "FINDER_DATABASE_URL": url,
        "FINDER_SOURCES_FILE": "data/ops_sources.toml",
        "FINDER_SECRET_KEY": "x",
    }
    done = subprocess.run([sys.executable, *args], cwd=tree, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{args} at {tree.name} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"


def build_at(revision: str, tree: Path, url: str) -> None:
    """Migrate with the revision's own code, then write listings with it."""
    now = datetime.now(UTC).replace(microsecond=0)
    (tree / "data" / "ops_upgrade.ics").write_text(calendar(now), encoding="utf-8")
    (tree / "data" / "ops_sources.toml").write_text(SOURCES, encoding="utf-8")
    if revision in WRITES_BY_MODELS:
        run_old(tree, url, "-c", FOUNDATION_WRITE, (now + timedelta(days=2)).isoformat())
    else:
        run_old(tree, url, "-c", OLD_SCRAPE)


@pytest.fixture(params=["sqlite", "postgres"])
def blank_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.sqlite'}"
        return
    url, drop = fresh_postgres_schema(request.getfixturevalue("postgres_url"))
    yield url
    drop()


@pytest.mark.parametrize("revision", list(HISTORY))
def test_database_from_an_earlier_main_upgrades_and_searches(
    revision, blank_url, tmp_path, monkeypatch, gazetteer_path
):
    build_at(revision, checkout(revision, tmp_path / revision, gazetteer_path), blank_url)

    monkeypatch.setenv("FINDER_DATABASE_URL", blank_url)
    monkeypatch.setenv("FINDER_SECRET_KEY", "x")
    done = CliRunner().invoke(main, ["db", "upgrade"])
    assert done.exit_code == 0, done.output
    assert ("search index rebuilt" in done.output) == (revision not in CURRENT), done.output

    engine = make_engine(blank_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"include_object": include_object, "compare_type": True}
            )
            assert compare_metadata(context, Base.metadata) == [], f"schema from {revision} differs from the models"
            assert "listing_geo" in inspect(connection).get_table_names()
            assert connection.execute(text("SELECT count(*) FROM listing_geo")).scalar() >= 1
        assert check_database(engine, blank_url).ok
    finally:
        engine.dispose()

    app = create_app(make_test_config(blank_url, tmp_path, GAZETTEER_PATH=str(gazetteer_path)))
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
