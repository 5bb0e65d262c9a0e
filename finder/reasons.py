"""Why a listing suits a search: `Reason` values from stored fields and their English words (pure, stdlib only)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from finder.geo.math import km_to_miles
from finder.schedules import schedule_of, schedule_words

KIND_LABELS = {
    "club": "Club",
    "volunteer": "Volunteering",
    "event": "Event",
    "online": "Online community",
    "service": "Community service",
}
MAX_REASONS = 4


@dataclass(frozen=True)
class Reason:
    """Why a listing suits a search, as a value: a `code` and its `params`; words only at the edge.

    Codes and params: `meets` {schedule: finder.schedules.Schedule}, `next_on` {when: local datetime},
    `ongoing`, `online`, `in_place` {place}, `distance` {km, unit ("km"/"mi")}, `matches_interest` {slug, label},
    `newcomer`, `free`, `wheelchair`, `kind` {kind}, `in_person`, `from_home`.
    `english(reason)` gives the API's words; the site puts the same value in the visitor's language."""

    code: str
    params: dict = field(default_factory=dict, hash=False)

    def __getitem__(self, name: str):
        return self.params[name]


def distance_phrase(distance_km: float, unit: str = "km") -> str:
    value = km_to_miles(distance_km) if unit == "mi" else distance_km
    if value < 0.1:
        return "Right here"
    return f"{value:.1f} {unit} away" if value < 10 else f"{round(value)} {unit} away"


_ENGLISH = {
    "ongoing": "Ongoing",
    "online": "Online",
    "newcomer": "Newcomer-friendly",
    "free": "Free",
    "wheelchair": "Wheelchair accessible",
    "in_person": "In person",
    "from_home": "Join from home",
}


def english(reason: Reason) -> str:
    """The reason in the API's English words (DESIGN's contract: `reasons: [str]`)."""
    code = reason.code
    if code in _ENGLISH:
        return _ENGLISH[code]
    if code == "meets":
        return schedule_words(reason["schedule"])
    if code == "next_on":
        return "Next on " + reason["when"].strftime("%a %d %b, %H:%M").replace(" 0", " ")
    if code == "in_place":
        return f"In {reason['place']}"
    if code == "distance":
        return distance_phrase(reason["km"], reason["unit"])
    if code == "matches_interest":
        return "Matches " + reason["label"]
    if code == "kind":
        return KIND_LABELS.get(reason["kind"], reason["kind"].title())
    raise ValueError(f"unknown reason code {code!r}")


def reasons(
    *,
    kind: str,
    rrule: str | None = None,
    recurrence_text: str = "",
    next_start_local: datetime | None = None,
    distance_km: float | None = None,
    online: bool = False,
    matched_interests: Sequence[tuple[str, str]] = (),
    newcomer: bool = False,
    free: bool | None = None,
    wheelchair: bool = False,
    unit: str = "km",
    approximate_place: str | None = None,
    ongoing: bool = False,
) -> list[Reason]:
    """At least two short reasons from stored fields, most telling first (at most MAX_REASONS).

    `matched_interests`: (slug, label) of the requested interests the listing carries;
    `approximate_place`: the town of a listing placed only by its town (no street-level position);
    `ongoing`: a standing opportunity with no date to come (finder.ongoing), said "Ongoing"."""
    found = []
    schedule = schedule_of(rrule, recurrence_text)
    if schedule is not None:
        found.append(Reason("meets", {"schedule": schedule}))
    elif next_start_local is not None:
        found.append(Reason("next_on", {"when": next_start_local}))
    elif ongoing:
        found.append(Reason("ongoing"))
    if online:
        found.append(Reason("online"))
    elif approximate_place:
        found.append(Reason("in_place", {"place": approximate_place}))  # placed by its town: a distance would mislead
    elif distance_km is not None:
        found.append(Reason("distance", {"km": distance_km, "unit": unit}))
    found.extend(Reason("matches_interest", {"slug": slug, "label": label}) for slug, label in matched_interests[:2])
    if newcomer:
        found.append(Reason("newcomer"))
    if free:
        found.append(Reason("free"))
    if wheelchair:
        found.append(Reason("wheelchair"))
    found = found[:MAX_REASONS]
    for filler in (Reason("kind", {"kind": kind}), Reason("from_home" if online else "in_person")):
        if len(found) >= 2:
            break
        if filler not in found:
            found.append(filler)
    return found
