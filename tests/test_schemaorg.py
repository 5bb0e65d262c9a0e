"""schema.org adapter: every corpus page in schemaorg-html and html-listing, plus our own edge fixtures."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrapers import load_adapters
from scrapers.base import Context, ParseError
from scrapers.schemaorg.adapter import SchemaOrgAdapter
from tests.conftest import FIXTURES

HERE = FIXTURES / "schemaorg"
WINDOW_START = datetime(2000, 1, 1, tzinfo=UTC)
WINDOW_END = datetime(2030, 1, 1, tzinfo=UTC)


def window(**kwargs) -> Context:
    return Context(window_start=WINDOW_START, window_end=WINDOW_END, **kwargs)


def parse(path, url="https://example.org/page", **kwargs):
    context = window(**kwargs)
    listings = SchemaOrgAdapter().parse(path.read_bytes(), url, context)
    return listings, context


def by_title(listings):
    return {listing.title: listing for listing in listings}


# --- the real corpus, one test per file ---------------------------------------------------------------


def test_corpus_ssa54_empty_yoast_block_uses_microdata(corpus):
    listings, context = parse(corpus / "schemaorg-html/cityscrapers_chi_ssa_54_detail_empty_yoast_ldjson.html")
    assert [x.title for x in listings] == ["Sheridan Road SSA #54 Commissioners Meeting"]
    meeting = listings[0]
    assert meeting.start == datetime(2019, 11, 14, 8, 30, tzinfo=UTC)
    assert meeting.venue.street == "6740 N. Sheridan Rd." and meeting.venue.postcode == "60626"
    assert meeting.status == "scheduled" and not meeting.problems()
    assert context.problems == []


def test_corpus_cook_landbank_microdata_and_jsonld_not_duplicated(corpus):
    listings, _ = parse(corpus / "schemaorg-html/cityscrapers_cook_landbank_eventon_list.html")
    assert len(listings) == 9  # 9 events in both syntaxes, not 18
    finance = next(x for x in listings if x.url.endswith("cclba-finance-committee-meeting-20190920/"))
    # JSON-LD says '2019-9-20T08-08-30-00' (repaired), microdata '2019-9-20T08:30': both 08:30
    assert finance.start.replace(tzinfo=None) == datetime(2019, 9, 20, 8, 30)
    assert finance.title == "CCLBA Finance Committee Meeting"
    assert "AGENDA" in finance.description  # the longer microdata description wins
    assert finance.venue.name == "Cook County Admin Building, 22nd Floor, Conference Room 'B'"
    assert finance.lat is None
    assert len({x.source_key for x in listings}) == 9
    assert all(not x.problems() for x in listings)


def test_corpus_cook_landbank_times_in_source_zone(corpus):
    listings, _ = parse(
        corpus / "schemaorg-html/cityscrapers_cook_landbank_eventon_list.html", timezone="America/Chicago"
    )
    first = listings[0]
    assert first.title == "CCLBA Data & Marketing Committee"
    assert first.timezone == "America/Chicago"
    assert first.start.isoformat() == "2019-09-18T10:00:00-05:00"


def test_corpus_extruct_event001_expected_json_reads_as_microdata_json(corpus):
    listings, _ = parse(corpus / "schemaorg-html/extruct_Event.001.expected.json")
    assert len(listings) == 1
    game = listings[0]
    assert game.title == "Miami Heat at Philadelphia 76ers - Game 3 (Home Game 1)"
    assert game.url == "https://example.org/nba-miami-philidelphia-game3.html"
    assert (game.venue.locality, game.venue.region) == ("Philadelphia", "PA")


def test_corpus_extruct_event001_microdata_aggregate_offer(corpus):
    listings, _ = parse(corpus / "schemaorg-html/extruct_Event.001.html")
    game = listings[0]
    assert game.start.replace(tzinfo=None) == datetime(2016, 4, 21, 20, 0)
    assert game.cost == "$35" and game.free is False
    assert game.venue.locality == "Philadelphia"


def test_corpus_extruct_event003_offer_and_address(corpus):
    listings, _ = parse(corpus / "schemaorg-html/extruct_Event.003.html")
    show = listings[0]
    assert show.title == "Typhoon with Radiation City"
    assert show.venue.name == "The Hi-Dive" and show.venue.street == "7 S. Broadway"
    assert (show.venue.locality, show.venue.region, show.venue.postcode) == ("Denver", "CO", "80209")
    assert show.cost == "13.00 USD" and show.free is False
    assert show.start.replace(tzinfo=None) == datetime(2013, 9, 14, 21, 30)


def test_corpus_jsonld_with_js_comment_reads_but_is_no_event(corpus):
    listings, context = parse(corpus / "schemaorg-html/extruct_JSONLD_with_JS_comment.html")
    assert listings == []
    assert context.problems == ["not a listing source: schema.org NewsArticle, no Event or Organization"]  # it read


def test_corpus_microformats_win1252_declared_page(corpus):
    body = (corpus / "schemaorg-html/extruct_microformats2_win1252_decl.html").read_bytes()
    context = window()
    assert SchemaOrgAdapter().parse(body, "", context) == []
    assert "without structured event data" in context.problems[0]
    assert SchemaOrgAdapter.sniff(body, "") is False


def test_corpus_songkick_music_event(corpus):
    listings, _ = parse(corpus / "schemaorg-html/songkick_event_detail_owl_music_parlor.html")
    assert len(listings) == 1
    concert = listings[0]
    assert concert.title == "Elysian Fields"
    assert concert.categories == ["Music"] and concert.extra["schema_type"] == "MusicEvent"
    assert concert.start.isoformat() == "2015-10-31T19:30:00-04:00"
    assert concert.timezone is None  # only an offset is known
    assert (concert.lat, concert.lon) == (40.660109, -73.953193)
    assert concert.venue.name == "The Owl Music Parlor" and concert.venue.postcode == "11225"


def test_corpus_songkick_empty_jsonld_item(corpus):
    listings, context = parse(corpus / "schemaorg-html/songkick_jsonld_empty_item.html")
    assert listings == []  # an ItemList of recipes, a `false` block and a BlogPosting
    assert context.problems[0].startswith("not a listing source: schema.org ") and "BlogPosting" in context.problems[0]


def test_corpus_bird_club_detail_all_day(corpus):
    listings, _ = parse(corpus / "schemaorg-html/tec_brooklyn_bird_club_event_detail.jsp.html")
    walk = listings[0]
    assert walk.title == "Under the Sun for Breeding Terns and Shorebirds at Nickerson Beach"
    assert walk.all_day and walk.start == date(2023, 6, 3) and walk.end == date(2023, 6, 4)
    assert walk.venue.is_empty() and walk.lat is None
    assert walk.organizer.name == "Brooklyn Bird Club"
    assert walk.description.startswith("Leader: Tom Stephenson")


def test_corpus_bird_club_month_view_array_after_jsp_header(corpus):
    path = corpus / "schemaorg-html/tec_brooklyn_bird_club_month_view.jsp.html"
    listings, _ = parse(path)
    assert len(listings) == 28
    first = listings[0]
    assert first.title == "Prospect Park Tuesday Spring Migration Walk"
    assert (first.lat, first.lon) == (40.655041, -73.973013)
    assert first.venue.street == "170 West Drive" and first.venue.country == "United States"
    assert first.start == datetime(2023, 5, 2, 7, 30, tzinfo=UTC)  # as printed (wrongly) by the site
    fixed, _ = parse(path, timezone="America/New_York", mapping={"ignore_offset": True})
    assert fixed[0].start.isoformat() == "2023-05-02T07:30:00-04:00"
    assert fixed[0].timezone == "America/New_York"


def test_corpus_w3c_rdfa_person_is_not_a_listing(corpus):
    listings, context = parse(corpus / "schemaorg-html/w3c_rdfalite_example005.html")
    assert listings == []
    assert context.problems == ["not a listing source: schema.org Person, no Event or Organization"]


@pytest.mark.parametrize(
    "name", ["cityscrapers_chi_bicycle_advisory_council.html", "cityscrapers_clihtf_event_detail.html"]
)
def test_corpus_html_listing_pages_without_structured_data(corpus, name):
    listings, context = parse(corpus / "html-listing" / name)
    assert listings == []
    assert context.problems == [
        "not a listing source: an HTML page without structured event data (no JSON-LD, microdata or RDFa)"
    ]


def test_every_corpus_page_parses_without_exception(corpus):
    paths = sorted((corpus / "schemaorg-html").iterdir()) + sorted((corpus / "html-listing").iterdir())
    assert len(paths) == 14
    for path in paths:
        SchemaOrgAdapter().parse(path.read_bytes(), "", window())


# --- our fixtures -------------------------------------------------------------------------------------------


def test_graph_online_mixed_and_statuses():
    listings, context = parse(HERE / "graph_online.html", url="https://hub.example/events/")
    found = by_title(listings)
    coffee = found["Newcomers' coffee morning"]
    assert coffee.kind == "online" and coffee.online and coffee.online_url == "https://meet.example/coffee"
    assert coffee.free is True and coffee.categories == ["Social", "newcomers"]
    assert coffee.organizer.url == "https://hub.example/about"
    folk = found["Folk session"]
    assert folk.kind == "event" and folk.online and folk.online_url == ""  # javascript: URL refused
    assert folk.end - folk.start == timedelta(hours=2)  # from duration PT2H
    assert folk.venue.country == "GB" and (folk.lat, folk.lon) == (51.5, -0.12)
    assert folk.cost == "5.00 GBP" and folk.free is False
    assert folk.image_url == "https://hub.example/img/folk.jpg"
    ceilidh = found["Ceilidh night"]  # from the block with comments and a raw tab
    assert ceilidh.status == "cancelled" and ceilidh.occurrences[0].status == "cancelled"
    assert ceilidh.venue.name == "Town Hall"
    story = found["Story time"]
    assert story.status == "postponed" and story.all_day and story.end == date(2026, 3, 9)
    assert story.free is True
    assert "Mystery meeting" not in found
    assert any("'sometime-soon-ish 99' is unreadable" in p for p in context.problems)
    assert any(p.startswith("JSON-LD block 3: unreadable") for p in context.problems)


def test_organization_page_becomes_a_club():
    listings, _ = parse(HERE / "club_ngo.html")
    assert len(listings) == 1  # the nested publisher is not a second club
    club = listings[0]
    assert (club.kind, club.title) == ("club", "Riverside Rowing Club")
    assert club.description == "Learn to row with us & make friends."
    assert club.venue.locality == "Riverside" and (club.lat, club.lon) == (51.2, 0.5)
    assert club.image_url == "https://rowing.example/logo.png" and club.source_key == "https://rowing.example/#club"


def test_rdfa_event_with_nested_place():
    listings, _ = parse(HERE / "rdfa_event.html")
    jam = listings[0]
    assert jam.title == "Open hardware jam" and jam.extra["schema_type"] == "Hackathon"
    assert jam.start == datetime(2026, 4, 11, 10, 0, tzinfo=timezone(timedelta(hours=2)))
    assert jam.venue.name == "Hackspace Nord" and jam.venue.locality == "Hamburg"
    assert jam.source_key == "https://hackspace.example/events/jam"


def test_same_event_in_jsonld_and_microdata_merges():
    listings, _ = parse(HERE / "both_syntaxes.html", url="https://council.example/")
    assert len(listings) == 1
    meeting = listings[0]
    assert meeting.start.replace(tzinfo=None) == datetime(2026, 9, 18, 10, 30)
    assert meeting.url == "https://council.example/events/board-meeting"
    assert meeting.venue.street == "10 High St"
    assert "longer in the microdata" in meeting.description


def test_same_title_same_day_in_one_syntax_kept_apart_but_exact_repeats_merge():
    events = [
        {"@type": "Event", "name": "Walk", "startDate": "2026-05-02T07:00:00Z", "url": "/w1"},
        {"@type": "Event", "name": "Walk", "startDate": "2026-05-02T14:00:00Z", "url": "/w2"},
        {"@type": "Event", "name": "Walk", "startDate": "2026-05-02T14:00:00Z", "url": "/w2"},
    ]
    body = ('<html><script type="application/ld+json">' + json.dumps(events) + "</script></html>").encode()
    listings = SchemaOrgAdapter().parse(body, "https://walks.example/", window())
    assert [x.url for x in listings] == ["https://walks.example/w1", "https://walks.example/w2"]


def test_charset_from_meta_when_bytes_are_not_utf8():
    listings, _ = parse(HERE / "cp1252_meta.html")
    assert listings[0].title == "Crêpe café – soirée"


def test_occurrences_follow_the_window():
    context = Context(window_start=datetime(2026, 3, 4, tzinfo=UTC), window_end=datetime(2026, 3, 6, tzinfo=UTC))
    listings = SchemaOrgAdapter().parse((HERE / "graph_online.html").read_bytes(), "", context)
    found = by_title(listings)
    assert len(found["Folk session"].occurrences) == 1
    assert found["Newcomers' coffee morning"].occurrences == []


@pytest.mark.parametrize("body", [b"plain text, no markup", b"\x00\x01\x02", b"", b"{not json"])
def test_not_a_page_is_a_parse_error(body):
    with pytest.raises(ParseError):
        SchemaOrgAdapter().parse(body, "", window())


def test_registered_and_sniffs(corpus):
    assert load_adapters()["schemaorg"] is SchemaOrgAdapter
    assert SchemaOrgAdapter.sniff((HERE / "club_ngo.html").read_bytes(), "")
    assert not SchemaOrgAdapter.sniff(
        (corpus / "tec-rest-json/tec_tcw_tennisclub_witikon_single_event.json").read_bytes(), ""
    )


_KEYS = st.sampled_from(
    [
        "@type",
        "@graph",
        "@id",
        "name",
        "startDate",
        "endDate",
        "duration",
        "location",
        "address",
        "geo",
        "latitude",
        "longitude",
        "offers",
        "price",
        "eventStatus",
        "eventAttendanceMode",
        "url",
        "image",
        "organizer",
        "keywords",
        "itemListElement",
        "item",
        "subEvent",
        "isAccessibleForFree",
    ]
)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.sampled_from(["Event", "MusicEvent", "Place", "VirtualLocation", "NGO", "ItemList", "2026-02-30", "P1D"]),
)
_NODES = st.recursive(
    _SCALARS, lambda c: st.one_of(st.lists(c, max_size=3), st.dictionaries(_KEYS, c, max_size=6)), max_leaves=20
)


@settings(max_examples=150, deadline=None)
@given(_NODES)
def test_no_exception_escapes_for_any_jsonld_shape(data):
    body = ('<html><script type="application/ld+json">' + json.dumps(data) + "</script></html>").encode()
    context = window()
    for listing in SchemaOrgAdapter().parse(body, "https://x.example/", context):
        assert listing.kind in ("event", "online", "club")
