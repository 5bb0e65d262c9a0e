"""Our own calendar export keeps the source's changes (issue 19): `/listings/<id>.ics` expands, with
recurring-ical-events, to exactly the occurrences the API shows: skipped weeks (EXDATE), moved meetings
and cancelled ones (RECURRENCE-ID overrides), extra dates (RDATE), and UNTIL in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import recurring_ical_events
from icalendar import Calendar
from sqlalchemy import select

from finder.ingest.importer import ingest
from finder.models import Listing, Source
from scrapers.base import Context
from scrapers.ics.adapter import ICalendar

FIXTURES = Path(__file__).parent / "fixtures" / "fidelity"
NOW = datetime(2030, 1, 1, tzinfo=UTC)
END = datetime(2030, 6, 1, tzinfo=UTC)


def _import(app, body: bytes, slug: str) -> int:
    with app.app_context():
        session = app.extensions["sessionmaker"]()
        source = Source(slug=slug, adapter="ics", url="file:x")
        session.add(source)
        session.flush()
        items = ICalendar().parse(body, "", Context(window_start=NOW, window_end=END))
        ingest(session, source, items, now=NOW)
        session.commit()
        listing_id = session.scalar(select(Listing.id))
        session.close()
        return listing_id


def _utc(value) -> str:
    return value.astimezone(UTC).isoformat() if isinstance(value, datetime) else value.isoformat()


def _from_api(client, listing_id: int) -> list[tuple[str, str, str]]:
    body = client.get(f"/api/v1/listings/{listing_id}").get_json()
    return sorted(
        (_utc(datetime.fromisoformat(o["start"])), _utc(datetime.fromisoformat(o["end"])), o["status"])
        for o in body["occurrences"]
    )


def _from_export(client, listing_id: int) -> tuple[list[tuple[str, str, str]], bytes]:
    data = client.get(f"/listings/{listing_id}.ics").data
    calendar = Calendar.from_ical(data)
    found = [
        (
            _utc(e.decoded("dtstart")),
            _utc(e.decoded("dtend")),
            "cancelled" if str(e.get("STATUS", "")).upper() == "CANCELLED" else "scheduled",
        )
        for e in recurring_ical_events.of(calendar).between(NOW, END)
    ]
    return sorted(found), data


def test_export_agrees_with_the_api_for_every_kind_of_change(app, client):
    listing_id = _import(app, (FIXTURES / "club_series.ics").read_bytes(), "club")
    api = _from_api(client, listing_id)
    exported, data = _from_export(client, listing_id)
    assert exported == api
    starts = {start for start, _, _ in api}
    assert "2030-01-21T19:00:00+00:00" not in starts  # the skipped week stays skipped
    assert "2030-01-30T19:00:00+00:00" in starts  # the extra date is kept
    assert ("2030-02-05T18:30:00+00:00", "2030-02-05T20:30:00+00:00", "scheduled") in api  # moved, with its times
    assert ("2030-02-11T19:00:00+00:00", "2030-02-11T21:00:00+00:00", "cancelled") in api
    assert b"UNTIL=20300325T190000Z" in data  # the floating UNTIL written in UTC
    assert len(api) == 12  # 12 Mondays to 25 March, less the skipped one, plus the extra date


def test_a_real_moved_google_event_round_trips(app, client, corpus):
    body = (corpus / "ics" / "rie_google_partyborn_moved_event.ics").read_bytes()
    calendar = Calendar.from_ical(body)
    first = min(e.decoded("dtstart") for e in calendar.walk("VEVENT"))
    window_start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    window_end = window_start.replace(year=window_start.year + 1)
    with app.app_context():
        session = app.extensions["sessionmaker"]()
        source = Source(slug="partyborn", adapter="ics", url="file:x")
        session.add(source)
        session.flush()
        items = ICalendar().parse(body, "", Context(window_start=window_start, window_end=window_end))
        ingest(session, source, items, now=window_start)
        session.commit()
        ids = list(session.scalars(select(Listing.id)))
        session.close()
    assert ids
    for listing_id in ids:
        api = client.get(f"/api/v1/listings/{listing_id}").get_json()
        exported = Calendar.from_ical(client.get(f"/listings/{listing_id}.ics").data)
        starts = sorted(
            _utc(e.decoded("dtstart")) for e in recurring_ical_events.of(exported).between(window_start, window_end)
        )
        assert starts == sorted(_utc(datetime.fromisoformat(o["start"])) for o in api["occurrences"])


@pytest.mark.parametrize("until", ["20300325", "20300325T190000Z", "20300325T190000"])
def test_until_is_written_in_utc_whatever_the_source_wrote(app, client, until):
    body = (FIXTURES / "club_series.ics").read_bytes().replace(b"UNTIL=20300325T190000", f"UNTIL={until}".encode())
    body = body.replace(b"UNTIL=20300325T190000ZZ", b"UNTIL=20300325T190000Z")
    listing_id = _import(app, body, "until")
    exported, data = _from_export(client, listing_id)
    assert b"UNTIL=20300325T" in data and b"Z" in data.split(b"UNTIL=")[1][:17]
    assert exported == _from_api(client, listing_id)
