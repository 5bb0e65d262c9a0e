"""Addresses given as text (issue 19): schema.org `address: "London, UK"` is read into its parts, not
left whole in `street`."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from scrapers.address import address_from_text
from scrapers.base import Context
from scrapers.schemaorg.adapter import SchemaOrgAdapter


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("London, UK", ("", "London", "", "", "GB")),
        ("Berlin, Germany", ("", "Berlin", "", "", "DE")),
        ("10 Downing St, London SW1A 2AA, UK", ("10 Downing St", "London", "", "SW1A 2AA", "GB")),
        ("1 Main St, Springfield, IL 62701, USA", ("1 Main St", "Springfield", "IL", "62701", "US")),
        ("Urbanstr. 21, 10961 Berlin", ("Urbanstr. 21", "Berlin", "", "10961", "")),
        ("Toronto, ON M5V 2T6, Canada", ("", "Toronto", "ON", "M5V 2T6", "CA")),
        (
            "Av. Paulista, 1578 - Bela Vista, São Paulo - SP, 01310-100, Brazil",
            ("Av. Paulista, 1578, Bela Vista", "São Paulo", "SP", "01310-100", "BR"),
        ),
        ("123 Main Street", ("123 Main Street", "", "", "", "")),
    ],
)
def test_address_text_parts(text, parts):
    venue = address_from_text(text)
    assert (venue.street, venue.locality, venue.region, venue.postcode, venue.country) == parts
    assert venue.name == ""


def test_schemaorg_text_address_lands_in_locality_and_country():
    node = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": "Meetup",
        "startDate": "2030-01-10T19:00:00Z",
        "location": {"@type": "Place", "name": "The Pub", "address": "London, UK"},
    }
    page = f'<html><head><script type="application/ld+json">{json.dumps(node)}</script></head></html>'.encode()
    context = Context(window_start=datetime(2030, 1, 1, tzinfo=UTC), window_end=datetime(2030, 2, 1, tzinfo=UTC))
    [item] = SchemaOrgAdapter().parse(page, "", context)
    assert (item.venue.name, item.venue.street, item.venue.locality, item.venue.country) == (
        "The Pub",
        "",
        "London",
        "GB",
    )
