"""Open Referral HSDS adapter: HSDS 3 JSON, API pages, legacy Ohana/211, CSV tables and zipped packages."""

import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from scrapers import ADAPTERS
from scrapers.base import Context, ParseError
from scrapers.hsds.adapter import HsdsAdapter
from scrapers.hsds.schedule import days_text
from tests.adapter_fuzz import check_corpus_never_crashes, check_never_crashes

FIXTURES = Path("tests/fixtures/hsds")


def window(**kwargs) -> Context:
    return Context(window_start=datetime(2026, 1, 1, tzinfo=UTC), window_end=datetime(2026, 3, 1, tzinfo=UTC), **kwargs)


def test_registered():
    assert ADAPTERS["hsds"] is HsdsAdapter


def test_days_in_words():
    assert days_text("MO,TU,WE") == "Mondays, Tuesdays and Wednesdays"
    assert days_text("1SA") == "first Saturday" and days_text("-1FR") == "last Friday" and days_text("XX") == ""


def test_api_page_with_dated_schedule():
    context = window(timezone="Europe/London")
    body = (FIXTURES / "page.json").read_bytes()
    homework, befriending = HsdsAdapter().parse(body, "https://api.example/services?per_page=2", context)
    assert homework.kind == "service" and homework.title == "Homework club"
    assert homework.recurrence == "FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20260131T235959"
    assert homework.recurrence_text == "Mondays and Wednesdays 16:00–17:30"
    assert homework.start.isoformat() == "2026-01-05T16:00:00+00:00" and homework.timezone == "Europe/London"
    days = [o.start.date() for o in homework.occurrences]
    assert len(days) == 8 and days[0] == date(2026, 1, 5) and days[-1] == date(2026, 1, 28)
    assert homework.free is True and homework.cost == "GBP 0 (Everyone)"
    assert homework.audience == ["kids"] and homework.min_age == 5
    assert homework.accessibility == ["wheelchair", "sign_language"]
    assert (homework.lat, homework.lon) == (51.45, -0.97)
    assert homework.venue.street == "1 River Road" and homework.venue.postcode == "RG1 1AA"
    assert homework.organizer.name == "Riverside Library" and homework.extra["languages"] == ["English", "Polish"]
    assert homework.problems() == []
    assert befriending.online and befriending.online_url == "https://befriend.example/call"
    assert befriending.venue.is_empty() and befriending.status == "postponed"
    assert befriending.recurrence is None and befriending.recurrence_text == "Tuesdays and Thursdays 10:00–12:00"
    assert befriending.audience == ["seniors"] and befriending.problems() == []
    assert HsdsAdapter().next_url(body, "https://api.example/services?per_page=2") == (
        "https://api.example/services?per_page=2&page=2"
    )


def test_last_page_has_no_next():
    body = b'{"contents": [], "page_number": 3, "total_pages": 3, "last_page": true}'
    assert HsdsAdapter().next_url(body, "https://api.example/services?page=3") is None
    assert HsdsAdapter().parse(body, "", window()) == []


def test_csv_in_cp1252():
    listings = HsdsAdapter().parse((FIXTURES / "services_cp1252.csv").read_bytes(), "", window())
    assert [listing.title for listing in listings] == ["Café des bénévoles", "Straßenfest Hilfe", "Atelier tricot"]
    assert listings[0].description == "Réunion mensuelle à l'école — entrée libre, café offert"
    assert all(listing.kind == "service" and listing.problems() == [] for listing in listings)


def test_zipped_package(tmp_path):
    package = tmp_path / "hsds.zip"
    with zipfile.ZipFile(package, "w") as archive:
        for table in sorted((FIXTURES / "package").glob("*.csv")):
            archive.write(table, f"data/{table.name}")
    context = window(timezone="Europe/London")
    pantry, cooking = HsdsAdapter().parse(package.read_bytes(), "", context)
    assert pantry.title == "Community pantry" and pantry.organizer.name == "Food Share Co-op"
    assert pantry.url == "https://foodshare.example"  # the organisation's website when the service has none
    assert pantry.free is True and pantry.audience == ["families"]
    assert (pantry.lat, pantry.lon) == (53.4808, -2.2426) and pantry.venue.street == "5 Market Street"
    assert pantry.recurrence == "FREQ=WEEKLY;BYDAY=FR" and pantry.recurrence_text == "Fridays 10:00–13:00"
    assert [o.start.isoformat() for o in pantry.occurrences[:2]] == [
        "2026-01-02T10:00:00+00:00",
        "2026-01-09T10:00:00+00:00",
    ]
    assert cooking.min_age == 16 and cooking.cost == "£3 per session" and cooking.free is None
    assert cooking.recurrence is None and cooking.recurrence_text == "first Saturday"
    assert context.problems == []


def test_package_without_services(tmp_path):
    package = tmp_path / "partial.zip"
    with zipfile.ZipFile(package, "w") as archive:
        archive.write(FIXTURES / "package" / "schedules.csv", "schedules.csv")
    with pytest.raises(ParseError, match="without a services table"):
        HsdsAdapter().parse(package.read_bytes(), "", window())


