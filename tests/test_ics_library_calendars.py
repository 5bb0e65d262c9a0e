"""Every test calendar of icalendar and recurring-ical-events through `finder parse --format ics` (issue 19).

The calendars come with the installed packages (`icalendar/tests/**.ics`, `recurring_ical_events/test/**.ics`;
both ship them in their wheels), plus `../shared/corpus/ics/` and any directories named in
FINDER_TEST_CALENDARS (os.pathsep-separated); nothing is vendored. Without any, the test skips.

Each file either parses (exit 0, JSON lines) or is refused in one line that is not our crash boundary
("could not parse ...: SomeError"). Where recurring-ical-events itself expands the raw file, our occurrences
per event agree with its answer over the window: from the day before the file's first DTSTART, two years.
Documented differences: at most 1,000 occurrences of a series in a window (reported; compared up to the
cap); a rule we repair (a misspelled UNTIL, spaces in BYDAY) is one the library refuses, so never compared.
"""

from __future__ import annotations

import json
import os
import warnings
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import icalendar
import pytest
import recurring_ical_events
from click.testing import CliRunner
from flask import Flask

from finder.cli.parse import parse_command, window
from finder.config import Config
from scrapers.ics.fields import series_key
from scrapers.recurrence import MAX_OCCURRENCES, capped

ROOT = Path(__file__).resolve().parent.parent
WINDOW_DAYS = 730
NO_UID = "?"  # events without a sane UID: their occurrences are compared as one group


def calendar_files() -> list[Path]:
    roots = [Path(icalendar.__file__).parent / "tests", Path(recurring_ical_events.__file__).parent / "test",
             ROOT.parent / "shared" / "corpus" / "ics"]  # fmt: skip
    roots += [Path(p) for p in os.environ.get("FINDER_TEST_CALENDARS", "").split(os.pathsep) if p]
    return sorted({path for root in roots if root.is_dir() for path in root.rglob("*.ics")})


FILES = calendar_files()


def _label(path: Path) -> str:
    parts = path.parts
    return "/".join(parts[-3:])


@pytest.fixture(scope="module")
def run_parse(tmp_path_factory):
    app = Flask("library-calendars")
    missing = tmp_path_factory.mktemp("no-gazetteer") / "none.sqlite"  # no place lookups: times as the file says
    app.config["FINDER"] = Config(TIMEZONE="UTC", EXPANSION_DAYS=90, GAZETTEER_PATH=str(missing), TESTING=True)

    def invoke(path: Path, since: date, until: date):
        args = [str(path), "--format", "ics", "--json", "--since", since.isoformat(), "--until", until.isoformat()]
        with app.app_context():
            return CliRunner().invoke(parse_command, args)

    return invoke


def _first_day(calendar) -> date | None:
    days = []
    for event in calendar.walk("VEVENT"):
        try:
            value = event.get("DTSTART").dt
        except Exception:  # noqa: BLE001 (absent or broken: icalendar's BrokenCalendarProperty and others)
            continue
        if isinstance(value, (date, datetime)):
            days.append(value.date() if isinstance(value, datetime) else value)
    return min(days) if days else None


def _library_counts(calendar, start: datetime, end: datetime) -> Counter | None:
    """Occurrences per UID as recurring-ical-events counts them; None when it does not accept the file."""
    try:
        found = recurring_ical_events.of(calendar).between(start, end)
    except Exception:  # noqa: BLE001 (whatever the library raises, it does not accept this file)
        return None
    return Counter(_key(series_key(event)) for event in found)


def _key(source_key: str) -> str:
    """The event's UID as our `source_key` gives it; a content hash (no sane UID) makes one group."""
    return NO_UID if source_key.startswith("h:") else source_key


@pytest.mark.skipif(not FILES, reason="no test calendars: icalendar/recurring-ical-events ship none here")
@pytest.mark.parametrize("path", FILES, ids=_label)
def test_library_calendar_parses_or_is_refused_and_agrees(path, run_parse):
    body = path.read_bytes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # icalendar warns about guessed TZIDs; not ours to judge here
        try:
            calendar = icalendar.Calendar.from_ical(body)
        except Exception:  # noqa: BLE001 (the library cannot read it: we only must not crash)
            calendar = None
        first = _first_day(calendar) if calendar is not None else None
        since = (first or date(2000, 1, 2)) - timedelta(days=1)
        until = since + timedelta(days=WINDOW_DAYS)
        result = run_parse(path, since, until)
    if result.exit_code != 0:
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
        assert "could not parse" not in lines[0], f"a crash, not a refusal: {lines[0]}"
        assert result.exception is None or isinstance(result.exception, SystemExit)
        return
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    if calendar is None:
        return
    start, end = window(since.isoformat(), until.isoformat(), 0, "UTC")
    theirs = _library_counts(calendar, start, end)
    if theirs is None:
        return
    ours = Counter()
    for row in rows:
        ours[_key(row["source_key"])] += len(row["occurrences"])
    if capped() in result.stderr:
        theirs = Counter({key: min(count, MAX_OCCURRENCES) for key, count in theirs.items()})
    assert +ours == +theirs, f"{_label(path)}: ours {dict(+ours)} vs recurring-ical-events {dict(+theirs)}"


def test_the_packages_ship_their_calendars():
    """A guard: if an upgrade stops shipping them, this says so instead of the test above silently shrinking."""
    shipped = [p for p in FILES if "site-packages" in p.parts or "dist-packages" in p.parts]
    if not shipped:
        pytest.skip("the installed icalendar/recurring-ical-events ship no test calendars")
    assert len(shipped) >= 150


def test_a_zone_one_calendar_defines_does_not_decide_the_next_calendars_times():
    """icalendar caches VTIMEZONEs process-wide; found when recurring-ical-events' issue_27_t1.ics (defining
    'W. Europe Standard Time') turned a later feed's 18:00 Berlin into 18:00 New York."""
    from scrapers.base import Context
    from scrapers.ics.adapter import ICalendar

    zone_block = ("BEGIN:VTIMEZONE\r\nTZID:W. Europe Standard Time\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n"
                  "TZOFFSETFROM:+0300\r\nTZOFFSETTO:+0300\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n")  # fmt: skip
    event = (
        "BEGIN:VEVENT\r\nUID:{0}\r\nSUMMARY:{0}\r\n"
        "DTSTART;TZID=W. Europe Standard Time:20300115T180000\r\nEND:VEVENT\r\n"
    )
    first = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{zone_block}{event.format('a')}END:VCALENDAR\r\n".encode()
    second = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{event.format('b')}END:VCALENDAR\r\n".encode()
    context = Context(window_start=datetime(2030, 1, 1, tzinfo=UTC))
    [defined] = ICalendar().parse(first, "", context)
    [named] = ICalendar().parse(second, "", context)
    assert defined.start.isoformat() == "2030-01-15T18:00:00+03:00"  # the calendar's own definition
    assert (named.start.isoformat(), named.timezone) == ("2030-01-15T18:00:00+01:00", "Europe/Berlin")
