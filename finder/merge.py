"""Cross-source duplicates: the stored listing (from another source) that a new item is the same
happening as: similar normalised title (sharing its first letters), same local day, start within 30 minutes, and venues within
150 m or the same organiser or venue (the rules are in `finder.identity.same_event`).

`Candidates` reads, in a few set-based queries per batch, every stored listing any of the batch's new
items could merge with; `find_duplicate` then decides item by item in Python."""

from __future__ import annotations

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from finder.identity import MERGE_START_WINDOW, same_event, titles_similar
from finder.ingest_apply import Prepared
from finder.models import Listing, Source

PREFIX = 4  # titles that differ in their first letters are never similar enough; filtered in SQL
GROUPS_PER_QUERY = 100
_C = Listing.__table__.c
COLUMNS = (_C.id, _C.match_title, _C.first_day, _C.start, _C.lat, _C.lon, _C.geo_precision, _C.organizer_name,
           _C.venue_name, _C.street, _C.locality)

QUERY = select(*COLUMNS).where(  # no ORDER BY: SQLite keeps its one-index-per-term OR plan
    or_(*(and_(_C.first_day == bindparam(f"day{i}"), func.substr(_C.match_title, 1, PREFIX) == bindparam(f"prefix{i}"),
               _C.start.between(bindparam(f"low{i}", type_=_C.start.type), bindparam(f"high{i}", type_=_C.start.type)))
          for i in range(GROUPS_PER_QUERY))),
    _C.liveness != "hidden",
)


def _group(prepared: Prepared) -> tuple[str, str] | None:
    """The (local day, title prefix) a candidate must share with this item; None when it cannot merge."""
    if prepared.start_utc is None or not prepared.match_title:
        return None
    return prepared.first_day, prepared.match_title[:PREFIX]


class Candidates:
    """Stored, not hidden listings by (local day, title prefix), covering the start windows of `items`."""

    def __init__(self, session: Session, items: list[Prepared]):
        windows: dict[tuple[str, str], tuple] = {}
        for prepared in items:
            group = _group(prepared)
            if group is None:
                continue
            low, high = prepared.start_utc - MERGE_START_WINDOW, prepared.start_utc + MERGE_START_WINDOW
            if group in windows:
                low, high = min(low, windows[group][0]), max(high, windows[group][1])
            windows[group] = (low, high)
        self.rows: dict[tuple[str, str], list] = {group: [] for group in windows}
        groups = list(windows)
        for offset in range(0, len(groups), GROUPS_PER_QUERY):
            chunk = groups[offset:offset + GROUPS_PER_QUERY]
            chunk += chunk[-1:] * (GROUPS_PER_QUERY - len(chunk))  # one statement shape, compiled once
            params = {}
            for i, (day, prefix) in enumerate(chunk):
                params.update({f"day{i}": day, f"prefix{i}": prefix, f"low{i}": windows[(day, prefix)][0],
                               f"high{i}": windows[(day, prefix)][1]})
            for row in session.connection().execute(QUERY, params):
                found = self.rows.get((row.first_day, (row.match_title or "")[:PREFIX]))
                if found is not None:
                    found.append(row)
        for found in self.rows.values():
            found.sort(key=lambda row: row.id)

    def near(self, prepared: Prepared) -> list:
        """The candidates of one item: its day and prefix, start within the merge window."""
        group = _group(prepared)
        if group is None:
            return []
        low, high = prepared.start_utc - MERGE_START_WINDOW, prepared.start_utc + MERGE_START_WINDOW
        return [row for row in self.rows.get(group, ()) if row.start is not None and low <= row.start <= high]


def find_duplicate(session: Session, source: Source, prepared: Prepared, candidates: Candidates) -> Listing | None:
    """A listing from another source that is the same happening, or None."""
    for candidate in candidates.near(prepared):
        if not titles_similar(candidate.match_title, prepared.match_title):
            continue
        if not same_event(candidate, prepared.start_utc, prepared.lat, prepared.lon, prepared.precision,
                          prepared.org_key, prepared.venue_key):
            continue
        listing = session.get(Listing, candidate.id)
        if not any(link.source_id == source.id for link in listing.sources):
            return listing
    return None
