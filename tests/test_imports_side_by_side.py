"""Two `finder scrape --all` processes at once (both databases): they failed with UniqueViolation on
uq_organizations_key / uq_listing_sources_source_key. Now a source's runs take the scheduler's lock in
turn and organisations are created with INSERT ... ON CONFLICT and read back."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from finder.models import JobRun, ListingSource, Organization, ScrapeRun
from tests.conftest import WRITES_DEMO_FILES

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("north", "south", "east", "west")


def calendar(slug: str, events: int = 40) -> bytes:
    """`events` weekly meetings of one club, listed by every source under the same organiser."""
    first = datetime.now(UTC).replace(hour=18, minute=0, second=0, microsecond=0) + timedelta(days=3)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN"]
    for n in range(events):
        start = (first + timedelta(days=7 * n, hours=n % 3)).strftime("%Y%m%dT%H%M%SZ")
        lines += [
            "BEGIN:VEVENT",
            f"UID:{slug}-{n}@test",
            f"DTSTART:{start}",
            f"SUMMARY:{slug} session {n}",
            "LOCATION:Town hall\\, Paris",
            "ORGANIZER;CN=Town Chess Club:mailto:chess@club.example",
            "END:VEVENT",
        ]
    return ("\r\n".join([*lines, "END:VCALENDAR", ""])).encode()


# Each process imports the application, says so, and waits for a line on its stdin: both are then released at
# the same moment (a fixed 1.5 s head start did this before, and was spent whatever the imports took).
RELEASED_TOGETHER = (
    "import sys; from finder.cli import main; print('imported', flush=True); sys.stdin.readline(); main()"
)
# Pages are parsed in the importing process (no parse worker): what collides is the imports, and a fork server
# per process plus a worker per page made most of these tests' time.
IN_PROCESS_PARSING = {"FINDER_PARSE_TIMEOUT_S": "0", "FINDER_PARSE_MAX_MEMORY_MB": "0"}


def side_by_side(arguments: list[str], env: dict, timeout_s: float = 120) -> tuple[list[int], list[str]]:
    """Two `finder ARGUMENTS` processes released at once; their exit codes and outputs once both have ended."""
    env = {**env, **IN_PROCESS_PARSING}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", RELEASED_TOGETHER, *arguments],
            env=env,
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    before = []
    for process in processes:  # each one's lines up to its "imported" (none, unless a warning came first)
        lines = []
        while (line := process.stdout.readline()) and line != "imported\n":
            lines.append(line)
        before.append("".join(lines))
    for process in processes:
        process.stdin.write("go\n")
        process.stdin.flush()
    outputs = [before[n] + process.communicate(timeout=timeout_s)[0] for n, process in enumerate(processes)]
    return [process.returncode for process in processes], outputs


def test_two_scrapes_of_the_same_sources_at_once_both_succeed(db_url, session, tmp_path, httpserver):
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    catalogue = []
    for slug in SOURCES:
        httpserver.expect_request(f"/{slug}.ics").respond_with_data(calendar(slug), content_type="text/calendar")
        catalogue.append(
            f'[[source]]\nslug = "{slug}"\nadapter = "ics"\nurl = "{httpserver.url_for(f"/{slug}.ics")}"\n'
            'timezone = "Europe/Paris"\n'
        )
    (tmp_path / "sources.toml").write_text("\n".join(catalogue))
    env = {
        **os.environ,
        "FINDER_DATABASE_URL": db_url,
        "FINDER_SECRET_KEY": "test",
        "FINDER_SOURCES_FILE": str(tmp_path / "sources.toml"),
        "FINDER_FETCH_ALLOW_PRIVATE": "true",
        "FINDER_FETCH_MIN_DELAY_S": "0",
        "FINDER_RATELIMIT_ENABLED": "false",
    }
    codes, outputs = side_by_side(["scrape", "--all"], env)
    assert codes == [0, 0], outputs
    for output in outputs:
        assert "Violation" not in output and "IntegrityError" not in output and "Traceback" not in output
    assert session.scalar(select(func.count()).select_from(Organization)) == 1
    assert session.scalar(select(func.count()).select_from(ListingSource)) == 40 * len(SOURCES)
    statuses = session.scalars(select(ScrapeRun.status)).all()
    assert statuses == ["ok"] * (2 * len(SOURCES))
    rows = session.scalars(select(JobRun).order_by(JobRun.key)).all()
    assert [(row.key, row.last_status, row.runs) for row in rows] == [(f"scrape:{s}", "ok", 2) for s in sorted(SOURCES)]


@WRITES_DEMO_FILES
def test_two_demo_loads_at_once_both_succeed(db_url, session, gazetteer_path):
    """The issue's own case: two `finder demo load` runs at once failed 15 runs with UniqueViolation."""
    env = {
        **os.environ,
        "FINDER_DATABASE_URL": db_url,
        "FINDER_SECRET_KEY": "test",
        "FINDER_RATELIMIT_ENABLED": "false",
        "FINDER_GAZETTEER_PATH": str(gazetteer_path),
    }
    codes, outputs = side_by_side(["demo", "load"], env, timeout_s=300)
    assert codes == [0, 0], outputs
    for output in outputs:
        assert "Violation" not in output and "IntegrityError" not in output and "Traceback" not in output
    statuses = session.scalars(select(ScrapeRun.status)).all()
    assert statuses and set(statuses) == {"ok"}
    assert len(statuses) == 2 * len(set(session.scalars(select(ScrapeRun.source_id))))
    keys = session.execute(select(ListingSource.source_id, ListingSource.source_key)).all()
    assert len(keys) == len(set(keys))
