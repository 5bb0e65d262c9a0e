"""Building "service" listings from HSDS 3 objects and legacy Ohana/211 locations."""

from __future__ import annotations

import re

from scrapers.base import Context
from scrapers.hints import access_hints, audience_hints, valid_point
from scrapers.hsds.schedule import dated_series, schedule_text
from scrapers.listing import Listing, Organizer, Venue
from scrapers.text import clean_text, description_pair, safe_url, split_categories

_FREE = re.compile(r"\bfree\b|\bno (?:fee|charge|cost)|^none\b", re.IGNORECASE)
STATUSES = {"inactive": "cancelled", "defunct": "cancelled", "temporarily closed": "postponed"}


def _int(value) -> int | None:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def _names(items) -> list[str]:
    return split_categories([i.get("name") if isinstance(i, dict) else i for i in items or [] if i])


def _venue(location: dict) -> Venue:
    addresses = [a for a in location.get("addresses") or [] if isinstance(a, dict)]
    address = next((a for a in addresses if a.get("address_type") == "physical"), addresses[0] if addresses else {})
    return Venue(
        name=clean_text(location.get("name")),
        street=clean_text(address.get("address_1")),
        locality=clean_text(address.get("city")),
        region=clean_text(address.get("state_province") or address.get("region")),
        postcode=clean_text(address.get("postal_code")),
        country=clean_text(address.get("country")),
    )


def _point(location: dict, label: str, context: Context) -> tuple[float, float] | None:
    lat, lon = location.get("latitude"), location.get("longitude")
    point = valid_point(lat, lon)
    if point is None and lat not in (None, "") and lon not in (None, ""):
        context.problems.append(f"{label}: coordinates ({lat}, {lon}) out of range, dropped")
    return point


def _cost(service: dict) -> tuple[str, bool | None]:
    options = [o for o in service.get("cost_options") or [] if isinstance(o, dict)]
    words, amounts = [], []
    for option in options:
        amount = option.get("amount")
        amounts.append(float(amount) if _int(amount) is not None else None)
        price = f"{str(option.get('currency') or '').upper()} {amount}".strip() if amount not in (None, "") else ""
        detail = " ".join(clean_text(option.get(k)) for k in ("amount_description",) if option.get(k))
        who = f"({clean_text(option['option'])})" if option.get("option") else ""
        words.append(" ".join(part for part in (price, detail, who) if part))
    fees = clean_text(service.get("fees_description") or service.get("fees"))
    text = "; ".join(w for w in words if w) or fees
    if any(a == 0 for a in amounts) or _FREE.search(fees):
        return text, True
    if amounts and all(a is not None and a > 0 for a in amounts):
        return text, False
    return text, None


def _schedules(service: dict, links: list[dict], location: dict) -> list[dict]:
    found, seen = [], set()
    for holder in [service, *links, location]:
        for schedule in holder.get("schedules") or []:
            key = schedule.get("id") or id(schedule)
            if isinstance(schedule, dict) and key not in seen:
                seen.add(key)
                found.append(schedule)
    return found


def apply_schedules(listing: Listing, schedules: list[dict], context: Context) -> None:
    """Recurrence from the first dated schedule; every schedule's hours in `recurrence_text`."""
    listing.recurrence_text = "; ".join(t for t in dict.fromkeys(schedule_text(s) for s in schedules) if t)
    for schedule in schedules:
        try:
            series = dated_series(schedule, context.timezone, context.window_start, context.window_end)
        except ValueError as error:
            context.problems.append(f"{listing.title}: unreadable schedule: {error}")
            continue
        if series is not None:
            listing.start, listing.end, expansion, listing.timezone = series
            listing.recurrence, listing.occurrences = expansion.rule, expansion.occurrences
            context.problems += [f"{listing.title[:80]}: {why}" for why in expansion.problems]
            return


