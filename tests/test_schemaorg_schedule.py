"""schema.org `eventSchedule`: one recurring listing per Event, with its RRULE, first meeting and occurrences."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrapers.base import Context
from scrapers.schemaorg.adapter import SchemaOrgAdapter
from tests.conftest import FIXTURES

HERE = FIXTURES / "schemaorg"
BERLIN = ZoneInfo("Europe/Berlin")
WINDOW_START = datetime(2026, 1, 1, tzinfo=UTC)
WINDOW_END = datetime(2026, 3, 1, tzinfo=UTC)  # 59 days: 8 Tuesdays, 4 Wednesdays a fortnight apart


def window(**kwargs) -> Context:
    return Context(window_start=WINDOW_START, window_end=WINDOW_END, **kwargs)


def parse_event(schedule, context: Context | None = None, **event):
    """The one listing of an Event carrying `schedule`, and the context's problems."""
    context = context or window()
    node = {"@context": "https://schema.org", "@type": "Event", "name": "Club night", **event}
    node["eventSchedule"] = schedule
    listings = SchemaOrgAdapter().parse(json.dumps(node).encode(), "https://club.example/", context)
    assert len(listings) == 1
    return listings[0], context.problems


def berlin(month: int, day: int, hour: int) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=BERLIN)


def weekly_tuesday(**extra) -> dict:
    schedule = {
        "@type": "Schedule",
        "repeatFrequency": "P1W",
        "byDay": "https://schema.org/Tuesday",
        "startDate": "2026-01-01",
        "startTime": "19:00",
        "endTime": "21:00",
        "scheduleTimezone": "Europe/Berlin",
    }
    return {**schedule, **extra}


def test_page_of_recurring_clubs():
    context = window()
    listings = SchemaOrgAdapter().parse((HERE / "schedule_clubs.html").read_bytes(), "https://clubs.example/", context)
    found = {listing.title: listing for listing in listings}
    chess = found["Chess club"]
    assert chess.recurrence == "FREQ=WEEKLY;BYDAY=TU" and chess.recurrence_text == "every Tuesday"
    assert (chess.start, chess.end) == (berlin(1, 6, 19), berlin(1, 6, 21))
    assert chess.timezone == "Europe/Berlin" and chess.exdates == ["2026-01-13T19:00:00+01:00"]
    assert len(chess.occurrences) == 7  # 8 Tuesdays, 13 January excepted
    assert berlin(1, 13, 19) not in [o.start for o in chess.occurrences]
    assert not chess.problems() and chess.venue.name == "Northside Library"
    run = found["Riverside parkrun warm-up"]
    assert run.recurrence == "FREQ=WEEKLY;BYDAY=MO,WE" and run.recurrence_text == "every Monday and Wednesday"
    assert run.start == berlin(1, 5, 7) and run.end - run.start == timedelta(hours=1)
    assert len(run.occurrences) == 16
    repair = found["Repair café"]
    assert repair.recurrence == "FREQ=MONTHLY;BYMONTHDAY=1" and repair.recurrence_text == "monthly on the 1st"
    assert repair.start == datetime(2026, 1, 1, 10, tzinfo=timezone(timedelta(hours=1))) and repair.timezone is None
    assert repair.end - repair.start == timedelta(hours=3) and len(repair.occurrences) == 2
    assert context.problems == ["event 'Repair café': eventSchedule 1 ignored: only one schedule per listing"]


def test_weekly_on_one_day_in_the_schedule_zone():
    listing, problems = parse_event(weekly_tuesday())
    assert listing.recurrence == "FREQ=WEEKLY;BYDAY=TU" and listing.recurrence_text == "every Tuesday"
    assert listing.start == berlin(1, 6, 19)  # first Tuesday at or after startDate
    assert listing.end == berlin(1, 6, 21)
    assert listing.start.utcoffset() == timedelta(hours=1) and listing.timezone == "Europe/Berlin"
    assert [o.start.day for o in listing.occurrences[:3]] == [6, 13, 20] and len(listing.occurrences) == 8
    assert {o.status for o in listing.occurrences} == {"scheduled"} and not listing.all_day
    assert problems == [] and not listing.problems()


