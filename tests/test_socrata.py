"""Socrata SODA adapter: string-valued rows, per-source mapping, human dates, $limit/$offset paging."""

from datetime import UTC, date, datetime

import pytest

from scrapers import ADAPTERS
from scrapers.base import Context, ParseError
from scrapers.socrata import SocrataAdapter
from tests.adapter_fuzz import check_corpus_never_crashes, check_never_crashes

DATASET = "https://data.cityofnewyork.us/resource/n4ac-3636.json"


def window(**kwargs) -> Context:
    return Context(window_start=datetime(2026, 1, 1, tzinfo=UTC), window_end=datetime(2026, 3, 1, tzinfo=UTC), **kwargs)


def read(name: str) -> bytes:
    with open(f"tests/fixtures/socrata/{name}", "rb") as handle:
        return handle.read()


def test_registered():
    assert ADAPTERS["socrata"] is SocrataAdapter


def test_rows_with_default_columns():
    context = window(timezone="America/New_York")
    listings = {item.source_key: item for item in SocrataAdapter().parse(read("volunteer_rows.json"), DATASET, context)}
    park = listings["901"]
    assert park.kind == "volunteer"
    assert park.start.isoformat() == "2026-01-17T09:30:00-05:00" and park.timezone == "America/New_York"
    assert park.end.isoformat() == "2026-01-17T12:00:00-05:00"
    assert park.url == "https://data.cityofnewyork.us/opportunities/901"
    assert (park.lat, park.lon) == (40.7812, -73.9665)
    assert park.description == "Help tidy the park & meet neighbours."
    assert park.organizer.name == "Parks Friends" and park.categories == ["Environment"]
    assert (park.venue.locality, park.venue.postcode) == ("New York", "10024")
    reading = listings["902"]
    assert reading.all_day and reading.start == date(2026, 1, 20) and reading.timezone is None
    assert (reading.lat, reading.lon) == (40.8, -73.95)  # GeoJSON point is lon, lat
    assert reading.url == "https://volunteer.example/opportunities/902"
    assert all(len(item.occurrences) == 1 and item.problems() == [] for item in (park, reading))
    assert "903" not in listings and any("Smarch" in problem for problem in context.problems)
    assert listings["904"].problems() == ["missing title"]  # kept, for the importer to count as invalid


def test_mapping_names_the_columns():
    mapping = {"title": "event_title", "start": "when", "url": "site", "location": "geo", "id": "ref", "kind": "event"}
    [listing] = SocrataAdapter().parse(
        read("custom_columns.json"),
        "https://data.example.gov/resource/abcd-1234.json",
        window(timezone="Europe/London", mapping=mapping),
    )
    assert listing.title == "Community garden day" and listing.kind == "event"
    assert listing.start.isoformat() == "2026-02-07T10:00:00+00:00"
    assert listing.url == "https://garden.example/day"
    assert (listing.lat, listing.lon) == (51.5, -0.12)
    assert listing.source_key == "g-1"


def test_paging_stops_on_a_short_page():
    adapter = SocrataAdapter()
    rows = b"[" + b",".join(b'{"title": "x"}' for _ in range(3)) + b"]"
    assert adapter.next_url(rows, DATASET + "?$limit=3") == DATASET + "?$limit=3&$offset=3"
    assert adapter.next_url(rows, DATASET + "?$limit=3&$offset=3&$where=x") == DATASET + "?$limit=3&$offset=6&$where=x"
    assert adapter.next_url(b'[{"title": "x"}]', DATASET + "?$limit=3&$offset=6") is None


def test_error_answer_is_parse_error():
    with pytest.raises(ParseError, match="No such column"):
        SocrataAdapter().parse(read("error.json"), DATASET, window())


