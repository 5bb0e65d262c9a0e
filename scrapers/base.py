"""What every adapter shares: the parse context and the error for unreadable input."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from urllib.parse import urljoin, urlsplit

from scrapers.bare_times import defaulted, watching
from scrapers.listing import Listing, Occurrence
from scrapers.recurrence import in_window
from scrapers.text import load_json

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_EXPANSION_DAYS = 90
DEFAULT_MAX_BYTES = 10_000_000


def follow_link(url: str, link: str) -> str | None:
    """`link` made absolute against page `url`, when it is a next page to fetch: http(s) from an http(s)
    page (never a file:// URL a remote page names), file: only from a file: page; None for this page."""
    target = urljoin(url, link.strip())
    scheme = urlsplit(target).scheme.lower()
    allowed = ("file",) if urlsplit(url).scheme.lower() == "file" else ("http", "https")
    return target if scheme in allowed and target != url else None


class ParseError(Exception):
    """The body is not a listing source this adapter can read (one-line reason)."""


NOT_A_SOURCE = "not a listing source: "


def json_document(body: bytes, what: str = "JSON"):
    """The JSON value in `body`; ParseError "not <what>: body is not JSON (...)" when it is not JSON."""
    try:
        return load_json(body)
    except ValueError as error:
        raise ParseError(f"not {what}: body is not JSON ({error})") from None


@dataclass
class Context:
    """What a parse may know besides the bytes: the source's defaults and the expansion window."""

    url: str = ""
    window_start: datetime = field(default_factory=lambda: datetime.now(UTC))
    window_end: datetime | None = None
    timezone: str | None = None  # default IANA zone for bare times
    locality: str = ""  # default locality for bare places
    region: str = ""
    country: str = ""
    mapping: dict = field(default_factory=dict)  # adapter-specific field mapping
    problems: list[str] = field(default_factory=list)  # items skipped, with reasons
    max_bytes: int = DEFAULT_MAX_BYTES  # the most a body may unpack to (an archive's members in all): FETCH_MAX_BYTES
    memo: dict = field(default_factory=dict)  # an adapter's state across the pages of one run (joins)

    def __post_init__(self):
        if self.window_end is None:
            self.window_end = self.window_start + timedelta(days=DEFAULT_EXPANSION_DAYS)

    def refuse(self, what: str) -> None:
        """Record that the body, though read, is no listing source, saying what it is ("ActivityStreams Place
        objects, no Event"). The adapter returns no listings: a scheduled run counts that as empty (the alarm),
        and `finder parse` exits non-zero with this one line, whichever adapter detection picked."""
        self.problems.append(NOT_A_SOURCE + what)

    def refusal(self) -> str | None:
        """The recorded refusal, if any."""
        return next((p for p in self.problems if p.startswith(NOT_A_SOURCE)), None)

    def in_window(self, start, end=None) -> bool:
        """Whether a meeting from `start` (to `end`, a datetime or an all-day date) overlaps this parse's window."""
        return in_window(start, self.window_start, self.window_end, end)

    def one_off(self, start, end=None, listing_status: str = "scheduled") -> list[Occurrence]:
        """The occurrences of a one-off listing: its one meeting when it overlaps the window, else none (none
        without a start). A cancelled listing's meeting is cancelled; a postponed one's stays scheduled."""
        if start is None or not self.in_window(start, end):
            return []
        return [Occurrence(start, end, "cancelled" if listing_status == "cancelled" else "scheduled")]

    def each(self, items: Iterable[T], build: Callable[[T], Listing | None], label: str = "item") -> list[Listing]:
        """Build a listing from each item; one bad item is recorded in `problems`, never raised."""
        built = []
        for index, item in enumerate(items):
            try:
                with watching() as bare:
                    listing = build(item)
            except (ValueError, TypeError, KeyError, AttributeError, IndexError, OverflowError) as error:
                self.problems.append(f"{label} {index}: {type(error).__name__}: {error}")
                continue
            if listing is not None:
                if defaulted(bare, self.timezone) and not listing.all_day:
                    listing.assumed_timezone = True
                built.append(listing)
        return built


class Adapter(ABC):
    """One format. Subclasses set `name` (via `scrapers.register`) and implement `parse`."""

    name = ""

    @abstractmethod
    def parse(self, body: bytes, url: str = "", context: Context | None = None) -> list[Listing]:
        """Every listing in `body`; raises ParseError when `body` is not this format."""

    incremental = False  # True: each run resumes from the last page read (see finder/ingest/runs.py)

    def next_url(self, body: bytes, url: str) -> str | None:
        """The next page of a paged API, or None when this was the last page."""
        return None

    def removals(self, body: bytes, url: str = "") -> list[str]:
        """The `source_key`s a page says are deleted (incremental feeds); none by default."""
        return []

    @classmethod
    def sniff(cls, body: bytes, url: str) -> bool:
        """Whether `body` looks like this format (for `finder parse` without --format)."""
        return False
