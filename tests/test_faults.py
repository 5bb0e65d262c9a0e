"""Faults end to end: a misbehaving loopback server -> `run_source` -> the run records it, nothing is lost.

The fetcher's own fault handling is tested in tests/test_fetch*.py; here each fault goes through a
whole run on both databases, next to a healthy source on another server, and the check is always the
same: the faulty run says what happened, the other source's run is ok, every stored listing is still
there and still visible, and no miss was counted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select

from finder.ingest import upsert
from finder.ingest.fetch_state import DatabaseFetchStore
from finder.ingest.runs import run_source
from finder.models import Listing, ListingSource, Occurrence, ScrapeRun, Source
from scrapers.fetch.fetcher import Fetcher, FetchSettings
from tests.conftest import make_test_config
from tests.test_fetch import RawServer

ROOT = Path(__file__).resolve().parent.parent
CLUB_ICS = (Path(__file__).parent / "fixtures" / "ingest" / "club.ics").read_bytes()
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
OTHER_ICS = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Kindred tests//faults//EN\r
BEGIN:VEVENT\r
UID:knitting@elsewhere.example\r
DTSTART:20260305T170000Z\r
DTEND:20260305T190000Z\r
SUMMARY:Knitting circle at the library\r
LOCATION:Central Library\\, Lyon\r
END:VEVENT\r
END:VCALENDAR\r
"""


def events_page(count: int, *, title: str = "Repair café", charset: str = "utf-8") -> bytes:
    """An HTML page with `count` schema.org events in JSON-LD (an empty page when count is 0)."""
    events = [
        {
            "@context": "https://schema.org",
            "@type": "Event",
            "name": f"{title} {n}",
            "startDate": f"2026-03-{10 + n % 15:02d}T18:00:00+01:00",
            "location": {"@type": "Place", "name": "Maison des associations", "address": "5 rue Lyon, Paris"},
            "url": f"https://asso.example/events/{n}",
        }
        for n in range(count)
    ]
    script = f'<script type="application/ld+json">{json.dumps(events, ensure_ascii=False)}</script>' if events else ""
    page = (
        f"<!doctype html><html><head><meta charset={charset}><title>Agenda</title>{script}</head>"
        f"<body><h1>Agenda</h1><p>{'Nothing planned right now.' if not count else ''}</p></body></html>"
    )
    return page.encode(charset)


@pytest.fixture
def config(db_url, tmp_path):
    return make_test_config(db_url, tmp_path, HIDE_AFTER_MISSES=2, EXPANSION_DAYS=60)


