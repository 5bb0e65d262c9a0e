"""A new alert's first email: the saved search's current best matches, so a subscriber sees at once what the
digests will look like (and the subscribe and confirm pages can show a preview of it).

Matches come from search itself (`finder.search`), in its order; a saved search that no longer runs has none.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from finder.models import Listing
from finder.search import PlaceError, QueryError, SearchQuery, run_search

log = logging.getLogger(__name__)
WELCOME_CAP = 5  # listings in the welcome digest
PREVIEW_CAP = 3  # listings previewed on the subscribe and confirm pages


def starting_matches(
    session: Session, query: dict, resolver, *, now: datetime, tz_name: str, limit: int = WELCOME_CAP
) -> list[Listing]:
    """The first `limit` listings search ranks for the saved `query` at `now` (none when it cannot run)."""
    if not query:
        return []
    try:
        parsed = SearchQuery.from_args({**query, "page": "1", "per_page": str(limit)})
        page = run_search(session, parsed, resolver, now=now, tz_name=tz_name)
    except (QueryError, PlaceError) as error:
        log.info("saved search %r has no starting matches: %s", query, error)
        return []
    return [result.listing for result in page.results[:limit]]
