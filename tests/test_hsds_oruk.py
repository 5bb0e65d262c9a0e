"""Open Referral UK v1 in the hsds adapter: BOM-prefixed Spring pages, ORUK field names, GeoJSON
[lon, lat] points, paging to the last page over a real HTTP server; the ORUK dashboard is no source.

The two service pages are written in the documented ORUK v1 shape (no real capture of a council's
/services answer is in the corpus); the dashboard is the real capture from the corpus."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug import Request, Response

from finder.ingest.runs import default_fetcher, run_source
from finder.models import Listing, Source
from scrapers.base import Context, ParseError
from scrapers.detect import detect
from scrapers.hsds.adapter import HsdsAdapter
from tests.conftest import make_test_config
from tests.test_runs import reset

FIXTURES = Path(__file__).parent / "fixtures" / "hsds"
PAGE_1 = (FIXTURES / "oruk_v1_services_page1.json").read_bytes()
PAGE_2 = (FIXTURES / "oruk_v1_services_page2.json").read_bytes()
DASHBOARD = (
    Path(__file__).resolve().parent.parent.parent
    / "shared"
    / "corpus"
    / "open-referral-uk"
    / "oruk-validator-dashboard-v1-council-feeds-2024.json"
)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_an_oruk_page_reads_its_services_with_uk_field_names():
    assert PAGE_1.startswith(b"\xef\xbb\xbf") and detect(PAGE_1) == "hsds"
    context = Context(window_start=NOW, timezone="Europe/London")
    play, football = HsdsAdapter().parse(PAGE_1, "https://example.gov.uk/api/v1/services", context)
    assert context.problems == []
    assert (play.lat, play.lon) == (51.8168, -0.813)  # GeoJSON coordinates are [lon, lat]
    assert (play.venue.street, play.venue.locality, play.venue.postcode) == (
        "12 Market Square",
        "Aylesbury",
        "HP20 1TN",
    )
    assert play.organizer.name == "Aylesbury Family Centre"
    assert play.free is True and play.min_age == 0 and "kids" in play.audience and "families" in play.audience
    assert play.extra["eligibility"] == "Families with children under 5" and play.extra["max_age"] == 5
    assert play.extra["languages"] == ["English", "Urdu"] and play.categories == ["Parenting support"]
    assert play.accessibility == ["wheelchair"]  # "Step-free access" from accessibility_for_disabilities
    assert play.recurrence == "FREQ=WEEKLY;BYDAY=TU;UNTIL=20261231T235959"
    assert play.occurrences[0].start == datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
    assert football.free is False and football.cost.startswith("3.5") and football.min_age == 50
    assert football.url == "https://sport.example.org.uk"  # no service URL: the organisation's


def test_oruk_paging_asks_for_the_next_page_number_until_the_last():
    adapter = HsdsAdapter()
    assert (
        adapter.next_url(PAGE_1, "https://example.gov.uk/api/v1/services?per_page=2")
        == "https://example.gov.uk/api/v1/services?per_page=2&page=2"
    )
    assert adapter.next_url(PAGE_2, "https://example.gov.uk/api/v1/services?per_page=2&page=2") is None


def test_the_oruk_dashboard_is_refused_in_one_line():
    with pytest.raises(ParseError, match="Open Referral UK dashboard"):
        HsdsAdapter().parse(DASHBOARD.read_bytes())


def test_a_run_reads_every_page_of_an_oruk_directory(session, httpserver, db_url, tmp_path):
    asked = []

    def answer(request: Request) -> Response:
        asked.append(request.args.get("page"))
        body = PAGE_2 if request.args.get("page") == "2" else PAGE_1
        return Response(body, content_type="application/json")

    reset(httpserver)
    httpserver.expect_request("/api/v1/services").respond_with_handler(answer)
    session.add(
        Source(
            slug="bucks-fis",
            adapter="hsds",
            url=httpserver.url_for("/api/v1/services"),
            timezone="Europe/London",
            country="GB",
        )
    )
    session.commit()
    config = make_test_config(db_url, tmp_path, EXPANSION_DAYS=60)
    run = run_source(session, "bucks-fis", now=NOW, config=config, fetcher=default_fetcher(session, config))
    session.commit()
    assert asked == [None, "2"]
    assert (run.status, run.inserted) == ("ok", 3)
    fridge = session.scalar(select(Listing).where(Listing.title == "Community Fridge"))
    assert (fridge.lat, fridge.lon, fridge.kind) == (pytest.approx(51.8172), pytest.approx(-0.8155), "service")


@pytest.mark.parametrize(
    "field, value",
    [
        ("service_at_locations", True),
        ("eligibilitys", True),
        ("regular_schedules", 3),
        ("service_taxonomys", "x"),
        ("eligibilitys", [{"minimum_age": "eleven"}, {"minimum_age": 12}]),
    ],
)
def test_malformed_oruk_fields_are_read_as_absent(field, value):
    """Found by the HSDS fuzz test: a field of the wrong type (`"service_at_locations": true`) crashed the parse."""
    page = {"content": [{"id": "s1", "name": "Drop-in", "eligibilitys": [], field: value}], "number": 1, "last": True}
    listings = HsdsAdapter().parse(json.dumps(page).encode(), "https://council.example/api/services", Context())
    assert [listing.title for listing in listings] == ["Drop-in"]