def service_listing(service: dict, organization: dict | None, context: Context) -> Listing:
    """One listing for an HSDS service (with its organization, first location and schedules)."""
    organization = organization or service.get("organization") or {}
    links = [link for link in service.get("service_at_locations") or [] if isinstance(link, dict)]
    located = [link.get("location") for link in links if isinstance(link.get("location"), dict)]
    location = next((loc for loc in located if loc.get("location_type") != "virtual"), located[0] if located else {})
    virtual = next((loc for loc in located if loc.get("location_type") == "virtual"), None)
    title = clean_text(service.get("name"))
    text, markup = description_pair(service.get("description"))
    cost, free = _cost(service)
    eligibility = clean_text(service.get("eligibility_description"))
    min_age, max_age = _int(service.get("minimum_age")), _int(service.get("maximum_age"))
    access_text = " ".join(
        f"{a.get('description', '')} {a.get('details', '')}" for a in location.get("accessibility") or []
    )
    point = _point(location, title, context)
    listing = Listing(
        title=title,
        kind="service",
        description=text,
        description_html=markup,
        url=safe_url(service.get("url")) or safe_url(organization.get("website")),
        organizer=Organizer(name=clean_text(organization.get("name")), url=safe_url(organization.get("website"))),
        venue=_venue(location) if location.get("location_type") != "virtual" else Venue(),
        lat=point[0] if point else None,
        lon=point[1] if point else None,
        online=virtual is not None,
        online_url=safe_url((virtual or {}).get("url")),
        status=STATUSES.get(str(service.get("status") or "").casefold(), "scheduled"),
        cost=cost,
        free=free,
        audience=audience_hints(eligibility, min_age, max_age),
        accessibility=access_hints(access_text),
        min_age=min_age,
        categories=_names(a.get("taxonomy_term") for a in service.get("attributes") or [] if isinstance(a, dict)),
        source_key=str(service.get("id") or ""),
    )
    apply_schedules(listing, _schedules(service, links, location), context)
    languages = _names(service.get("languages")) or _names(location.get("languages"))
    extra = {"languages": languages, "eligibility": eligibility, "max_age": max_age, "email": service.get("email")}
    extra["application_process"] = clean_text(service.get("application_process"))
    listing.extra = {key: value for key, value in extra.items() if value not in (None, "", [])}
    return listing


def location_listing(location: dict, context: Context) -> Listing:
    """A bare HSDS location (a place offering services) as one listing."""
    title = clean_text(location.get("name") or location.get("alternate_name"))
    text, markup = description_pair(location.get("description"))
    point = _point(location, title, context)
    access_text = " ".join(
        f"{a.get('description', '')} {a.get('details', '')}" for a in location.get("accessibility") or []
    )
    listing = Listing(
        title=title,
        kind="service",
        description=text,
        description_html=markup,
        url=safe_url(location.get("url")),
        venue=_venue(location),
        lat=point[0] if point else None,
        lon=point[1] if point else None,
        accessibility=access_hints(access_text),
        source_key=str(location.get("id") or ""),
    )
    apply_schedules(listing, [s for s in location.get("schedules") or [] if isinstance(s, dict)], context)
    languages = _names(location.get("languages"))
    if languages:
        listing.extra["languages"] = languages
    return listing


def ohana_listings(organization: dict, context: Context) -> list[Listing]:
    """Legacy Ohana/211 organization → one listing per location, its services merged in."""
    name = clean_text(organization.get("name"))
    return context.each(organization["locations"], lambda loc: _ohana_location(loc, name, context), "ohana location")


def _ohana_location(location: dict, organization: str, context: Context) -> Listing:
    services = [s for s in location.get("services_attributes") or location.get("services") or [] if isinstance(s, dict)]
    address = location.get("address_attributes") or location.get("address") or {}
    coordinates = location.get("coordinates")
    point = valid_point(location.get("latitude"), location.get("longitude"))
    if point is None and isinstance(coordinates, list) and len(coordinates) == 2:
        point = valid_point(coordinates[1], coordinates[0])  # Ohana stores [lon, lat]
    text, markup = description_pair(location.get("description") or location.get("short_desc"))
    who = " ".join(clean_text(s.get(k)) for s in services for k in ("audience", "eligibility") if s.get(k))
    fees = "; ".join(clean_text(s.get("fees")) for s in services if s.get("fees"))
    accessibility = " ".join(str(a).replace("_", " ") for a in location.get("accessibility") or [])
    urls = [safe_url(u) for u in location.get("urls") or []]
    title = clean_text(location.get("name")) or organization
    return Listing(
        title=title,
        kind="service",
        description=text,
        description_html=markup,
        url=next((u for u in urls if u), ""),
        organizer=Organizer(name=organization),
        venue=Venue(
            name=title,
            street=clean_text(address.get("street") or address.get("address_1")),
            locality=clean_text(address.get("city")),
            region=clean_text(address.get("state") or address.get("state_province")),
            postcode=clean_text(address.get("zip") or address.get("postal_code")),
        ),
        lat=point[0] if point else None,
        lon=point[1] if point else None,
        recurrence_text=clean_text(location.get("hours")),
        cost=fees,
        free=True if _FREE.search(fees) else None,
        audience=audience_hints(who),
        accessibility=access_hints(accessibility),
        categories=split_categories(k for s in services for k in s.get("keywords") or []),
        source_key=str(location.get("id") or location.get("slug") or f"{organization}/{title}"),
        extra={"languages": location["languages"]} if location.get("languages") else {},
    )