@pytest.mark.parametrize(
    "day",
    [
        "Tuesday",
        "tuesday",
        "https://schema.org/Tuesday",
        "http://schema.org/Tuesday",
        "schema:Tuesday",
        "TU",
        {"@id": "https://schema.org/Tuesday"},
        ["Tuesday"],
    ],
)
def test_day_names_plain_url_node_or_ical(day):
    listing, problems = parse_event(weekly_tuesday(byDay=day))
    assert listing.recurrence == "FREQ=WEEKLY;BYDAY=TU" and problems == []


def test_fortnightly_counts_from_the_start_date():
    schedule = weekly_tuesday(repeatFrequency="P2W", byDay="Wednesday", startDate="2026-01-07")
    listing, _ = parse_event(schedule)
    assert listing.recurrence == "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE"
    assert listing.recurrence_text == "every other Wednesday"
    assert [o.start.date() for o in listing.occurrences] == [
        date(2026, 1, 7),
        date(2026, 1, 21),
        date(2026, 2, 4),
        date(2026, 2, 18),
    ]


def test_monthly_on_a_day_of_the_month_and_on_numbered_weekdays():
    monthly = {
        "repeatFrequency": "P1M",
        "byMonthDay": 1,
        "startDate": "2026-01-01",
        "startTime": "10:00",
        "duration": "PT2H",
    }
    listing, _ = parse_event(monthly, context=window(timezone="Europe/Berlin"))
    assert listing.recurrence == "FREQ=MONTHLY;BYMONTHDAY=1" and listing.recurrence_text == "monthly on the 1st"
    assert (listing.start, listing.end) == (berlin(1, 1, 10), berlin(1, 1, 12))
    assert len(listing.occurrences) == 2 and listing.timezone == "Europe/Berlin"
    first_monday = {
        "repeatFrequency": "Monthly",
        "byDay": "Monday",
        "byMonthWeek": 1,
        "startDate": "2026-01-01",
        "startTime": "18:30",
    }
    listing, _ = parse_event(first_monday)
    assert listing.recurrence == "FREQ=MONTHLY;BYDAY=1MO" and listing.recurrence_text == "monthly on the first Monday"
    assert [o.start.date() for o in listing.occurrences] == [date(2026, 1, 5), date(2026, 2, 2)]


def test_repeat_count_and_end_date_bound_the_series():
    listing, _ = parse_event(weekly_tuesday(repeatCount=3))
    assert listing.recurrence == "FREQ=WEEKLY;BYDAY=TU;COUNT=3" and len(listing.occurrences) == 3
    listing, _ = parse_event(weekly_tuesday(endDate="2026-01-31"))
    assert listing.recurrence == "FREQ=WEEKLY;BYDAY=TU;UNTIL=20260131T235959" and len(listing.occurrences) == 4
    listing, _ = parse_event(weekly_tuesday(endDate="2026-01-31", repeatCount=2))  # the count ends it first
    assert listing.recurrence == "FREQ=WEEKLY;BYDAY=TU;COUNT=2" and len(listing.occurrences) == 2
    listing, _ = parse_event(weekly_tuesday(endDate="2026-01-31", repeatCount=10))  # the end date ends it first
    assert listing.recurrence.endswith(";UNTIL=20260131T235959") and len(listing.occurrences) == 4


def test_except_dates_remove_meetings():
    listing, _ = parse_event(weekly_tuesday(exceptDate=["2026-01-13", "2026-02-03T19:00:00+01:00"]))
    assert listing.exdates == ["2026-01-13T19:00:00+01:00", "2026-02-03T19:00:00+01:00"]
    assert len(listing.occurrences) == 6
    assert {date(2026, 1, 13), date(2026, 2, 3)}.isdisjoint(o.start.date() for o in listing.occurrences)


def test_event_without_start_date_takes_its_dates_from_the_schedule():
    listing, problems = parse_event({"repeatFrequency": "P1W", "byDay": "Saturday", "startTime": "10:00"})
    assert listing.start == datetime(2026, 1, 3, 10, tzinfo=UTC)  # undated: counted from the window's first day
    assert len(listing.occurrences) == 9 and problems == [] and not listing.problems()


def test_fortnightly_schedule_without_any_start_date_is_refused():
    listing, problems = parse_event({"repeatFrequency": "P2W", "byDay": "Tuesday", "startTime": "19:00"})
    assert listing.recurrence is None and listing.start is None and listing.occurrences == []
    assert problems == [
        "event 'Club night': eventSchedule ignored: no startDate (in the schedule or the event) to count meetings from"
    ]


