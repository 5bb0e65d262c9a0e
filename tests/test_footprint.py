"""Footprint (All for Good) FPXML volunteer feeds."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from scrapers import load_adapters
from scrapers.base import Context, ParseError
from scrapers.footprint import FootprintAdapter
from tests.conftest import FIXTURES

HERE = FIXTURES / "footprint"


def window(start=datetime(2008, 12, 1, tzinfo=UTC), end=datetime(2009, 12, 31, tzinfo=UTC), **kwargs) -> Context:
    return Context(window_start=start, window_end=end, **kwargs)


def corpus_listings(corpus, context=None):
    body = (corpus / "footprint-xml/allforgood_footprint_sampleData0.1.xml").read_bytes()
    context = context or window()
    return {x.source_key: x for x in FootprintAdapter().parse(body, "", context)}, context


def test_corpus_sample_feed_three_opportunities(corpus):
    found, context = corpus_listings(corpus)
    assert context.problems == []
    assert sorted(found) == ["1001", "2001", "2002"]
    assert all(x.kind == "volunteer" and not x.problems() for x in found.values())


def test_corpus_open_ended_mentor_with_several_locations(corpus):
    mentor = corpus_listings(corpus)[0]["1001"]
    assert mentor.title == "Be a Business Mentor - Trenton, NJ & Beyond"
    assert mentor.start is None and mentor.occurrences == []
    assert mentor.recurrence_text == "ongoing for 6 months, 4 hours a week"
    assert (mentor.venue.locality, mentor.venue.region, mentor.venue.postcode) == ("Trenton", "NJ", "08608")
    assert mentor.extra["locations"] == ["Berkeley, CA, 94703", "Santa Cruz, CA, 95062"]
    assert mentor.organizer.name == "MicroMentor | An initiative of Mercy Corps"
    assert mentor.organizer.url == "http://www.micromentor.org"
    assert (
        mentor.extra["organization"]["donate_url"]
        == "http://www.mercycorps.org/charityweb.php?Custom15=wm&Custom16=1,1"
    )
    assert mentor.categories == ["Community", "Computers & Technology", "Employment"]
    assert mentor.min_age == 21


def test_corpus_dated_dodgeball_two_occurrences_in_utc(corpus):
    dodgeball = corpus_listings(corpus)[0]["2001"]
    assert dodgeball.start == datetime(2009, 2, 22, 18, 45, tzinfo=UTC)
    assert dodgeball.end == datetime(2009, 2, 22, 21, 0, tzinfo=UTC)
    assert [o.start for o in dodgeball.occurrences] == [
        datetime(2009, 2, 22, 18, 45, tzinfo=UTC),
        datetime(2009, 2, 27, 18, 45, tzinfo=UTC),
    ]
    assert dodgeball.audience == ["teens"] and dodgeball.min_age == 14
    assert dodgeball.extra["audience_tags"] == ["Teens", "High School Students"]
    assert dodgeball.categories == ["Community", "Homeless & Hungry", "Hunger"]
    assert dodgeball.organizer.name == "QUIXOTE QUEST"


def test_corpus_fortnightly_recurrence_expanded(corpus):
    guide = corpus_listings(corpus)[0]["2002"]
    assert guide.recurrence == "FREQ=WEEKLY;INTERVAL=2;UNTIL=20090531"
    assert guide.all_day and guide.start == date(2009, 1, 1)
    starts = [o.start for o in guide.occurrences]
    assert len(starts) == 11 and starts[0] == date(2009, 1, 1) and starts[-1] == date(2009, 5, 21)
    assert guide.extra["volunteers_needed"] == "3"


def test_corpus_window_limits_occurrences(corpus):
    found, _ = corpus_listings(corpus, window(datetime(2009, 2, 24, tzinfo=UTC), datetime(2009, 3, 13, tzinfo=UTC)))
    assert [o.start.day for o in found["2001"].occurrences] == [27]
    assert [o.start for o in found["2002"].occurrences] == [date(2009, 2, 26), date(2009, 3, 12)]


def test_edge_cases_local_times_virtual_bad_dates():
    context = window(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC), timezone="Europe/London")
    listings = FootprintAdapter().parse((HERE / "edge_cases.xml").read_bytes(), "https://vol.example/feed.xml", context)
    shift, phone = listings
    assert shift.start.isoformat() == "2026-03-07T09:00:00+00:00" and shift.recurrence == "FREQ=WEEKLY;BYDAY=SA;COUNT=4"
    assert [o.start.isoformat() for o in shift.occurrences][-1] == "2026-03-28T09:00:00+00:00"
    assert len(shift.occurrences) == 4 and shift.occurrences[0].end.hour == 12
    assert shift.organizer.url == "https://vol.example/org/7"  # javascript: organizationURL refused
    assert shift.url == "https://vol.example/opp/a1" and shift.min_age is None
    assert shift.audience == ["families", "seniors"] and (shift.lat, shift.lon) == (51.3, 0.4)
    assert shift.venue.street == "5 Dock Road" and shift.venue.name == "Food bank warehouse"
    assert phone.online and phone.recurrence_text == "ongoing for 1 year"
    assert context.problems == ["opportunity 2: ValueError: month must be in 1..12"]


@pytest.mark.parametrize("body", [b"<rss version='2.0'/>", b"not xml at all", b""])
def test_not_footprint_is_a_parse_error(body):
    with pytest.raises(ParseError):
        FootprintAdapter().parse(body, "", window())


def test_registered(corpus):
    assert load_adapters()["footprint"] is FootprintAdapter
    assert FootprintAdapter.sniff((corpus / "footprint-xml/allforgood_footprint_sampleData0.1.xml").read_bytes(), "")
    assert not FootprintAdapter.sniff(b"<rss/>", "")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P6M", {"months": 6}),
        ("PT1H30M", {"hours": 1, "minutes": 30}),
        ("P1W", {"days": 7}),
        ("P", None),
        ("6 months", None),
    ],
)
def test_iso_duration(text, expected):
    from dateutil.relativedelta import relativedelta

    from scrapers.times import iso_duration

    assert iso_duration(text) == (relativedelta(**expected) if expected else None)
