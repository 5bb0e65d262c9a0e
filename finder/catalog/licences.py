"""Each source's licence and attribution, shown beside what it lists; sources whose licence forbids
republication (`republish = false` in the catalogue) are shown as links only (title and link out)."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from finder.models import Listing, ListingSource, Source


def terms(sources: list[Source]) -> dict:
    """{"licence", "attribution", "links_only"} for a listing seen in `sources`. Several sources'
    licences and attributions are joined with "; "; links only when ANY of them forbids republishing
    (the shown text may have come from it)."""
    if not sources:
        return {"licence": None, "attribution": None, "links_only": False}
    licences = list(dict.fromkeys(s.licence for s in sources if s.licence))
    attributions = list(dict.fromkeys(s.attribution for s in sources if s.attribution))
    return {
        "licence": "; ".join(licences) or None,
        "attribution": "; ".join(attributions) or None,
        "links_only": any(not s.republish for s in sources),
    }


def listing_terms(listing: Listing) -> dict:
    return terms([link.source for link in listing.sources if link.source is not None])


def terms_for(session: Session, ids: list[int]) -> dict[int, dict]:
    """listing id -> terms, in one query for a page of results."""
    return page_sources(session, ids)[1]


def page_sources(session: Session, ids: list[int]) -> tuple[dict[int, str], dict[int, dict]]:
    """(listing id -> first source page URL seen, listing id -> terms) in one query for a page of results;
    plain rows, no ORM objects (terms() reads only licence, attribution and republish)."""
    found: dict[int, list] = {i: [] for i in ids}
    urls: dict[int, str] = {}
    if ids:
        for row in session.execute(_PAGE_SOURCES, {"ids": ids}):
            found[row.listing_id].append(row)
            if row.source_url:
                urls.setdefault(row.listing_id, row.source_url)
    return urls, {listing_id: terms(sources) for listing_id, sources in found.items()}


# Built once (building and compiling it cost more than running it): sources of a page's listings.
# Of the tables' columns (Core): no ORM compile or loading step for five plain values a row.
_LINKS, _SOURCES = ListingSource.__table__.c, Source.__table__.c
_PAGE_SOURCES = (
    select(_LINKS.listing_id, _LINKS.source_url, _SOURCES.licence, _SOURCES.attribution, _SOURCES.republish)
    .join_from(ListingSource.__table__, Source.__table__, _SOURCES.id == _LINKS.source_id)
    .where(_LINKS.listing_id.in_(bindparam("ids", expanding=True)))
    .order_by(_LINKS.id)
)


def api_fields(value: dict) -> dict:
    """The API's additive keys: licence, attribution, links_only."""
    return {"licence": value["licence"], "attribution": value["attribution"], "links_only": value["links_only"]}