def test_event_start_date_anchors_a_schedule_without_one():
    listing, _ = parse_event(
        {"repeatFrequency": "P1W"},
        startDate="2026-01-08T18:00:00+01:00",
        endDate="2026-01-08T20:00:00+01:00",
        context=window(timezone="Europe/Berlin"),
    )
    assert listing.recurrence == "FREQ=WEEKLY" and listing.recurrence_text == "every Thursday"
    assert (listing.start, listing.end) == (berlin(1, 8, 18), berlin(1, 8, 20))


def test_event_time_used_when_the_schedule_gives_only_dates():
    listing, _ = parse_event(
        {"repeatFrequency": "P1W", "byDay": "Friday", "startDate": "2026-01-01"},
        startDate="2026-01-02T18:30:00+01:00",
        context=window(timezone="Europe/Berlin"),
    )
    assert listing.start == datetime(2026, 1, 2, 18, 30, tzinfo=BERLIN) and not listing.all_day


def test_all_day_schedule_gives_dates():
    listing, _ = parse_event({"repeatFrequency": "P1W", "byDay": "Sunday", "startDate": "2026-01-01"})
    assert listing.all_day and listing.start == date(2026, 1, 4) and listing.end == date(2026, 1, 5)
    assert listing.recurrence == "FREQ=WEEKLY;BYDAY=SU" and len(listing.occurrences) == 9
    assert listing.occurrences[0].start == date(2026, 1, 4)
    assert listing.occurrences[-1].start == date(2026, 3, 1)  # the window's last day counts, as for one-off dates


def test_end_time_past_midnight_is_the_next_day():
    listing, _ = parse_event(weekly_tuesday(startTime="22:00", endTime="01:00"))
    assert listing.end == berlin(1, 7, 1)


def test_wall_clock_time_kept_across_daylight_saving():
    context = Context(window_start=datetime(2026, 3, 20, tzinfo=UTC), window_end=datetime(2026, 4, 5, tzinfo=UTC))
    listing, _ = parse_event(weekly_tuesday(), context=context)
    starts = [o.start.isoformat() for o in listing.occurrences]
    assert starts == ["2026-03-24T19:00:00+01:00", "2026-03-31T19:00:00+02:00"]


def test_cancelled_series_has_cancelled_meetings():
    listing, _ = parse_event(weekly_tuesday(), eventStatus="https://schema.org/EventCancelled")
    assert listing.status == "cancelled" and {o.status for o in listing.occurrences} == {"cancelled"}


@pytest.mark.parametrize(
    ("schedule", "named"),
    [
        (weekly_tuesday(repeatFrequency="sometimes"), "repeatFrequency 'sometimes'"),
        (weekly_tuesday(startTime="late"), "startTime 'late'"),
        (weekly_tuesday(byDay="Funday"), "byDay 'Funday'"),
        (weekly_tuesday(byDay=["Monday", "Funday"]), "byDay 'Funday'"),
        (weekly_tuesday(scheduleTimezone="Mars/Olympus"), "scheduleTimezone 'Mars/Olympus'"),
        (weekly_tuesday(repeatCount="many"), "repeatCount 'many'"),
        (weekly_tuesday(endDate="whenever"), "endDate 'whenever'"),
        (weekly_tuesday(exceptDate="not 13th"), "exceptDate 'not 13th'"),
        (weekly_tuesday(endTime=None, duration="long"), "duration 'long'"),
        (weekly_tuesday(endDate="2025-06-01"), "no meeting from its startDate on"),
        (weekly_tuesday(byMonthWeek=1), "byMonthWeek"),
        ({"repeatFrequency": "P1M", "byMonth": 2, "byMonthDay": 30, "startDate": "2026-01-01"}, "never falls"),
        ({"byDay": "Tuesday"}, "no repeatFrequency"),
        ("Every Tuesday at 7pm", "'Every Tuesday at 7pm' is not a Schedule object"),
        (42, "'42' is not a Schedule object"),
    ],
)
def test_unusable_schedule_leaves_the_event_as_it_was(schedule, named):
    listing, problems = parse_event(schedule, startDate="2026-01-06T19:00:00+01:00")
    words = "Every Tuesday at 7pm" if schedule == "Every Tuesday at 7pm" else ""  # kept as the schedule in words
    assert listing.title == "Club night" and listing.recurrence is None and listing.recurrence_text == words
    assert listing.start == datetime(2026, 1, 6, 19, tzinfo=timezone(timedelta(hours=1)))
    assert len(listing.occurrences) == 1  # the one-off it would be without a schedule
    assert len(problems) == 1 and problems[0].startswith("event 'Club night': eventSchedule ignored: ")
    assert named in problems[0]


