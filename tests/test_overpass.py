"""Overpass adapter: clubs and community places from OSM, and Overpass's failure modes."""

from datetime import UTC, datetime

import pytest

from scrapers import ADAPTERS
from scrapers.base import Context, ParseError
from scrapers.overpass import OverpassAdapter
from tests.adapter_fuzz import check_corpus_never_crashes, check_never_crashes


def window(**kwargs) -> Context:
    return Context(window_start=datetime(2026, 1, 1, tzinfo=UTC), window_end=datetime(2026, 3, 1, tzinfo=UTC), **kwargs)


@pytest.fixture
def clubs():
    context = window()
    with open("tests/fixtures/overpass/clubs.json", "rb") as handle:
        listings = OverpassAdapter().parse(handle.read(), "https://overpass-api.de/api/interpreter", context)
    return {listing.source_key: listing for listing in listings}


def test_registered():
    assert ADAPTERS["overpass"] is OverpassAdapter


def test_dedupe_by_type_and_id(clubs):
    assert sorted(clubs) == ["node/1001", "node/5005", "relation/77", "way/1001"]


def test_node_club(clubs):
    chess = clubs["node/1001"]
    assert chess.kind == "club" and chess.title == "Soho Chess Club"
    assert (chess.lat, chess.lon) == (51.5101, -0.1301)
    assert chess.venue.street == "12 Greek Street"  # house number first in GB
    assert (chess.venue.locality, chess.venue.postcode, chess.venue.country) == ("London", "W1D 4DL", "GB")
    assert chess.url == "https://www.sohochess.example"
    assert chess.accessibility == ["wheelchair"]
    assert chess.extra["opening_hours"] == "Tu 18:00-22:00"
    assert chess.categories == ["chess"] and chess.problems() == []


def test_way_center_and_contact_website(clubs):
    house = clubs["way/1001"]
    assert (house.lat, house.lon) == (52.5, 13.4)
    assert house.venue.street == "Urbanstraße 21"  # street first elsewhere
    assert house.url == "https://nbh.example/"
    assert house.accessibility == [] and house.extra["wheelchair"] == "limited"
    assert house.categories == ["community centre"]


def test_relation_without_website_links_to_osm(clubs):
    space = clubs["relation/77"]
    assert space.url == "https://www.openstreetmap.org/relation/77"
    assert space.description == "Open night every Tuesday"
    assert space.categories == ["hackerspace"]


def test_unsafe_website_and_sport_values(clubs):
    rowers = clubs["node/5005"]
    assert rowers.url == "https://www.openstreetmap.org/node/5005"
    assert rowers.categories == ["sport", "rowing", "canoe"]


def test_mapping_adds_tags_to_match(corpus):
    body = (corpus / "overpass" / "overpy_area_result.json").read_bytes()
    listings = OverpassAdapter().parse(body, "", window(mapping={"match": ["railway=platform"]}))
    assert len(listings) == 3  # the administrative boundary is no platform
    by_key = {listing.source_key: listing for listing in listings}
    platform = by_key["area/3605945175"]
    assert platform.accessibility == ["wheelchair"]
    assert (platform.venue.locality, platform.venue.postcode) == ("Troisdorf", "53840")
    assert by_key["area/2448756446"].accessibility == []
    assert by_key["area/3605945176"].extra["phone"] == "+49 221 1411055"


def test_corpus_area_result(corpus):
    body = (corpus / "overpass" / "overpy_area_result.json").read_bytes()
    assert OverpassAdapter().parse(body, "", window()) == []  # platforms and a town are not clubs
    assert OverpassAdapter.sniff(body, "")


def test_corpus_mixed_elements(corpus):
    body = (corpus / "overpass" / "overpy_mixed_elements.json").read_bytes()
    assert OverpassAdapter().parse(body, "", window()) == []  # untagged nodes, a building, a bus route
    [route] = OverpassAdapter().parse(body, "", window(mapping={"match": ["route=*"]}))
    assert route.source_key == "relation/2046898" and route.title == "Test relation"


def test_corpus_remark_timeout(corpus):
    body = (corpus / "overpass" / "overpy_remark_timeout.json").read_bytes()
    with pytest.raises(ParseError, match="Query timed out"):
        OverpassAdapter().parse(body, "", window())


def test_corpus_bad_request(corpus):
    body = (corpus / "overpass" / "overpy_bad_request.html").read_bytes()
    with pytest.raises(ParseError, match="parse error: ';' expected"):
        OverpassAdapter().parse(body, "", window())
    assert OverpassAdapter.sniff(body, "")


@pytest.mark.parametrize("body", [b"{}", b"[]", b"nonsense", b'{"elements": {}}'])
def test_not_overpass_raises_parse_error(body):
    with pytest.raises(ParseError):
        OverpassAdapter().parse(body, "", window())


KEYS = [
    "elements",
    "remark",
    "type",
    "id",
    "lat",
    "lon",
    "center",
    "tags",
    "club",
    "amenity",
    "leisure",
    "name",
    "website",
    "addr:street",
    "wheelchair",
    "sport",
]


def test_generated_json_never_crashes():
    check_never_crashes(OverpassAdapter, KEYS)


def test_no_corpus_file_crashes(corpus):
    check_corpus_never_crashes(OverpassAdapter, corpus)