@pytest.fixture(scope="module")
def other_server():
    """A second, healthy site on its own port (so per-host back-off never links the two). One per module: it
    always answers the same, and what a test leaves (robots.txt, back-off) is kept in the database, emptied
    for each test; stopping a server waits out its 0.5 s poll, which cost every test about that much."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    server.expect_request("/robots.txt").respond_with_data("", status=404)
    server.expect_request("/other.ics").respond_with_data(OTHER_ICS, content_type="text/calendar")
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def site(httpserver):
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    return httpserver


class World:
    """Two sources, a fetcher that never sleeps, and the checks every fault ends with."""

    def __init__(self, session, config, site, other_server):
        self.session, self.config, self.site = session, config, site
        self.sleeps: list[float] = []
        # generous for answers (a loaded machine once took 0.3 s to answer a local robots.txt); the timeout tests
        # shorten it for the faulty source alone (`fault_settings`)
        self.settings = dict(timeout_s=5.0, retries=1, backoff_s=0.0)
        self.fault_settings: dict = {}
        for slug, url, adapter in (
            ("faulty", site.url_for("/feed"), "ics"),
            ("healthy", other_server.url_for("/other.ics"), "ics"),
        ):
            session.add(Source(slug=slug, adapter=adapter, url=url, timezone="Europe/Paris", country="FR"))
        session.commit()

    def fetcher(self, slug: str = "") -> Fetcher:
        overrides = self.fault_settings if slug == "faulty" else {}
        settings = FetchSettings.from_config(self.config, **{**self.settings, **overrides})
        return Fetcher(settings, DatabaseFetchStore(self.session), sleep=self.sleeps.append)

    def run(self, slug: str) -> ScrapeRun:
        run = run_source(self.session, slug, fetcher=self.fetcher(slug), now=NOW, config=self.config)
        self.session.commit()
        return run

    def serve(self, path: str, body: bytes, status: int = 200, content_type: str = "text/calendar", **kwargs):
        self.site.clear()
        self.site.expect_request("/robots.txt").respond_with_data("", status=404)
        self.site.expect_request(path).respond_with_data(body, status=status, content_type=content_type, **kwargs)

    def point(self, url: str, adapter: str | None = None) -> None:
        source = self.session.scalar(select(Source).where(Source.slug == "faulty"))
        source.url = url
        if adapter:
            source.adapter = adapter
        self.session.commit()

    def good_state(self, body: bytes = CLUB_ICS, content_type: str = "text/calendar", adapter: str = "ics") -> dict:
        self.serve("/feed", body, content_type=content_type)
        self.point(self.site.url_for("/feed"), adapter)
        assert self.run("faulty").status == "ok"
        assert self.run("healthy").status == "ok"
        return self.snapshot()

    def snapshot(self) -> dict:
        rows = self.session.execute(select(Listing.id, Listing.title, Listing.liveness, Listing.next_start)).all()
        return {
            "listings": sorted(map(tuple, rows)),
            "misses": sorted(self.session.scalars(select(ListingSource.missed_runs))),
            "occurrences": self.session.scalar(select(func.count()).select_from(Occurrence)),
        }

    def after_fault(self, before: dict) -> ScrapeRun:
        """Run the faulty source, then the healthy one; both runs recorded and nothing lost."""
        faulty = self.run("faulty")
        healthy = self.run("healthy")
        assert healthy.status == "ok" and healthy.unchanged == 1
        self.session.expire_all()
        assert self.snapshot() == before
        assert set(self.session.scalars(select(Listing.liveness))) == {"active"}
        stored = self.session.get(ScrapeRun, faulty.id)
        assert stored.status == faulty.status and stored.finished_at is not None
        return faulty


@pytest.fixture
def world(session, config, site, other_server):
    return World(session, config, site, other_server)


def test_500_is_recorded_with_its_status(world):
    before = world.good_state()
    world.serve("/feed", b"oops", status=500)
    run = world.after_fault(before)
    assert (run.status, run.http_status) == ("failed", 500)
    assert "gave up after 2 attempts" in run.error


def test_503_with_retry_after_is_retried_then_recorded(world):
    before = world.good_state()
    world.serve("/feed", b"busy", status=503, headers={"Retry-After": "5"})
    run = world.after_fault(before)
    assert (run.status, run.http_status) == ("failed", 503)
    assert "retry after 5 s" in run.error and world.sleeps == [5]


def test_429_with_an_hour_is_not_slept_and_backs_the_host_off(world):
    before = world.good_state()
    world.serve("/feed", b"slow down", status=429, headers={"Retry-After": "3600"})
    run = world.after_fault(before)
    assert (run.status, run.http_status) == ("failed", 429)
    assert world.sleeps == [] and run.duration_s < 5
    requests_before = len(world.site.log)
    again = world.after_fault(before)
    assert again.status == "failed" and "not tried" in again.error
    assert len(world.site.log) == requests_before  # the host was left alone until its hour is up


def test_robots_disallow_is_recorded(world):
    before = world.good_state()
    world.site.clear()
    world.site.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /\n")
    world.site.expect_request("/feed").respond_with_data(CLUB_ICS, content_type="text/calendar")
    forget_robots(world)
    run = world.after_fault(before)
    assert run.status == "failed" and "robots.txt" in run.error and "disallows" in run.error


def test_robots_500_counts_as_disallow(world):
    before = world.good_state()
    world.site.clear()
    world.site.expect_request("/robots.txt").respond_with_data("broken", status=500)
    world.site.expect_request("/feed").respond_with_data(CLUB_ICS, content_type="text/calendar")
    forget_robots(world)
    run = world.after_fault(before)
    assert run.status == "failed" and "robots.txt" in run.error
    assert [r.path for r, _ in world.site.log].count("/feed") == 0


def forget_robots(world: World) -> None:
    """Drop the cached robots.txt of the faulty site, as if a day had passed."""
    from scrapers.fetch import robots

    DatabaseFetchStore(world.session).put(f"robots:{robots.origin_of(world.site.url_for('/'))}", {}, 0)
    world.session.commit()


def test_redirect_loop_is_recorded(world):
    before = world.good_state()
    world.site.clear()
    world.site.expect_request("/robots.txt").respond_with_data("", status=404)
    world.site.expect_request("/feed").respond_with_data("", status=302, headers={"Location": "/loop"})
    world.site.expect_request("/loop").respond_with_data("", status=302, headers={"Location": "/feed"})
    run = world.after_fault(before)
    assert run.status == "failed" and "redirect loop" in run.error


def test_redirect_to_a_private_address_is_refused_without_connecting(world):
    before = world.good_state()
    world.settings.update(allow_private=False, trusted_networks=("127.0.0.1/32",))
    world.serve("/feed", b"", status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
    run = world.after_fault(before)
    assert run.status == "failed" and "refused" in run.error and "link-local" in run.error


def test_oversize_body_is_refused(world):
    before = world.good_state()
    world.settings["max_bytes"] = 1000
    world.serve("/feed", CLUB_ICS + b" " * 2000)
    run = world.after_fault(before)
    assert run.status == "failed" and "over the 1000-byte limit" in run.error


def test_connect_timeout_is_recorded(world, full_backlog):
    from scrapers.fetch import robots

    before = world.good_state()
    origin = f"http://127.0.0.1:{full_backlog}"
    DatabaseFetchStore(world.session).put(
        f"robots:{robots.origin_of(origin + '/')}", {"mode": "allow_all", "fetched_at": NOW.timestamp()}, 3600
    )
    world.point(f"{origin}/feed")
    world.fault_settings["timeout_s"] = 0.3
    run = world.after_fault(before)
    assert run.status == "failed" and "timed out after 0.3 s" in run.error and run.http_status is None


def test_read_timeout_mid_body_is_recorded(world):
    before = world.good_state()
    server = RawServer(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\nContent-Length: 5000\r\n\r\n" + CLUB_ICS[:400]
    )
    try:
        world.point(server.url("/feed"))
        world.fault_settings["timeout_s"] = 0.3
        run = world.after_fault(before)
    finally:
        server.close()
    assert run.status == "failed" and "mid-body" in run.error


def test_truncated_json_fails_the_run_and_keeps_the_listings(world):
    body = events_page(5)
    document = body[body.index(b"[{") : body.index(b"</script>")]
    before = world.good_state(document, "application/ld+json", adapter="schemaorg")
    assert len(before["listings"]) == 5 + 1
    world.serve("/feed", document[: len(document) // 2], content_type="application/ld+json")
    run = world.after_fault(before)
    assert run.status == "failed" and run.error.startswith("parse:") and "JSON" in run.error


def test_wrong_declared_charset_reads_the_text_right(world):
    body = events_page(3, title="Café crème", charset="cp1252")
    world.serve("/feed", body, content_type="text/html; charset=utf-8")
    world.point(world.site.url_for("/feed"), "schemaorg")
    run = world.run("faulty")
    assert (run.status, run.inserted) == ("ok", 3)
    titles = set(world.session.scalars(select(Listing.title).where(Listing.title.like("Caf%"))))
    assert titles == {f"Café crème {n}" for n in range(3)}


def test_a_page_that_lost_its_40_listings_raises_the_empty_alarm(world):
    before = world.good_state(events_page(40), "text/html", adapter="schemaorg")
    assert len(before["listings"]) == 41
    world.serve("/feed", events_page(0), content_type="text/html")
    for _ in range(3):
        run = world.after_fault(before)
        assert run.status == "empty" and "had 40" in run.error


def test_one_item_that_breaks_the_adapter_does_not_stop_the_rest(world):
    body = events_page(6).decode()
    broken = body.replace('"startDate": "2026-03-12T18:00:00+01:00"', '"startDate": {"no": "date"}', 1)
    assert broken != body
    world.serve("/feed", broken.encode(), content_type="text/html")
    world.point(world.site.url_for("/feed"), "schemaorg")
    run = world.run("faulty")
    assert (run.status, run.inserted, run.invalid) == ("ok", 5, 1)
    assert any("startDate" in problem for problem in run.problems)


@pytest.fixture
def full_backlog():
    """A loopback listener whose accept queue is full (new connections hang until they time out)."""
    import socket

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    fillers = []
    for _ in range(4):
        filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        filler.setblocking(False)
        filler.connect_ex(listener.getsockname())
        fillers.append(filler)
    yield listener.getsockname()[1]
    for filler in fillers:
        filler.close()
    listener.close()


def test_a_crash_in_the_middle_of_an_import_leaves_the_previous_state(world, monkeypatch):
    before = world.good_state()
    world.serve("/feed", CLUB_ICS.replace(b"SUMMARY:", b"SUMMARY:New: "))
    real, calls = upsert.sync_occurrences, []

    def crash_on_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("power cut")
        return real(*args, **kwargs)

    monkeypatch.setattr(upsert, "sync_occurrences", crash_on_second)
    run = world.after_fault(before)
    assert run.status == "failed" and "power cut" in run.error and len(calls) == 2


HARD_CRASH = textwrap.dedent("""
    import os, sys
    from datetime import datetime, UTC
    from finder.ingest import upsert
    from finder.config import Config
    from finder.db.engine import make_engine, make_sessionmaker
    from finder.ingest.runs import run_source
    real, calls = upsert.sync_occurrences, []
    def die_on_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            os._exit(9)
        return real(*args, **kwargs)
    upsert.sync_occurrences = die_on_second
    # The page is parsed in this process (no parse worker): the kill is in the import, and a fork server
    # started only to parse one small calendar cost this test seconds.
    config = Config.from_env(
        DATABASE_URL=sys.argv[1], FETCH_ALLOW_PRIVATE=True, FETCH_MIN_DELAY_S=0.0,
        PARSE_TIMEOUT_S=0.0, PARSE_MAX_MEMORY_MB=0,
    )
    with make_sessionmaker(make_engine(sys.argv[1]))() as session:
        run_source(session, "faulty", now=datetime(2026, 3, 2, 12, tzinfo=UTC), config=config)
        session.commit()
""")


def test_a_process_killed_in_the_middle_of_an_import_leaves_the_previous_state(world, db_url):
    before = world.good_state()
    runs_before = world.session.scalar(select(func.count()).select_from(ScrapeRun))
    world.serve("/feed", CLUB_ICS.replace(b"SUMMARY:", b"SUMMARY:New: "))
    world.session.close()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", HARD_CRASH, db_url], env=env, capture_output=True, timeout=60)
    assert done.returncode == 9, done.stderr.decode()[-2000:]
    assert world.snapshot() == before
    assert world.session.scalar(select(func.count()).select_from(ScrapeRun)) == runs_before
    assert world.run("faulty").status == "ok"  # the database is usable at once, nothing left locked
