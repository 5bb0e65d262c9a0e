"""Cross-source duplicates: the stored listing (from another source) that a new item is the same
happening as: same local day and first letters of the normalised title (the merge group), similar
title, start within 30 minutes, and venues within 150 m or the same organiser or venue (the rules
are in `finder.identity`).

`Candidates` reads, in a few set-based queries per batch, every stored listing any of the batch's new
items could merge with; `find_duplicate` then decides item by item in Python."""

from __future__ import annotations

from sqlalchemy import String, and_, bindparam, or_, select, type_coerce
from sqlalchemy.orm import Session

from finder.db import ID_CHUNK
from finder.identity import MERGE_START_WINDOW, merge_group, same_event, similar_titles
from finder.ingest.prepare import PreparedItem
from finder.models import Listing, Source

TERMS_PER_QUERY = 100
_C = Listing.__table__.c
COLUMNS = (
    _C.id,
    _C.match_title,
    _C.start,
    _C.lat,
    _C.lon,
    _C.geo_precision,
    _C.organizer_name,
    _C.venue_name,
    _C.street,
    _C.locality,
)
STORED_START = type_coerce(_C.start, String).label("start")  # as stored: ISO text on SQLite, datetime on PostgreSQL
NEARBY = select(_C.id, _C.merge_group, _C.match_title, STORED_START).where(  # read from the index alone
    or_(
        *(
            and_(
                _C.merge_group == bindparam(f"group{i}"),
                _C.start.between(bindparam(f"low{i}", type_=_C.start.type), bindparam(f"high{i}", type_=_C.start.type)),
            )
            for i in range(TERMS_PER_QUERY)
        )
    )
)  # no ORDER BY: SQLite keeps its one-index-per-term OR plan
FULL = select(*COLUMNS).where(_C.id.in_(bindparam("ids", expanding=True)), _C.liveness != "hidden")
# PostgreSQL: every item's window in one statement, as three arrays joined to the merge index (which includes the
# id there, so this reads the index alone): one plan, one round trip, and no SQL text growing with the batch. An OR
# of terms is a bitmap scan there, which visits the table for every row it returns (a page each). Each row comes
# with its item's position (WITH ORDINALITY), so no item filters its group's rows again in Python. The arrays go in
# binary (%b): as text, psycopg quoted each element in Python and the server parsed each back, ~6 ms of a batch of
# 1,000 windows; in binary ~1 ms.
POSTGRES_NEARBY = """SELECT t.item, l.id, l.match_title
    FROM unnest(%(groups)b::text[], %(lows)b::timestamptz[], %(highs)b::timestamptz[])
        WITH ORDINALITY AS t(merge_group, low, high, item)
    JOIN listings l ON l.merge_group = t.merge_group AND l.start BETWEEN t.low AND t.high"""


def _group(prepared: PreparedItem) -> str:
    """The merge group a candidate must share with this item; '' when it cannot merge."""
    return merge_group(prepared.first_day, prepared.match_title) if prepared.start_utc is not None else ""


def _windows(items: list[PreparedItem]) -> list[tuple[str, object, object]]:
    """(group, low, high) terms covering every item's start window, overlapping windows joined."""
    starts: dict[str, list] = {}
    for prepared in items:
        group = _group(prepared)
        if group:
            starts.setdefault(group, []).append(prepared.start_utc)
    terms = []
    for group, found in starts.items():
        found.sort()
        low, high = found[0] - MERGE_START_WINDOW, found[0] + MERGE_START_WINDOW
        for start in found[1:]:
            if start - MERGE_START_WINDOW > high:
                terms.append((group, low, high))
                low = start - MERGE_START_WINDOW
            high = start + MERGE_START_WINDOW
        terms.append((group, low, high))
    return terms


def _identity(prepared: PreparedItem) -> tuple:
    return prepared.match_title, prepared.first_day, prepared.start_utc


class Candidates:
    """For each of `items`: the stored, not hidden listings with its merge group, a start in its window
    and a similar title (the same-event test is left to `find_duplicate`).

    Two set-based reads per batch: (id, title, start) of everything in the items' windows, from the
    merge index alone, then the full rows of the few whose titles are similar."""

    def __init__(self, session: Session, items: list[PreparedItem]):
        windows = _item_windows(session.connection(), items)
        self.similar: dict[tuple, list[int]] = {}
        for position, prepared in enumerate(items):
            if not _group(prepared):
                continue
            window = windows.get(position, [])
            similar = similar_titles(prepared.match_title, [title for _id, title in window])
            self.similar[_identity(prepared)] = sorted(window[i][0] for i in similar)  # oldest listing first
        wanted = sorted({i for ids in self.similar.values() for i in ids})
        self.rows = {}
        for offset in range(0, len(wanted), ID_CHUNK):
            for row in session.connection().execute(FULL, {"ids": wanted[offset : offset + ID_CHUNK]}):
                self.rows[row.id] = row

    def near(self, prepared: PreparedItem) -> list:
        """The candidates of one item, by id."""
        return [self.rows[i] for i in self.similar.get(_identity(prepared), ()) if i in self.rows]


