"""Demo sources in the JSON API formats: TEC (The Events Calendar), Gancio, Overpass, HSDS and Socrata."""

from __future__ import annotations

import html
import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from finder.demo.build import CLUB_PLACES, SERVICES, place, slugify
from finder.demo.content import ACTIVITIES, CITIES, VOLUNTEER_ROLES

GANCIO_EVENTS = [
    (
        "Sprachcafé Deutsch–Englisch",
        ["sprachen", "languages"],
        18,
        120,
        "Deutsch und Englisch üben bei Tee und Kuchen. Alle willkommen.",
    ),
    (
        "Offene Werkstatt: Fahrräder reparieren",
        ["fahrrad", "repair"],
        16,
        180,
        "Werkzeug und Hilfe für dein Fahrrad. Kostenlos, Spenden willkommen.",
    ),
    (
        "Nachbarschaftschor",
        ["musik", "chor"],
        19,
        90,
        "Wir singen zusammen, ohne Vorkenntnisse. Neue Stimmen sind willkommen.",
    ),
    ("Spieleabend im Kiez", ["spiele", "games"], 19, 180, "Brettspiele und neue Leute. Einfach vorbeikommen."),
    (
        "Gemeinschaftsgarten Arbeitseinsatz",
        ["garten", "umwelt"],
        10,
        180,
        "Beete anlegen und ernten. Handschuhe sind da.",
    ),
    ("Lesekreis am Kanal", ["bücher", "lesen"], 19, 90, "Ein Buch im Monat, gemütliche Runde. Neue Leser willkommen."),
]


def tec_json(city: dict, anchor: date) -> str:
    tz = ZoneInfo(city["tz"])
    events = []
    for n, (title, text, cats) in enumerate(VOLUNTEER_ROLES * 2):
        day = anchor + timedelta(days=3 + 6 * n)
        start = datetime(day.year, day.month, day.day, 10 + n % 3 * 3, 0, tzinfo=tz)
        end = start + timedelta(hours=3)
        where = place(city, n)
        utc = start.astimezone(ZoneInfo("UTC"))
        events.append(
            {
                "id": 5000 + n,
                "global_id": f"volunteer.demo.kindred.invalid?id={5000 + n}",
                "url": f"https://volunteer.demo.kindred.invalid/event/{slugify(title)}-{n}/",
                "title": f"{title} — information session" if n >= len(VOLUNTEER_ROLES) else title,
                "description": f"<p>{html.escape(text)}</p><p>No experience needed.</p>",
                "all_day": False,
                "start_date": start.strftime("%Y-%m-%d %H:%M:%S"),
                "end_date": end.strftime("%Y-%m-%d %H:%M:%S"),
                "utc_start_date": utc.strftime("%Y-%m-%d %H:%M:%S"),
                "utc_end_date": end.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%d %H:%M:%S"),
                "timezone": city["tz"],
                "cost": "Free",
                "image": False,
                "categories": [{"name": c, "slug": slugify(c)} for c in ["Volunteering", *cats]],
                "venue": {
                    "venue": f"{where['hood']} Volunteer Centre",
                    "address": where["street"],
                    "city": city["name"],
                    "zip": city["postcode"],
                    "country": city["country"],
                    "geo_lat": where["lat"],
                    "geo_lng": where["lon"],
                },
                "organizer": [
                    {"organizer": f"{city['name']} Volunteer Hub", "website": "https://volunteer.demo.kindred.invalid/"}
                ],
            }
        )
    return json.dumps(
        {
            "events": events,
            "total": len(events),
            "total_pages": 1,
            "rest_url": "https://volunteer.demo.kindred.invalid/wp-json/tribe/events/v1/events",
        },
        indent=1,
    )


def gancio_json(city: dict, anchor: date) -> str:
    tz = ZoneInfo(city["tz"])
    out = []
    for n, (title, tags, hour, minutes, text) in enumerate(GANCIO_EVENTS * 2):
        day = anchor + timedelta(days=2 + 7 * n)
        start = datetime(day.year, day.month, day.day, hour, 0, tzinfo=tz)
        where = place(city, n)
        out.append(
            {
                "id": 300 + n,
                "title": title,
                "slug": f"{slugify(title)}-{n}",
                "description": f"<p>{html.escape(text)}</p>",
                "start_datetime": int(start.timestamp()),
                "end_datetime": int((start + timedelta(minutes=minutes)).timestamp()),
                "media": [],
                "online_locations": [],
                "tags": tags,
                "apUserApId": None,
                "ap_user": None,
                "place": {
                    "id": 10 + n % 6,
                    "name": f"Kiezladen {where['hood']}",
                    "address": f"{where['street']}, {city['postcode']} {city['name']}",
                    "latitude": where["lat"],
                    "longitude": where["lon"],
                },
            }
        )
    return json.dumps(out, ensure_ascii=False, indent=1)


