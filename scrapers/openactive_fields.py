"""One OpenActive opportunity (SessionSeries, ScheduledSession joined to its series, CourseInstance,
Event, legacy RPDE 0.2 `session`) as a Listing.

Pure functions over the item's `data` node (JSON-LD compacted against https://openactive.io/, so
`type`/`id` and `@type`/`@id` both occur). Activities map to our tags through
data/openactive_activities.json (built by scripts/openactive_crosswalk.py from the activity list).
What our Listing has no field for (gender restriction, level, coaching, capacity, leaders, meeting
point, programme, age range, accessibility support) goes into `extra`.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from scrapers.base import Context
from scrapers.hints import access_hints, audience_hints, is_meeting_url
from scrapers.listing import Listing, Occurrence
from scrapers.recurrence import expand_rule, in_window
from scrapers.schemaorg.fields import (
    cost_of,
    end_from_duration,
    first,
    organizer_of,
    parse_date,
    status_of,
    text_of,
    url_of,
    venue_of,
)
from scrapers.schemaorg.schedule import schedule_series
from scrapers.text import description_pair, safe_url

CROSSWALK = Path(__file__).resolve().parent.parent / "data" / "openactive_activities.json"
SESSION_TYPES = {
    "SessionSeries",
    "ScheduledSession",
    "CourseInstance",
    "Event",
    "OnDemandEvent",
    "EventSeries",
    "HeadlineEvent",
    "Course",
    "session",
    "Session",
}
FACILITY_TYPES = {"FacilityUse", "IndividualFacilityUse", "Slot", "FacilityUse.Slot", "facility-use", "slot"}
GENDER = {"femaleonly": "female", "maleonly": "male", "noRestriction": None, "norestriction": None, "mixed": None}


def node_type(node) -> str:
    """'SessionSeries' from {"type": ...} or {"@type": "schema:..."}; '' when absent."""
    if not isinstance(node, dict):
        return ""
    raw = first(node.get("@type") or node.get("type"))
    return str(raw or "").rsplit("/", 1)[-1].rsplit(":", 1)[-1]


def node_id(node) -> str:
    """The node's @id/id (a URL), or the string itself when `node` is a reference."""
    if isinstance(node, str):
        return node.strip()
    if isinstance(node, dict):
        return str(node.get("@id") or node.get("id") or "").strip()
    return ""


@lru_cache(maxsize=2)
def activity_table(path: str = str(CROSSWALK)) -> tuple[dict, dict]:
    """(identifier -> (label, slugs), folded label -> identifier) from the shipped crosswalk."""
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    concepts = {key: (label, tuple(slugs)) for key, (label, slugs) in raw["concepts"].items()}
    by_label = {label.casefold(): key for key, (label, _slugs) in concepts.items()}
    by_label.update((label.casefold(), key) for label, key in raw.get("synonyms", {}).items())
    return concepts, by_label


def activities(value) -> tuple[list[str], list[str]]:
    """(activity labels, tag slugs) of an `activity` value: Concepts with an activity-list id, Concepts
    with only a prefLabel, or bare names (legacy feeds); unknown names are kept as categories."""
    concepts, by_label = activity_table()
    labels, slugs = [], []
    for concept in value if isinstance(value, list) else [value]:
        label = text_of(concept.get("prefLabel")) if isinstance(concept, dict) else text_of(concept)
        key = node_id(concept).rsplit("#", 1)[-1] if isinstance(concept, dict) else ""
        known = concepts.get(key) or concepts.get(by_label.get(label.casefold(), ""))
        if known:
            label = label or known[0]
            slugs.extend(slug for slug in known[1] if slug not in slugs)
        if label and label not in labels:
            labels.append(label)
    return labels, slugs


def _labels(value) -> list[str]:
    """Names of Concepts / strings / URLs (last path part) in a repeated property."""
    found = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, dict):
            text = text_of(item.get("prefLabel") or item.get("name"))
        else:
            text = text_of(item).rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        if text and text not in found:
            found.append(text)
    return found


def _age_range(node: dict) -> tuple[int | None, int | None]:
    age = first(node.get("ageRange"))
    if not isinstance(age, dict):
        return None, None

    def whole(value):
        try:
            number = int(float(value))
        except (TypeError, ValueError):
            return None
        return number if 0 <= number <= 130 else None

    return whole(age.get("minValue")), whole(age.get("maxValue"))


def _merged(session: dict, series: dict | None) -> dict:
    """The session's own properties over its series' (OpenActive's inheritance from superEvent)."""
    if not series:
        return session
    merged = {key: value for key, value in series.items() if key not in ("subEvent", "eventSchedule")}
    merged.update({key: value for key, value in session.items() if value not in (None, "", [], {})})
    return merged


