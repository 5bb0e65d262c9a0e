"""Hostile feeds cost bounded work, through the real scrape path and the suggest form.

Recurrence rules that meet every second or minute, a hundred million times, or every second since 1990,
in iCalendar, Google Calendar JSON and Footprint, each beside a good event, are served over HTTP and
scraped by `run_source` in a process allowed 300 MB of address space beyond its loaded code (parse
workers included): each run finishes in under 5 s, keeps the good event and the hostile one (read as
daily), and says so in a problem line. A parse over its time or memory budget fails one run with a clear reason.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from finder.ingest.importer import ingest
from finder.ingest.upkeep import roll_series_forward
from finder.models import Occurrence, Source
from scrapers.base import Context
from scrapers.budget import Budget, OverBudget, parse_within
from scrapers.ics.adapter import ICalendar
from scrapers.listing import Listing as Item
from scrapers.listing import Occurrence as ItemOccurrence
from scrapers.recurrence import expand

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
MEMORY_MB = 300
HOSTILE = {  # name: (RRULE, first start)
    "secondly": ("FREQ=SECONDLY", NOW - timedelta(hours=2)),
    "minutely": ("FREQ=MINUTELY", NOW - timedelta(hours=2)),
    "huge-count": ("FREQ=SECONDLY;COUNT=100000000", NOW - timedelta(hours=2)),
    "since-1990": ("FREQ=SECONDLY", datetime(1990, 1, 1, 9, 0, tzinfo=UTC)),
}
GOOD = "Tuesday chess club"


def ics_feed(rule: str, start: datetime) -> bytes:
    def event(uid, title, first, rrule):
        return (
            f"BEGIN:VEVENT\r\nUID:{uid}\r\nSUMMARY:{title}\r\nDTSTART:{first:%Y%m%dT%H%M%SZ}\r\n"
            f"DTEND:{first + timedelta(hours=1):%Y%m%dT%H%M%SZ}\r\nRRULE:{rrule}\r\nEND:VEVENT\r\n"
        )

    body = event("bad@x", "Every second", start, rule) + event("good@x", GOOD, NOW + timedelta(days=1), "FREQ=WEEKLY")
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n{body}END:VCALENDAR\r\n".encode()


def gcal_feed(rule: str, start: datetime) -> bytes:
    def item(uid, title, first, rrule):
        return {
            "kind": "calendar#event",
            "id": uid,
            "status": "confirmed",
            "summary": title,
            "start": {"dateTime": first.isoformat(), "timeZone": "Europe/London"},
            "end": {"dateTime": (first + timedelta(hours=1)).isoformat(), "timeZone": "Europe/London"},
            "recurrence": [f"RRULE:{rrule}"],
        }

    items = [item("bad", "Every second", start, rule), item("good", GOOD, NOW + timedelta(days=1), "FREQ=WEEKLY")]
    return json.dumps({"kind": "calendar#events", "timeZone": "Europe/London", "items": items}).encode()


def footprint_feed(rule: str, start: datetime) -> bytes:
    def opportunity(uid, title, first, rrule):
        return (
            f"<VolunteerOpportunity><volunteerOpportunityID>{uid}</volunteerOpportunityID><title>{title}</title>"
            f"<dateTimeDurations><dateTimeDuration><openEnded>No</openEnded><startDate>{first:%Y-%m-%d}</startDate>"
            f"<endDate>2099-12-31</endDate><startTime>{first:%H:%M:%S}Z</startTime><endTime>23:00:00Z</endTime>"
            f"<iCalRecurrence>{rrule}</iCalRecurrence></dateTimeDuration></dateTimeDurations>"
            f"<detailURL>https://vol.example/{uid}</detailURL></VolunteerOpportunity>"
        )

    body = opportunity("bad", "Every second", start, rule) + opportunity(
        "good", GOOD, NOW + timedelta(days=1), "FREQ=WEEKLY"
    )
    return (
        f'<?xml version="1.0"?><FootprintFeed schemaVersion="0.1"><FeedInfo><providerID>1</providerID></FeedInfo>'
        f"<VolunteerOpportunities>{body}</VolunteerOpportunities></FootprintFeed>"
    ).encode()


FEEDS = {
    "ics": (ics_feed, "text/calendar"),
    "gcal": (gcal_feed, "application/json"),
    "footprint": (footprint_feed, "application/xml"),
}


def scrape_limited(
    tmp_path, sources: list | None = None, settings: dict | None = None, suggest: list | None = None
) -> dict:
    """`tests.bounded_run` in a subprocess held to MEMORY_MB: `sources` scraped or `suggest` URLs posted;
    its JSON answer."""
    spec = {"now": NOW.isoformat(), "settings": settings or {}}
    spec.update({"suggest": suggest} if suggest else {"sources": sources})
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.bounded_run",
            str(MEMORY_MB),
            f"sqlite:///{tmp_path / 'b.sqlite'}",
            json.dumps(spec),
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def hostile_scrapes(make_httpserver, tmp_path_factory) -> dict:
    """Every hostile feed of every format scraped in one bounded process (one start-up and one fork server for
    the twelve runs, not one per format); its answer by source slug, "<adapter>-<rule name>"."""
    server = make_httpserver  # pytest-httpserver's own server, left cleared as its `httpserver` fixture leaves it
    server.clear()
    server.expect_request("/robots.txt").respond_with_data("", status=404)
    sources = []
    for adapter, (build, content_type) in FEEDS.items():
        for name, (rule, start) in HOSTILE.items():
            path = f"/{adapter}/{name}"
            server.expect_request(path).respond_with_data(build(rule, start), content_type=content_type)
            sources.append([f"{adapter}-{name}", adapter, server.url_for(path)])
    try:
        return scrape_limited(tmp_path_factory.mktemp("hostile"), sources)
    finally:
        server.clear()


@pytest.mark.xdist_group("hostile-scrapes")  # under `make test` (--dist loadgroup) one worker scrapes them once
@pytest.mark.parametrize("adapter", sorted(FEEDS))
def test_hostile_rules_are_bounded_through_the_real_scrape(adapter, hostile_scrapes):
    """Bounded by count (at most a day's worth of occurrences) and said so; no wall-clock assertion: speed is measured
    in bench/, and the budget test below proves a parse is cut at its budget."""
    for name, (rule, _) in HOSTILE.items():
        run = hostile_scrapes[f"{adapter}-{name}"]
        assert run["status"] == "ok", (name, run["error"])
        assert 0 < run["listings"][GOOD] <= 14, name  # weekly over the 90-day window
        assert 0 < run["listings"]["Every second"] <= 91, name  # read as daily
        frequency = rule.split(";")[0].split("=")[1]
        assert any(f"FREQ={frequency} read as daily" in problem for problem in run["problems"]), run["problems"]


def test_hostile_rules_are_bounded_through_the_suggest_form(httpserver, tmp_path):
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    urls = []
    for adapter, (build, content_type) in FEEDS.items():
        for name, (rule, start) in HOSTILE.items():
            httpserver.expect_request(f"/{adapter}/{name}").respond_with_data(
                build(rule, start), content_type=content_type
            )
            urls.append(httpserver.url_for(f"/{adapter}/{name}"))
    results = scrape_limited(tmp_path, suggest=urls)
    for url in urls:
        answer = results[url]
        assert answer["status_code"] == 200, (url, answer["page"][-2000:])
        assert GOOD in answer["page"] and "Every second" in answer["page"]
        assert "read as daily: a community listing never meets every" in answer["page"], url


def test_a_parse_over_its_time_budget_fails_one_run_with_a_clear_reason(httpserver, tmp_path):
    never = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:n@x\r\nSUMMARY:Never\r\n"
        "DTSTART:20260101T100000Z\r\nRRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30\r\nEXDATE:20260101T100000Z\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )  # dateutil looks at every day to the year 9999 for a 30 February
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/never.ics").respond_with_data(never, content_type="text/calendar")
    httpserver.expect_request("/fine.ics").respond_with_data(ics_feed("FREQ=DAILY", NOW), content_type="text/calendar")
    results = scrape_limited(
        tmp_path,
        [["never", "ics", httpserver.url_for("/never.ics")], ["fine", "ics", httpserver.url_for("/fine.ics")]],
        settings={"PARSE_TIMEOUT_S": 1.0},
    )
    assert results["never"]["status"] == "failed"
    assert results["never"]["error"] == "parse: reading stopped: it took longer than its budget of 1 s"
    assert results["fine"]["status"] == "ok" and results["fine"]["listings"][GOOD] > 0  # the next run is unharmed


def test_a_parse_over_its_memory_budget_stops_with_a_clear_reason():
    events = "".join(
        f"BEGIN:VEVENT\r\nUID:{n}@x\r\nSUMMARY:Meetup {n}\r\nDTSTART:20260310T180000Z\r\nEND:VEVENT\r\n"
        for n in range(12_000)  # about twice what 20 MB holds
    )
    body = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{events}END:VCALENDAR\r\n".encode()
    with pytest.raises(OverBudget, match="more memory than its budget of 20 MB"):
        parse_within(Budget(timeout_s=30, max_memory_mb=20), ICalendar, body, "", Context(window_start=NOW))
    parsed = parse_within(Budget(timeout_s=30, max_memory_mb=1024), ICalendar, body, "", Context(window_start=NOW))
    assert len(parsed.listings) == 12_000 and parsed.adapter == "ics"


MAIN_SCRIPT = """
import sys
from datetime import UTC, datetime
from pathlib import Path

with open(sys.argv[1], "a") as runs:  # each run of this script's top level leaves a line
    runs.write("ran\\n")

from scrapers.base import Context
from scrapers.budget import Budget, parse_within
from scrapers.ics.adapter import ICalendar

if __name__ == "__main__":
    body = Path(sys.argv[2]).read_bytes()
    budget, start = Budget(timeout_s=30, max_memory_mb=200), datetime(2026, 3, 2, tzinfo=UTC)
    for _ in range(3):
        print(len(parse_within(budget, ICalendar, body, "", Context(window_start=start)).listings))
"""


def test_parse_workers_never_run_their_callers_main_script_again(tmp_path):
    """Before Python 3.13 a fork server's child ran its caller's main script again (its imports: the CLI, the web
    framework, the database layer) before every parse: 0.5-2 s a page."""
    script, runs, feed = tmp_path / "caller.py", tmp_path / "runs.txt", tmp_path / "feed.ics"
    script.write_text(MAIN_SCRIPT)
    feed.write_bytes(ics_feed("FREQ=WEEKLY", NOW))
    out = subprocess.run(
        [sys.executable, str(script), str(runs), str(feed)],
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert out.split() == ["2", "2", "2"]  # three parses in three workers, each read both events
    assert runs.read_text() == "ran\n"  # the script's top level ran once: in its own process, in no worker


def zipped(**tables: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, body in tables.items():
            archive.writestr(f"{name}.csv", body)
    return buffer.getvalue()


SERVICES = b"id,organization_id,name,description\r\ns1,o1,Food bank,Groceries\r\ns2,o1,Advice desk,Benefits advice\r\n"
TINY_ROWS = 8_300_000


def test_hsds_tables_are_read_within_one_budget_and_a_row_cap(httpserver, tmp_path):
    bomb = zipped(services=b"id,name\r\n" + b"1,a\r\n" * TINY_ROWS)  # about 40 MB of rows from under 100 KB
    assert len(bomb) < 100_000
    many = zipped(services=SERVICES, schedules=b"id,service_id,freq\r\n" + b"x,s9,WEEKLY\r\n" * 120_000)
    wide = b"id,service_id,freq,byday,opens_at\r\n" + b"x,s9,WEEKLY,MO,09:00\r\n" * 450_000  # 10 MB over HTTP
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    for path, body in (("/bomb.zip", bomb), ("/many.zip", many), ("/schedules.csv", wide)):
        httpserver.expect_request(path).respond_with_data(body, content_type="application/octet-stream")
    results = scrape_limited(
        tmp_path,
        [
            ["bomb", "hsds", httpserver.url_for("/bomb.zip")],
            ["many", "hsds", httpserver.url_for("/many.zip")],
            ["csv", "hsds", httpserver.url_for("/schedules.csv")],
        ],
        settings={"FETCH_MAX_BYTES": 12_000_000},
    )
    assert results["bomb"]["status"] == "failed"
    assert results["bomb"]["error"] == "parse: the package unpacks to more than 12,000,000 bytes (at services.csv)"
    assert results["many"]["status"] == "ok" and set(results["many"]["listings"]) == {"Food bank", "Advice desk"}
    assert "schedules.csv: only the first 50,000 rows read" in results["many"]["problems"]
    assert (
        results["csv"]["status"] == "failed" and "an HSDS schedules table holds no services" in results["csv"]["error"]
    )


def test_the_roll_forward_of_a_stored_sub_daily_rule_is_bounded(session):
    source = Source(slug="old-rules", adapter="ics", url="https://old.example/feed.ics")
    session.add(source)
    session.flush()
    first = NOW - timedelta(hours=23)  # 13:00, so a 30-day window from noon holds 30 meetings
    stored = Item(
        title="Stored before the bound",
        source_key="s",
        start=first,
        end=first + timedelta(hours=1),
        timezone="UTC",
        recurrence="FREQ=MINUTELY",
        occurrences=[ItemOccurrence(first)],
    )
    ingest(session, source, [stored], now=NOW)  # a rule stored as it came, before rules were made listing rules
    session.flush()
    assert roll_series_forward(session, NOW, expansion_days=30) == 1
    starts = session.scalars(select(Occurrence.start).where(Occurrence.start >= NOW)).all()
    assert len(starts) == 30  # read as daily: one a day over the 30 days


@pytest.mark.parametrize(
    ("rule", "start", "count", "problem"),
    [
        (
            "FREQ=DAILY;BYHOUR=" + ",".join(map(str, range(20))),
            NOW,
            1000,
            "recurrence cut at 1,000 occurrences in the window",
        ),
        (
            "FREQ=DAILY;BYMINUTE=1,2,3,4,5;BYHOUR=1,2,3,4,5",
            NOW,
            91,
            "recurrence meets 25 times a day: read as once a day",
        ),
        ("FREQ=DAILY", datetime(1400, 1, 1, tzinfo=UTC), 0, "recurrence stopped after 200,000 meetings, at 1947-08-01"),
        ("FREQ=WEEKLY;BYDAY=TU", datetime(1900, 1, 2, 19, tzinfo=UTC), 13, None),
    ],
)
def test_expansion_is_bounded_and_says_where(rule, start, count, problem):
    expansion = expand(start, start + timedelta(hours=1), rule, NOW, NOW + timedelta(days=90))
    assert len(expansion.occurrences) == count
    assert [p[: len(problem or "")] for p in expansion.problems] == ([problem] if problem else [])
