"""The scorer, connection potential, newcomer signals, recurrence kinds and reasons: table-driven."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from finder import ranking
from finder.reasons import KIND_LABELS, MAX_REASONS, Reason, english, reasons
from finder.schedules import schedule_phrase


def candidate(**overrides) -> dict:
    values = dict(
        distance_km=2.0,
        has_place=True,
        online=False,
        interest_overlap=0.0,
        text_relevance=0.0,
        hours_until_start=None,
        connection=0.5,
    )
    values.update(overrides)
    return values


# (name, better, worse): `better` must outscore `worse`.
ORDER_CASES = [
    ("closer wins", candidate(distance_km=1.0), candidate(distance_km=10.0)),
    (
        "interest match wins over a little distance",
        candidate(distance_km=3.0, interest_overlap=1.0),
        candidate(distance_km=1.0),
    ),
    ("more interests matched", candidate(interest_overlap=1.0), candidate(interest_overlap=0.5)),
    ("title match wins", candidate(text_relevance=1.0), candidate(text_relevance=0.0)),
    ("sooner wins", candidate(hours_until_start=24.0), candidate(hours_until_start=24.0 * 30)),
    ("past start counts as now", candidate(hours_until_start=-5.0), candidate(hours_until_start=48.0)),
    ("connection wins", candidate(connection=0.9), candidate(connection=0.2)),
    ("near in-person beats online", candidate(distance_km=2.0), candidate(distance_km=None, online=True)),
    ("online beats far", candidate(distance_km=None, online=True), candidate(distance_km=40.0)),
    (
        "weekly newcomer group beats one-off a bit closer",
        candidate(
            distance_km=2.5,
            connection=ranking.connection_potential(
                recurring="weekly", in_person=True, newcomer=True, small_group=True
            ),
        ),
        candidate(
            distance_km=2.0,
            connection=ranking.connection_potential(recurring=None, in_person=True, newcomer=False, small_group=None),
        ),
    ),
]


@pytest.mark.parametrize(("name", "better", "worse"), ORDER_CASES, ids=[c[0] for c in ORDER_CASES])
def test_score_order(name, better, worse):
    assert ranking.score(**better) > ranking.score(**worse), name


def test_score_is_a_weighted_blend_in_unit_range():
    assert sum(
        (ranking.W_DISTANCE, ranking.W_INTEREST, ranking.W_TEXT, ranking.W_TIME, ranking.W_CONNECTION)
    ) == pytest.approx(1.0)
    best = ranking.score(
        **candidate(distance_km=0.0, interest_overlap=1.0, text_relevance=1.0, hours_until_start=0.0, connection=1.0)
    )
    worst = ranking.score(**candidate(has_place=False, connection=0.0, hours_until_start=1e9))
    assert best == pytest.approx(1.0) and 0.0 <= worst < 0.01
    assert ranking.distance_decay(5.0, has_place=True) == pytest.approx(0.5)
    assert ranking.distance_decay(None, has_place=False, online=True) == 0.0
    assert ranking.timeliness(ranking.SOON_SCALE_H) == pytest.approx(0.5)
    assert ranking.fraction(1, 3) == 1 * (1.0 / 3) and ranking.fraction(2, 0) == 0.0


CONNECTION_ORDER = [  # best first
    dict(recurring="weekly", in_person=True, newcomer=True, small_group=True),
    dict(recurring="weekly", in_person=True, newcomer=False, small_group=True),
    dict(recurring="monthly", in_person=True, newcomer=False, small_group=True),
    dict(recurring="other", in_person=True, newcomer=False, small_group=True),
    dict(recurring=None, in_person=True, newcomer=False, small_group=True),
    dict(recurring=None, in_person=True, newcomer=False, small_group=None),
    dict(recurring=None, in_person=True, newcomer=False, small_group=False),
    dict(recurring=None, in_person=False, newcomer=False, small_group=False),
]


def test_connection_potential_order_and_range():
    values = [ranking.connection_potential(**c) for c in CONNECTION_ORDER]
    assert values == sorted(values, reverse=True) and len(set(values)) == len(values)
    assert values[0] == pytest.approx(1.0) and values[-1] == 0.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("All welcome!", True),
        ("No experience needed.", True),
        ("Drop-in session every week", True),
        ("Orientation provided for new volunteers", True),
        ("Beginners welcome", True),
        ("Open to all ages", True),
        ("no prior experience required", True),
        ("Members only. Experience required.", False),
        ("Advanced players", False),
        ("", False),
        ("Wir singen zusammen, ohne Vorkenntnisse.", True),
        ("Neue Stimmen sind willkommen.", True),
        ("Alle willkommen.", True),
        ("Einfach vorbeikommen.", True),
        ("Nur für Mitglieder.", False),
        ("Todos son bienvenidos", True),
        ("Sin experiencia previa", True),
        ("Principiantes bienvenidos", True),
        ("Solo para socios con experiencia", False),
    ],
)
def test_newcomer_signals(text, expected):
    assert ranking.newcomer_signals(text) is expected


@pytest.mark.parametrize(
    ("rrule", "words", "expected"),
    [
        ("FREQ=WEEKLY;BYDAY=TU", "", "weekly"),
        ("RRULE:FREQ=DAILY", "", "weekly"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", "", "monthly"),
        ("FREQ=MONTHLY;BYDAY=1TH", "", "monthly"),
        ("FREQ=YEARLY", "", "other"),
        (None, "Every Tuesday evening", "weekly"),
        (None, "Thursdays 7pm", "weekly"),
        (None, "first Monday of the month", "monthly"),
        (None, "fortnightly", "monthly"),
        (None, "twice a year", "other"),
        (None, "", None),
    ],
)
def test_recurrence_kind(rrule, words, expected):
    assert ranking.recurrence_kind(rrule, words) == expected


@pytest.mark.parametrize(
    ("rrule", "words", "expected"),
    [
        ("FREQ=WEEKLY;BYDAY=TU", "", "Meets every Tuesday"),
        ("FREQ=WEEKLY;BYDAY=MO,WE", "", "Meets every Monday and Wednesday"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=FR", "", "Meets every other Friday"),
        ("FREQ=MONTHLY;BYDAY=1SA", "", "Meets on the first Saturday of the month"),
        ("FREQ=MONTHLY;BYDAY=-1SU", "", "Meets on the last Sunday of the month"),
        ("FREQ=DAILY", "", "Meets daily"),
        ("FREQ=MONTHLY;INTERVAL=3", "", "Meets every 3 months"),
        (None, "Every 2nd Thursday.", "Meets every 2nd Thursday"),
        (None, "", None),
    ],
)
def test_schedule_phrase(rrule, words, expected):
    assert schedule_phrase(rrule, words) == expected


REASON_CASES = [
    (
        dict(
            kind="volunteer",
            rrule="FREQ=WEEKLY;BYDAY=TU",
            distance_km=1.234,
            matched_interests=[("gardening", "Gardening")],
            newcomer=True,
            free=True,
        ),
        ["Meets every Tuesday", "1.2 km away", "Matches Gardening", "Newcomer-friendly"],
    ),
    (
        dict(
            kind="event",
            next_start_local=datetime(2026, 11, 28, 10, 30, tzinfo=ZoneInfo("Europe/London")),
            distance_km=12.6,
            free=True,
        ),
        ["Next on Sat 28 Nov, 10:30", "13 km away", "Free"],
    ),
    (
        dict(kind="online", online=True, rrule="FREQ=MONTHLY;BYDAY=1MO"),
        ["Meets on the first Monday of the month", "Online"],
    ),
    (dict(kind="club"), ["Club", "In person"]),
    (dict(kind="service", distance_km=0.05), ["Right here", "Community service"]),
    (dict(kind="event", distance_km=3.2, unit="mi"), ["2.0 mi away", "Event"]),
]


@pytest.mark.parametrize(("fields", "expected"), REASON_CASES)
def test_reasons(fields, expected):
    found = [english(reason) for reason in reasons(**fields)]
    assert found == expected
    assert 2 <= len(found) <= MAX_REASONS


def test_small_group_signals():
    assert ranking.small_group_signals("A small group of friendly knitters") is True
    assert ranking.small_group_signals("The city's biggest music festival") is False
    assert ranking.small_group_signals("Knitting together") is None


def test_schedule_in_words_keeps_day_names_capitalised():
    assert schedule_phrase(None, "Tuesdays and Thursdays 09:30–16:00") == "Meets Tuesdays and Thursdays 09:30–16:00"
    assert schedule_phrase(None, "Every other week.") == "Meets every other week"


def test_a_listing_placed_only_by_its_town_says_the_town_not_a_distance():
    why = [english(r) for r in reasons(kind="event", distance_km=0.004, approximate_place="London", newcomer=True)]
    assert why[:2] == ["In London", "Newcomer-friendly"]
    assert not any("away" in reason or reason == "Right here" for reason in why)


def test_reasons_are_values_with_a_code_and_params():
    why = reasons(kind="club", rrule="FREQ=WEEKLY;BYDAY=TU", matched_interests=[("games", "Games")])
    assert [reason.code for reason in why] == ["meets", "matches_interest"]
    assert why[1].params == {"slug": "games", "label": "Games"} and why[0]["schedule"].days == ("TU",)
    with pytest.raises(ValueError, match="unknown reason"):
        english(Reason("no_such_code"))


def test_every_kind_has_its_english_words():
    from scrapers.listing import KINDS

    assert tuple(KIND_LABELS) == KINDS
