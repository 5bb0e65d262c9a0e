"""All for Good / Footprint (FPXML) volunteer feeds: one volunteer listing per VolunteerOpportunity.

The first location is the venue; further locations go to `extra["locations"]`. Dated durations become
occurrences, an `iCalRecurrence` is expanded, and open-ended roles carry their commitment in words.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from lxml import etree

from scrapers import register
from scrapers.bare_times import note_bare
from scrapers.base import Adapter, Context, ParseError
from scrapers.hints import valid_point
from scrapers.listing import Listing, Occurrence, Organizer, Venue
from scrapers.recurrence import expand
from scrapers.text import clean_text, description_pair, safe_url, split_categories
from scrapers.times import iso_duration, zone

AUDIENCES = {
    "teens": "teens",
    "kids": "kids",
    "children": "kids",
    "seniors": "seniors",
    "families": "families",
    "groups": "groups",
    "youth": "teens",
    "high school students": "teens",
}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, recover=False, remove_comments=True)


def _text(node, path: str) -> str:
    found = node.find(path) if node is not None else None
    return clean_text(found.text) if found is not None and found.text else ""


def _texts(node, path: str) -> list[str]:
    return [clean_text(n.text) for n in node.findall(path) if n.text and n.text.strip()]


def _location(node) -> tuple[Venue, tuple[float, float] | None]:
    venue = Venue(
        name=_text(node, "name"),
        street=", ".join(p for p in (_text(node, "streetAddress1"), _text(node, "streetAddress2")) if p),
        locality=_text(node, "city"),
        region=_text(node, "region"),
        postcode=_text(node, "postalCode"),
        country=_text(node, "country"),
    )
    return venue, valid_point(_text(node, "latitude") or None, _text(node, "longitude") or None)


def _moment(day: str, clock: str, context: Context) -> datetime | date:
    """A date alone, or an aware datetime ('18:45:00Z' is UTC; bare times use the source's zone)."""
    on = date.fromisoformat(day)
    if not clock:
        return on
    at = time.fromisoformat(clock.removesuffix("Z"))
    tz = UTC if clock.endswith("Z") else (zone(context.timezone) or UTC)
    if not clock.endswith("Z"):
        note_bare(context.timezone if tz is not UTC else None)
    return datetime.combine(on, at, tzinfo=tz)


def _durations(node, context: Context, listing: Listing) -> None:
    """Fill start/end/occurrences/recurrence of `listing` from <dateTimeDurations>."""
    spans, words = [], []
    for duration in node.findall("dateTimeDurations/dateTimeDuration"):
        hours = _text(duration, "commitmentHoursPerWeek")
        if _text(duration, "openEnded").lower() == "yes":
            length = iso_duration(_text(duration, "duration"))
            words.append("ongoing" + (f" for {_describe(length)}" if length else ""))
        if hours:
            words.append(f"{hours} hours a week")
        if not _text(duration, "startDate"):
            continue
        start = _moment(_text(duration, "startDate"), _text(duration, "startTime"), context)
        end_day = _text(duration, "endDate") or _text(duration, "startDate")
        rule = _text(duration, "iCalRecurrence").removeprefix("RRULE:")
        if rule:
            _recurring(listing, start, end_day, duration, rule, context)
            continue
        end = _moment(end_day, _text(duration, "endTime"), context) if _text(duration, "endTime") else None
        if isinstance(start, date) and not isinstance(start, datetime):
            end = date.fromisoformat(end_day) + timedelta(days=1)
        spans.append((start, end))
    listing.recurrence_text = ", ".join(words)
    if spans and listing.start is None:
        spans.sort(key=lambda s: s[0].isoformat())
        listing.start, listing.end = spans[0]
        listing.all_day = not isinstance(listing.start, datetime)
    for start, end in spans:
        if context.in_window(start, end):
            listing.occurrences.append(Occurrence(start, end))


def _recurring(listing: Listing, start, end_day: str, duration, rule: str, context: Context) -> None:
    """A repeating role: RRULE kept (bounded by the duration's endDate) and expanded over the window."""
    all_day = not isinstance(start, datetime)
    first = datetime.combine(start, time(), tzinfo=zone(context.timezone) or UTC) if all_day else start
    end_clock = _text(duration, "endTime")
    if all_day:
        end = first + timedelta(days=1)
    else:
        end = _moment(first.date().isoformat(), end_clock, context) if end_clock else None
    if "UNTIL=" not in rule.upper() and "COUNT=" not in rule.upper():
        rule += ";UNTIL=" + end_day.replace("-", "") + ("" if all_day else "T235959Z")
    expansion = expand(first, end, rule, context.window_start, context.window_end)
    context.problems += [f"opportunity {listing.title[:80]!r}: {why}" for why in expansion.problems]
    listing.recurrence = expansion.rule
    listing.start, listing.all_day = start, all_day
    listing.end = start + timedelta(days=1) if all_day else end
    for occurrence in expansion.occurrences:
        if all_day:
            occurrence = Occurrence(occurrence.start.date(), occurrence.start.date() + timedelta(days=1))
        listing.occurrences.append(occurrence)


def _describe(delta) -> str:
    parts = [(delta.years, "year"), (delta.months, "month"), (delta.days, "day"), (delta.hours, "hour")]
    return " ".join(f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in parts if n)


def build(node, organizations: dict, base: str, context: Context) -> Listing:
    title = _text(node, "title")
    if not title:
        raise ValueError("volunteer opportunity without a title")
    locations = [_location(n) for n in node.findall("locations/location")]
    venue, point = locations[0] if locations else (Venue(), None)
    description, description_html = description_pair(_text(node, "description"))
    audience_tags = _texts(node, "audienceTags/audienceTag")
    min_age = _text(node, "minimumAge")
    sponsor = organizations.get(_text(node, "sponsoringOrganizationID"), {})
    listing = Listing(
        title=title,
        kind="volunteer",
        kind_stated=True,  # a Footprint feed lists volunteer opportunities and nothing else
        description=description,
        description_html=description_html,
        url=safe_url(_text(node, "detailURL"), base),
        organizer=Organizer(name=sponsor.get("name", ""), url=sponsor.get("url", "")),
        venue=venue,
        lat=point[0] if point else None,
        lon=point[1] if point else None,
        online="yes"
        in [_text(node, "virtual").lower()] + [_text(n, "virtual").lower() for n in node.findall("locations/location")],
        audience=list(dict.fromkeys(AUDIENCES[t.lower()] for t in audience_tags if t.lower() in AUDIENCES)),
        min_age=int(min_age) if min_age.isdigit() else None,
        categories=split_categories(_texts(node, "categoryTags/categoryTag")),
        source_key=_text(node, "volunteerOpportunityID") or safe_url(_text(node, "detailURL"), base) or title,
        extra={
            "locations": [v.one_line() for v, _ in locations[1:]],
            "audience_tags": audience_tags,
            "skills": _text(node, "skills"),
            "volunteers_needed": _text(node, "volunteersNeeded"),
            "organization": sponsor,
        },
    )
    _durations(node, context, listing)
    return listing


def _organizations(root, base: str) -> dict[str, dict]:
    found = {}
    for org in root.findall("Organizations/Organization"):
        found[_text(org, "organizationID")] = {
            "name": _text(org, "name"),
            "url": safe_url(_text(org, "organizationURL"), base) or safe_url(_text(org, "detailURL"), base),
            "mission": _text(org, "missionStatement"),
            "logo_url": safe_url(_text(org, "logoURL"), base),
            "donate_url": safe_url(_text(org, "donateURL"), base),
        }
    return found


@register("footprint")
class FootprintAdapter(Adapter):
    """Volunteer opportunities from a Footprint (All for Good) FPXML feed."""

    def parse(self, body: bytes, url: str = "", context: Context | None = None) -> list[Listing]:
        context = context or Context(url=url)
        base = url or context.url
        try:
            root = etree.fromstring(body, parser=_PARSER)
        except etree.XMLSyntaxError as error:
            raise ParseError(f"not XML: {error}") from None
        if etree.QName(root).localname != "FootprintFeed":
            raise ParseError(f"not a Footprint feed (root element <{etree.QName(root).localname}>)")
        organizations = _organizations(root, base)
        items = root.findall("VolunteerOpportunities/VolunteerOpportunity")
        return context.each(items, lambda n: build(n, organizations, base, context), "opportunity")

    @classmethod
    def sniff(cls, body: bytes, url: str) -> bool:
        return b"<FootprintFeed" in body[:4096]
