"""Which listings are new to a saved search: the saved parameters run through the one search."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from finder.search import PlaceError, QueryError, SearchQuery
from finder.search_run import run_search

log = logging.getLogger(__name__)
SCAN_PAGE = 100


def make_matcher(resolver):
    """A `digests.Matcher` using `resolver` for place text."""

    def match(session: Session, query: dict, since: datetime, exclude_ids: set, limit: int) -> list:
        args = dict(query, sort="soonest" if query.get("sort") == "soonest" else "best", per_page=str(SCAN_PAGE))
        try:
            parsed = SearchQuery.from_args(args)
            page = run_search(session, parsed, resolver)
        except (QueryError, PlaceError) as error:
            log.warning("saved search %r no longer runs: %s", query, error)
            return []
        found = []
        for result in page.results:
            listing = result.listing
            if listing.id in exclude_ids or listing.first_seen <= since:
                continue
            found.append(listing)
            if len(found) >= limit:
                break
        return found

    return match