def test_corpus_nyc_volunteer_row(corpus):
    body = (corpus / "socrata" / "nyc_service_volunteer_opportunities_n4ac-3636_row.json").read_bytes()
    context = Context(window_start=datetime(2011, 6, 1, tzinfo=UTC), window_end=datetime(2011, 9, 1, tzinfo=UTC))
    [listing] = SocrataAdapter().parse(body, DATASET, context)
    assert listing.title == "Health Insurance Claims Manager" and listing.kind == "volunteer"
    assert listing.start == date(2011, 2, 24) and listing.all_day
    assert listing.end == date(2012, 2, 25)  # last day inclusive in the data, exclusive here
    assert len(listing.occurrences) == 1  # an ongoing opportunity spanning the window
    assert listing.url == "https://data.cityofnewyork.us/opportunities/5137"
    assert listing.organizer.name == "Institute For Human Identity"
    assert listing.categories == ["Helping Neighbors in Need"]
    assert (listing.venue.region, listing.venue.postcode) == ("NY", "10001")
    assert listing.lat is None and listing.source_key == "5137"
    assert listing.description.startswith("Position entails completing mental health claim forms")
    assert listing.problems() == []


def test_corpus_bike_counts_page_1(corpus):
    body = (corpus / "socrata" / "sodapy_bike_counts_page_1.json").read_bytes()
    with pytest.raises(ParseError, match="mapping.title"):
        SocrataAdapter().parse(body, "https://data.seattle.gov/resource/2z5v-ecg8.json", window())
    context = window(timezone="America/Los_Angeles", mapping={"title": "id", "start": "date", "id": ["nope"]})
    listings = SocrataAdapter().parse(body, "https://data.seattle.gov/resource/2z5v-ecg8.json", context)
    assert len(listings) == 1000
    assert listings[0].start.isoformat() == "2016-09-21T15:45:00-07:00"  # floating time, source zone
    url = "https://data.seattle.gov/resource/2z5v-ecg8.json"
    assert SocrataAdapter().next_url(body, url) == url + "?$limit=1000&$offset=1000"


def test_corpus_bike_counts_page_2(corpus):
    body = (corpus / "socrata" / "sodapy_bike_counts_page_2.json").read_bytes()
    url = "https://data.seattle.gov/resource/2z5v-ecg8.json?$limit=1000&$offset=1000"
    assert SocrataAdapter().next_url(body, url) is None
    [listing] = SocrataAdapter().parse(body, url, window(mapping={"title": "counts", "start": "date"}))
    assert listing.title == "3" and listing.start.isoformat() == "2016-10-02T01:45:00+00:00"


def test_corpus_discovery_catalogue_is_not_a_listing_source(corpus):
    body = (corpus / "socrata" / "sodapy_discovery_api_catalog.json").read_bytes()
    with pytest.raises(ParseError, match="Discovery catalogue"):
        SocrataAdapter().parse(body, "https://api.us.socrata.com/api/catalog/v1", window())
    assert SocrataAdapter().next_url(body, "https://api.us.socrata.com/api/catalog/v1") is None


@pytest.mark.parametrize("body", [b"{}", b"[1, 2]", b"not json", b'"x"'])
def test_not_soda_raises_parse_error(body):
    with pytest.raises(ParseError):
        SocrataAdapter().parse(body, DATASET, window())


def test_sniff(corpus):
    assert SocrataAdapter.sniff(read("custom_columns.json"), DATASET)
    assert not SocrataAdapter.sniff(read("custom_columns.json"), "https://example.org/feed.json")  # dict values
    assert SocrataAdapter.sniff(
        (corpus / "socrata" / "nyc_service_volunteer_opportunities_n4ac-3636_row.json").read_bytes(), ""
    )
    assert SocrataAdapter.sniff((corpus / "socrata" / "sodapy_discovery_api_catalog.json").read_bytes(), "")
    fullcalendar_like = b'[{"title": "Quiz", "start": "2026-01-05T19:00:00", "allDay": "false", "url": "/quiz"}]'
    assert not SocrataAdapter.sniff(fullcalendar_like, "")


KEYS = [
    "title",
    "name",
    "start_date",
    "end_date",
    "date",
    "summary",
    "display_url",
    "latitude",
    "longitude",
    "location",
    "coordinates",
    "results",
    "resultSetSize",
    "error",
    "message",
    "category_desc",
    "url",
]


def test_generated_json_never_crashes():
    check_never_crashes(SocrataAdapter, KEYS)


def test_no_corpus_file_crashes(corpus):
    check_corpus_never_crashes(SocrataAdapter, corpus)
