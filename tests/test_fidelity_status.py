"""One word does not cancel a series (issue 19): the format's status field first (iCalendar STATUS, per
instance on RECURRENCE-ID overrides; schema.org eventStatus), text only as a leading or trailing marker."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from finder.identity import status_from_text as importer_status
from scrapers.base import Context
from scrapers.hints import status_from_text
from scrapers.ics.adapter import ICalendar
from scrapers.schemaorg.adapter import SchemaOrgAdapter

FIXTURE = Path(__file__).parent / "fixtures" / "fidelity" / "cancel_words.ics"
WINDOW = Context(window_start=datetime(2030, 1, 1, tzinfo=UTC), window_end=datetime(2030, 3, 1, tzinfo=UTC))


@pytest.mark.parametrize(
    ("title", "status"),
    [
        ("CANCELLED: Board meeting", "cancelled"),
        ("[Cancelled] Yoga", "cancelled"),
        ("Abgesagt – Chorprobe", "cancelled"),
        ("(Postponed) Walk", "postponed"),
        ("Board Meeting - CANCELLED", "cancelled"),
        ("Hack night (Canceled)", "cancelled"),
        ("CANCELLED Board meeting", "cancelled"),
        ("Annulé : atelier vélo", "cancelled"),
        ("one is cancelled", None),
        ("Not cancelled! Yoga as usual", None),
        ("Never Cancelled Choir", None),
        ("Yoga - never cancelled", None),
        ("Rescheduled: Yoga", None),
        ("Talk on postponed decisions", None),
    ],
)
def test_status_only_from_a_marker(title, status):
    assert status_from_text(title) == status
    assert importer_status("scheduled", title, "") == (status or "scheduled")


def test_ics_status_field_per_instance_and_markers_in_titles():
    listings = {item.source_key.split("@")[0]: item for item in ICalendar().parse(FIXTURE.read_bytes(), "", WINDOW)}
    choir = listings["choir"]
    assert choir.status == "scheduled"
    assert [o.status for o in choir.occurrences] == ["scheduled", "cancelled", "cancelled", "scheduled"]
    assert listings["yoga"].status == "scheduled"
    assert listings["one"].status == "scheduled"
    assert listings["board"].status == "cancelled"
    assert listings["chor"].status == "cancelled"
    assert listings["confirmed"].status == "cancelled"
    assert {item.occurrences[0].status for key, item in listings.items() if key in ("yoga", "one")} == {"scheduled"}


def test_schemaorg_event_status_field_wins_over_words():
    nodes = [
        {
            "@context": "https://schema.org",
            "@type": "Event",
            "name": "Never Cancelled Choir",
            "startDate": "2030-01-10T19:00:00+01:00",
            "eventStatus": "https://schema.org/EventScheduled",
        },
        {
            "@context": "https://schema.org",
            "@type": "Event",
            "name": "Garden day",
            "startDate": "2030-01-11T19:00:00+01:00",
            "eventStatus": "https://schema.org/EventCancelled",
        },
    ]
    body = "".join(f'<script type="application/ld+json">{json.dumps(n)}</script>' for n in nodes)
    found = {
        item.title: item for item in SchemaOrgAdapter().parse(f"<html><head>{body}</head></html>".encode(), "", WINDOW)
    }
    assert found["Never Cancelled Choir"].status == "scheduled"
    assert importer_status(found["Never Cancelled Choir"].status, "Never Cancelled Choir", "") == "scheduled"
    assert found["Garden day"].status == "cancelled"
    assert [o.status for o in found["Garden day"].occurrences] == ["cancelled"]