def test_corpus_service_full(corpus):
    context = window()
    [listing] = HsdsAdapter().parse((corpus / "hsds" / "hsds3_service_full.json").read_bytes(), "", context)
    assert listing.title == "Community Counselling" and listing.kind == "service"
    assert listing.organizer.name == "Example Organization Inc."
    assert listing.cost == "GBP 35 per 1 hour session (Under 18s and Over 60s)" and listing.free is False
    assert listing.min_age == 12 and listing.extra["max_age"] == 100 and listing.audience == []
    assert listing.extra["languages"] == ["Urdu"]
    assert listing.lat is None and any("out of range" in p for p in context.problems)  # the example says 100, 101
    assert listing.venue.name == "MyCity Civic Center" and listing.venue.street == "1-30 Main Street"
    assert listing.recurrence_text == "Thursdays and Fridays 10:00–18:00"
    assert listing.recurrence.startswith("FREQ=WEEKLY;BYDAY=TH,FR") and "UNTIL=20050101" in listing.recurrence
    assert listing.start.isoformat() == "2005-01-01T10:00:00+03:00"  # timezone 3 = UTC+3
    assert listing.occurrences == [] and listing.accessibility == ["wheelchair"]
    assert listing.problems() == []


def test_corpus_organization_full(corpus):
    [listing] = HsdsAdapter().parse((corpus / "hsds" / "hsds3_organization_full.json").read_bytes(), "", window())
    assert listing.title == "Community Counselling"
    assert listing.organizer.name == "Example Organization Inc." and listing.organizer.url == "http://example.com"
    assert listing.url == "http://example.com/counselling" and listing.problems() == []


def test_corpus_location(corpus):
    context = window()
    [listing] = HsdsAdapter().parse((corpus / "hsds" / "hsds3_location.json").read_bytes(), "", context)
    assert listing.title == "MyCity Civic Center" and listing.kind == "service"
    assert (listing.venue.locality, listing.venue.postcode, listing.venue.country) == ("MyCity", "ABC 1234", "US")
    assert listing.lat is None and context.problems  # latitude 100 is no latitude
    assert listing.recurrence_text == "Thursdays and Fridays 10:00–18:00"
    assert listing.accessibility == ["wheelchair"] and listing.problems() == []


def test_corpus_openapi_spec(corpus):
    with pytest.raises(ParseError, match="OpenAPI"):
        HsdsAdapter().parse((corpus / "hsds" / "hsds3_openapi.json").read_bytes(), "", window())


def test_corpus_tabular_schedules(corpus):
    with pytest.raises(ParseError, match="schedules table holds no services"):
        HsdsAdapter().parse((corpus / "hsds" / "hsds_tabular_schedules.csv").read_bytes(), "", window())


def test_corpus_ohana_211_sample(corpus):
    context = window()
    listings = HsdsAdapter().parse(
        (corpus / "hsds" / "sf_openreferral_ohana_211_sample.json").read_bytes(), "", context
    )
    assert len(listings) == 5 and context.problems == []
    fair_oaks = listings[0]
    assert fair_oaks.title == "Fair Oaks Adult Activity Center"
    assert fair_oaks.organizer.name == "Peninsula Family Service"
    assert fair_oaks.recurrence_text == "Monday-Friday, 9-5"
    assert (fair_oaks.venue.street, fair_oaks.venue.locality, fair_oaks.venue.postcode) == (
        "2600 Middlefield Road",
        "Redwood City",
        "94063",
    )
    assert fair_oaks.audience == ["seniors"] and fair_oaks.accessibility == ["wheelchair"]
    assert "Senior Centers" in fair_oaks.categories
    assert fair_oaks.extra["languages"] == ["Filipino (Tagalog)", "Spanish"]
    assert fair_oaks.url == "http://www.peninsulafamilyservice.org"
    assert listings[1].free is True  # fees: "None. Donations requested ..."
    assert all(listing.problems() == [] and listing.kind == "service" for listing in listings)


def test_ohana_api_locations():
    body = (FIXTURES / "ohana_api_locations.json").read_bytes()
    [clinic] = HsdsAdapter().parse(body, "https://ohana.example/api/locations", window())
    assert clinic.title == "San Mateo Free Medical Clinic" and clinic.organizer.name == "Samaritan House"
    assert (clinic.lat, clinic.lon) == (37.5679, -122.3233)
    assert (clinic.venue.street, clinic.venue.region, clinic.venue.postcode) == ("35 Tower Road", "CA", "94402")
    assert clinic.free is True and clinic.categories == ["Health"] and clinic.accessibility == ["wheelchair"]
    assert clinic.recurrence_text == "Monday-Thursday, 5:30-8:30pm" and clinic.source_key == "12"


@pytest.mark.parametrize("body", [b'{"foo": 1}', b"a\n", b"{broken", b'[{"x": 1}]'])
def test_not_hsds_raises_parse_error(body):
    with pytest.raises(ParseError):
        HsdsAdapter().parse(body, "", window())


def test_sniff(corpus):
    assert HsdsAdapter.sniff((corpus / "hsds" / "hsds3_service_full.json").read_bytes(), "")
    assert HsdsAdapter.sniff((FIXTURES / "page.json").read_bytes(), "")
    assert not HsdsAdapter.sniff(b'{"elements": []}', "")


KEYS = [
    "contents",
    "page_number",
    "total_pages",
    "services",
    "locations",
    "service",
    "location",
    "name",
    "schedules",
    "freq",
    "byday",
    "opens_at",
    "closes_at",
    "dtstart",
    "until",
    "timezone",
    "service_at_locations",
    "latitude",
    "longitude",
    "addresses",
    "cost_options",
    "amount",
    "minimum_age",
    "organization",
    "services_attributes",
    "location_type",
    "openapi",
]


def test_generated_json_never_crashes():
    check_never_crashes(HsdsAdapter, KEYS)


def test_no_corpus_file_crashes(corpus):
    check_corpus_never_crashes(HsdsAdapter, corpus)
