"""`finder parse`: the public JSON contract, format detection, windows, and one-line failures."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask, has_app_context

from finder.cli.parse import parse_command, window
from finder.config import Config
from scrapers.detect import detect

FIXTURES = Path(__file__).parent / "fixtures"
CONTRACT_KEYS = {
    "title", "kind", "url", "start", "end", "timezone", "all_day", "lat", "lon", "online", "online_url", "status",
    "recurrence", "occurrences", "venue", "organizer", "categories", "tags", "source_key", "assumed_timezone",
}  # fmt: skip
VENUE_KEYS = {"name", "street", "locality", "region", "postcode", "country"}


@pytest.fixture
def run():
    """Invoke `finder parse` inside a minimal app context holding known settings (no database needed)."""
    app = Flask("parse-test")
    app.config["FINDER"] = Config(
        TIMEZONE="UTC", EXPANSION_DAYS=90, FETCH_ALLOW_PRIVATE=True, FETCH_MIN_DELAY_S=0.0, TESTING=True
    )
    runner = CliRunner()

    def invoke(*args: str):
        with app.app_context():
            return runner.invoke(parse_command, [str(a) for a in args], catch_exceptions=False)

    return invoke


def rows(result) -> list[dict]:
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_json_lines_carry_the_contract_keys(run):
    result = run(
        FIXTURES / "ics" / "repair_cafe_series.ics", "--since", "2025-03-01", "--until", "2025-04-30", "--json"
    )
    [row] = rows(result)
    assert CONTRACT_KEYS <= set(row)
    assert set(row["venue"]) == VENUE_KEYS and set(row["organizer"]) == {"name", "url"}
    assert row["start"] == "2025-03-04T18:30:00+00:00" and row["end"] == "2025-03-04T20:30:00+00:00"
    assert row["timezone"] == "Europe/London" and row["all_day"] is False
    assert row["recurrence"] == "FREQ=WEEKLY;COUNT=8;BYDAY=TU"  # no RRULE: prefix
    assert row["occurrences"][0] == {
        "start": "2025-03-04T18:30:00+00:00",
        "end": "2025-03-04T20:30:00+00:00",
        "status": "scheduled",
    }
    assert {"start": "2025-04-01T18:30:00+01:00", "end": "2025-04-01T20:30:00+01:00", "status": "cancelled"} in row[
        "occurrences"
    ]
    assert (row["lat"], row["lon"]) == (51.752, -1.2577)
    assert row["source_key"] == "repair-cafe-weekly@riverside.example"
    assert row["categories"] == ["Repair, Reuse", "Community", "Environment"]


def test_tags_are_canonical_slugs_from_the_vocabulary(run):
    tags = pytest.importorskip("finder.tags")
    [row] = rows(run(FIXTURES / "ics" / "repair_cafe_series.ics", "--since", "2025-03-01", "--json"))
    known = {tag.slug for tag in tags.load_vocabulary().all()}
    assert row["tags"] and set(row["tags"]) <= known


def test_all_day_dates_and_exclusive_end(run):
    output = rows(
        run(FIXTURES / "ics" / "all_day_and_ends.ics", "--since", "2025-05-01", "--until", "2025-06-30", "--json")
    )
    fair, festival = output[0], output[1]
    assert (fair["start"], fair["end"], fair["all_day"]) == ("2025-05-10", "2025-05-11", True)
    assert festival["occurrences"] == [{"start": "2025-06-01", "end": "2025-06-03", "status": "scheduled"}]
    assert output[2]["end"] is None and output[2]["occurrences"][0]["end"] is None


def test_window_options_bound_occurrences_and_past_events_are_kept(run):
    [row] = rows(
        run(FIXTURES / "ics" / "repair_cafe_series.ics", "--since", "2025-04-05", "--until", "2025-04-15", "--json")
    )
    assert [o["start"][:10] for o in row["occurrences"]] == ["2025-04-08", "2025-04-15"]  # --until day included
    [old] = rows(run(FIXTURES / "ics" / "bare_vevent_bom.ics", "--since", "2030-01-01", "--json"))
    assert old["occurrences"] == [] and old["start"] == "2025-02-20T18:00:00+00:00"


def test_settings_come_from_the_environment_without_an_app(monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    from finder.cli.parse import _config

    monkeypatch.setenv("FINDER_EXPANSION_DAYS", "14")
    with ThreadPoolExecutor(1) as pool:  # a fresh thread has no Flask app context
        found = pool.submit(lambda: (has_app_context(), _config().EXPANSION_DAYS)).result()
    assert found == (False, 14)


def test_default_window_is_today_plus_expansion_days():
    start, end = window(None, None, 90, "Europe/Berlin", today=date(2025, 1, 10))
    assert start.isoformat() == "2025-01-10T00:00:00+01:00"
    assert end.date() == date(2025, 4, 10) and end.hour == 23


def test_format_option_and_autodetection(run):
    gcal = FIXTURES / "gcal" / "walking_club.json"
    auto = rows(run(gcal, "--since", "2025-03-01", "--json"))
    forced = rows(run(gcal, "--format", "gcal", "--since", "2025-03-01", "--json"))
    assert auto == forced and auto[0]["title"] == "Sunday riverside walk"
    organiser = rows(
        run(
            FIXTURES / "fullcalendar" / "event_organiser.json",
            "--timezone",
            "America/Chicago",
            "--since",
            "2025-02-01",
            "--json",
        )
    )
    assert organiser[0]["start"] == "2025-02-04T18:30:00-06:00" and organiser[0]["timezone"] == "America/Chicago"


def test_unknown_format_is_a_usage_error(run):
    result = run(FIXTURES / "gcal" / "walking_club.json", "--format", "nope")
    assert result.exit_code == 2 and "unknown format 'nope'" in result.output


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ((FIXTURES / "parse" / "error_page.html").read_bytes(), "an HTML error page ('404 Not Found')"),
        (b'{"openapi": "3.1.0", "paths": {}}', "an OpenAPI specification"),
        (b"id,name\n1,a\n", "unknown format"),
        (b"", "empty body"),
    ],
)
def test_non_sources_exit_non_zero_with_one_line(run, tmp_path, body, reason):
    path = tmp_path / "input"
    path.write_bytes(body)
    result = run(path, "--json")
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "not a listing source" in lines[0] and reason in lines[0]
    assert "Traceback" not in result.output


def test_forced_wrong_format_reports_the_adapter_reason(run):
    result = run(FIXTURES / "parse" / "error_page.html", "--format", "ics")
    assert result.exit_code == 1 and "not iCalendar" in result.output and "Traceback" not in result.output


def test_missing_file(run, tmp_path):
    result = run(tmp_path / "nothing.ics")
    assert result.exit_code == 1 and "no such file" in result.output


def test_readable_table_without_json(run, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    result = run(FIXTURES / "ics" / "online_only.ics", "--since", "2025-02-01")
    assert result.exit_code == 0
    assert "Python study group" in result.output and "3 listings" in result.output and "online" in result.output


def test_problems_go_to_stderr(run):
    result = run(FIXTURES / "fullcalendar" / "event_organiser.json", "--since", "2025-02-01", "--json")
    assert len(rows(result)) == 4
    assert "problem: event 4: ValueError: unreadable time 'sometime next week'" in result.stderr


@pytest.mark.parametrize("folder", ["ics", "gcal-json", "wp-events-json"])
def test_every_corpus_file_of_these_formats_parses(run, corpus, folder):
    for path in sorted((corpus / folder).iterdir()):
        result = run(path, "--since", "2000-01-01", "--until", "2030-12-31", "--json")
        assert result.exit_code == 0, (path.name, result.output)
        for row in rows(result):
            assert CONTRACT_KEYS <= set(row), path.name


def test_detect_names_the_adapter_of_our_fixtures():
    assert detect((FIXTURES / "ics" / "bare_vevent_bom.ics").read_bytes()) == "ics"
    assert detect((FIXTURES / "gcal" / "walking_club.json").read_bytes()) == "gcal"
    assert detect((FIXTURES / "fullcalendar" / "eventon_month.json").read_bytes()) == "fullcalendar"


def test_url_is_fetched_and_paged(run, httpserver):
    pytest.importorskip("scrapers.fetch.fetcher")
    first = json.loads((FIXTURES / "gcal" / "walking_club.json").read_text())
    second = {"kind": "calendar#events", "timeZone": "Europe/London", "items": [
        {"id": "last", "summary": "Second page walk", "start": {"date": "2025-03-15"}, "end": {"date": "2025-03-16"}},
    ]}  # fmt: skip
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/events", query_string="key=k").respond_with_json(first)
    httpserver.expect_request("/events", query_string="key=k&pageToken=page-2-token").respond_with_json(second)
    output = rows(run(httpserver.url_for("/events") + "?key=k", "--since", "2025-03-01", "--json"))
    assert [row["title"] for row in output][-1] == "Second page walk" and len(output) == 5


def test_url_that_fails_exits_with_one_line(run, httpserver):
    pytest.importorskip("scrapers.fetch.fetcher")
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/gone.ics").respond_with_data("gone", status=410)
    result = run(httpserver.url_for("/gone.ics"))
    assert result.exit_code == 1 and "could not fetch" in result.output and "Traceback" not in result.output


def test_parse_is_registered_on_the_finder_command():
    import click

    from finder.cli import main

    assert main.get_command(click.Context(main), "parse") is parse_command


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"$schema": "https://json-schema.org/draft/2020-12/schema", "properties": {}}', "a JSON Schema"),
        (b'{"error": {"code": 403, "message": "denied"}}', "a JSON error response"),
        (b'<?xml version="1.0"?><catalog><book/></catalog>', "XML of unknown shape (root <catalog>)"),
        (b"<html><head><title>Our club</title></head><body><p>Hi</p></body></html>", "without structured event data"),
        (b"[]", "an empty JSON array"),
    ],
)
def test_detect_explains_what_a_non_source_is(body, reason):
    from scrapers.base import ParseError

    with pytest.raises(ParseError, match="^not a listing source: ") as caught:
        detect(body)
    assert reason in str(caught.value) and "\n" not in str(caught.value)
