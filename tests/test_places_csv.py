"""Places in any CSV a directory publishes (adapter `csv`, issue 19): the usual column names without a mapping,
a catalogue `mapping` in the `json` adapter's shape for the rest, boolean category columns, phone and email
kept in `extra`, semicolons and classic-Mac files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from finder.cli.parse import parse_command
from scrapers.base import Context, ParseError
from scrapers.detect import detect
from scrapers.places_csv import PlacesCsvAdapter

FIXTURES = Path(__file__).parent / "fixtures" / "places_csv"
CLUBS = FIXTURES / "sports_clubs.csv"
CENTRES = FIXTURES / "centres_semicolon_mac.csv"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
CATEGORY_COLUMNS = ["Football", "Netball", "Walking", "Under 18s"]


def parse(path: Path, mapping: dict | None = None):
    context = Context(mapping=mapping or {})
    return PlacesCsvAdapter().parse(path.read_bytes(), "", context), context


def test_usual_columns_read_without_a_mapping():
    listings, context = parse(CLUBS)
    assert [item.title for item in listings] == [
        "Kirkstall Harriers",
        "Headingley Netball Club",
        "Chapeltown Walking Football",
    ]
    assert context.problems == ["row 3: ValueError: row without a name"]
    harriers = listings[0]
    assert (harriers.lat, harriers.lon, harriers.kind) == (53.8201, -1.6025, "club")
    venue = harriers.venue
    assert (venue.street, venue.locality, venue.postcode, venue.country) == ("Abbey Road", "Leeds", "LS5 3HS", "GB")
    assert harriers.url == "https://www.kirkstallharriers.example"  # a bare domain, as directories write it
    assert harriers.description == "Social runs Tuesday and Thursday"
    assert harriers.extra == {"phone": "0113 496 0001"}
    assert listings[1].url == "https://headingleynetball.example/join" and listings[1].extra == {}
    assert listings[2].lat is None and listings[2].categories == []  # no category columns named: none guessed


def test_boolean_category_columns_through_the_mapping():
    listings, _ = parse(CLUBS, {"category_columns": CATEGORY_COLUMNS, "kind": "club"})
    assert [item.categories for item in listings] == [
        ["Walking", "Under 18s"],
        ["Netball", "Under 18s"],
        ["Football", "Walking"],
    ]
    labelled, _ = parse(CLUBS, {"category_columns": {"Walking": "walking", "under_18s": "youth"}})
    assert labelled[0].categories == ["walking", "youth"]  # column names match without case or spacing
    assert labelled[0].kind_stated is False


def test_a_mapping_names_the_columns_of_a_semicolon_mac_roman_cr_only_file():
    with pytest.raises(ParseError, match=r"not a places CSV: no name column \(columns: Nom, Adresse, Ville"):
        parse(CENTRES)
    mapping = {
        "kind": "club",
        "fields": {
            "title": "Nom",
            "street": "Adresse",
            "locality": "Ville",
            "postcode": "Code postal",
            "phone": "Téléphone",
            "categories": "Activités",
        },
    }
    listings, context = parse(CENTRES, mapping)
    assert context.problems == []
    cafe, chess = listings
    assert (cafe.title, cafe.venue.street, cafe.venue.postcode) == ("Café-tricot Zürich", "2 rue des Lilas", "69003")
    assert (cafe.lat, cafe.lon) == (45.7578, 4.832)  # lat/long found by their usual names beside the mapping
    assert cafe.categories == ["tricot", "couture"] and cafe.extra == {"phone": "04 72 00 00 00"}
    assert chess.title == "Cercle d'échecs" and chess.lat is None and chess.kind_stated
    assert chess.source_key == "Cercle d'échecs|5 place Bellecour, Lyon, 69002"


def test_an_unknown_mapping_field_is_refused():
    with pytest.raises(ParseError, match="unknown field"):
        parse(CLUBS, {"fields": {"title": "Club Name", "colour": "x"}})


def test_detection_picks_csv_for_places_and_leaves_hsds_tables_to_hsds():
    assert detect(CLUBS.read_bytes(), "clubs.csv") == "csv"
    assert detect((CORPUS / "hsds" / "hsds_tabular_schedules.csv").read_bytes(), "schedules.csv") == "hsds"
    hsds_locations = b"id,organization_id,name,latitude,longitude\nl1,o1,Hall,51.5,-0.1\n"
    assert detect(hsds_locations, "locations.csv") == "hsds"


def test_finder_parse_reads_a_places_csv():
    result = CliRunner().invoke(parse_command, [str(CLUBS), "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["title"] for row in rows][:1] == ["Kirkstall Harriers"] and len(rows) == 3
    refused = CliRunner().invoke(parse_command, [str(CENTRES), "--format", "csv"])
    assert refused.exit_code != 0 and "no name column" in refused.output


def test_a_catalogue_entry_carries_the_mapping(tmp_path):
    from finder.catalog.sources import load_catalog

    catalogue = tmp_path / "sources.toml"
    catalogue.write_text(
        '[[source]]\nslug = "leeds-clubs"\nadapter = "csv"\nurl = "https://leeds.example/clubs.csv"\nkind = "club"\n'
        '[source.mapping]\ncategory_columns = ["Football", "Walking"]\n[source.mapping.fields]\ntitle = "Club Name"\n',
        encoding="utf-8",
    )
    [spec] = load_catalog(catalogue, overlay=False)
    assert spec.adapter == "csv" and spec.mapping["fields"] == {"title": "Club Name"}
    listings, _ = parse(CLUBS, spec.mapping)
    assert listings[0].categories == ["Walking"]
