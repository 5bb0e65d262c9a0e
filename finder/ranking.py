"""The one scorer: weights, score components and connection potential (pure, stdlib only); reasons: finder/reasons.py.

score = W_DISTANCE * distance_decay + W_INTEREST * interest_overlap + W_TEXT * text_relevance
      + W_TIME * timeliness + W_CONNECTION * connection

Every component lies in [0, 1], the weights sum to 1, so a score lies in [0, 1]:
- distance_decay = 1 / (1 + distance_km / DISTANCE_SCALE_KM) (0.5 at 5 km); an online listing counts
  as ONLINE_DISTANCE; with no place in the query the component is 0 for every listing.
- interest_overlap = requested interests the listing carries / requested interests.
- text_relevance = query terms found in the title / query terms (the text filter already made sure
  every term is somewhere in the listing).
- timeliness = 1 / (1 + hours_until_start / SOON_SCALE_H) for a dated listing (starting now: 1; in a
  week: 0.5); an undated or ongoing listing (a club, a service, a standing volunteer role: no date to
  come, see finder/ongoing.py) counts as UNDATED_TIMELINESS, as a dated one about ten days away would.
- connection = `connection_potential(...)`, computed at ingest and stored on the listing.

SQL in `finder/search/sql_score.py` applies the same sum with these weights passed as parameters.
"""

from __future__ import annotations

import functools
import re

from finder.schedules import rule_period_days

W_DISTANCE = 0.30
W_INTEREST = 0.25
W_TEXT = 0.10
W_TIME = 0.10
W_CONNECTION = 0.25

DISTANCE_SCALE_KM = 5.0
ONLINE_DISTANCE = 0.3
SOON_SCALE_H = 168.0
UNDATED_TIMELINESS = 0.4

# connection_potential parts (they sum to 1)
C_RECURRING = {"weekly": 0.45, "monthly": 0.30, "other": 0.15}
C_IN_PERSON = 0.25
C_NEWCOMER = 0.20
C_SMALL_GROUP = 0.10
C_GROUP_UNKNOWN = 0.04

WEIGHTS = {
    "w_distance": W_DISTANCE,
    "w_interest": W_INTEREST,
    "w_text": W_TEXT,
    "w_time": W_TIME,
    "w_connection": W_CONNECTION,
    "distance_scale_km": DISTANCE_SCALE_KM,
    "online_distance": ONLINE_DISTANCE,
    "soon_scale_h": SOON_SCALE_H,
    "undated_timeliness": UNDATED_TIMELINESS,
}


def distance_decay(distance_km: float | None, *, has_place: bool, online: bool = False) -> float:
    """Closeness in [0, 1]: 1 at the spot, 0.5 at DISTANCE_SCALE_KM; ONLINE_DISTANCE for online listings."""
    if not has_place:
        return 0.0
    if distance_km is None:
        return ONLINE_DISTANCE if online else 0.0
    return 1.0 / (1.0 + max(distance_km, 0.0) / DISTANCE_SCALE_KM)


def fraction(matched: int, requested: int) -> float:
    """matched / requested as SQL computes it (times the reciprocal); 0 when nothing was requested."""
    return matched * (1.0 / requested) if requested else 0.0


def timeliness(hours_until_start: float | None) -> float:
    """Soonness in [0, 1]; an undated listing gets UNDATED_TIMELINESS."""
    if hours_until_start is None:
        return UNDATED_TIMELINESS
    return 1.0 / (1.0 + max(hours_until_start, 0.0) / SOON_SCALE_H)


def score(
    *,
    distance_km: float | None,
    has_place: bool,
    online: bool,
    interest_overlap: float,
    text_relevance: float,
    hours_until_start: float | None,
    connection: float,
) -> float:
    """The blended score in [0, 1] (see the module docstring)."""
    return (
        W_DISTANCE * distance_decay(distance_km, has_place=has_place, online=online)
        + W_INTEREST * interest_overlap
        + W_TEXT * text_relevance
        + W_TIME * timeliness(hours_until_start)
        + W_CONNECTION * connection
    )


def connection_potential(*, recurring: str | None, in_person: bool, newcomer: bool, small_group: bool | None) -> float:
    """How likely a listing leads to knowing people, in [0, 1]: regular, in person, welcoming, small."""
    value = C_RECURRING.get(recurring or "", 0.0)
    if in_person:
        value += C_IN_PERSON
    if newcomer:
        value += C_NEWCOMER
    if small_group is None:
        value += C_GROUP_UNKNOWN
    elif small_group:
        value += C_SMALL_GROUP
    return round(min(value, 1.0), 6)