def overpass_json() -> str:
    elements = []
    for c, city in enumerate(CITIES):
        for n, (label, tags) in enumerate(CLUB_PLACES):
            where = place(city, n + 1)
            element = {"type": "node" if n % 2 == 0 else "way", "id": 900000 + c * 10 + n}
            osm_tags = {
                "name": f"{where['hood']} {label}",
                **tags,
                "addr:street": where["street"],
                "addr:city": city["name"],
                "addr:country": city["country"],
                "website": f"https://demo.kindred.invalid/{city['slug']}/{slugify(label)}",
            }
            if n % 2 == 0:
                element.update(lat=where["lat"], lon=where["lon"])
                osm_tags["wheelchair"] = "yes"
            else:
                element["center"] = {"lat": where["lat"], "lon": where["lon"]}
                osm_tags["opening_hours"] = "Tu,Th 18:00-22:00"
            element["tags"] = osm_tags
            elements.append(element)
    return json.dumps(
        {
            "version": 0.6,
            "generator": "Kindred demo",
            "osm3s": {
                "copyright": "The data included in this document is from www.openstreetmap.org. "
                "The data is made available under ODbL."
            },
            "elements": elements,
        },
        ensure_ascii=False,
        indent=1,
    )


def hsds_json(cities: list[dict]) -> str:
    contents = []
    for city in cities:
        for n, (name, text, days, opens, closes) in enumerate(SERVICES):
            where = place(city, n)
            contents.append(
                {
                    "id": f"{city['slug']}-{slugify(name)}",
                    "name": f"{where['hood']} {name}",
                    "description": text,
                    "url": f"https://services.demo.kindred.invalid/{city['slug']}/{slugify(name)}",
                    "status": "active",
                    "organization": {"id": f"{city['slug']}-council", "name": f"{city['name']} Community Services"},
                    "cost_options": [{"amount": 0, "option": "Free"}],
                    "schedules": [
                        {
                            "freq": "WEEKLY",
                            "byday": days,
                            "opens_at": opens,
                            "closes_at": closes,
                            "description": f"{days.replace(',', ', ')} {opens}–{closes}",
                        }
                    ],
                    "service_at_locations": [
                        {
                            "location": {
                                "name": f"{where['hood']} Hub",
                                "latitude": where["lat"],
                                "longitude": where["lon"],
                                "addresses": [
                                    {
                                        "address_1": where["street"],
                                        "city": city["name"],
                                        "state_province": city["region"],
                                        "postal_code": city["postcode"],
                                        "country": city["country"],
                                        "address_type": "physical",
                                    }
                                ],
                            }
                        }
                    ],
                }
            )
    return json.dumps(
        {
            "total_items": len(contents),
            "total_pages": 1,
            "page_number": 1,
            "size": len(contents),
            "first_page": True,
            "last_page": True,
            "empty": False,
            "contents": contents,
        },
        ensure_ascii=False,
        indent=1,
    )


def socrata_json(city: dict, anchor: date) -> str:
    rows = []
    for n, (title, _kind, cats, _rule, _hour, _minutes, text) in enumerate(
        a for a in ACTIVITIES if a[1] == "volunteer"
    ):
        where = place(city, n)
        start = anchor - timedelta(days=30 + n)
        row = {
            "opportunity_id": str(7000 + n),
            "title": title,
            "summary": text,
            "org_title": f"{where['hood']} Neighbours",
            "category_desc": cats[0],
            "display_url": f"/opportunities/{7000 + n}",
            "recurrence_type": "ongoing",
            "start_date_date": start.strftime("%B %d %Y"),
            "postalcode": city["postcode"],
            "region": city["region"],
            "locality_city": city["name"],
            "vol_requests": str(2 + n % 5),
        }
        if n % 3:
            row.update(latitude=str(where["lat"]), longitude=str(where["lon"]))
        rows.append(row)
    return json.dumps(rows, indent=1)
