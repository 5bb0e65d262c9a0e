"""Mobilizon GraphQL adapter (searchEvents / searchGroups), on fixtures written from the documented shape."""

import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from scrapers import ADAPTERS
from scrapers.base import Context, ParseError
from scrapers.mobilizon import MobilizonAdapter, lon_lat
from tests.adapter_fuzz import check_corpus_never_crashes, check_never_crashes


def window() -> Context:
    return Context(window_start=datetime(2026, 1, 1, tzinfo=UTC), window_end=datetime(2026, 3, 1, tzinfo=UTC))


def read(name: str) -> bytes:
    with open(f"tests/fixtures/mobilizon/{name}", "rb") as handle:
        return handle.read()


@pytest.fixture
def events():
    context = window()
    listings = MobilizonAdapter().parse(read("search_events.json"), "https://mobilizon.example/api", context)
    return {listing.title: listing for listing in listings}, context


def test_registered():
    assert ADAPTERS["mobilizon"] is MobilizonAdapter


def test_geom_is_lon_then_lat():
    assert lon_lat("4.8422;45.7517") == (45.7517, 4.8422)
    assert lon_lat({"type": "Point", "coordinates": [4.8, 45.7]}) == (45.7, 4.8)
    assert lon_lat("garbage") is None and lon_lat("200;100") is None


def test_in_person_event(events):
    listings, _ = events
    velo = listings["Atelier vélo"]
    assert (velo.lat, velo.lon) == (45.7517, 4.8422)
    assert velo.timezone == "Europe/Paris"
    assert velo.start.isoformat() == "2026-01-10T14:00:00+01:00"
    assert velo.venue.name == "La Cyclerie" and velo.venue.street == "10 Rue Jangot"
    assert (velo.venue.locality, velo.venue.postcode, velo.venue.country) == ("Lyon", "69007", "France")
    assert velo.online is False and velo.extra["links"] == ["https://atelier.example/velo"]
    assert velo.categories == ["vélo", "DIY", "OUTDOORS_ADVENTURE"]
    assert velo.extra["capacity"] == 12
    assert velo.organizer.name == "Collectif Vélo" and velo.organizer.url == "https://mobilizon.example/@velo"
    assert velo.description == "Réparez votre vélo & rencontrez du monde."
    assert velo.image_url == "https://mobilizon.example/media/velo.jpg"
    assert velo.source_key == "5b3f3a42-0000-4000-8000-000000000101"
    assert len(velo.occurrences) == 1 and velo.problems() == []


def test_online_cancelled_event(events):
    listings, _ = events
    apero = listings["Apéro en ligne"]
    assert apero.kind == "online" and apero.online
    assert apero.online_url == "https://visio.example.org/b/apero-123"
    assert apero.status == "cancelled" and apero.occurrences[0].status == "cancelled"
    assert apero.organizer.name == "Marie" and apero.venue.is_empty()


def test_utc_times_move_into_the_source_zone():
    context = Context(window_start=datetime(2026, 1, 1, tzinfo=UTC), timezone="Europe/Paris")
    listings = {item.title: item for item in MobilizonAdapter().parse(read("search_events.json"), "", context)}
    apero = listings["Apéro en ligne"]
    assert apero.timezone == "Europe/Paris" and apero.start.isoformat() == "2026-01-12T19:00:00+01:00"
    assert apero.end.isoformat() == "2026-01-12T20:00:00+01:00"


def test_unreadable_event_reported(events):
    listings, context = events
    assert "No start here" not in listings
    assert any("beginsOn" in problem for problem in context.problems)


def test_groups_are_clubs():
    [group] = MobilizonAdapter().parse(read("search_groups.json"), "", window())
    assert group.kind == "club"
    assert group.title == "Club de lecture de la Croix-Rousse"
    assert (group.lat, group.lon) == (45.774, 4.832)
    assert group.venue.locality == "Lyon" and group.extra["members"] == 23
    assert group.description == "On lit, on parle, on boit du thé."
    assert group.problems() == []


