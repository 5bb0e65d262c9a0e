"""The demo's calendars in the real formats our adapters read, dated around an anchor day.

Deterministic for a given anchor (`finder demo load` passes today): series start on their own weekday
four weeks before the anchor's week and keep going; one-off events fall in the weeks after it. Every
item's UID is free of dates, so loading on a later day moves the same listings rather than adding new ones.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar

from finder.demo.content import ACTIVITIES, CITIES

PER_CITY_SERIES = 38  # every activity, each city in its own neighbourhoods
DAY_CODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
CLUB_PLACES = [
    ("Chess Club", {"club": "chess"}),
    ("Community Centre", {"amenity": "community_centre"}),
    ("Hackerspace", {"leisure": "hackerspace"}),
    ("Rowing Club", {"club": "sport", "sport": "rowing"}),
    ("Social Club", {"amenity": "social_centre"}),
]
SERVICES = [
    (
        "Community Pantry",
        "Free groceries for anyone who needs them; no referral, no questions.",
        "MO,WE,FR",
        "10:00",
        "14:00",
    ),
    (
        "Drop-in Advice Centre",
        "Help with benefits, housing forms and letters, from trained volunteers.",
        "TU,TH",
        "09:30",
        "16:00",
    ),
    (
        "Warm Space Lounge",
        "A heated room with tea, newspapers and company through the winter.",
        "MO,TU,WE,TH,FR",
        "11:00",
        "17:00",
    ),
    (
        "Befriending Phone Line",
        "Regular friendly phone calls for people who live alone.",
        "MO,TU,WE,TH,FR",
        "09:00",
        "20:00",
    ),
    ("Men's Health Walk and Talk", "A short walk with a trained peer listener.", "SA", "10:00", "11:30"),
    (
        "Digital Help Desk",
        "Bring your phone or laptop and get patient help with email and video calls.",
        "WE",
        "13:00",
        "16:00",
    ),
    ("Community Fridge", "Share surplus food; take what you need.", "MO,TU,WE,TH,FR,SA,SU", "08:00", "20:00"),
    ("Carers' Drop-in", "Information and a friendly cup of tea for unpaid carers.", "TH", "10:00", "12:00"),
]


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def monday_before(day: date) -> date:
    return day - timedelta(days=day.weekday())


def place(city: dict, index: int) -> dict:
    hood, dlat, dlon = city["hoods"][index % len(city["hoods"])]
    jitter = ((index * 37) % 11 - 5) * 0.0009
    return {
        "hood": hood,
        "lat": round(city["lat"] + dlat + jitter, 5),
        "lon": round(city["lon"] + dlon - jitter, 5),
        "street": f"{10 + index * 7} {hood} Road"
        if city["country"] in ("US", "GB", "CA", "AU", "KE")
        else f"{hood} {3 + index}",
    }


def first_start(anchor: date, rule: str, hour: int, tz: ZoneInfo) -> datetime:
    """A DTSTART a few weeks before the anchor on the rule's first weekday."""
    match = re.search(r"BYDAY=-?\d?([A-Z]{2})", rule)
    weekday = DAY_CODES.index(match.group(1)) if match else 0
    day = monday_before(anchor) - timedelta(weeks=4) + timedelta(days=weekday)
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=tz)


