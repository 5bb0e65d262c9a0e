"""Moderation decisions bring the search index in step themselves (no caller refreshes it)."""

from __future__ import annotations

from finder.ingest import overrides as moderation
from finder.search import SearchQuery, run_search
from tests.search_helpers import LONDON, NOW, add_listing


def _titles(session, **args) -> list[str]:
    query = SearchQuery.from_args({"lat": str(LONDON[0]), "lon": str(LONDON[1]), **args})
    return [result.listing.title for result in run_search(session, query, now=NOW).results]


def test_hiding_lifting_and_correcting_a_listing_reach_search_at_once(session):
    listing = add_listing(session, "Riverside knitting circle", lat=LONDON[0], lon=LONDON[1])
    assert _titles(session) == ["Riverside knitting circle"]
    moderation.suppress_listing(session, listing, "hidden", actor="admin")
    assert _titles(session) == []
    moderation.lift_listing(session, listing)
    assert _titles(session) == ["Riverside knitting circle"]
    moderation.correct_listing(session, listing, {"title": "Riverside crochet circle"}, None)
    assert _titles(session, q="crochet") == ["Riverside crochet circle"]
