"""Best-effort reading of a one-line place ('Hall, 1 Main St, Springfield, IL 62701, USA') into a Venue.

Used by adapters whose sources give the place as free text (iCalendar LOCATION, Google Calendar
`location`). It never guesses coordinates; geocoding happens at ingest.
"""

from __future__ import annotations

import re

from scrapers.listing import Venue
from scrapers.text import clean_text

COUNTRIES = {
    "usa": "US", "us": "US", "united states": "US", "united states of america": "US", "canada": "CA",
    "uk": "GB", "united kingdom": "GB", "england": "GB", "scotland": "GB", "wales": "GB", "ireland": "IE",
    "germany": "DE", "deutschland": "DE", "france": "FR", "spain": "ES", "españa": "ES", "italy": "IT",
    "italia": "IT", "netherlands": "NL", "nederland": "NL", "belgium": "BE", "austria": "AT",
    "österreich": "AT", "switzerland": "CH", "schweiz": "CH", "suisse": "CH", "australia": "AU",
    "new zealand": "NZ", "brazil": "BR", "brasil": "BR", "mexico": "MX", "méxico": "MX", "portugal": "PT",
}  # fmt: skip
ONLINE_WORDS = {"online", "virtual", "zoom", "online event", "internet", "web", "livestream", "remote"}
_US_REGION_ZIP = re.compile(r"^([A-Z]{2})\s+(\d{5}(?:-\d{4})?)$")
_POSTCODE_LOCALITY = re.compile(r"^(\d{4,5})\s+(\D.*)$")
_UK_POSTCODE = re.compile(r"^(.*?)\s*([A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2})$", re.IGNORECASE)
_STREET = re.compile(
    r"^\d+[a-zA-Z]?\b|\b\d+[a-zA-Z]?$|\b(rd|road|st|street|ave|avenue|lane|ln|blvd|boulevard|way|drive|dr|"
    r"place|pl|court|ct|square|sq|terrace|parkway|pkwy|highway|hwy)\.?$|(straße|strasse|str\.|weg|gasse|platz)$",
    re.IGNORECASE,
)


def is_online_place(text: str) -> bool:
    """Whether a LOCATION-like text means 'online' rather than a place."""
    value = clean_text(text).casefold().strip(" .")
    return value in ONLINE_WORDS or value.startswith(("http://", "https://"))


def venue_from_text(text: str) -> Venue:
    """A Venue from free text; the first non-address part becomes the name."""
    value = clean_text(text).replace("\n", ", ")
    if not value or is_online_place(value):
        return Venue()
    venue = Venue()
    inner = re.match(r"^(.*?)\s*\(([^()]*\d[^()]*)\)\s*$", value)
    if inner:
        venue.name, value = inner.group(1).strip(" ,"), inner.group(2)
    parts = [p.strip() for p in value.split(",") if p.strip()]
    if parts and parts[-1].casefold().strip(".") in COUNTRIES:
        venue.country = COUNTRIES[parts.pop().casefold().strip(".")]
    if parts and (match := _US_REGION_ZIP.match(parts[-1])):
        venue.region, venue.postcode = match.groups()
        parts.pop()
    elif len(parts) > 2 and re.fullmatch(r"[A-Z]{2}", parts[-1]):
        venue.region = parts.pop()
    elif parts and (match := _POSTCODE_LOCALITY.match(parts[-1])) and len(parts) > 1:
        venue.postcode, venue.locality = match.group(1), match.group(2).strip()
        parts.pop()
    elif len(parts) > 1 and (match := _UK_POSTCODE.match(parts[-1])):
        venue.postcode = match.group(2).upper()
        venue.locality = match.group(1).strip()
        parts.pop()
    if len(parts) == 1 and not (venue.name or venue.postcode or venue.region or venue.country):
        venue.name = parts[0]
        return venue
    if not venue.name and parts and not _STREET.search(parts[0]):
        venue.name = parts.pop(0)
    street_at = next((i for i, p in enumerate(parts) if _STREET.search(p)), None)
    if street_at is not None:
        venue.street = parts.pop(street_at)
        if venue.name == "" and street_at > 0:
            venue.name = ", ".join(parts[:street_at])
            parts = parts[street_at:]
        elif street_at > 0:
            venue.name = ", ".join([venue.name, *parts[:street_at]])
            parts = parts[street_at:]
    address_like = venue.street or venue.postcode or venue.region or venue.country
    if not address_like:
        venue.name = ", ".join(p for p in [venue.name, *parts] if p)
        return venue
    if parts and not venue.locality:
        venue.locality = parts.pop(0)
    if parts and not venue.region:
        venue.region = parts.pop(0)
    return venue


_POSTCODE_ONLY = re.compile(r"^(\d{5}-\d{3}|\d{4,6}|[A-Z]\d[A-Z] ?\d[A-Z]\d|\d{3}-\d{4})$", re.IGNORECASE)
_REGION_CODE = re.compile(r"^[A-Z]{2,3}$")
# "IL 62701", "ON M5V 2T6", "NSW 2000"
_REGION_POSTCODE = re.compile(r"^([A-Z]{2,3})\s+(\d{5}-\d{3}|\d{5}(?:-\d{4})?|[A-Z]\d[A-Z] ?\d[A-Z]\d|\d{4})$")


def address_from_text(text: str) -> Venue:
    """A postal address written as one line (schema.org's `address` given as text, "London, UK") read into
    street, locality, region, postcode and country, from the end backwards; no venue name is taken from it."""
    value = clean_text(text).replace("\n", ", ")
    parts = [p.strip() for p in re.split(r",|\s+[–—]\s+|\s+-\s+", value) if p.strip()]
    venue = Venue()
    if parts and parts[-1].casefold().strip(".") in COUNTRIES:
        venue.country = COUNTRIES[parts.pop().casefold().strip(".")]
    while parts:
        last = parts[-1]
        if match := _REGION_POSTCODE.match(last):
            venue.region, venue.postcode = match.groups()
        elif not venue.postcode and _POSTCODE_ONLY.match(last):
            venue.postcode = last.upper()
        elif not venue.locality and (match := _POSTCODE_LOCALITY.match(last)):
            venue.postcode, venue.locality = match.group(1), match.group(2).strip()
        elif not venue.locality and (match := _UK_POSTCODE.match(last)) and match.group(1):
            venue.locality, venue.postcode = match.group(1).strip(), match.group(2).upper()
        elif not venue.region and not venue.locality and len(parts) > 1 and _REGION_CODE.match(last):
            venue.region = last
        else:
            break
        parts.pop()
    if parts and not venue.locality and (len(parts) > 1 or not _STREET.search(parts[-1])):
        venue.locality = parts.pop()
    venue.street = ", ".join(parts)
    return venue