def ics_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def ics_time(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S")


def one_offs(city: dict, anchor: date) -> list[dict]:
    """Two dated events per city, the second also published on the city's events page (a duplicate)."""
    tz = ZoneInfo(city["tz"])
    base = anchor + timedelta(days=10 + len(city["slug"]) % 5)
    events = [
        (
            "Winter Lantern Walk",
            ["Community", "Outdoors"],
            17,
            120,
            2,
            "Make a paper lantern, then walk it through the neighbourhood with music. Families welcome, free.",
        ),
        (
            "Volunteer Fair",
            ["Volunteering"],
            11,
            240,
            4,
            "Meet thirty local groups looking for volunteers and find one that fits your week. Drop in any time.",
        ),
    ]
    out = []
    for n, (title, cats, hour, minutes, hood, text) in enumerate(events):
        day = base + timedelta(days=21 * n)
        start = datetime(day.year, day.month, day.day, hour, 0, tzinfo=tz)
        out.append(
            dict(
                title=f"{city['name']} {title}",
                categories=cats,
                start=start,
                end=start + timedelta(minutes=minutes),
                place=place(city, hood),
                text=text,
                uid=f"{city['slug']}-once-{slugify(title)}@demo.kindred",
            )
        )
    return out


def city_ics(city: dict, anchor: date) -> str:
    tz = ZoneInfo(city["tz"])
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Kindred demo//EN",
        f"X-WR-CALNAME:{city['name']} Community Calendar",
        f"X-WR-TIMEZONE:{city['tz']}",
    ]
    offset = CITIES.index(city) * 3
    for n in range(PER_CITY_SERIES):
        title, kind, cats, rule, hour, minutes, text = ACTIVITIES[(offset + n) % len(ACTIVITIES)]
        start = first_start(anchor, rule, hour, tz)
        where = place(city, n)
        uid = f"{city['slug']}-{slugify(title)}@demo.kindred"
        lines += [
            "BEGIN:VEVENT",
            f"UID:{uid}",
            f"SUMMARY:{ics_escape(title)}",
            f"DTSTART;TZID={city['tz']}:{ics_time(start)}",
            f"DTEND;TZID={city['tz']}:{ics_time(start + timedelta(minutes=minutes))}",
            f"RRULE:{rule}",
            f"DESCRIPTION:{ics_escape(text)}",
            f"CATEGORIES:{','.join(ics_escape(c) for c in cats)}",
            f"URL:https://demo.kindred.invalid/{city['slug']}/{slugify(title)}",
            f"ORGANIZER;CN={ics_escape(where['hood'] + ' ' + title)}:mailto:hello@demo.kindred.invalid",
        ]
        if n % 4 == 3:  # address only: the geocoder places it
            lines.append(f"LOCATION:{ics_escape(', '.join([where['street'], city['name'], city['postcode']]))}")
        else:
            lines.append(
                f"LOCATION:{ics_escape(where['hood'] + ' Community Hall, ' + where['street'] + ', ' + city['name'])}"
            )
            lines.append(f"GEO:{where['lat']};{where['lon']}")
        lines.append("END:VEVENT")
        if n == 0:  # one cancelled instance of the first series
            cancelled = start + timedelta(weeks=5)
            lines += [
                "BEGIN:VEVENT",
                f"UID:{uid}",
                f"RECURRENCE-ID;TZID={city['tz']}:{ics_time(cancelled)}",
                f"SUMMARY:{ics_escape(title)} (cancelled this week)",
                f"DTSTART;TZID={city['tz']}:{ics_time(cancelled)}",
                f"DTEND;TZID={city['tz']}:{ics_time(cancelled + timedelta(minutes=minutes))}",
                "STATUS:CANCELLED",
                "END:VEVENT",
            ]
    for event in one_offs(city, anchor):
        where = event["place"]
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event['uid']}",
            f"SUMMARY:{ics_escape(event['title'])}",
            f"DTSTART;TZID={city['tz']}:{ics_time(event['start'])}",
            f"DTEND;TZID={city['tz']}:{ics_time(event['end'])}",
            f"DESCRIPTION:{ics_escape(event['text'])}",
            f"CATEGORIES:{','.join(event['categories'])}",
            f"LOCATION:{ics_escape(where['hood'] + ' Square, ' + city['name'])}",
            f"GEO:{where['lat']};{where['lon']}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return with_timezones("\r\n".join(fold(line) for line in lines) + "\r\n")


def with_timezones(text: str) -> str:
    """The calendar with a VTIMEZONE for every TZID it uses, as real exports carry (what icalendar's
    `add_missing_timezones` adds, in its place, with each zone's component made once per process)."""
    calendar = icalendar.Calendar.from_ical(text)
    at = len(calendar.timezones)
    for tzid in calendar.get_missing_tzids():
        try:
            timezone = vtimezone(tzid)
        except ValueError:  # a zone icalendar does not know gets none, as there
            continue
        calendar.subcomponents.insert(at, timezone)
        at += 1
    return calendar.to_ical().decode()


@functools.cache
def vtimezone(tzid: str) -> icalendar.Timezone:
    """The VTIMEZONE of `tzid` over icalendar's default span (1970-2038), whatever the calendar's dates: one
    takes 0.1-0.5 s to work out ("Please cache the results", icalendar says), and every demo build needs
    one per city. Only read afterwards (serialised into each calendar), so calendars share it."""
    return icalendar.Timezone.from_tzid(tzid)


def fold(line: str) -> str:
    """RFC 5545 folding at 75 octets."""
    raw = line.encode()
    if len(raw) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > (75 if not parts else 74):
            parts.append(current.decode())
            current = b""
        current += encoded
    parts.append(current.decode())
    return "\r\n ".join(parts)
