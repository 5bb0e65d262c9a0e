"""Cross-source duplicates: the stored listing (from another source) that a new item is the same
happening as: similar normalised title (sharing its first letters), same local day, start within 30 minutes, and venues within
150 m or the same organiser or venue (the rules are in `finder.identity.same_event`)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from finder.identity import MERGE_START_WINDOW, same_event, titles_similar
from finder.ingest_apply import Prepared
from finder.models import Listing, Source

PREFIX = 4  # titles that differ in their first letters are never similar enough; filtered in SQL
_C = Listing.__table__.c
CANDIDATES = select(
    _C.id, _C.match_title, _C.start, _C.lat, _C.lon, _C.geo_precision, _C.organizer_name, _C.venue_name,
    _C.street, _C.locality,
).where(
    _C.start.between(bindparam("low"), bindparam("high")),
    _C.first_day == bindparam("day"),
    func.substr(_C.match_title, 1, PREFIX) == bindparam("prefix"),
    _C.liveness != "hidden",
)


def find_duplicate(session: Session, source: Source, prepared: Prepared) -> Listing | None:
    """A listing from another source that is the same happening, or None."""
    start = prepared.start_utc
    if start is None or not prepared.match_title:
        return None
    window: timedelta = MERGE_START_WINDOW
    params = {"low": start - window, "high": start + window, "day": prepared.first_day,
              "prefix": prepared.match_title[:PREFIX]}
    for candidate in session.connection().execute(CANDIDATES, params).all():
        if not titles_similar(candidate.match_title, prepared.match_title):
            continue
        if not same_event(candidate, start, prepared.lat, prepared.lon, prepared.precision, prepared.org_key,
                          prepared.venue_key):
            continue
        listing = session.get(Listing, candidate.id)
        if not any(link.source_id == source.id for link in listing.sources):
            return listing
    return None
