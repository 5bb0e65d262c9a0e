"""Fuzzing every route of the site (issue 17): each GET route's path values (ids past any column's range,
text with slashes, controls and escapes) and query parameters (the search's own, Unicode digits, far dates,
line breaks, long text), anonymous and as a logged-in administrator, and the administrators' and readers'
POST actions on ids: never a 5xx and never an exception. The seeded site runs in-process (the test
client propagates exceptions); examples are bounded so the whole module stays well under a minute."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.security import generate_password_hash

from finder.search.query import PARAMS
from tests.live_site import build_site
from tests.trust_helpers import ADMIN_PASSWORD, login

EXAMPLES_PER_ROUTE = 12
# POST actions whose only effects are rows in the test database (no files, no mail, no fetching).
POST_ENDPOINTS = (
    "admin.decide_report",
    "admin.listing_visibility",
    "admin.org_block",
    "admin.claim_revoke",
    "contribute.report",
)
IDS = st.one_of(
    st.integers(0, 40),
    st.integers(2**31 - 3, 2**31 + 3),
    st.integers(2**63 - 3, 2**64 + 3),
    st.integers(10**20, 10**40),
)
NASTY = st.sampled_from(
    [
        "²",
        "⑤",
        "٣",
        "9999-12-31",
        "0001-01-01",
        "1e309",
        "-1",
        "0",
        "nan",
        "\r\nX: y",
        "\x00",
        "\x0b\x85\u2028",
        "%0d%0a",
        "/\\evil.example",
        "//evil.example",
        "javascript:alert(1)",
        "<script>",
        "'\"",
        "{{7*7}}",
        "a" * 301,
        "London",
        "51.5,-0.12",
        "true",
        "only",
        "soonest",
    ]
)
VALUES = st.one_of(NASTY, st.text(max_size=40), st.integers(-(10**30), 10**30).map(str))
KEYS = st.one_of(st.sampled_from([*PARAMS, "lang", "next", "page", "token", "reason", "action"]), st.text(max_size=6))
QUERIES = st.dictionaries(KEYS, VALUES, max_size=6)
SEGMENTS = st.one_of(st.text(max_size=30), NASTY).map(lambda text: quote(text, safe="") or "x")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The seeded site with an administrator; CSRF off so the fuzzed POSTs reach their views."""
    app, _ = build_site(
        tmp_path_factory.mktemp("route-fuzz"), ADMIN_PASSWORD_HASH=generate_password_hash(ADMIN_PASSWORD)
    )
    app.config["WTF_CSRF_ENABLED"] = False
    yield app
    app.extensions["engine"].dispose()


def path_strategy(rule) -> st.SearchStrategy[str]:
    """URLs for `rule`: each <...> part drawn by its converter (ids, words from any(...), free text)."""
    parts = re.split(r"(<[^>]+>)", rule.rule)
    drawn = []
    for part in parts:
        if not part.startswith("<"):
            drawn.append(st.just(part))
            continue
        converter = part[1:-1].split(":", 1)[0] if ":" in part else "default"
        if converter == "int":
            drawn.append(st.one_of(IDS.map(str), st.sampled_from(["²", "-1", "01"])))
        elif converter.startswith("any("):
            choices = [c.strip() for c in converter[4:-1].split(",")]
            drawn.append(st.one_of(st.sampled_from(choices), SEGMENTS))
        elif converter == "path":
            drawn.append(st.lists(SEGMENTS, min_size=1, max_size=3).map("/".join))
        else:
            drawn.append(SEGMENTS)
    return st.tuples(*drawn).map("".join)


def routes(app, method: str) -> list:
    return [rule for rule in app.url_map.iter_rules() if method in rule.methods]


def check(answer, url: str, query: dict) -> None:
    assert answer.status_code < 500, (url, query, answer.status_code, answer.get_data(as_text=True)[:300])


@pytest.mark.parametrize("as_admin", [False, True], ids=["anonymous", "admin"])
def test_no_get_route_fails_on_any_path_or_query(site, as_admin):
    client = site.test_client()
    if as_admin:
        assert login(client).status_code == 302
    rules = routes(site, "GET")
    endpoints = {rule.endpoint for rule in rules}
    assert {"pages.search", "listings.show", "alerts.manage", "admin.queue", "api.search"} <= endpoints, endpoints
    assert len(rules) > 30, "every GET route is fuzzed"
    for rule in rules:

        @settings(max_examples=EXAMPLES_PER_ROUTE, deadline=None, suppress_health_check=list(HealthCheck))
        @given(url=path_strategy(rule), query=QUERIES)
        def fuzz(url, query):
            check(client.get(url, query_string=query), url, query)

        fuzz()


def test_no_post_action_on_ids_fails(site):
    client = site.test_client()
    assert login(client).status_code == 302
    rules = [rule for rule in routes(site, "POST") if rule.endpoint in POST_ENDPOINTS]
    assert {rule.endpoint for rule in rules} == set(POST_ENDPOINTS)
    for rule in rules:

        @settings(max_examples=EXAMPLES_PER_ROUTE, deadline=None, suppress_health_check=list(HealthCheck))
        @given(url=path_strategy(rule), form=QUERIES)
        def fuzz(url, form):
            check(client.post(url, data=form), url, form)

        fuzz()
