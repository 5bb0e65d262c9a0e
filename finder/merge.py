"""Cross-source duplicates: the stored listing (from another source) that a new item is the same
happening as: same local day and first letters of the normalised title (the merge group), similar
title, start within 30 minutes, and venues within 150 m or the same organiser or venue (the rules
are in `finder.identity`).

`Candidates` reads, in a few set-based queries per batch, every stored listing any of the batch's new
items could merge with; `find_duplicate` then decides item by item in Python."""

from __future__ import annotations

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.orm import Session

from finder.identity import MERGE_START_WINDOW, merge_group, same_event, titles_similar
from finder.ingest_apply import Prepared
from finder.models import Listing, Source

TERMS_PER_QUERY = 100
_C = Listing.__table__.c
COLUMNS = (_C.id, _C.match_title, _C.merge_group, _C.start, _C.lat, _C.lon, _C.geo_precision, _C.organizer_name,
           _C.venue_name, _C.street, _C.locality)

QUERY = select(*COLUMNS).where(  # no ORDER BY: SQLite keeps its one-index-per-term OR plan
    or_(*(and_(_C.merge_group == bindparam(f"group{i}"),
               _C.start.between(bindparam(f"low{i}", type_=_C.start.type), bindparam(f"high{i}", type_=_C.start.type)))
          for i in range(TERMS_PER_QUERY))),
    _C.liveness != "hidden",
)


def _group(prepared: Prepared) -> str:
    """The merge group a candidate must share with this item; '' when it cannot merge."""
    return merge_group(prepared.first_day, prepared.match_title) if prepared.start_utc is not None else ""


def _windows(items: list[Prepared]) -> list[tuple[str, object, object]]:
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


class Candidates:
    """Stored, not hidden listings by merge group, covering the start windows of `items`."""

    def __init__(self, session: Session, items: list[Prepared]):
        terms = _windows(items)
        self.rows: dict[str, list] = {group: [] for group, _low, _high in terms}
        seen = set()
        for offset in range(0, len(terms), TERMS_PER_QUERY):
            chunk = terms[offset:offset + TERMS_PER_QUERY]
            chunk += chunk[-1:] * (TERMS_PER_QUERY - len(chunk))  # one statement shape, compiled once
            params = {}
            for i, (group, low, high) in enumerate(chunk):
                params.update({f"group{i}": group, f"low{i}": low, f"high{i}": high})
            for row in session.connection().execute(QUERY, params):
                if row.id not in seen:
                    seen.add(row.id)
                    self.rows[row.merge_group].append(row)
        for found in self.rows.values():
            found.sort(key=lambda row: row.id)

    def near(self, prepared: Prepared) -> list:
        """The candidates of one item: its merge group, start within the merge window."""
        group = _group(prepared)
        if not group:
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
