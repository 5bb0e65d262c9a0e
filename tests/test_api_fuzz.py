"""Fuzzing: schemathesis against /api/v1/openapi.json on a live loopback server (no 5xx, answers match
the schema), and hypothesis on the query parser and the place resolver (only their own errors).
Examples are bounded so this stays fast.
"""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finder.geo.resolver import PlaceQueryError, Resolver
from finder.search import PlaceError, QueryError, SearchQuery
from finder.search.query import PARAMS
from tests.live_site import build_site, serve


@pytest.fixture(scope="module")
def live_api(tmp_path_factory):
    """(app, base URL) of the seeded site with the test gazetteer, served on 127.0.0.1."""
    app, _ = build_site(tmp_path_factory.mktemp("api-fuzz"))
    with serve(app) as base:
        yield app, base


def test_the_api_keeps_its_schema_and_never_fails(live_api):
    import schemathesis  # here, not at the top: importing it costs every worker seconds of collection
    from schemathesis.checks import (
        content_type_conformance,
        not_a_server_error,
        response_schema_conformance,
        status_code_conformance,
    )

    checks = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]
    _, base = live_api
    api = schemathesis.openapi.from_url(f"{base}/api/v1/openapi.json")
    operations = [result.ok() for result in api.get_all_operations()]
    assert {op.path for op in operations} >= {"/api/v1/search", "/api/v1/listings/{listing_id}", "/api/v1/tags"}
    for operation in operations:

        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case):
            case.call_and_validate(base_url=base, checks=checks)

        check()


# --- the query parser and the place resolver -------------------------------------------------------

NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["", " ", "1e309", "-0", "0x10", "½", "٣", "1_000", "nan", "+inf", "51.5,-0.1"]),
)
TEXT = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=",; -:./'\"\\\x00\n\t\u202e", max_size=30),
    st.sampled_from(["London", "Paris, FR", "51.5,-0.12", "SW1A 1AA", "Springfield", "<script>", "%00"]),
)
ARGS = st.dictionaries(
    st.one_of(st.sampled_from(PARAMS), st.text(max_size=8)),
    st.one_of(TEXT, NUMBERS, st.text(min_size=250, max_size=400)),
    max_size=8,
)


@settings(max_examples=200, deadline=None)
@given(args=ARGS)
def test_the_query_parser_raises_only_query_errors(args):
    try:
        query = SearchQuery.from_args(args)
    except QueryError as error:
        assert error.param in PARAMS and error.message and "\n" not in error.message
        return
    assert 0 < query.radius_km <= 500 and 1 <= query.per_page <= 100 and query.page >= 1
    again = SearchQuery.from_args(query.to_args())
    assert replace(again, radius_km=0) == replace(query, radius_km=0), "to_args round-trips"
    assert math.isclose(again.radius_km, query.radius_km, rel_tol=1e-5), "radius kept to 6 significant digits"


@pytest.fixture(scope="module")
def resolver(gazetteer_path):
    return Resolver(gazetteer_path)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(TEXT, st.text(min_size=190, max_size=260)), hint=st.one_of(st.none(), st.text(max_size=3)))
def test_the_place_resolver_raises_only_place_errors(resolver, text, hint):
    try:
        place = resolver.resolve(text, country_hint=hint)
    except (PlaceError, PlaceQueryError) as error:
        assert str(error) and "\n" not in str(error)
        return
    if place is not None:
        assert -90 <= place.lat <= 90 and -180 <= place.lon <= 180


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(args=ARGS)
def test_the_search_api_answers_400_or_422_never_500(live_api, args):
    app, _ = live_api
    answer = app.test_client().get("/api/v1/search", query_string=args)
    assert answer.status_code in (200, 400, 422), (args, answer.status_code, answer.text[:300])
    if answer.status_code != 200:
        body = answer.json["error"]
        assert body["code"] and body["message"] and (body["param"] in PARAMS or body["param"] is None)
