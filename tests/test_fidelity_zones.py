"""Bare local times ("2030-01-15T19:00", no offset) take the zone of where they happen (issue 19).

Order: the item's own zone or offset; the venue's place through the gazetteer (GeoNames' zone of the
nearest city; a country alone when all its clocks agree); the catalogue's `timezone`; else UTC with a
problem line. `finder parse --json` says which with `assumed_timezone`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select

from finder.cli.parse import parse_command
from finder.config import Config
from finder.geo.resolver import Resolver
from finder.geo.time_zones import country_zone, settle_zone
from finder.ingest.importer import ingest
from finder.models import Listing, Source
from scrapers.base import Context
from scrapers.listing import Listing as Item
from scrapers.listing import Venue
from scrapers.schemaorg.adapter import SchemaOrgAdapter

PAGE = Path(__file__).parent / "fixtures" / "fidelity" / "bare_time_berlin.html"
NOW = datetime(2029, 12, 1, tzinfo=UTC)


@pytest.fixture
def parse_rows(gazetteer_path):
    app = Flask("zones-test")
    app.config["FINDER"] = Config(TIMEZONE="UTC", EXPANSION_DAYS=90, GAZETTEER_PATH=str(gazetteer_path), TESTING=True)

    def invoke(*args: str):
        with app.app_context():
            result = CliRunner().invoke(parse_command, [*map(str, args), "--json"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        rows = {row["title"]: row for row in map(json.loads, result.stdout.splitlines())}
        return rows, result.stderr

    return invoke


def test_bare_times_take_the_venues_zone_and_say_it_was_assumed(parse_rows):
    rows, stderr = parse_rows(PAGE, "--since", "2030-01-01", "--until", "2030-12-31")
    berlin = rows["Chorprobe im Kiez"]
    assert (berlin["start"], berlin["end"]) == ("2030-01-15T19:00:00+01:00", "2030-01-15T21:00:00+01:00")
    assert (berlin["timezone"], berlin["assumed_timezone"]) == ("Europe/Berlin", True)
    assert berlin["occurrences"][0]["start"] == "2030-01-15T19:00:00+01:00"
    # A country of several zones: the gazetteer's nearest city names it (Portland, Oregon: Pacific time).
    portland = rows["Portland knitting circle"]
    assert (portland["start"], portland["timezone"]) == ("2030-01-20T10:00:00-08:00", "America/Los_Angeles")
    # The item's own offset is kept and not called assumed.
    stated = rows["Stated offset talk"]
    assert (stated["start"], stated["assumed_timezone"]) == ("2030-01-16T19:00:00+01:00", False)
    # Nothing to go on: UTC, said in the JSON and on a problem line.
    nowhere = rows["Nowhere meetup"]
    assert (nowhere["start"], nowhere["timezone"], nowhere["assumed_timezone"]) == (
        "2030-07-10T18:30:00+00:00",
        None,
        True,
    )
    assert "problem: Nowhere meetup: times without a zone, read as UTC" in stderr
    assert "Chorprobe" not in stderr


def test_the_catalogue_zone_comes_after_the_venues(parse_rows):
    rows, stderr = parse_rows(PAGE, "--since", "2030-01-01", "--until", "2030-12-31", "--timezone", "America/New_York")
    assert rows["Nowhere meetup"]["start"] == "2030-07-10T18:30:00-04:00"
    assert rows["Nowhere meetup"]["timezone"] == "America/New_York"
    assert rows["Chorprobe im Kiez"]["start"] == "2030-01-15T19:00:00+01:00"  # the venue beats the catalogue
    assert "problem" not in stderr


def test_one_zone_countries_are_certain_and_many_zone_countries_are_not():
    assert country_zone("DE") == "Europe/Berlin"  # Busingen keeps Berlin's clocks
    assert country_zone("JP") == "Asia/Tokyo"
    assert country_zone("US") is None and country_zone("BR") is None and country_zone("") is None


def test_recurring_bare_times_keep_their_wall_clock_in_the_found_zone(gazetteer_path):
    """A weekly bare 19:00 across a DST change is 19:00 local on both sides once settled in Berlin."""
    body = json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "Event",
            "name": "Weekly choir",
            "startDate": "2030-03-20T19:00",
            "eventSchedule": {"@type": "Schedule", "repeatFrequency": "P1W", "byDay": "https://schema.org/Wednesday"},
            "location": {"@type": "Place", "address": {"addressLocality": "Hamburg", "addressCountry": "DE"}},
        }
    )
    context = Context(window_start=datetime(2030, 3, 18, tzinfo=UTC), window_end=datetime(2030, 4, 10, tzinfo=UTC))
    [item] = SchemaOrgAdapter().parse(body.encode(), "", context)
    assert item.assumed_timezone
    problems: list[str] = []
    settle_zone(item, Resolver(gazetteer_path), None, problems)
    assert problems == [] and item.timezone == "Europe/Berlin"
    offsets = {o.start.isoformat()[11:] for o in item.occurrences}
    assert offsets == {"19:00:00+01:00", "19:00:00+02:00"}


def test_the_importer_stores_the_venues_instant(session, gazetteer_path):
    source = Source(slug="bare", adapter="schemaorg", url="file:x", timezone="America/New_York")
    session.add(source)
    session.flush()
    [item] = [
        i
        for i in SchemaOrgAdapter().parse(
            PAGE.read_bytes(),
            "",
            Context(timezone="America/New_York", window_start=NOW, window_end=datetime(2030, 12, 31, tzinfo=UTC)),
        )
        if i.title.startswith("Chor")
    ]
    assert item.start.isoformat() == "2030-01-15T19:00:00-05:00"  # read in the catalogue's zone first
    ingest(session, source, [item], resolver=Resolver(gazetteer_path), now=NOW)
    stored = session.scalar(select(Listing).where(Listing.title == "Chorprobe im Kiez"))
    start = stored.start if stored.start.tzinfo else stored.start.replace(tzinfo=UTC)
    assert start == datetime(2030, 1, 15, 18, 0, tzinfo=UTC)
    assert stored.timezone == "Europe/Berlin"


def test_item_without_bare_times_is_left_alone(gazetteer_path):
    item = Item(title="x", start=datetime(2030, 1, 1, 12, tzinfo=UTC), venue=Venue(locality="Berlin", country="DE"))
    problems: list[str] = []
    settle_zone(item, Resolver(gazetteer_path), "Asia/Tokyo", problems)
    assert item.start.hour == 12 and item.timezone is None and problems == []
