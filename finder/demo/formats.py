"""Demo sources as web pages and feeds: schema.org JSON-LD pages and the online gatherings' calendar."""

from __future__ import annotations

import html
import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from finder.demo.build import one_offs, place, slugify
from finder.demo.content import ONLINE

PAGE_EVENTS = [
    (
        "Pottery Taster Evening",
        ["Crafts", "Arts"],
        19,
        120,
        "Two hours on the wheel with a patient teacher. All materials included; $25.",
    ),
    ("Sunset Beach Clean", ["Environment"], 17, 90, "Bags, gloves and a crew who'll show you the best spots. Free."),
    (
        "Trivia Night for Newcomers",
        ["Games", "Social"],
        19,
        150,
        "Teams are made at the door, so come alone. Free entry.",
    ),
    ("Community Choir Open Rehearsal", ["Music"], 18, 90, "Sit in on a rehearsal and sing if you like. No audition."),
    ("Intro to Urban Sketching", ["Arts"], 10, 150, "Pens, paper and a walk; a tutor gives tips at each stop. Free."),
    (
        "Mental Health First Aid Taster",
        ["Health", "Education"],
        18,
        120,
        "Learn how to start a kind conversation. Free, booking advised.",
    ),
    (
        "Tree Planting Day",
        ["Environment", "Volunteering"],
        9,
        240,
        "Plant native trees with the parks team. Tools provided; families welcome.",
    ),
    ("Seniors' Tech Café", ["Seniors", "Tech"], 10, 120, "Bring a device and a question; volunteers help. Free tea."),
]


def jsonld_page(city: dict, anchor: date) -> str:
    """A city events page with schema.org JSON-LD events; one duplicates a calendar entry."""
    tz = ZoneInfo(city["tz"])
    items = []
    for n, (title, cats, hour, minutes, text) in enumerate(PAGE_EVENTS):
        day = anchor + timedelta(days=5 + 9 * n)
        start = datetime(day.year, day.month, day.day, hour, 0, tzinfo=tz)
        where = place(city, n + 2)
        items.append(event_jsonld(title, text, start, start + timedelta(minutes=minutes), where, city, cats, n))
    duplicate = one_offs(city, anchor)[1]
    items.append(
        event_jsonld(
            duplicate["title"],
            duplicate["text"],
            duplicate["start"],
            duplicate["end"],
            duplicate["place"],
            city,
            duplicate["categories"],
            99,
        )
    )
    items.append(
        {
            "@type": "SportsClub",
            "name": f"{city['name']} Walking Football Club",
            "description": "Football at walking pace for over-50s and anyone returning from injury. "
            "Weekly, all welcome.",
            "url": f"https://demo.kindred.invalid/{city['slug']}/walking-football",
            "address": {
                "@type": "PostalAddress",
                "streetAddress": place(city, 5)["street"],
                "addressLocality": city["name"],
                "addressCountry": city["country"],
            },
            "geo": {"@type": "GeoCoordinates", "latitude": place(city, 5)["lat"], "longitude": place(city, 5)["lon"]},
        }
    )
    body = json.dumps({"@context": "https://schema.org", "@graph": items}, ensure_ascii=False, indent=1)
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>What\'s on in {html.escape(city["name"])}'
        f'</title>\n<script type="application/ld+json">\n{body}\n</script></head>\n<body><h1>What\'s on in '
        f"{html.escape(city['name'])}</h1><p>Community events, updated weekly.</p></body></html>\n"
    )


def event_jsonld(title, text, start, end, where, city, cats, n) -> dict:
    free = "Free" in text or "free" in text
    return {
        "@type": "Event",
        "name": title,
        "description": text,
        "startDate": start.isoformat(),
        "endDate": end.isoformat(),
        "url": f"https://demo.kindred.invalid/{city['slug']}/events/{slugify(title)}",
        "eventStatus": "https://schema.org/EventScheduled",
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "keywords": ", ".join(cats),
        "location": {
            "@type": "Place",
            "name": f"{where['hood']} Square",
            "address": {
                "@type": "PostalAddress",
                "streetAddress": where["street"],
                "addressLocality": city["name"],
                "addressRegion": city["region"],
                "addressCountry": city["country"],
            },
            "geo": {"@type": "GeoCoordinates", "latitude": where["lat"], "longitude": where["lon"]},
        },
        "organizer": {
            "@type": "Organization",
            "name": f"{city['name']} Neighbours Network",
            "url": f"https://demo.kindred.invalid/{city['slug']}",
        },
        "offers": {"@type": "Offer", "price": "0" if free else "25", "priceCurrency": "USD"},
        "isAccessibleForFree": free,
    }


def online_page() -> str:
    items = []
    for title, _kind, cats, rule, _hour, _minutes, text in ONLINE:
        url = f"https://demo.kindred.invalid/online/{slugify(title)}"
        if rule is None:
            items.append(
                {"@type": "Organization", "name": title, "description": text, "url": url, "keywords": ", ".join(cats)}
            )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Online communities</title>\n'
        f'<script type="application/ld+json">{json.dumps(items, indent=1)}</script></head><body></body></html>\n'
    )


def online_ics(anchor: date) -> str:
    from finder.demo.build import first_start, fold, ics_escape, ics_time

    tz = ZoneInfo("UTC")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Kindred demo//EN", "X-WR-CALNAME:Online gatherings"]
    for title, _kind, cats, rule, hour, minutes, text in ONLINE:
        if rule is None:
            continue
        start = first_start(anchor, rule, hour, tz)
        lines += [
            "BEGIN:VEVENT",
            f"UID:online-{slugify(title)}@demo.kindred",
            f"SUMMARY:{ics_escape(title)}",
            f"DTSTART:{ics_time(start)}Z",
            f"DTEND:{ics_time(start + timedelta(minutes=minutes))}Z",
            f"RRULE:{rule}",
            f"DESCRIPTION:{ics_escape(text)}",
            f"CATEGORIES:{','.join(ics_escape(c) for c in cats)}",
            f"CONFERENCE;VALUE=URI;FEATURE=VIDEO:https://meet.demo.kindred.invalid/{slugify(title)}",
            f"URL:https://demo.kindred.invalid/online/{slugify(title)}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(fold(line) for line in lines) + "\r\n"
