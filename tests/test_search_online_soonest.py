"""The online branch in the 'soonest' order reads the rows up to the page's last start
(finder/search/sql_online_soonest.py) and changes nothing: on both databases each page and total equal those of scoring
every placeless row, with shared starts, undated rows, filters, deep pages and pages longer than the dated rows."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from finder.search import SearchQuery, sql_online_soonest
from finder.search.run import make_plan
from finder.search.sql import build
from tests.search_helpers import LONDON, NOW, add_listing, cold_page

QUERIES = (
    {"sort": "soonest"},
    {"sort": "soonest", "per_page": 5},
    {"sort": "soonest", "per_page": 5, "page": 3},
    {"sort": "soonest", "per_page": 7, "page": 2},  # the page's last start is shared by rows beyond it
    {"sort": "soonest", "per_page": 100},  # fewer dated rows than the page: every row scored
    {"sort": "soonest", "online": "only", "per_page": 9},
    {"sort": "soonest", "kind": "event"},
    {"sort": "soonest", "free": "1", "per_page": 6},
    {"sort": "soonest", "when": "week"},
)


@pytest.fixture
def dated_crowd(session):
    """70 online listings, many sharing a start (so scores break the ties), a fifth undated, a few over or not online,
    and one listing near the point."""
    rng = random.Random(11)
    for i in range(70):
        add_listing(
            session,
            f"Online meeting {i}",
            online=True,
            kind=rng.choice(["online", "event", "club"]),
            rrule=rng.choice([None, "FREQ=WEEKLY;BYDAY=MO"]),
            description=rng.choice(["", "All welcome, no experience needed", "A small group"]),
            free=rng.random() < 0.4,
            starts=None if i % 5 == 0 else [NOW + timedelta(hours=rng.choice([1, 3, 3, 3, 30, 200, 900]))],
        )
    for i in range(3):
        add_listing(session, f"Online evening {i} (over)", online=True, starts=[NOW - timedelta(days=3 + i)])
        add_listing(session, f"Table {i} (no place, not online)", starts=[NOW + timedelta(hours=1)])
    add_listing(session, "Chess Club", lat=LONDON[0], lon=LONDON[1], starts=[NOW + timedelta(hours=2)])
    session.commit()


def test_the_soonest_rows_keep_every_page_and_total(session, dated_crowd, monkeypatch):
    by_start = {str(args): cold_page(session, args) for args in QUERIES}
    monkeypatch.setattr(sql_online_soonest, "applies", lambda plan: False)  # every placeless row scored
    for args in QUERIES:
        assert by_start[str(args)] == cold_page(session, args), args
    ids, _, total = by_start[str({"sort": "soonest", "per_page": 100})]
    assert total == 71 and len(ids) == 71  # 70 online rows and the club; those over or not online left out


def test_used_by_date_only_without_words_or_interests(db_url):
    def online_sql(args: dict) -> str:
        query = SearchQuery.from_args({"lat": str(LONDON[0]), "lon": str(LONDON[1]), **args})
        plan = make_plan(query, NOW, "UTC")
        dialect = "postgresql" if db_url.startswith("postgresql") else "sqlite"
        return next(str(statement) for name, statement, _ in build(plan, dialect) if name == "online")

    assert "next_epoch IS NOT NULL ORDER BY g.next_epoch LIMIT 1" in online_sql({"sort": "soonest"})
    for args in ({"sort": "soonest", "q": "chess"}, {"sort": "soonest", "interests": "Board games"}, {}):
        assert "next_epoch IS NOT NULL ORDER BY g.next_epoch LIMIT 1" not in online_sql(args)
