"""Bare local times take a zone the same page states elsewhere, before any inferred one (issue 19).

EventOn's `sunix`/`eunix` calendar links beside its bare microdata times, "add to Google Calendar" links
(`ctz=`, or UTC `dates=` with the event's title), a `timezone` field in the page's JSON. Such items are
not `assumed_timezone`. See scrapers/page_zones.py.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from finder.cli.parse import parse_command
from finder.config import Config
from scrapers.base import Context
from scrapers.page_zones import apply_page_times, page_times
from scrapers.schemaorg.adapter import SchemaOrgAdapter

FIXTURES = Path(__file__).parent / "fixtures" / "fidelity"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
EVENTON_PAGE = CORPUS / "schemaorg-html" / "cityscrapers_cook_landbank_eventon_list.html"
EVENTON_AJAX = CORPUS / "wp-events-json" / "cityscrapers_cook_landbank_eventon_ajax.json"


@pytest.fixture
def parse_rows(gazetteer_path):
    app = Flask("page-zones-test")
    app.config["FINDER"] = Config(TIMEZONE="UTC", EXPANSION_DAYS=90, GAZETTEER_PATH=str(gazetteer_path), TESTING=True)

    def invoke(*args: str):
        with app.app_context():
            result = CliRunner().invoke(parse_command, [*map(str, args), "--json"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return [json.loads(line) for line in result.stdout.splitlines()], result.stderr

    return invoke


def test_a_calendar_links_zone_name_beats_a_guess(parse_rows):
    """Before: 18:00+00:00, assumed, a problem line (a US venue without a city names no zone)."""
    [row], stderr = parse_rows(FIXTURES / "page_zone_ctz.html", "--since", "2030-01-01", "--until", "2030-08-01")
    assert (row["start"], row["timezone"], row["assumed_timezone"]) == (
        "2030-01-15T18:00:00-05:00",
        "America/New_York",
        False,
    )
    # The monthly series keeps 18:00 local on both sides of the DST change.
    assert {o["start"][11:] for o in row["occurrences"]} == {"18:00:00-05:00", "18:00:00-04:00"}
    assert "problem" not in stderr


def test_the_page_zone_comes_before_the_catalogue_zone(parse_rows):
    [row], _ = parse_rows(
        FIXTURES / "page_zone_ctz.html", "--since", "2030-01-01", "--until", "2030-02-01", "--timezone", "Europe/London"
    )
    assert (row["start"], row["timezone"], row["assumed_timezone"]) == (
        "2030-01-15T18:00:00-05:00",
        "America/New_York",
        False,
    )


def test_a_timezone_field_in_the_pages_json(parse_rows):
    rows, stderr = parse_rows(FIXTURES / "page_zone_field.json", "--since", "2030-01-01", "--until", "2030-12-31")
    assert [(r["start"], r["timezone"], r["assumed_timezone"]) for r in rows] == [
        ("2030-03-20T19:00:00+01:00", "Europe/Madrid", False),
        ("2030-07-03T19:00:00+02:00", "Europe/Madrid", False),
    ]
    assert "problem" not in stderr


def test_google_links_with_utc_instants_pin_the_offset_of_every_event(parse_rows):
    """Two titled UTC links (winter +01:00, summer +02:00) leave only zones that agree; the third event,
    without a link, gets the offset they all give it. No zone is named: only offsets are known."""
    rows, stderr = parse_rows(
        FIXTURES / "page_zone_google_links.html", "--since", "2030-01-01", "--until", "2030-12-31"
    )
    by_title = {r["title"]: r for r in rows}
    assert by_title["Winter walk"]["start"] == "2030-01-12T10:00:00+01:00"
    assert by_title["Summer walk"]["end"] == "2030-07-13T12:00:00+02:00"
    assert by_title["Autumn walk"]["start"] == "2030-10-12T10:00:00+02:00"
    assert {(r["timezone"], r["assumed_timezone"]) for r in rows} == {(None, False)}
    assert "problem" not in stderr


def test_eventon_sunix_links_on_a_real_listing_page(parse_rows):
    """Cook County Land Bank's EventOn page: microdata `2019-9-18T10:00` beside `sunix=20190918T150000Z`.
    Before: 10:00+00:00 with a problem line for each of the 9 meetings. The site's instants are UTC-5 all
    year (a fixed offset in its settings), and the page is followed."""
    rows, stderr = parse_rows(EVENTON_PAGE, "--since", "2019-01-01", "--until", "2020-01-01")
    assert len(rows) == 9 and "problem" not in stderr
    first = next(r for r in rows if r["start"].startswith("2019-09-18"))
    assert (first["start"], first["end"]) == ("2019-09-18T10:00:00-05:00", "2019-09-18T11:00:00-05:00")
    assert {(r["start"][19:], r["timezone"], r["assumed_timezone"]) for r in rows} == {("-05:00", None, False)}


def test_eventon_sunix_in_the_ajax_feed(parse_rows):
    [row], stderr = parse_rows(EVENTON_AJAX, "--since", "2019-01-01", "--until", "2020-01-01")
    assert (row["start"], row["end"], row["assumed_timezone"]) == (
        "2019-09-13T10:00:00-05:00",
        "2019-09-13T23:50:00-05:00",
        False,
    )
    assert "problem" not in stderr


def test_a_catalogue_zone_that_agrees_with_the_instants_names_them(frozen_now):
    body = EVENTON_AJAX.read_bytes()
    from scrapers.fullcalendar import FullCalendar

    agreeing = FullCalendar().parse(
        body, "", Context(timezone="America/Bogota", window_start=datetime(2019, 1, 1, tzinfo=UTC))
    )
    assert (agreeing[0].timezone, agreeing[0].start.isoformat()) == ("America/Bogota", "2019-09-13T10:00:00-05:00")
    # Chicago is -06:00 in December, which the site's instants are not: only the offset is kept.
    page = SchemaOrgAdapter().parse(
        EVENTON_PAGE.read_bytes(),
        "",
        Context(timezone="America/Chicago", window_start=datetime(2019, 1, 1, tzinfo=UTC)),
    )
    december = next(item for item in page if item.start.month == 12)
    assert (december.timezone, december.start.isoformat()[19:], december.assumed_timezone) == (None, "-05:00", False)


def test_two_different_zone_names_state_nothing():
    text = '<a href="x?ctz=Europe/Paris">a</a> {"timezone": "Asia/Tokyo"} <b data-timezone="UTC">'
    assert page_times(text).zone is None
    assert page_times('{"timezone": "Asia/Tokyo", "tz": "UTC"}').zone == "Asia/Tokyo"
    assert page_times('{"timezone": "UTC+0"}').zone is None  # WordPress's unconfigured default says nothing


def test_items_with_their_own_offset_are_left_alone(frozen_now):
    body = (
        b'<script type="application/ld+json">{"@context": "https://schema.org", "@type": "Event", "name": "x",'
        b' "startDate": "2030-01-16T19:00:00+01:00"}</script><a href="y?ctz=America/Chicago">cal</a>'
    )
    [item] = SchemaOrgAdapter().parse(body, "", Context(window_start=datetime(2030, 1, 1, tzinfo=UTC)))
    assert item.start.isoformat() == "2030-01-16T19:00:00+01:00" and not item.assumed_timezone
    apply_page_times([item], page_times("nothing stated here"))
    assert item.start.isoformat() == "2030-01-16T19:00:00+01:00"
