"""Which listings are new to saved searches: search's parsing and plan, run over the window of new listings.

`make_matcher(resolver, tz_name)` gives an `AlertMatcher`. `prepare(session, requests, now)` parses each
saved query once (place names resolved once per distinct text), reads the listings first seen after the
oldest `since` once (their search-index rows, plus occurrences when a query has dates), asks the
database once per distinct text expression which of them match it, and answers
`PreparedSearches.matches(key, exclude_ids, limit)` from memory (`finder.alerts.batch`). Called with one saved
query, the matcher is a `digests.Matcher`. Saved queries that no longer parse are logged and match nothing.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Hashable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import bindparam, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, selectinload

from finder.alerts.batch import NewListing, Window
from finder.db import chunked
from finder.geo import valid_coordinates
from finder.index import FTS_TABLES
from finder.models import Listing, Occurrence
from finder.models.base import UTCDateTime
from finder.search import PlaceError, Plan, QueryError, SearchQuery, TextKey, make_plan, resolve_place, text_keys

log = logging.getLogger(__name__)
MAX_NUMBER_CHARS = 40  # longer lat/lon text takes search's own parse (and its error)
WINDOW_SQL = (
    text(
        "SELECT g.id, l.first_seen, g.lat_band, g.lat, g.lon, g.x, g.y, g.z, g.kind, g.flags, g.days_mask, "
        "g.times_mask, g.next_epoch, g.end_epoch, g.connection, g.tags, g.title_norm "
        "FROM listing_geo g JOIN listings l ON l.id = g.id "
        "WHERE l.first_seen > :since"
    )
    .bindparams(bindparam("since", type_=UTCDateTime()))
    .columns(first_seen=UTCDateTime())
)
SQLITE_TEXT = text(
    " UNION ALL ".join(
        f"SELECT rowid FROM {table} WHERE {table} MATCH :expression "  # noqa: S608
        "AND rowid BETWEEN :low AND :high"
        for table in FTS_TABLES
    )
)
POSTGRES_TEXT = text(
    "SELECT id FROM listing_geo WHERE tsv @@ to_tsquery('english', :expression) AND id BETWEEN :low AND :high"
)
POSTGRES_EMPTY = text("SELECT numnode(to_tsquery('english', :expression)) = 0")


def make_matcher(resolver, tz_name: str = "UTC") -> AlertMatcher:
    """A matcher using `resolver` for place text and `tz_name` for date words (today, weekend)."""
    return AlertMatcher(resolver, tz_name)


@dataclass
class PreparedSearches:
    """The window and each alert's plan; `matches` answers per alert."""

    session: Session
    window: Window
    plans: dict[Hashable, tuple[Plan, float]]
    text_hits: dict[TextKey, frozenset[int] | None]
    problems: dict[Hashable, str] = field(default_factory=dict)
    loaded: dict[int, Listing] = field(default_factory=dict)

    def matches(self, key: Hashable, exclude_ids: Iterable[int] = (), limit: int = 11) -> list[Listing]:
        """The listings new to alert `key`, in its search order, at most `limit` (none when its query failed)."""
        ids = self.ids(key, exclude_ids, limit)
        self.load(ids)
        return self.listings(ids)

    def ids(self, key: Hashable, exclude_ids: Iterable[int] = (), limit: int = 11) -> list[int]:
        """`matches` as listing ids, nothing loaded (a batch loads its alerts' listings together with `load`)."""
        if key not in self.plans:
            return []
        plan, since = self.plans[key]
        return self.window.match(plan, since, self.text_hits, exclude_ids, limit)

    def load(self, ids: Iterable[int]) -> None:
        """Read the listings of `ids` not read yet (with their tags), in one statement per chunk."""
        missing = sorted({i for i in ids if i not in self.loaded})
        for chunk in chunked(missing):
            statement = select(Listing).where(Listing.id.in_(chunk)).options(selectinload(Listing.tags))
            self.loaded.update((listing.id, listing) for listing in self.session.scalars(statement))

    def listings(self, ids: Iterable[int]) -> list[Listing]:
        """The loaded listings of `ids`, in that order (one deleted meanwhile is left out)."""
        return [self.loaded[i] for i in ids if i in self.loaded]


