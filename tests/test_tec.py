"""The Events Calendar REST adapter: the corpus event object, our paged fixtures, paging over HTTP."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from scrapers import load_adapters
from scrapers.base import Context, ParseError
from scrapers.tec import TecAdapter
from tests.conftest import FIXTURES

HERE = FIXTURES / "tec"


def window(**kwargs) -> Context:
    return Context(window_start=datetime(2020, 1, 1, tzinfo=UTC), window_end=datetime(2027, 1, 1, tzinfo=UTC), **kwargs)


def test_corpus_tennis_club_witikon_single_event(corpus):
    body = (corpus / "tec-rest-json/tec_tcw_tennisclub_witikon_single_event.json").read_bytes()
    context = window()
    listings = TecAdapter().parse(body, "https://tcw.it-couture.ch/wp-json/tribe/events/v1/events", context)
    assert context.problems == []
    assert len(listings) == 1
    match = listings[0]
    assert match.title == "Interclub 40+ 3L Damen (R. Bachmann)"
    assert match.start.isoformat() == "2021-06-26T09:00:00+02:00"
    assert match.end.isoformat() == "2021-06-26T13:00:00+02:00"
    assert match.timezone == "Europe/Berlin" and not match.all_day
    assert (match.lat, match.lon) == (47.3656629, 8.5892775)
    assert match.venue.name == "Tennis Club Witikon" and match.venue.locality == "Zürich"
    assert match.venue.postcode == "8053" and match.venue.country == "Schweiz"
    assert match.organizer.is_empty()  # organizer: []
    assert match.image_url == "" and match.cost == "" and match.free is None  # image: false, empty cost
    assert match.categories == ["Platzbelegung Interclub"]
    assert match.source_key == "8212"
    assert len(match.occurrences) == 1 and not match.problems()
    assert TecAdapter.sniff(body, "")


def test_page_with_all_day_free_event_and_organizer_list():
    context = window()
    listings = TecAdapter().parse((HERE / "events_page1.json").read_bytes(), "https://club.example/", context)
    open_day, league = listings
    assert open_day.title == "Open day & taster sessions"
    assert open_day.all_day and open_day.start == date(2026, 3, 14) and open_day.end == date(2026, 3, 16)
    assert open_day.description == "Try tennis for free." and "<script>" not in open_day.description_html
    assert open_day.cost == "Free" and open_day.free is True
    assert open_day.categories == ["Open days", "Tennis & Padel"] and open_day.extra["tags"] == ["beginners"]
    assert (open_day.lat, open_day.lon) == (51.25, 0.51)
    assert open_day.organizer.name == "Riverside Tennis Club" and open_day.organizer.url == "https://club.example/"
    assert open_day.image_url == "https://club.example/wp-content/uploads/open-day.jpg"
    assert open_day.occurrences[0].start == date(2026, 3, 14)


def test_non_olson_timezone_gives_offset_and_no_zone_name():
    listings = TecAdapter().parse((HERE / "events_page1.json").read_bytes(), "", window())
    league = listings[1]
    assert league.start == datetime(2026, 3, 18, 19, 0, tzinfo=timezone(timedelta(hours=2)))
    assert league.timezone is None
    assert league.organizer.name == "League desk" and league.organizer.url == ""  # javascript: refused
    assert league.online and league.online_url == "https://zoom.us/j/123" and league.kind == "online"
    assert league.cost == "€5" and league.free is False


def test_unreadable_dates_are_a_problem_not_a_crash():
    context = window()
    listings = TecAdapter().parse((HERE / "events_page1.json").read_bytes(), "", context)
    assert [x.title for x in listings] == ["Open day & taster sessions", "League night"]
    assert context.problems == ["event 2: ValueError: start_date unreadable: Invalid isoformat string: 'next week'"]


def test_missing_timezone_falls_back_to_utc_then_source_zone():
    body = (HERE / "events_page2.json").read_bytes()
    agm = TecAdapter().parse(body, "", window())[0]
    assert agm.start == datetime(2026, 4, 1, 17, 0, tzinfo=UTC) and agm.timezone is None
    local = TecAdapter().parse(body, "", window(timezone="Europe/London"))[0]
    assert local.start.isoformat() == "2026-04-01T18:00:00+01:00" and local.timezone == "Europe/London"


def test_next_url_follows_next_rest_url_until_the_last_page():
    adapter = TecAdapter()
    page1, page2 = (HERE / "events_page1.json").read_bytes(), (HERE / "events_page2.json").read_bytes()
    assert adapter.next_url(page1, "") == "https://club.example/wp-json/tribe/events/v1/events?page=2"
    assert adapter.next_url(page2, "") is None
    assert adapter.next_url(b"not json", "") is None


def test_paging_over_http(httpserver):
    import requests

    page1 = (
        (HERE / "events_page1.json")
        .read_text()
        .replace(
            "https://club.example/wp-json/tribe/events/v1/events?page=2",
            httpserver.url_for("/wp-json/tribe/events/v1/events?page=2"),
        )
    )
    httpserver.expect_request("/wp-json/tribe/events/v1/events", query_string="page=2").respond_with_data(
        (HERE / "events_page2.json").read_bytes(), content_type="application/json"
    )
    httpserver.expect_request("/wp-json/tribe/events/v1/events").respond_with_data(
        page1, content_type="application/json"
    )
    adapter, url, titles = TecAdapter(), httpserver.url_for("/wp-json/tribe/events/v1/events"), []
    while url:
        body = requests.get(url, timeout=5).content
        titles += [x.title for x in adapter.parse(body, url, window())]
        url = adapter.next_url(body, url)
    assert titles == ["Open day & taster sessions", "League night", "AGM"]


@pytest.mark.parametrize("body", [b"<html></html>", b'{"hello": "world"}', b"[1, 2]"])
def test_not_tec_is_a_parse_error(body):
    with pytest.raises(ParseError):
        TecAdapter().parse(body, "", window())


def test_registered():
    assert load_adapters()["tec"] is TecAdapter
    assert not TecAdapter.sniff(b'{"@context": "https://schema.org"}', "")


@pytest.mark.parametrize(
    ("name", "hours"),
    [("UTC+0", 0), ("UTC+2", 2), ("UTC-5:30", -5.5), ("GMT+10", 10), ("Europe/Berlin", None), ("UTC+99", None)],
)
def test_offset_zone_reads_non_olson_names(name, hours):
    from scrapers.times import offset_zone

    tz = offset_zone(name)
    assert (tz.utcoffset(None) / timedelta(hours=1) if tz else None) == hours
