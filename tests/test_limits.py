"""Limits and headers: request size, parameter sizes, page size and radius are bounded with clear
errors; subscribe and search are rate limited (429) when FINDER_RATELIMIT_ENABLED is on; every kind
of response carries the security headers; session cookies are Secure when the site is https.
"""

from __future__ import annotations

import re

import pytest

from finder import MAX_REQUEST_BYTES, create_app
from finder.web.extensions import SEARCH_RATE_LIMIT, limiter
from tests.conftest import clear_tables, make_test_config

POINT = "lat=51.5&lon=-0.12"


@pytest.fixture
def limited_app(engine, db_url, tmp_path):
    """The app with rate limits on (in memory, fresh counters)."""
    clear_tables(engine)
    app = create_app(make_test_config(db_url, tmp_path, RATELIMIT_ENABLED=True))
    limiter.reset()
    yield app
    limiter.reset()
    app.extensions["engine"].dispose()


def test_a_request_body_over_the_limit_is_refused_with_413(client):
    answer = client.post("/alerts", data={"email": "a@example.org", "name": "x" * (MAX_REQUEST_BYTES + 1)})
    assert answer.status_code == 413
    small = client.post("/alerts", data={"email": "a@example.org", "name": "x" * 1000})
    assert small.status_code == 400  # read, then refused for its missing CSRF token


TOO_BIG_OR_OUT_OF_RANGE = [
    ("q=" + "walk " * 70, "q"),
    ("where=" + "Lon" * 70, "where"),
    ("interests=" + "x" * 20000, "interests"),
    ("kind=" + ",".join(["club"] * 1000), "kind"),
    ("per_page=101", "per_page"),
    ("per_page=0", "per_page"),
    ("page=1001", "page"),
    ("page=-1", "page"),
    ("radius_km=501", "radius_km"),
    ("radius_km=0", "radius_km"),
    ("radius_km=-5", "radius_km"),
    ("radius_km=nan", "radius_km"),
    ("radius_km=inf", "radius_km"),
    ("radius_km=1e309", "radius_km"),
    ("radius_mi=400", "radius_mi"),
    ("lat=91&lon=0", "lat"),
]


def test_oversized_or_out_of_range_parameters_get_a_clear_400(client):
    for query, param in TOO_BIG_OR_OUT_OF_RANGE:
        url = f"/api/v1/search?{query}" + ("" if "lat=" in query else f"&{POINT}")
        answer = client.get(url)
        assert answer.status_code == 400, (query, answer.text[:300])
        assert answer.json["error"]["param"] == param and answer.json["error"]["code"] == "bad_parameter", query
        page = client.get(url.replace("/api/v1/search", "/search"))
        assert page.status_code == 400 and "Traceback" not in page.text, query


def test_the_largest_allowed_values_are_accepted(client):
    answer = client.get(f"/api/v1/search?{POINT}&per_page=100&page=1000&radius_km=500&q=" + "a" * 300)
    assert answer.status_code == 200 and answer.json["per_page"] == 100


def search_limit() -> int:
    return int(re.match(r"(\d+)/", SEARCH_RATE_LIMIT).group(1))


def test_search_is_rate_limited_with_a_clear_429(limited_app):
    client = limited_app.test_client()
    for _ in range(search_limit()):
        assert client.get("/api/v1/search?per_page=0").status_code == 400  # cheap, and still counted
    answer = client.get(f"/api/v1/search?{POINT}")
    assert answer.status_code == 429
    assert answer.json["error"]["code"] == "rate_limited" and "try again" in answer.json["error"]["message"]
    assert int(answer.headers["Retry-After"]) > 0
    for shared in ("/search?where=London", f"/search.ics?{POINT}", f"/search.atom?{POINT}"):
        assert client.get(shared).status_code == 429, f"{shared} shares the search limit"
    other = limited_app.test_client()
    answer = other.get(f"/api/v1/search?{POINT}", environ_base={"REMOTE_ADDR": "127.0.0.9"})
    assert answer.status_code == 200, "another client address is not affected"


def test_subscribing_is_rate_limited_per_address_and_per_client(limited_app):
    client = limited_app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/alerts/new").text).group(1)

    def subscribe(email: str):  # a real form submission that fails validation (no mail is sent)
        return client.post("/alerts", data={"csrf_token": token, "email": email, "frequency": "hourly"})

    for _ in range(3):
        assert subscribe("same@example.org").status_code == 400
    assert subscribe("same@example.org").status_code == 429
    answers = [subscribe(f"other{n}@example.org") for n in range(8)]
    assert [a.status_code for a in answers] == [400] * 7 + [429], "10 an hour from one client address"
    assert int(answers[-1].headers["Retry-After"]) > 0


def test_limits_are_off_when_disabled(client):
    for _ in range(search_limit() + 5):
        assert client.get("/api/v1/search?per_page=0").status_code == 400


def responses(client) -> dict:
    return {
        "html": client.get("/"),
        "search": client.get("/search?where=Nowhereville"),
        "api": client.get(f"/api/v1/search?{POINT}"),
        "api-error": client.get("/api/v1/search?per_page=0"),
        "openapi": client.get("/api/v1/openapi.json"),
        "ics": client.get(f"/search.ics?{POINT}"),
        "atom": client.get(f"/search.atom?{POINT}"),
        "not-found": client.get("/listings/999999"),
        "too-large": client.post("/alerts", data={"name": "x" * (MAX_REQUEST_BYTES + 1)}),
        "static": client.get("/static/css/site.css"),
    }


def policy_of(header: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


def test_every_kind_of_response_carries_the_security_headers(client):
    for name, answer in responses(client).items():
        headers = answer.headers
        policy = policy_of(headers["Content-Security-Policy"])
        assert "unsafe-inline" not in policy["script-src"] and "unsafe-eval" not in policy["script-src"], name
        assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'", name
        assert headers["X-Content-Type-Options"] == "nosniff", name
        assert "Strict-Transport-Security" not in headers, name


def set_cookie(answer) -> str:
    return "; ".join(answer.headers.getlist("Set-Cookie"))


def test_session_cookie_flags(db_url, tmp_path, engine):
    clear_tables(engine)
    secure = create_app(make_test_config(db_url, tmp_path, BASE_URL="https://kindred.example"))
    cookie = set_cookie(secure.test_client().get("/alerts/new"))
    assert "session=" in cookie and "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    answer = secure.test_client().get("/about")
    assert answer.headers["Strict-Transport-Security"].startswith("max-age=")
    secure.extensions["engine"].dispose()
    plain = create_app(make_test_config(db_url, tmp_path, BASE_URL="http://127.0.0.1:5000"))
    cookie = set_cookie(plain.test_client().get("/alerts/new"))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    plain.extensions["engine"].dispose()


def test_an_https_site_will_not_start_without_a_secret_key(db_url, tmp_path):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(make_test_config(db_url, tmp_path, SECRET_KEY="", BASE_URL="https://kindred.example"))
