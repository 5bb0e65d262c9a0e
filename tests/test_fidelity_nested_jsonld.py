"""Nested JSON-LD (issue 19): Event nodes inside untyped wrapper values are found, and no false "no @type"."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from scrapers.base import Context
from scrapers.schemaorg.adapter import SchemaOrgAdapter

EVENT = {
    "@type": "Event",
    "name": "Repair café",
    "startDate": "2030-01-10T19:00:00+01:00",
    "location": {"@type": "Place", "name": "Hall", "address": {"addressLocality": "Berlin"}},
}
WINDOW = dict(window_start=datetime(2030, 1, 1, tzinfo=UTC), window_end=datetime(2030, 2, 1, tzinfo=UTC))


def test_event_nested_in_an_untyped_json_document():
    body = json.dumps({"@context": "https://schema.org", "data": {"page": 1, "items": [EVENT]}}).encode()
    context = Context(**WINDOW)
    [item] = SchemaOrgAdapter().parse(body, "", context)
    assert item.title == "Repair café" and item.venue.locality == "Berlin"


def test_event_nested_in_an_untyped_ld_json_block():
    block = json.dumps({"@context": "https://schema.org", "upcoming": {"list": [EVENT, dict(EVENT, name="Second")]}})
    page = f'<html><head><script type="application/ld+json">{block}</script></head></html>'.encode()
    context = Context(**WINDOW)
    titles = sorted(item.title for item in SchemaOrgAdapter().parse(page, "", context))
    assert titles == ["Repair café", "Second"]
    assert not any("no schema.org" in p or "no structured" in p for p in context.problems)
