"""Plain page rows (`run_search(plain=True)`, what /api/v1/search answers from) against ORM listings: the same
results, reasons and API JSON, byte for byte, over the filters, sorts and date windows of tests/test_search.py."""

from __future__ import annotations

import json

import pytest

from finder.search import SearchQuery, run_search
from finder.search.page_rows import COLUMNS
from finder.web.api import _result as api_result
from tests.search_helpers import LONDON, NOW, add_listing
from tests.test_search import town  # noqa: F401 (the fixture)

LAT, LON = LONDON
SHAPES = [
    {},
    {"lat": LAT, "lon": LON, "radius_km": 30},
    {"lat": LAT, "lon": LON, "radius_km": 30, "interests": "gardening, chess"},
    {"lat": LAT, "lon": LON, "radius_km": 30, "q": "club"},
    {"lat": LAT, "lon": LON, "radius_km": 30, "kind": "volunteer,event", "sort": "soonest"},
    {"lat": LAT, "lon": LON, "sort": "nearest", "radius_mi": 20},
    {"lat": LAT, "lon": LON, "online": "only"},
    {"lat": LAT, "lon": LON, "radius_km": 30, "when": "week"},
    {"lat": LAT, "lon": LON, "radius_km": 30, "from": "2026-12-14", "to": "2026-12-16"},
    {"lat": LAT, "lon": LON, "radius_km": 30, "access": "wheelchair", "free": "true"},
    {"when": "month", "per_page": 2, "page": 2},
]


def answer(session, args: dict, plain: bool):
    query = SearchQuery.from_args({k: str(v) for k, v in args.items()})
    page = run_search(session, query, None, now=NOW, plain=plain)
    session.expunge_all()  # the ORM run must not lend its loaded listings to the plain one
    return page


@pytest.mark.parametrize("args", SHAPES, ids=lambda a: "&".join(f"{k}={v}" for k, v in a.items()) or "none")
def test_plain_rows_answer_as_orm_listings(session, town, args):  # noqa: F811
    orm, plain = answer(session, args, False), answer(session, args, True)
    assert plain.total == orm.total and [r.listing.id for r in plain.results] == [r.listing.id for r in orm.results]
    assert orm.results or not args  # every shape but the unfiltered one finds something in the town
    for ours, theirs in zip(plain.results, orm.results, strict=True):
        pair = (ours, theirs)
        assert {c: getattr(ours.listing, c) for c in COLUMNS} == {c: getattr(theirs.listing, c) for c in COLUMNS}
        assert [(t.slug, t.label) for t in ours.listing.tags] == [(t.slug, t.label) for t in theirs.listing.tags]
        assert (ours.distance_km, ours.next_start, ours.score) == (theirs.distance_km, theirs.next_start, theirs.score)
        assert (ours.reasons, ours.matched_tags) == (theirs.reasons, theirs.matched_tags)
        bodies = [json.dumps(api_result(r.listing, r.distance_km, r.next_start, r.reasons, "")) for r in pair]
        assert bodies[0] == bodies[1]


def test_a_listing_without_tags_answers_as_its_orm_listing(session, town):  # noqa: F811
    """PostgreSQL reads a page's tags as an array beside each listing: NULL for one without any."""
    add_listing(session, "Untagged Reading Group", lat=LAT, lon=LON, kind="club", tags=[])
    args = {"lat": LAT, "lon": LON, "radius_km": 30, "q": "reading"}
    orm, plain = answer(session, args, False), answer(session, args, True)
    assert [r.listing.title for r in plain.results] == ["Untagged Reading Group"]
    assert plain.results[0].listing.tags == [] and orm.results[0].listing.tags == []
    assert plain.results[0].reasons == orm.results[0].reasons