def test_graphql_errors_are_a_failed_request():
    with pytest.raises(ParseError, match="invalid value"):
        MobilizonAdapter().parse(read("errors.json"), "", window())


@pytest.mark.parametrize("body", [b"[]", b'{"data": {"other": {}}}', b"nope", b'{"data": {"searchEvents": null}}'])
def test_not_mobilizon_raises_parse_error(body):
    with pytest.raises(ParseError):
        MobilizonAdapter().parse(body, "", window())


def test_sniff():
    assert MobilizonAdapter.sniff(read("search_events.json"), "")
    assert MobilizonAdapter.sniff(read("search_groups.json"), "")
    assert not MobilizonAdapter.sniff(b'[{"start_datetime": 1}]', "")


KEYS = [
    "data",
    "errors",
    "message",
    "searchEvents",
    "searchGroups",
    "elements",
    "title",
    "url",
    "beginsOn",
    "endsOn",
    "physicalAddress",
    "geom",
    "locality",
    "onlineAddress",
    "status",
    "tags",
    "options",
    "isOnline",
    "picture",
    "attributedTo",
    "timezone",
    "name",
    "summary",
]


def test_generated_json_never_crashes():
    check_never_crashes(MobilizonAdapter, KEYS)


def test_no_corpus_file_crashes(corpus):
    check_corpus_never_crashes(MobilizonAdapter, corpus)


def answer(total: int, shown: int, name: str = "searchEvents") -> bytes:
    elements = [{"title": f"Event {i}", "beginsOn": "2026-02-01T18:00:00Z", "uuid": str(i)} for i in range(shown)]
    return json.dumps({"data": {name: {"total": total, "elements": elements}}}).encode()


def api_url(call: str) -> str:
    return "https://mobilizon.example/api?" + urlencode({"query": "{" + call + "{total elements{uuid title}}}"})


def query_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["query"][0]


def test_a_get_query_pages_on_while_the_total_says_more_remain():
    adapter = MobilizonAdapter()
    first = api_url('searchEvents(location:"u09tv",radius:25,limit:2)')
    second = adapter.next_url(answer(5, 2), first)
    assert query_of(second) == '{searchEvents(location:"u09tv",radius:25,limit:2,page:2){total elements{uuid title}}}'
    third = adapter.next_url(answer(5, 2), second)
    assert "limit:2,page:3)" in query_of(third)
    assert adapter.next_url(answer(5, 1), third) is None  # 3 pages of 2 hold all 5


def test_paging_uses_mobilizons_default_limit_and_reads_groups_too():
    adapter = MobilizonAdapter()
    url = api_url('searchGroups(term:"chess")')
    assert 'searchGroups(term:"chess",page:2)' in query_of(adapter.next_url(answer(25, 10, "searchGroups"), url))
    assert adapter.next_url(answer(10, 10, "searchGroups"), url) is None


def test_no_next_page_for_one_page_answers_variables_or_broken_bodies():
    adapter = MobilizonAdapter()
    paged = api_url("searchEvents(limit:10)")
    assert adapter.next_url(answer(3, 3), paged) is None
    assert adapter.next_url(answer(30, 0), paged) is None  # an empty page ends paging, whatever the total says
    assert adapter.next_url(answer(30, 10), "https://mobilizon.example/api") is None  # POSTed query: not in the URL
    with_variables = "https://mobilizon.example/api?" + urlencode(
        {"query": "query($p:Int){searchEvents(page:$p){total elements{uuid}}}", "variables": '{"p": 1}'}
    )
    assert adapter.next_url(answer(30, 10), with_variables) is None
    for body in (b"not json", b"[]", b'{"data": {"searchEvents": {"total": "many"}}}', b'{"errors": []}'):
        assert adapter.next_url(body, paged) is None
