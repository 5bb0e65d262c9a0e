"""A schema.org Event or Organization node (JSON-LD-shaped dict) -> one Listing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from scrapers.base import Context
from scrapers.listing import Listing, Occurrence
from scrapers.recurrence import expand
from scrapers.schemaorg.fields import (
    all_day_span,
    attendance_of,
    category_of,
    cost_of,
    end_from_duration,
    first,
    keywords_of,
    organizer_of,
    parse_date,
    status_of,
    text_of,
    url_of,
    venue_of,
)
from scrapers.schemaorg.nodes import types_of
from scrapers.schemaorg.schedule import Series, schedule_series, schedule_words
from scrapers.spans import settle_span
from scrapers.text import description_pair, safe_url, split_categories
from scrapers.times import localize


def _description(node: dict) -> tuple[str, str]:
    values = node.get("description")
    values = [v for v in (values if isinstance(values, list) else [values]) if isinstance(v, str)]
    raw = max(values, key=len) if values else ""
    return description_pair(raw.replace("\\n", "\n"))


def _node_key(node: dict, base: str) -> str:
    node_id = node.get("@id")
    if not isinstance(node_id, str) or not node_id or node_id.startswith("_:"):
        return ""
    return safe_url(node_id, base) or node_id


def _times(node: dict, context: Context, title: str):
    """(start, end, IANA zone or None, all_day); ValueError when the start is unreadable."""
    start, zone_name, problem = parse_date(node.get("startDate"), context.timezone)
    if problem:
        raise ValueError(f"{title!r}: startDate {problem.removeprefix('unreadable date ')} is unreadable")
    end, _, end_problem = parse_date(node.get("endDate"), context.timezone)
    if end_problem:
        context.problems.append(f"event {title!r}: endDate {end_problem.removeprefix('unreadable date ')} ignored")
    if context.mapping.get("ignore_offset") and context.timezone:
        if isinstance(start, datetime):
            start, zone_name = localize(start.replace(tzinfo=None), context.timezone)
        if isinstance(end, datetime):
            end, _ = localize(end.replace(tzinfo=None), context.timezone)
    if end is None and isinstance(start, datetime):
        end = end_from_duration(start, node.get("duration"))
    span = all_day_span(start, end)
    if span:
        return span[0], span[1], zone_name, True
    if isinstance(end, date) and not isinstance(end, datetime):
        end = end + timedelta(days=1)  # schema.org's endDate names the last day; a Listing's end is exclusive
    start, end = settle_span(start, end)  # reversed swapped; the start decides all-day (scrapers/spans.py)
    if isinstance(start, date) and not isinstance(start, datetime):
        return start, end, context.timezone, True
    return start, end, zone_name, False


def event_listing(node: dict, base: str, context: Context) -> Listing | None:
    """The listing for an Event node (any subtype); ValueError (recorded as a problem) when unusable."""
    title = text_of(node.get("name")) or text_of(node.get("headline"))
    if not title:
        raise ValueError("event without a name")
    start, end, zone_name, all_day = _times(node, context, title)
    venue, point, online_url = venue_of(node.get("location"), base)
    mode = attendance_of(node.get("eventAttendanceMode"))
    status = status_of(node.get("eventStatus"))
    moved_online = text_of(node.get("eventStatus")).endswith("EventMovedOnline")
    online = mode != "offline" or bool(online_url) or moved_online
    in_person = not venue.is_empty() or point is not None
    kind = "online" if mode == "online" or (online and not in_person) else "event"
    description, description_html = _description(node)
    cost, free = cost_of(node)
    occurrences = context.one_off(start, end, status)
    listing = Listing(
        title=title,
        kind=kind,
        description=description,
        description_html=description_html,
        url=url_of(node.get("url"), base),
        organizer=organizer_of(node.get("organizer"), base),
        venue=venue,
        lat=point[0] if point else None,
        lon=point[1] if point else None,
        online=online,
        online_url=online_url,
        start=start,
        end=end,
        timezone=zone_name,
        all_day=all_day,
        occurrences=occurrences,
        status=status,
        cost=cost,
        free=free,
        categories=split_categories([category_of(t) for t in types_of(node)] + keywords_of(node.get("keywords"))),
        image_url=url_of(node.get("image"), base),
        source_key=_node_key(node, base),
        extra={"schema_type": (types_of(node) or ["Event"])[0]},
    )
    if node.get("eventSchedule") not in (None, "", []):
        _apply_schedule(listing, node["eventSchedule"], context)
    return listing


def _apply_schedule(listing: Listing, schedules, context: Context) -> None:
    """The listing as one series of `eventSchedule`; left as it was when no schedule is usable (problem noted),
    but for a schedule given only in words, kept as its `recurrence_text`."""
    series = schedule_series(schedules, listing.start, listing.end, context, f"event {listing.title!r}")
    if series is None:  # still worth showing when the source says it in words: "Every Tuesday at 7pm"
        listing.recurrence_text = listing.recurrence_text or schedule_words(schedules)
        return
    listing.recurrence, listing.recurrence_text = series.rule, series.text
    listing.start, listing.end, listing.all_day = series.start, series.end, series.all_day
    listing.timezone = series.zone_name
    listing.exdates = [moment.isoformat() for moment in series.exdates]
    status = "cancelled" if listing.status == "cancelled" else "scheduled"
    listing.occurrences = [Occurrence(o.start, o.end, status) for o in _meetings(series, context)]


def _meetings(series: Series, context: Context) -> list[Occurrence]:
    """The series' meetings overlapping the window; all-day ones (dates) expanded as UTC midnights."""
    if not series.all_day:
        expansion = expand(
            series.start, series.end, series.rule, context.window_start, context.window_end, series.exdates
        )
    else:
        expansion = expand(
            _midnight(series.start),
            _midnight(series.end),
            series.rule,
            _midnight(context.window_start),
            _midnight(context.window_end),
            [_midnight(day) for day in series.exdates],
        )
    context.problems += [f"event schedule {series.text!r}: {why}" for why in expansion.problems]
    if not series.all_day:
        return expansion.occurrences
    days = [(o.start.date(), o.end.date()) for o in expansion.occurrences]
    return [Occurrence(s, e) for s, e in days if context.in_window(s, e)]


def _midnight(day: date | datetime) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def club_listing(node: dict, base: str) -> Listing | None:
    """A club listing for an Organization node (NGO, SportsClub, ...); None when it has no name."""
    title = text_of(node.get("name")) or text_of(node.get("legalName"))
    if not title:
        return None
    venue, point, _ = venue_of([node.get("location"), {"address": node.get("address"), "geo": node.get("geo")}], base)
    description, description_html = _description(node)
    url = url_of(node.get("url"), base) or url_of(node.get("sameAs"), base)
    return Listing(
        title=title,
        kind="club",
        description=description,
        description_html=description_html,
        url=url,
        venue=venue,
        lat=point[0] if point else None,
        lon=point[1] if point else None,
        categories=split_categories(keywords_of(node.get("keywords"))),
        image_url=url_of(first(node.get("logo")) or node.get("image"), base),
        source_key=_node_key(node, base) or url or title,
        extra={"schema_type": (types_of(node) or ["Organization"])[0]},
    )
