"""RSS/Atom adapter: event dates only where the feed carries them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from scrapers import load_adapters
from scrapers.base import Context, ParseError
from scrapers.rss import RssAdapter
from tests.conftest import FIXTURES

HERE = FIXTURES / "rss"


def window(**kwargs) -> Context:
    return Context(window_start=datetime(2025, 1, 1, tzinfo=UTC), window_end=datetime(2027, 1, 1, tzinfo=UTC), **kwargs)


def test_corpus_sidearm_ev_module(corpus):
    body = (corpus / "rss-atom/sidearm_athletics_calendar_ev_module.rss").read_bytes()
    context = window()
    listings = RssAdapter().parse(body, "https://olemisssports.com/calendar.ashx/calendar.rss", context)
    assert context.problems == []
    assert len(listings) == 1
    game = listings[0]
    assert game.title == "[L] Ole Miss Softball vs Arizona"  # date prefix '5/18 6:30 PM' removed
    # ev:startdate is UTC (7-digit fractions); s:localstartdate gives the local offset (-05:00)
    assert game.start.isoformat() == "2025-05-18T18:30:00-05:00"
    assert game.start == datetime(2025, 5, 18, 23, 30, tzinfo=UTC)
    assert game.end == datetime(2025, 5, 19, 1, 30, tzinfo=UTC)
    assert game.timezone is None
    assert game.venue.name == "Tucson, Ariz."
    assert game.url == "https://olemisssports.com/calendar.aspx?game_id=14445&sport_id=8"
    assert game.description.endswith("calendar.aspx?game_id=14445&sport_id=8")  # '&amp;amp;' decoded
    assert game.source_key == game.url and len(game.occurrences) == 1 and not game.problems()
    assert RssAdapter.sniff(body, "")


def test_corpus_sidearm_in_source_zone(corpus):
    body = (corpus / "rss-atom/sidearm_athletics_calendar_ev_module.rss").read_bytes()
    game = RssAdapter().parse(body, "", window(timezone="America/Chicago"))[0]
    assert game.timezone == "America/Chicago" and game.start.isoformat() == "2025-05-18T18:30:00-05:00"


def test_feed_without_event_dates_yields_nothing_with_a_problem():
    context = window()
    assert RssAdapter().parse((HERE / "blog_no_dates.rss").read_bytes(), "", context) == []
    assert context.problems == ["feed items carry no event dates (not an event feed): no listings"]


def test_atom_with_event_module_under_another_prefix():
    context = window()
    listings = RssAdapter().parse((HERE / "atom_ev.xml").read_bytes(), "https://makers.example/feed.xml", context)
    assert [x.title for x in listings] == ["Repair café"]
    repair = listings[0]
    assert repair.start == datetime(2026, 2, 7, 14, 0, tzinfo=timezone(timedelta(hours=1)))
    assert repair.end - repair.start == timedelta(hours=3)
    assert repair.url == "https://makers.example/events/repair"
    assert repair.venue.name == "Makerspace, Hauptstr. 1"
    assert "1 feed items without event dates skipped" in context.problems
    assert any("'soon, probably' is unreadable" in p for p in context.problems)


def test_events_calendar_feed_pubdate_is_the_start():
    listings = RssAdapter().parse(
        (HERE / "tec_events_feed.rss").read_bytes(), "https://birds.example/events/feed/", window()
    )
    walk = listings[0]
    assert walk.start == datetime(2026, 5, 3, 4, 30, tzinfo=UTC)
    assert walk.categories == ["Walks"]
    assert walk.description == "Meet at the gate & bring binoculars."


def test_pubdate_is_start_only_when_asked():
    body = (HERE / "blog_no_dates.rss").read_bytes()
    listings = RssAdapter().parse(body, "", window(mapping={"pubdate_is_start": True}))
    assert [x.title for x in listings] == ["We have a new roof", "Volunteers thanked"]


@pytest.mark.parametrize("body", [b"<html><body>Not a feed</body></html>", b"", b"{}"])
def test_not_a_feed_is_a_parse_error(body):
    with pytest.raises(ParseError, match="not an RSS or Atom feed"):
        RssAdapter().parse(body, "", window())


def test_registered():
    assert load_adapters()["rss"] is RssAdapter
    assert not RssAdapter.sniff(b"<html></html>", "")
