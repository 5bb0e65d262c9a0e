"""A scrape writing while the site serves searches, on SQLite (WAL) and PostgreSQL: no errors and no torn
reads. The source flips every title between two versions on each run; any one search answer must show
one version only, the right count, distinct ids and distances inside the radius.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from werkzeug import Request, Response

from finder.ingest.runs import run_source
from finder.models import Listing, Source
from scrapers.fetch.fetcher import Fetcher, FetchSettings, MemoryFetchStore

EVENTS = 30
RUNS = 6
POINT = (51.5074, -0.1278)
SEARCH = f"/api/v1/search?lat={POINT[0]}&lon={POINT[1]}&radius_km=10&per_page=100"


def calendar(version: str, start: datetime) -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Kindred tests//concurrency//EN"]
    for n in range(EVENTS):
        when = (start + timedelta(days=1 + n % 20, hours=n)).strftime("%Y%m%dT%H%M%SZ")
        lines += [
            "BEGIN:VEVENT",
            f"UID:event-{n}@concurrency.example",
            f"DTSTAMP:{when}",
            f"DTSTART:{when}",
            f"SUMMARY:{version} gathering number {n}",
            f"DESCRIPTION:Version {version} of event {n}",
            f"GEO:{POINT[0] + n * 0.001};{POINT[1]}",
            "END:VEVENT",
        ]
    return "\r\n".join([*lines, "END:VCALENDAR"]).encode()


class Flipper:
    """Serves version A, then B, then A... one version per request of the feed."""

    def __init__(self, start: datetime):
        self.bodies = [calendar("Alpha", start), calendar("Bravo", start)]
        self.count = 0

    def __call__(self, request: Request) -> Response:
        body = self.bodies[self.count % 2]
        self.count += 1
        return Response(body, content_type="text/calendar")


def check_answer(answer) -> str | None:
    """Why this search answer is not internally consistent, or None."""
    if answer.status_code != 200:
        return f"status {answer.status_code}: {answer.get_data(as_text=True)[:200]}"
    body = answer.json
    results = body["results"]
    versions = {item["title"].split(" ", 1)[0] for item in results}
    if body["total"] != EVENTS or len(results) != EVENTS:
        return f"total {body['total']}, {len(results)} results"
    if len({item["id"] for item in results}) != len(results):
        return "duplicate ids"
    if len(versions) != 1:
        return f"torn read: versions {versions}"
    if any(item["distance_km"] is None or item["distance_km"] > 10 for item in results):
        return "a result outside the radius"
    return None


def test_scrapes_and_searches_at_the_same_time(app, httpserver):
    start = datetime.now(UTC)
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/feed").respond_with_handler(Flipper(start))
    config = app.config["FINDER"]
    maker = app.extensions["sessionmaker"]
    with maker() as session:
        session.add(Source(slug="flipper", adapter="ics", url=httpserver.url_for("/feed"), timezone="UTC"))
        session.commit()
    fetcher = Fetcher(FetchSettings.from_config(config), MemoryFetchStore())

    def scrape(session) -> str:
        run = run_source(session, "flipper", fetcher=fetcher, config=config)
        session.commit()
        return f"{run.status}:{run.error}" if run.status != "ok" else "ok"

    with maker() as session:
        assert scrape(session) == "ok"
        listing_ids = list(session.scalars(select(Listing.id)))
    problems: list[str] = []
    statuses: list[str] = []
    answers = [0]
    done = threading.Event()

    def writer():
        try:
            with maker() as session:
                for _ in range(RUNS):
                    statuses.append(scrape(session))
        except Exception as error:  # a failure here must reach the assertion, not vanish with the thread
            problems.append(f"writer: {type(error).__name__}: {error}")
        finally:
            done.set()

    def reader(number: int):
        client = app.test_client()
        try:
            while not done.is_set():
                problem = check_answer(client.get(SEARCH))
                answers[0] += 1
                if problem:
                    problems.append(f"reader {number}: {problem}")
                page = client.get(f"/listings/{listing_ids[answers[0] % len(listing_ids)]}")
                if page.status_code != 200:
                    problems.append(f"reader {number}: listing page {page.status_code}")
        except Exception as error:  # as above
            problems.append(f"reader {number}: {type(error).__name__}: {error}")

    threads = [threading.Thread(target=writer)] + [threading.Thread(target=reader, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    fetcher.close()
    assert not any(thread.is_alive() for thread in threads)
    assert problems == []
    assert statuses == ["ok"] * RUNS
    assert answers[0] >= RUNS, "the readers really ran alongside the writer"
    with maker() as session:
        assert session.scalar(select(func.count()).select_from(Listing)) == EVENTS
        assert set(session.scalars(select(Listing.liveness))) == {"active"}