def build_listing(node: dict, series: dict | None, key: str, context: Context) -> Listing | None:
    """The listing of one opportunity (a session joined to `series` when given); None when it has no title."""
    data = _merged(node, series)
    base = context.url
    title = text_of(data.get("name")) or text_of((series or {}).get("name"))
    if not title:
        raise ValueError(f"{node_type(node) or 'item'} without a name (and no series to take one from)")
    text, markup = description_pair(text_of(data.get("description")))
    venue, point, online_url = venue_of(first(data.get("location")) or data.get("location"), base)
    online_url = online_url or (url_of(data.get("virtualLocation"), base) if data.get("virtualLocation") else "")
    labels, slugs = activities(data.get("activity"))
    categories = labels + [c for c in _labels(data.get("category")) if c not in labels]
    offers = dict(data)
    if "offers" not in offers and "offer" in offers:  # legacy RPDE 0.2 feeds say `offer`
        offers["offers"] = offers["offer"]
    cost, free = cost_of(offers)
    min_age, max_age = _age_range(data)
    support = _labels(data.get("accessibilitySupport"))
    access_text = " ".join(support + _labels(data.get("accessibilityInformation")))
    extra = _extra(data, min_age, max_age, support)
    listing = Listing(
        title=title,
        description=text,
        description_html=markup,
        url=url_of(data.get("url"), base) or safe_url(node_id(node)) or safe_url(node_id(series)),
        organizer=organizer_of(data.get("organizer") or data.get("provider"), base),
        venue=venue,
        lat=point[0] if point else None,
        lon=point[1] if point else None,
        online=bool(online_url) and venue.is_empty() and point is None,
        online_url=online_url if is_meeting_url(online_url) or venue.is_empty() else "",
        status=status_of(data.get("eventStatus")),
        cost=cost,
        free=free,
        audience=audience_hints(text_of(data.get("ageRestriction")), min_age, max_age),
        accessibility=[slug for slug in access_hints(access_text) if slug],
        min_age=min_age,
        categories=categories,
        tags=slugs + (["women"] if extra.get("gender_restriction") == "female" else []),
        image_url=url_of(data.get("image"), base),
        source_key=key,
        extra=extra,
    )
    _when(listing, node, data, series, context)
    return listing


def _extra(data: dict, min_age, max_age, support: list[str]) -> dict:
    extra: dict = {}
    gender = text_of(data.get("genderRestriction")).rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    if GENDER.get(gender.casefold(), gender.casefold()):
        extra["gender_restriction"] = GENDER.get(gender.casefold(), gender.casefold())
    if min_age is not None or max_age is not None:
        extra["age_range"] = [min_age, max_age]
    if support:
        extra["accessibility_support"] = support
    level = _labels(data.get("level"))
    if level:
        extra["level"] = level
    if isinstance(data.get("isCoached"), bool):
        extra["coached"] = data["isCoached"]
    for name, field in (("maximumAttendeeCapacity", "capacity"), ("remainingAttendeeCapacity", "places_left")):
        value = data.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            extra[field] = value
    leaders = [text_of(p.get("name")) for p in _list(data.get("leader")) if isinstance(p, dict) and p.get("name")]
    if leaders:
        extra["leaders"] = leaders
    meeting = text_of(data.get("meetingPoint"))
    if meeting:
        extra["meeting_point"] = meeting
    programme = first(data.get("programme"))
    name = text_of(programme.get("name")) if isinstance(programme, dict) else text_of(programme)
    if name:
        extra["programme"] = name
    return extra


def _list(value) -> list:
    return value if isinstance(value, list) else [] if value is None else [value]


def _when(listing: Listing, node: dict, data: dict, series: dict | None, context: Context) -> None:
    """Start, end and occurrences: the session's own dates, else the series' schedule, else its subEvents."""
    start, zone_name, problem = parse_date(node.get("startDate"), context.timezone)  # never the series' dates
    if start is None and not series and node_type(node) != "ScheduledSession":
        sub = _next_sub_event(data, context)
        if sub is not None:
            start, zone_name, problem = parse_date(sub.get("startDate"), context.timezone)
            node = sub
    if problem:
        context.problems.append(f"{listing.title[:60]}: {problem}")
    end, _zone, _problem = parse_date(node.get("endDate"), context.timezone)
    if start is not None and end is None:
        end = end_from_duration(start, node.get("duration") or data.get("duration"))
    if isinstance(start, datetime) and not isinstance(end, datetime):
        end = None
    if start is None and data.get("eventSchedule") and not series:
        found = schedule_series(_weekly(data["eventSchedule"]), None, None, context, listing.title[:60])
        if found is not None:
            listing.recurrence, listing.recurrence_text = found.rule, found.text
            listing.exdates = [e.isoformat() for e in found.exdates]
            start, end, zone_name, listing.all_day = found.start, found.end, found.zone_name, found.all_day
            if isinstance(start, datetime):
                listing.occurrences = expand_rule(
                    start, end, found.rule, context.window_start, context.window_end, found.exdates
                )
    listing.start, listing.end, listing.timezone = start, end, zone_name
    listing.all_day = listing.all_day or (isinstance(start, date) and not isinstance(start, datetime))
    if (
        listing.recurrence is None
        and start is not None
        and in_window(start, context.window_start, context.window_end, end)
    ):
        listing.occurrences = [
            Occurrence(start=start, end=end, status="cancelled" if listing.status == "cancelled" else "scheduled")
        ]


def _weekly(value):
    """OpenActive PartialSchedules give `byDay` without `repeatFrequency`: weekly on those days."""
    schedules = []
    for schedule in value if isinstance(value, list) else [value]:
        if isinstance(schedule, dict) and schedule.get("byDay") and not schedule.get("repeatFrequency"):
            schedule = {**schedule, "repeatFrequency": "P1W"}
        schedules.append(schedule)
    return schedules


def _next_sub_event(data: dict, context: Context) -> dict | None:
    """The first subEvent (legacy sessions list their meetings there) starting in the window, else the first."""
    subs = [sub for sub in _list(data.get("subEvent")) if isinstance(sub, dict) and sub.get("startDate")]
    for sub in subs:
        moment, _zone, _problem = parse_date(sub.get("startDate"), context.timezone)
        if moment is not None and in_window(moment, context.window_start, context.window_end):
            return sub
    return subs[0] if subs else None