def test_a_schedule_in_words_is_kept_as_words_unless_a_schedule_object_is_readable():
    listing, _ = parse_event(["", 7, "Second &amp; fourth Thursday, 6–8pm", "Fridays"])
    assert listing.recurrence is None and listing.recurrence_text == "Second & fourth Thursday, 6–8pm"
    listing, _ = parse_event(["Every Tuesday at 7pm", weekly_tuesday()])
    assert listing.recurrence == "FREQ=WEEKLY;BYDAY=TU" and listing.recurrence_text == "every Tuesday"


def test_first_usable_schedule_wins_the_others_are_noted():
    listing, problems = parse_event(["weekly", weekly_tuesday(), weekly_tuesday(byDay="Friday")])
    assert listing.recurrence == "FREQ=WEEKLY;BYDAY=TU"
    assert problems == [
        "event 'Club night': eventSchedule 0 ignored: 'weekly' is not a Schedule object",
        "event 'Club night': eventSchedule 2 ignored: only one schedule per listing",
    ]


_PLAUSIBLE = {
    "repeatFrequency": st.sampled_from(["P1D", "P1W", "P2W", "P14D", "P1M", "P3M", "P1Y", "Daily", "sometimes", "P0W"]),
    "byDay": st.lists(
        st.sampled_from(["Monday", "https://schema.org/Friday", "SA", "-1FR", "5MO", "Funday"]), max_size=3
    ),
    "byMonthDay": st.lists(st.integers(-32, 32), max_size=3),
    "byMonth": st.lists(st.integers(0, 13), max_size=2),
    "byMonthWeek": st.lists(st.integers(-6, 6), max_size=2),
    "repeatCount": st.one_of(st.integers(-1, 20_000), st.just("many")),
    "startDate": st.sampled_from(["2026-01-05", "9999-12-30", "0001-01-01", "2026-01-05T23:30:00-11:00", "x"]),
    "endDate": st.sampled_from(["2026-01-05", "9999-12-31", "2025-01-01", "2026-06-30T10:00:00Z"]),
    "startTime": st.sampled_from(["00:00", "23:59", "19:00:00+05:00", "2026-01-01T10:00:00", "24:00", "late"]),
    "endTime": st.sampled_from(["00:00", "19:00", "noon"]),
    "duration": st.sampled_from(["PT1H", "P1D", "P400Y", "PT0S", "long"]),
    "exceptDate": st.lists(st.sampled_from(["2026-01-06", "2026-01-12T10:00:00Z", "9999-12-31", "?"]), max_size=2),
    "scheduleTimezone": st.sampled_from(["Europe/Berlin", "Pacific/Kiritimati", "America/St_Johns", "Mars/Olympus"]),
}
_JUNK = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(list(_PLAUSIBLE)), inner, max_size=5),
    max_leaves=12,
)
_SCHEDULES = st.fixed_dictionaries({}, optional=_PLAUSIBLE) | _JUNK


@settings(max_examples=300, deadline=None)
@given(st.one_of(_SCHEDULES, st.lists(_SCHEDULES, max_size=3)), st.sampled_from([None, "2026-01-06T19:00:00Z"]))
def test_any_schedule_shape_keeps_the_event(schedule, event_start):
    """Whatever the schedule, the event comes out: as a series, or as the one-off it would be without one."""
    listing, _ = parse_event(schedule, **({"startDate": event_start} if event_start else {}))
    assert listing.title == "Club night"
    assert listing.recurrence is None or (listing.start is not None and listing.recurrence_text)
    assert listing.recurrence is not None or not event_start or len(listing.occurrences) == 1
    assert not listing.problems() or (event_start is None and listing.recurrence is None)
