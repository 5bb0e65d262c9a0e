"""Databases built by earlier revisions of `main`, by their own code (tests/test_upgrade_history.py).

Each revision's files come from git history (`git archive`); its own `finder` migrates a blank database and
writes listings, in a Python process of its own. Starting that process and importing the old `finder` is
~2 s of CPU, writing a second database in it ~0.2 s: so one process per revision builds the databases of all
that revision's cases at once (`OldDatabases`), and each case still gets a database of its own.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import fresh_postgres_schema

REPO = Path(__file__).resolve().parent.parent

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
# Both scripts take the start as argv[1] and write every database URL after it, one after the other.
FOUNDATION_WRITE = """
import os, sys
from datetime import datetime, timedelta, timezone
from sqlalchemy.orm import Session
from finder import models
from finder.db import make_engine
from finder.migrate import upgrade
start = datetime.fromisoformat(sys.argv[1])
for url in sys.argv[2:]:
    os.environ["FINDER_DATABASE_URL"] = url
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as s:
        src = models.Source(slug="ops-upgrade", name="ops", adapter="ics", url="file:data/ops_upgrade.ics",
                            every="1d")
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
    engine.dispose()
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
import os, sys
from finder.cli import main
from finder.migrate import upgrade
for url in sys.argv[2:]:
    os.environ["FINDER_DATABASE_URL"] = url
    upgrade(url)
    main(["scrape", "ops-upgrade"], standalone_mode=False)
"""


def build_at(revision: str, tree: Path, urls: list[str]) -> None:
    """Migrate each database with the revision's own code, then write listings with it (one process)."""
    now = datetime.now(UTC).replace(microsecond=0)
    (tree / "data" / "ops_upgrade.ics").write_text(calendar(now), encoding="utf-8")
    (tree / "data" / "ops_sources.toml").write_text(SOURCES, encoding="utf-8")
    script = FOUNDATION_WRITE if revision in WRITES_BY_MODELS else OLD_SCRAPE
    env = {
        **os.environ,
        "PYTHONPATH": str(tree),
        "FINDER_DATABASE_URL": urls[0],
        "FINDER_SOURCES_FILE": "data/ops_sources.toml",
        "FINDER_SECRET_KEY": "x",
    }
    args = [sys.executable, "-c", script, (now + timedelta(days=2)).isoformat(), *urls]
    done = subprocess.run(args, cwd=tree, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{revision}'s own code failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"


class OldDatabases:
    """Databases built by earlier revisions' own code, each handed to one case (see the module docstring)."""

    def __init__(self, tmp_path_factory, gazetteer: Path, selected: Callable[[str], set[str]]):
        self.tmp_path_factory = tmp_path_factory
        self.gazetteer = gazetteer
        self.selected = selected  # revision -> the backends of its cases this process will run
        self.trees: dict[str, Path] = {}
        self.ready: dict[tuple[str, str], tuple[str, Callable[[], None]]] = {}
        self.taken: set[tuple[str, str]] = set()

    def take(self, revision: str, backend: str, postgres: Callable[[], str | None]) -> tuple[str, Callable[[], None]]:
        """(URL, drop) of a database of `backend` built by `revision`, handed out once. Builds the revision's
        batch when needed: this backend and those of its selected cases not run yet (postgres(): server or None)."""
        if (revision, backend) not in self.ready:
            wanted = (self.selected(revision) - {b for r, b in self.taken if r == revision}) | {backend}
            self.build(revision, wanted, postgres)
        self.taken.add((revision, backend))
        return self.ready.pop((revision, backend))

    def build(self, revision: str, backends: set[str], postgres: Callable[[], str | None]) -> None:
        if revision not in self.trees:
            self.trees[revision] = checkout(revision, self.tmp_path_factory.mktemp(revision) / "tree", self.gazetteer)
        made = {}
        if "sqlite" in backends:
            made["sqlite"] = (f"sqlite:///{self.tmp_path_factory.mktemp(f'{revision}-db') / 'old.sqlite'}", _keep)
        base = postgres() if "postgres" in backends else None
        if base is not None:
            made["postgres"] = fresh_postgres_schema(base)
        try:
            build_at(revision, self.trees[revision], [url for url, _ in made.values()])
        except BaseException:
            self.drop(made.values())
            raise
        self.ready.update({(revision, backend): database for backend, database in made.items()})

    def drop(self, databases) -> None:
        for _, drop in databases:
            drop()


def _keep() -> None:
    """SQLite files stay in pytest's tmp folder."""