class AlertMatcher:
    def __init__(self, resolver, tz_name: str = "UTC"):
        self.resolver = resolver
        self.tz_name = tz_name

    def __call__(
        self,
        session: Session,
        query: dict,
        since: datetime,
        exclude_ids: set,
        limit: int,
        *,
        now: datetime,
        tz_name: str | None = None,
    ) -> list:
        """`digests.Matcher`: the listings new to one saved search since `since`, as search finds them at `now`."""
        prepared = self.prepare(session, [(None, query, since)], now=now, tz_name=tz_name)
        return prepared.matches(None, exclude_ids, limit)

    def prepare(
        self,
        session: Session,
        requests: Iterable[tuple[Hashable, dict, datetime]],
        *,
        now: datetime,
        tz_name: str | None = None,
    ) -> PreparedSearches:
        """Parse every (key, saved query, since) once and read their window of new listings once."""
        plans, problems, memo, oldest = {}, {}, {}, now
        for key, query, since in requests:
            try:
                plan = self._plan(query, memo, now, tz_name or self.tz_name)
            except (QueryError, PlaceError) as error:
                problems[key] = str(error)
                log.warning("saved search %r (alert %s) no longer runs: %s", query, key, error)
                continue
            except Exception as error:  # one saved search must never stop the others' matching
                problems[key] = f"{type(error).__name__}: {error}"
                log.exception("saved search %r (alert %s) failed to plan", query, key)
                continue
            plans[key] = (plan, since.timestamp())
            oldest = min(oldest, since)
        window = Window(
            load_window(session, oldest, with_spans=any(plan.window for plan, _ in plans.values())), now.timestamp()
        )
        keys = {key for plan, _ in plans.values() for key in text_keys(plan)}
        hits = {key: text_hits(session, key, window.ids) for key in keys}
        return PreparedSearches(session, window, plans, hits, problems)

    def _plan(self, query, memo: dict, now: datetime, tz_name: str) -> Plan:
        """Search's plan of a saved query; queries differing only in their point share one parse."""
        if not isinstance(query, dict):
            raise QueryError("query", "a saved search must be a mapping of search parameters")
        args = {}
        for name, value in query.items():
            if value is not None and not isinstance(value, str | int | float):
                raise QueryError(str(name), "not a text value")
            args[str(name)] = "" if value is None else str(value)
        lat, lon = args.pop("lat", "").strip(), args.pop("lon", "").strip()
        point = _point(lat, lon)
        if (lat or lon) and point is None:
            return self._shared_plan({**args, "lat": lat, "lon": lon}, now, tz_name, {})  # search's own error
        key = (tuple(sorted(args.items())), point is not None)
        if key not in memo:
            try:
                memo[key] = self._shared_plan({**args, "lat": "0", "lon": "0"} if point else args, now, tz_name, memo)
            except (QueryError, PlaceError) as error:
                memo[key] = error
        if isinstance(memo[key], Exception):
            raise memo[key]
        if point is None:
            return memo[key]
        plan = copy.copy(memo[key])
        plan.lat, plan.lon = point
        return plan

    def _shared_plan(self, args: dict, now: datetime, tz_name: str, memo: dict) -> Plan:
        parsed = SearchQuery.from_args(args)
        parsed = replace(parsed, sort="soonest" if parsed.sort == "soonest" else "best", page=1)
        if not parsed.has_point and parsed.where:
            places = memo.setdefault("places", {})
            if parsed.where not in places:
                try:
                    places[parsed.where] = resolve_place(parsed, self.resolver)
                except (QueryError, PlaceError) as error:
                    places[parsed.where] = error
            if isinstance(places[parsed.where], Exception):
                raise places[parsed.where]
            parsed = parsed.with_point(places[parsed.where]["lat"], places[parsed.where]["lon"])
        return make_plan(parsed, now, tz_name)


def _point(lat: str, lon: str) -> tuple[float, float] | None:
    """(lat, lon) when both are numbers search would accept, else None (search then names the problem)."""
    if not lat or not lon or len(lat) > MAX_NUMBER_CHARS or len(lon) > MAX_NUMBER_CHARS:
        return None
    try:
        point = float(lat), float(lon)
    except ValueError:
        return None
    return point if valid_coordinates(*point) else None


def load_window(session: Session, since: datetime, *, with_spans: bool) -> list[NewListing]:
    """Search-index rows of the listings first seen after `since` (with scheduled occurrences when asked)."""
    rows = session.execute(WINDOW_SQL, {"since": since}).all()
    spans: dict[int, list[tuple[float, float]]] = {}
    if with_spans:
        ids = [row.id for row in rows]
        for chunk in chunked(ids):
            for listing_id, start, end in session.execute(
                select(Occurrence.listing_id, Occurrence.start, Occurrence.end).where(
                    Occurrence.listing_id.in_(chunk), Occurrence.status == "scheduled"
                )
            ):
                spans.setdefault(listing_id, []).append((start.timestamp(), (end or start).timestamp()))
    return [
        NewListing(**{**row._asdict(), "first_seen": row.first_seen.timestamp(), "spans": tuple(spans.get(row.id, ()))})
        for row in rows
    ]


def text_hits(session: Session, key: TextKey, ids: list[int]) -> frozenset[int] | None:
    """Which of `ids` the full-text index matches for `key`, as search joins its words (None: no searchable word)."""
    joiner, words = key
    if not ids:
        return frozenset()
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        expression = (" & " if joiner == "AND" else " | ").join(words)
    else:
        expression = "(" + f" {joiner} ".join(f'"{word}"' for word in words) + ")"
    try:
        with session.begin_nested() if postgres else nullcontext():  # a failed statement must not end the run
            if postgres and session.scalar(POSTGRES_EMPTY, {"expression": expression}):
                return None
            found = session.scalars(
                POSTGRES_TEXT if postgres else SQLITE_TEXT,
                {"expression": expression, "low": min(ids), "high": max(ids)},
            ).all()
    except DBAPIError as error:
        log.warning("text %r cannot be searched: %s", expression, error.orig)
        return frozenset()
    return frozenset(found) & frozenset(ids)
