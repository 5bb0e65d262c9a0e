"""Scheduled upkeep: recurring series rolled forward past the scraped window, without the meetings the
source excluded, next starts moved on, long-past meetings dropped."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, text

from finder.ingest.importer import ingest
from finder.ingest.upkeep import KEEP_PAST_OCCURRENCES_DAYS, excluded, roll_series_forward
from finder.models import Listing, Occurrence, Source
from scrapers.listing import Listing as Item
from scrapers.listing import Occurrence as ItemOccurrence

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
FIRST = datetime(2026, 3, 3, 19, 0, tzinfo=PARIS)  # a Tuesday


def weekly_club(**values) -> Item:
    values.setdefault(
        "occurrences",
        [ItemOccurrence(FIRST + timedelta(weeks=w), FIRST + timedelta(weeks=w, hours=2)) for w in range(2)],
    )  # scraped with a two-week window
    values = {"title": "Tuesday chess club", "source_key": "chess", "recurrence": "FREQ=WEEKLY;BYDAY=TU", **values}
    return Item(start=FIRST, end=FIRST + timedelta(hours=2), timezone="Europe/Paris", lat=48.85, lon=2.35, **values)


def stored(session, *items: Item) -> list[Listing]:
    source = Source(slug="chess-club", adapter="ics", url="https://chess.example/feed.ics")
    session.add(source)
    session.flush()
    ingest(session, source, list(items), now=NOW)
    session.flush()
    return session.scalars(select(Listing).order_by(Listing.id)).all()


def meetings(session, listing: Listing) -> list[datetime]:
    starts = session.scalars(
        select(Occurrence.start).where(Occurrence.listing_id == listing.id).order_by(Occurrence.start)
    )
    return [start.astimezone(PARIS) for start in starts]


def test_series_roll_forward_to_the_horizon_without_the_excluded_meetings(session):
    [club] = stored(session, weekly_club(exdates=["2026-03-24T19:00:00+01:00", "2026-04-07"]))
    changed = roll_series_forward(session, NOW, expansion_days=60)
    assert changed == 1
    days = [start.date() for start in meetings(session, club)]
    assert days == [
        date(2026, 3, 3),
        date(2026, 3, 10),
        date(2026, 3, 17),
        date(2026, 3, 31),
        date(2026, 4, 14),
        date(2026, 4, 21),
        date(2026, 4, 28),
    ]
    assert {start.hour for start in meetings(session, club)} == {19}  # wall-clock time kept across the DST change
    assert roll_series_forward(session, NOW, expansion_days=60) == 0  # nothing left to add


def test_next_start_moves_on_and_long_past_meetings_go(session):
    [club] = stored(session, weekly_club())
    later = NOW + timedelta(days=KEEP_PAST_OCCURRENCES_DAYS + 10)
    roll_series_forward(session, later, expansion_days=14)
    session.refresh(club)
    assert club.next_start > later and club.next_start.astimezone(PARIS).weekday() == 1
    assert min(meetings(session, club)) >= later - timedelta(days=KEEP_PAST_OCCURRENCES_DAYS)
    indexed = session.execute(text("SELECT next_epoch FROM listing_geo WHERE id = :id"), {"id": club.id}).scalar()
    assert indexed == club.next_start.timestamp()


def test_an_unreadable_rule_is_skipped_and_the_others_still_roll(session):
    broken = weekly_club(recurrence="FREQ=SOMETIMES", source_key="broken", title="Broken series")
    club, odd = stored(session, weekly_club(), broken)
    roll_series_forward(session, NOW, expansion_days=30)
    assert len(meetings(session, club)) == 5 and len(meetings(session, odd)) == 2


def test_excluded_dates_read_as_moments_or_whole_days():
    moments, days = excluded(["2026-03-24T19:00:00+01:00", "2026-03-31T19:00:00", "2026-04-07", "soon", ""], PARIS)
    assert moments == [datetime(2026, 3, 24, 19, 0, tzinfo=PARIS), datetime(2026, 3, 31, 19, 0, tzinfo=PARIS)]
    assert days == {date(2026, 4, 7)}
    assert excluded(None, PARIS) == ([], set())


def test_a_meeting_in_progress_is_not_added_again_and_the_roll_still_moves_on(session):
    """The job failed ~97% of the time: a meeting that had started and not ended was inserted a second time
    (uq_occurrences_listing_start), the whole roll rolled back, nothing was pruned and no next_start moved."""
    [club] = stored(session, weekly_club())
    session.commit()
    during = FIRST + timedelta(weeks=1, minutes=30)  # the second scraped meeting started half an hour ago
    assert roll_series_forward(session, during, expansion_days=21) == 1
    session.commit()
    starts = meetings(session, club)
    assert len(starts) == len(set(starts))
    assert FIRST + timedelta(weeks=1) in starts and max(starts) > during + timedelta(days=14)
    session.refresh(club)
    assert club.next_start == (FIRST + timedelta(weeks=2)).astimezone(UTC)  # the meeting in progress is passed
    # Weeks later, in the middle of another meeting: old meetings go, the new one is kept once.
    during_later = FIRST + timedelta(weeks=6, minutes=30)
    assert roll_series_forward(session, during_later, expansion_days=21) == 1
    session.commit()
    starts = meetings(session, club)
    assert len(starts) == len(set(starts)) and FIRST + timedelta(weeks=6) in starts
    assert min(starts) >= during_later - timedelta(days=KEEP_PAST_OCCURRENCES_DAYS)


def test_index_rows_of_listings_over_for_a_day_are_removed_and_searches_unchanged(session):
    """`index.prune_ended` removes the search rows of listings over for more than a day (with a place or without,
    text included), keeps the rest, and no search answers differently."""
    from finder import index
    from finder.search import SearchQuery, run_search, sql_cache
    from tests.search_helpers import add_listing

    at = {"lat": "48.85", "lon": "2.35", "radius_km": "50"}
    ended = [
        add_listing(session, "Chess long over", lat=48.85, lon=2.35, starts=[NOW - timedelta(days=3)]),
        add_listing(session, "Chess online long over", online=True, starts=[NOW - timedelta(days=2)]),
    ]
    kept = [
        add_listing(session, "Chess just over", lat=48.85, lon=2.36, starts=[NOW - timedelta(hours=5)]),
        add_listing(session, "Chess tomorrow", lat=48.86, lon=2.35, starts=[NOW + timedelta(days=1)]),
        add_listing(session, "Chess online soon", online=True, starts=[NOW + timedelta(hours=3)]),
        add_listing(session, "Chess any time", online=True),
    ]
    session.commit()

    def pages():
        found = []
        for args in ({}, {"q": "chess"}, {"online": "only"}, {"q": "chess", "online": "only"}):
            sql_cache.forget_online_answers()
            page = run_search(session, SearchQuery.from_args({**at, **args}), None, now=NOW)
            found.append(([r.listing.id for r in page.results], page.total))
        session.expunge_all()
        return found

    before = pages()
    generation = index.generation(session)
    assert index.prune_ended(session, NOW) == 2
    session.commit()
    assert pages() == before and before[0][1] == 3  # "just over" is over too, but keeps its row a day
    rows = set(session.scalars(text("SELECT id FROM listing_geo")))
    assert rows == {listing.id for listing in kept}
    if session.get_bind().dialect.name == "sqlite":
        for table in ("listing_geo_online", "listing_fts", "listing_fts_online"):
            key = "id" if table == "listing_geo_online" else "rowid"
            assert not set(session.scalars(text(f"SELECT {key} FROM {table}"))) & {e.id for e in ended}  # noqa: S608
    assert index.generation(session) > generation  # remembered online answers are not reused
    assert index.prune_ended(session, NOW) == 0
