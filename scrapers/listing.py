"""The one normalised shape every adapter yields.

Adapters build `Listing` objects; nothing downstream reads a source format.
Times are timezone-aware; `timezone` is the IANA name when the source gives one.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

KINDS = ("club", "volunteer", "event", "online", "service")  # the one list of kinds (DESIGN contracts)
STATUSES = ("scheduled", "cancelled", "postponed")
OCCURRENCE_STATUSES = ("scheduled", "cancelled")
AUDIENCES = ("kids", "teens", "seniors", "families", "groups")
ACCESS = ("wheelchair", "sign_language")


@dataclass
class Organizer:
    name: str = ""
    url: str = ""

    def is_empty(self) -> bool:
        return not (self.name or self.url)


@dataclass
class Venue:
    name: str = ""
    street: str = ""
    locality: str = ""
    region: str = ""
    postcode: str = ""
    country: str = ""

    def is_empty(self) -> bool:
        return not any(asdict(self).values())

    def one_line(self) -> str:
        """The address as one comma-separated line, for display and geocoding."""
        parts = [self.name, self.street, self.locality, self.region, self.postcode, self.country]
        return ", ".join(p for p in parts if p)


@dataclass
class Occurrence:
    start: datetime | date
    end: datetime | date | None = None
    status: str = "scheduled"


@dataclass
class Listing:
    """A club, volunteer role, event, online community or service, as read from one source."""

    title: str
    kind: str = "event"  # the adapter's fallback unless `kind_stated`; the importer applies the catalogue's
    kind_stated: bool = False  # True only where the format itself says the kind (see finder/ingest/defaults.py)
    description: str = ""  # plain text
    description_html: str = ""  # sanitised HTML (nh3) when the source has markup
    url: str = ""
    organizer: Organizer = field(default_factory=Organizer)
    venue: Venue = field(default_factory=Venue)
    lat: float | None = None
    lon: float | None = None
    online: bool = False
    online_url: str = ""
    start: datetime | date | None = None  # date when all_day
    end: datetime | date | None = None  # exclusive end date when all_day
    timezone: str | None = None  # IANA name, or None when only an offset is known
    assumed_timezone: bool = False  # times were bare: read in a default zone, settled by finder/geo/time_zones.py
    all_day: bool = False
    recurrence: str | None = None  # RRULE value without the "RRULE:" prefix
    rdates: list[str] = field(default_factory=list)
    exdates: list[str] = field(default_factory=list)
    recurrence_text: str = ""  # "every Tuesday", when a source says it only in words
    occurrences: list[Occurrence] = field(default_factory=list)
    status: str = "scheduled"
    cost: str = ""
    free: bool | None = None
    audience: list[str] = field(default_factory=list)
    accessibility: list[str] = field(default_factory=list)
    min_age: int | None = None
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)  # canonical slugs, filled by the tagger
    image_url: str = ""
    source_key: str = ""
    extra: dict = field(default_factory=dict)

    def problems(self) -> list[str]:
        """What makes this listing unusable or suspect; empty when it is valid."""
        found = []
        if not (self.title or "").strip():
            found.append("missing title")
        if self.kind not in KINDS:
            found.append(f"unknown kind {self.kind!r}")
        if self.status not in STATUSES:
            found.append(f"unknown status {self.status!r}")
        if (self.lat is None) != (self.lon is None):
            found.append("only one of lat/lon given")
        if self.lat is not None and self.lon is not None:
            if not (_finite(self.lat) and _finite(self.lon)):
                found.append("lat/lon not finite numbers")
            elif not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180):
                found.append(f"lat/lon out of range ({self.lat}, {self.lon})")
        for name in ("start", "end"):
            value = getattr(self, name)
            if isinstance(value, datetime) and value.tzinfo is None:
                found.append(f"{name} is a naive datetime")
        if self.start is not None and self.end is not None and _comparable(self.start, self.end):
            if self.end < self.start:
                found.append("end before start")
        if self.kind == "event" and self.start is None and not self.recurrence_text:
            found.append("event without a start")
        for value in self.audience:
            if value not in AUDIENCES:
                found.append(f"unknown audience {value!r}")
        for value in self.accessibility:
            if value not in ACCESS:
                found.append(f"unknown accessibility {value!r}")
        return found


def _finite(value: float) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def _comparable(a, b) -> bool:
    return type(a) is type(b) or (isinstance(a, datetime) and isinstance(b, datetime))
