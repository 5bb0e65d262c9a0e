"""The openactive adapter on the real OpenActive corpus and on a small combined feed of our own."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scrapers.base import Context, ParseError
from scrapers.detect import detect
from scrapers.openactive import OpenActiveAdapter

FIXTURE = Path(__file__).parent / "fixtures" / "openactive" / "combined-feed-page.json"
CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "openactive"
ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def context(**values) -> Context:
    return Context(window_start=values.pop("window_start", NOW), **values)


def test_a_combined_page_joins_sessions_to_their_series_and_reads_every_field():
    problems = context(url="https://example.org/feed")
    listings = OpenActiveAdapter().parse(FIXTURE.read_bytes(), "https://example.org/feed", problems)
    assert problems.problems == []
    assert [(item.source_key, item.title) for item in listings] == [
        ("run-1", "Riverside Social Run"),
        ("run-2", "Riverside Social Run"),
    ]  # the series alone has no schedule
    first, second = listings
    assert first.start == datetime(2026, 3, 3, 18, 30, tzinfo=UTC) and first.end == datetime(
        2026, 3, 3, 19, 30, tzinfo=UTC
    )
    assert second.end == datetime(2026, 3, 10, 19, 30, tzinfo=UTC)  # from its duration
    assert (first.lat, first.lon, first.venue.locality, first.venue.postcode) == (53.795, -1.5476, "Leeds", "LS1 4AP")
    assert first.organizer.name == "Riverside Runners" and first.url == "https://example.org/runs/riverside"
    assert first.categories == ["Running"] and first.tags == ["running", "women"]  # crosswalk; FemaleOnly
    assert first.free is True and first.min_age == 60 and first.audience == ["seniors"]
    assert first.accessibility == ["wheelchair"]
    assert first.extra == {
        "gender_restriction": "female",
        "age_range": [60, None],
        "accessibility_support": ["Wheelchair accessible route"],
        "level": ["Beginner"],
        "coached": True,
        "capacity": 30,
        "leaders": ["Sam Leader"],
        "meeting_point": "By the boathouse",
        "programme": "Run Together",
    }
    assert second.extra["capacity"] == 12  # the session's own value wins over its series'
    assert [o.start for o in first.occurrences] == [first.start]


def test_the_real_nottingham_session_joins_its_series_from_an_earlier_page():
    shared = context(timezone="Europe/London", window_start=datetime(2020, 7, 1, tzinfo=UTC))
    adapter = OpenActiveAdapter()
    series = adapter.parse((CORPUS / "rpde-item-sessionseries-nottingham-leisurecloud.json").read_bytes(), "", shared)
    session = adapter.parse(
        (CORPUS / "rpde-item-scheduledsession-superevent-ref-nottingham-leisurecloud.json").read_bytes(), "", shared
    )
    [weekly] = series
    assert weekly.title == "Shadow Box Fit" and weekly.recurrence == "FREQ=WEEKLY;BYDAY=MO;UNTIL=20210118T235959"
    assert weekly.start == datetime(2020, 7, 20, 8, 15, tzinfo=UTC) and weekly.timezone == "Europe/London"
    assert weekly.cost == "6.9 GBP" and weekly.free is False
    [one] = session
    assert one.title == "Shadow Box Fit" and one.organizer.name == "Nottingham City Council Sport and Leisure"
    assert one.start == datetime(2020, 7, 27, 8, 15, tzinfo=UTC) and one.extra["capacity"] == 35
    assert one.source_key == "https://ncc.leisurecloud.net/OpenActive/api/scheduled-sessions/11575967"
    assert shared.problems == []


def test_a_series_kept_from_an_earlier_run_joins_as_text_and_as_earlier_versions_kept_it():
    window = datetime(2020, 7, 1, tzinfo=UTC)
    first_run = context(timezone="Europe/London", window_start=window)
    series = (CORPUS / "rpde-item-sessionseries-nottingham-leisurecloud.json").read_bytes()
    OpenActiveAdapter().parse(series, "", first_run)
    kept = first_run.memo["kept"]
    # compact text, which crosses into and out of a parse worker with every page in a few ms
    assert [type(node) for node in kept["series"].values()] == [str]
    as_dicts = {"series": {key: json.loads(text) for key, text in kept["series"].items()}}  # as kept before
    session = (CORPUS / "rpde-item-scheduledsession-superevent-ref-nottingham-leisurecloud.json").read_bytes()
    for memory in (json.loads(json.dumps(kept)), as_dicts):  # as saved with the run and loaded by the next
        later_run = context(timezone="Europe/London", window_start=window)
        later_run.memo["kept"] = memory
        [one] = OpenActiveAdapter().parse(session, "", later_run)
        assert one.title == "Shadow Box Fit" and one.organizer.name == "Nottingham City Council Sport and Leisure"
        assert one.cost == "6.9 GBP" and later_run.problems == []


def test_a_session_whose_series_comes_later_in_the_run_waits_for_it():
    shared = context(timezone="Europe/London", window_start=datetime(2020, 7, 1, tzinfo=UTC))
    adapter = OpenActiveAdapter()
    early = adapter.parse(
        (CORPUS / "rpde-item-scheduledsession-superevent-ref-nottingham-leisurecloud.json").read_bytes(), "", shared
    )
    assert early == [] and len(shared.problems) == 1 and "not read yet" in shared.problems[0]
    later = adapter.parse((CORPUS / "rpde-item-sessionseries-nottingham-leisurecloud.json").read_bytes(), "", shared)
    assert [item.title for item in later] == ["Shadow Box Fit", "Shadow Box Fit"]
    assert shared.problems == []


def test_a_legacy_rpde_0_2_page_reads_its_session_and_lists_its_deletion():
    body = (CORPUS / "rpde-page-deleted-and-updated-openactive-rb-fixture.json").read_bytes()
    adapter = OpenActiveAdapter()
    [listing] = adapter.parse(body, "", context(window_start=datetime(2017, 9, 1, tzinfo=UTC)))
    assert listing.title == "Bodyattack® Fri 7am" and listing.source_key == "C5CLBD07000317"
    assert listing.start == datetime(2017, 9, 29, 6, 0, tzinfo=UTC) and listing.end == datetime(
        2017, 9, 29, 6, 45, tzinfo=UTC
    )
    assert listing.cost == "5.00 GBP" and listing.free is False and listing.categories == ["Body Attack"]
    assert (listing.lat, listing.lon) == (51.89696, 0.905547)
    assert adapter.removals(body) == ["C3CLAQB20000714"]


@pytest.mark.parametrize(
    "name",
    [
        "rpde-item-facilityuse-lincsinspire-legend.json",
        "rpde-item-slot-kind-facilityuse-dot-slot-lincsinspire-legend.json",
    ],
)
def test_facility_bookings_are_skipped_with_a_reason(name):
    problems = context()
    assert OpenActiveAdapter().parse((CORPUS / name).read_bytes(), "", problems) == []
    assert "facility booking" in problems.problems[0]


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("activity-list.jsonld", "activity list"),
        ("data-catalog-collection.jsonld", "data catalogue"),
        ("data-catalog-singular.jsonld", "data catalogue"),
    ],
)
def test_catalogues_and_the_activity_list_are_no_feed(name, says):
    body = (CORPUS / name).read_bytes()
    assert detect(body) == "openactive"
    with pytest.raises(ParseError, match=says):
        OpenActiveAdapter().parse(body)


def test_every_corpus_rpde_file_is_detected_as_openactive():
    for path in CORPUS.glob("rpde-*.json"):
        assert detect(path.read_bytes()) == "openactive", path.name


def test_paging_follows_next_and_stops_where_next_is_the_page_itself():
    adapter = OpenActiveAdapter()
    page = json.dumps({"items": [{"state": "deleted", "id": "1"}], "next": "/feed?afterId=1"}).encode()
    assert adapter.next_url(page, "https://example.org/feed") == "https://example.org/feed?afterId=1"
    last = json.dumps({"items": [{"state": "deleted", "id": "1"}], "next": "https://example.org/feed?afterId=1"})
    assert adapter.next_url(last.encode(), "https://example.org/feed?afterId=1") is None
    assert adapter.next_url((CORPUS / "rpde-last-page-empty-items-openactive-rb-fixture.json").read_bytes(), "") is None
    local = json.dumps({"items": [{"state": "deleted", "id": "1"}], "next": "file:data/secret_key"}).encode()
    assert adapter.next_url(local, "https://example.org/feed") is None  # never a local file from a remote feed


def test_the_shipped_crosswalk_is_what_the_script_builds_from_the_activity_list(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "crosswalk.json"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "openactive_crosswalk.py"),
            str(CORPUS / "activity-list.jsonld"),
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    built = json.loads(out.read_text())
    assert built == json.loads((ROOT / "data" / "openactive_activities.json").read_text())
    assert len(built["concepts"]) == 768
    walking = next(key for key, (label, _slugs) in built["concepts"].items() if label == "Walking")
    assert built["synonyms"]["Rambling"] == walking and "outdoors-hiking" in built["concepts"][walking][1]


EXPECTED = {  # corpus file -> (exit code, titles) of `finder parse --json`
    "activity-list.jsonld": (1, None),
    "data-catalog-collection.jsonld": (1, None),
    "data-catalog-singular.jsonld": (1, None),
    "rpde-item-facilityuse-lincsinspire-legend.json": (0, []),
    "rpde-item-slot-kind-facilityuse-dot-slot-lincsinspire-legend.json": (0, []),
    "rpde-item-scheduledsession-superevent-ref-nottingham-leisurecloud.json": (0, []),
    "rpde-item-sessionseries-nottingham-leisurecloud.json": (0, ["Shadow Box Fit"]),
    "rpde-last-page-empty-items-openactive-rb-fixture.json": (0, []),
    "rpde-page-deleted-and-updated-openactive-rb-fixture.json": (0, ["Bodyattack® Fri 7am"]),
}


def test_finder_parse_reads_every_corpus_file_or_refuses_it_in_one_line():
    from click.testing import CliRunner
    from flask import Flask

    from finder.cli.parse import parse_command
    from finder.config import Config

    assert sorted(EXPECTED) == sorted(path.name for path in CORPUS.iterdir())
    app = Flask("parse-test")
    app.config["FINDER"] = Config(TIMEZONE="Europe/London", EXPANSION_DAYS=90, TESTING=True)
    for name, (code, titles) in EXPECTED.items():
        with app.app_context():
            result = CliRunner().invoke(
                parse_command,
                [str(CORPUS / name), "--since", "2017-09-01", "--until", "2020-12-31", "--json"],
                catch_exceptions=False,
            )
        assert result.exit_code == code, (name, result.output)
        if code:
            assert result.output.startswith("Error: ") and result.output.count("\n") == 1, result.output
            continue
        rows = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
        assert [row["title"] for row in rows] == titles, name
        if not rows:
            assert "problem: " in result.stderr, name  # says why nothing came out
    series = CliRunner()
    with app.app_context():
        out = series.invoke(
            parse_command,
            [str(CORPUS / "rpde-item-sessionseries-nottingham-leisurecloud.json"), "--since", "2020-07-01", "--json"],
        ).stdout
    assert json.loads(out)["tags"] == ["sports-fitness"]  # "Fitness Class" through the vocabulary


KEYS = [
    "items",
    "next",
    "state",
    "kind",
    "id",
    "@id",
    "modified",
    "data",
    "type",
    "@type",
    "name",
    "startDate",
    "endDate",
    "duration",
    "superEvent",
    "subEvent",
    "eventSchedule",
    "byDay",
    "startTime",
    "activity",
    "prefLabel",
    "location",
    "geo",
    "latitude",
    "longitude",
    "address",
    "offers",
    "offer",
    "price",
    "ageRange",
    "minValue",
    "maxValue",
    "genderRestriction",
    "leader",
    "programme",
    "level",
    "isCoached",
    "maximumAttendeeCapacity",
    "accessibilitySupport",
    "organizer",
    "SessionSeries",
    "ScheduledSession",
    "Event",
    "CourseInstance",
    "deleted",
    "updated",
    "FacilityUse",
    "Slot",
    "ConceptScheme",
    "DataCatalog",
]


def test_any_rpde_shaped_json_parses_or_is_refused():
    from hypothesis import HealthCheck, given, settings

    from tests.adapter_fuzz import check_never_crashes, json_values

    check_never_crashes(OpenActiveAdapter, KEYS)

    @settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(json_values(KEYS))
    def removals(value):
        assert isinstance(OpenActiveAdapter().removals(json.dumps(value).encode()), list)

    removals()
