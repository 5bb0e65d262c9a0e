"""Each filter of `finder.search.filters` means the same in SQL (search) and on a row (alerts), filter by filter."""

from __future__ import annotations

from datetime import UTC, datetime

from finder.alerts.matching import load_window
from finder.search import SearchQuery
from finder.search.filters import FILTERS, Near
from finder.search.query import PARAMS
from finder.search.run import make_plan
from finder.search.sql_cache import compiled_statement
from tests.search_helpers import NOW
from tests.test_alert_batch import HAND_PICKED, place_listings, random_queries

NOT_FILTERS = {"where", "lat", "lon", "radius_km", "radius_mi", "interests", "q", "sort", "page", "per_page"}


def test_every_filter_parameter_has_one_entry():
    served = [name.strip() for spec in FILTERS for name in spec.params.split(",")]
    assert sorted(set(PARAMS) - NOT_FILTERS) == sorted(name for name in served if name in PARAMS)


def test_sql_and_row_test_agree_per_filter(session):
    place_listings(session)
    rows = load_window(session, datetime(1970, 1, 1, tzinfo=UTC), with_spans=True)
    postgres = session.get_bind().dialect.name == "postgresql"
    checked = set()
    for args in HAND_PICKED + random_queries(40):
        plan = make_plan(SearchQuery.from_args({k: str(v) for k, v in args.items()}), NOW, "UTC")
        for spec in FILTERS:
            value = spec.value(plan)
            if value is None:
                continue
            params: dict = {}
            condition = spec.sql(value, params)
            statement, names = compiled_statement(
                f"SELECT g.id FROM listing_geo g WHERE {condition}",
                postgres,
                tuple(k for k, v in params.items() if isinstance(v, list)),
            )
            in_sql = set(session.scalars(statement, {k: params[k] for k in names}))
            assert in_sql == {row.id for row in rows if spec.keep(value, row)}, (spec.params, value)
            checked.add(spec.params)
        near = Near.of(plan)
        if near is not None:
            params = {}
            prefilter, distance = near.sql(params)
            statement, names = compiled_statement(
                f"SELECT g.id FROM listing_geo g WHERE {prefilter} AND {distance} <= :radius_km", postgres, ("bands",)
            )
            in_sql = set(session.scalars(statement, {k: params[k] for k in names}))
            tester = near.tester()
            assert in_sql == {row.id for row in rows if row.lat is not None and tester(row) is not None}, args
    assert checked == {spec.params for spec in FILTERS}