def _item_windows(connection, items: list[PreparedItem]) -> dict[int, list[tuple]]:
    """(id, title) of the stored listings in each item's window (same merge group, start within
    MERGE_START_WINDOW), by the item's position in `items`; items that cannot merge are left out."""
    if connection.dialect.name == "postgresql":
        return _postgres_windows(connection, items)
    nearby = _nearby(connection, items)
    as_stored = _C.start.type.bind_processor(connection.dialect)  # windows compared as stored
    windows = {}
    for position, prepared in enumerate(items):
        group = _group(prepared)
        if not group:
            continue
        low = as_stored(prepared.start_utc - MERGE_START_WINDOW)
        high = as_stored(prepared.start_utc + MERGE_START_WINDOW)
        windows[position] = [
            (listing_id, title) for listing_id, title, start in nearby.get(group, ()) if low <= start <= high
        ]
    return windows


def _postgres_windows(connection, items: list[PreparedItem]) -> dict[int, list[tuple]]:
    positions, groups, lows, highs = [], [], [], []
    for position, prepared in enumerate(items):
        group = _group(prepared)
        if group:
            positions.append(position)
            groups.append(group)
            lows.append(prepared.start_utc - MERGE_START_WINDOW)
            highs.append(prepared.start_utc + MERGE_START_WINDOW)
    windows: dict[int, list[tuple]] = {}
    if positions:
        params = {"groups": groups, "lows": lows, "highs": highs}
        for item, listing_id, title in connection.exec_driver_sql(POSTGRES_NEARBY, params).fetchall():
            windows.setdefault(positions[item - 1], []).append((listing_id, title))
    return windows


def _nearby(connection, items: list[PreparedItem]) -> dict[str, list[tuple]]:
    """SQLite: (id, title, start as stored) by merge group, covering the start windows of `items`. A row
    comes once: a group's windows are disjoint, and a term repeated to pad a query matches the same rows."""
    terms = _windows(items)
    found: dict[str, list] = {}
    sql, order, as_stored = _driver_nearby(connection.dialect)
    for offset in range(0, len(terms), TERMS_PER_QUERY):
        chunk = terms[offset : offset + TERMS_PER_QUERY]
        chunk += chunk[-1:] * (TERMS_PER_QUERY - len(chunk))  # one statement shape
        params = {}
        for i, (group, low, high) in enumerate(chunk):
            params.update({f"group{i}": group, f"low{i}": as_stored(low), f"high{i}": as_stored(high)})
        # straight to the driver: tens of thousands of rows a batch, which need no result processing
        for listing_id, group, title, start in connection.exec_driver_sql(sql, _ordered(params, order)).fetchall():
            if start is not None:
                found.setdefault(group, []).append((listing_id, title, start))
    return found


_DRIVER_SQL: dict[str, tuple] = {}


def _driver_nearby(dialect) -> tuple[str, tuple | None, object]:
    """NEARBY compiled once for this dialect: its SQL, the order of its parameters when the driver
    takes them by position, and the start column's bind processor."""
    if dialect.name not in _DRIVER_SQL:
        compiled = NEARBY.compile(dialect=dialect)
        order = tuple(compiled.positiontup) if dialect.positional else None
        _DRIVER_SQL[dialect.name] = (compiled.string, order, _C.start.type.bind_processor(dialect) or (lambda v: v))
    return _DRIVER_SQL[dialect.name]


def _ordered(params: dict, order: tuple | None):
    return params if order is None else tuple(params[name] for name in order)


def find_duplicate(session: Session, source: Source, prepared: PreparedItem, candidates: Candidates) -> Listing | None:
    """A listing from another source that is the same happening, or None."""
    for candidate in candidates.near(prepared):
        if not same_event(
            candidate,
            prepared.start_utc,
            prepared.lat,
            prepared.lon,
            prepared.precision,
            prepared.org_key,
            prepared.venue_key,
        ):
            continue
        listing = session.get(Listing, candidate.id)
        if not any(link.source_id == source.id for link in listing.sources):
            return listing
    return None