@functools.cache
def connection_levels() -> tuple[float, ...]:
    """Every value `connection_potential` gives, highest first (the levels of the online branch's floor on
    PostgreSQL, `finder.search.sql_online_levels`)."""
    values = {
        connection_potential(recurring=recurring, in_person=in_person, newcomer=newcomer, small_group=small)
        for recurring in (None, *C_RECURRING)
        for in_person in (False, True)
        for newcomer in (False, True)
        for small in (None, False, True)
    }
    return tuple(sorted(values, reverse=True))


_NEWCOMER = re.compile(
    r"\b(?:all(?: are)? welcome|everyone(?: is)? welcome|everybody welcome|(?:beginners?|newcomers?|new members?|"
    r"first[- ]timers?|novices?) (?:are |very )?welcome|welcomes? (?:beginners|newcomers|new members|everyone|all)|"
    r"no (?:previous |prior )?(?:experience|skills?) (?:is |are )?(?:needed|necessary|required)|"
    r"drop[- ]in|orientation (?:is )?provided|training (?:is )?provided|beginner[- ]friendly|open to (?:all|everyone)|"
    r"all (?:ages|levels|abilities) welcome|suitable for beginners|just turn up|come along)\b",
    re.IGNORECASE,
)
_SMALL = re.compile(
    r"\b(?:small group|small class|intimate|limited to \d{1,2}\b|max(?:imum)? (?:of )?\d{1,2} (?:people|participants))",
    re.IGNORECASE,
)
_LARGE = re.compile(r"\b(?:festival|conference|expo|convention|concert|parade|marathon|thousands)\b", re.IGNORECASE)


# The same in German and Spanish ("Alle willkommen", "ohne Vorkenntnisse", "todos bienvenidos", "sin experiencia").
_NEWCOMER_DE_ES = re.compile(
    r"\b(?:alle (?:sind )?(?:herzlich )?willkommen|jede[rs]? (?:ist )?(?:herzlich )?willkommen|"
    r"(?:neue|anfänger(?:innen)?|einsteiger(?:innen)?)(?: \w+)? (?:sind |ist )?(?:herzlich |sehr |immer )?willkommen|"
    r"(?:ohne|keine) vorkenntnisse|einfach vorbeikommen|offen für alle|"
    r"tod[oa]s (?:son |están )?bienvenid[oa]s|abierto a tod[oa]s|sin (?:experiencia|conocimientos) previ[oa]s?|"
    r"sin experiencia|no se (?:necesita|requiere)n? (?:experiencia|conocimientos)|"
    r"(?:principiantes|nuev[oa]s(?: \w+)?) bienvenid[oa]s)\b",
    re.IGNORECASE,
)


def newcomer_signals(text: str) -> bool:
    """Whether the text says newcomers are welcome ("all welcome", "no experience needed", "drop-in", ...), in
    English, German or Spanish."""
    return bool(text) and (_NEWCOMER.search(text) is not None or _NEWCOMER_DE_ES.search(text) is not None)


def small_group_signals(text: str) -> bool | None:
    """True for "small group"-like wording, False for festivals/conferences, None when the text does not say."""
    if not text:
        return None
    if _SMALL.search(text):
        return True
    if _LARGE.search(text):
        return False
    return None


_WEEKLY_TEXT = re.compile(
    r"\b(?:weekly|every week|each week|every (?:mon|tues|wednes|thurs|fri|satur|sun)days?|"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)days|daily|every day|each day|weekdays)\b",
    re.I,
)
_MONTHLY_TEXT = re.compile(
    r"\b(?:monthly|every month|each month|of (?:the|each|every) month|fortnightly|biweekly|"
    r"bi-weekly|every (?:other|second|2nd) week|every (?:first|second|third|fourth|last|1st|2nd|3rd|4th))\b",
    re.I,
)


def recurrence_kind(rrule: str | None, recurrence_text: str) -> str | None:
    """ "weekly" (weekly or more often), "monthly" (fortnightly to monthly), "other" (rarer), or None (one-off)."""
    period_days = rule_period_days(rrule)
    if period_days is not None:
        return _kind_for_period(period_days)
    if recurrence_text:
        if _MONTHLY_TEXT.search(recurrence_text):
            return "monthly"
        if _WEEKLY_TEXT.search(recurrence_text):
            return "weekly"
        return "other"
    return None


def _kind_for_period(period_days: int) -> str:
    if period_days <= 7:
        return "weekly"
    if period_days <= 31:
        return "monthly"
    return "other"
