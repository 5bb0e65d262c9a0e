"""Hostile requests that used to answer 500 (issue 17, item 7), an off-site link on 404 pages (item 8) and
robots.txt read by a first-match parser (item 9): each now a 4xx with the API's error shape or a clean page."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.robotparser import RobotFileParser

import pytest
from icalendar import Calendar

from finder.index import writes as index_writes
from finder.models import Listing
from tests.trust_helpers import ADMIN_PASSWORD, app_for, csrf_from, login, post_form, soon

HUGE_IDS = [2**31, 2**63 - 1, 2**63, 10**30]
SEARCH_ROUTES = ["/search", "/api/v1/search", "/search.atom", "/search.ics"]
HERE = {"lat": "51.5", "lon": "-0.1"}
BAD_DATES = [
    {**HERE, "to": "9999-12-31"},
    {**HERE, "from": "0001-01-01"},
    {**HERE, "from": "9999-12-31"},
    {"q": "chess", "to": "9999-12-31"},
]
BAD_PAGES = [{**HERE, "page": "²"}, {**HERE, "per_page": "⑤"}, {**HERE, "page": "٣"}]


@pytest.fixture
def trust_app(engine, db_url, tmp_path):
    yield from app_for(engine, db_url, tmp_path, TIMEZONE="Asia/Tokyo")


@pytest.fixture
def client(trust_app):
    return trust_app.test_client()


def add_listing(app, title: str) -> int:
    with app.extensions["sessionmaker"]() as session:
        start = soon()
        listing = Listing(
            title=title,
            kind="event",
            lat=51.5,
            lon=-0.12,
            timezone="Europe/London",
            start=start,
            end=start + timedelta(hours=2),
            next_start=start,
        )
        session.add(listing)
        session.flush()
        index_writes.refresh(session, [listing.id])
        session.commit()
        return listing.id


def assert_api_error(answer, status: int, param: str | None = None):
    assert answer.status_code == status, answer.get_data(as_text=True)[:300]
    body = answer.get_json()["error"]
    assert body["code"] and body["message"] and set(body) >= {"code", "message", "param"}
    if param:
        assert body["param"] == param


def search_id(args: dict) -> str:
    return "&".join(f"{k}={v}" for k, v in args.items() if k not in HERE)


@pytest.mark.parametrize("args", BAD_DATES, ids=search_id)
def test_dates_out_of_range_answer_400_on_every_search_endpoint(client, args):
    check_400(client, args, SEARCH_ROUTES)


@pytest.mark.parametrize("args", BAD_PAGES, ids=search_id)
def test_page_numbers_that_are_not_ascii_digits_answer_400(client, args):
    check_400(client, args, ["/search", "/api/v1/search"])


def check_400(client, args: dict, routes: list[str]):
    for route in routes:
        answer = client.get(route, query_string=args)
        assert answer.status_code == 400, (route, answer.status_code, answer.get_data(as_text=True)[:300])
        if route.startswith("/api/"):
            assert_api_error(answer, 400, next(iter(set(args) - {"q", "lat", "lon"})))


def test_the_widest_dates_allowed_still_search(client):
    answer = client.get(
        "/api/v1/search", query_string={"lat": "51.5", "lon": "-0.1", "from": "1900-01-01", "to": "2999-12-31"}
    )
    assert answer.status_code == 200 and answer.get_json()["total"] == 0


def test_ids_past_the_database_range_are_404_not_500(client, trust_app):
    listing_id = add_listing(trust_app, "Chess club")
    assert client.get(f"/listings/{listing_id}").status_code == 200
    login(client)
    token = csrf_from(client.get("/admin").get_data(as_text=True))
    for number in HUGE_IDS:
        for path in (
            f"/listings/{number}",
            f"/listings/{number}.ics",
            f"/listings/{number}/report",
            f"/orgs/{number}",
            f"/claim/listing/{number}",
            f"/sitemap-{number}.xml",
        ):
            assert client.get(path).status_code == 404, path
        assert_api_error(client.get(f"/api/v1/listings/{number}"), 404)
        for path in (
            f"/admin/listings/{number}/hide",
            f"/admin/reports/{number}/resolve",
            f"/admin/suggestions/{number}/reject",
            f"/admin/orgs/{number}/block",
            f"/admin/claims/{number}/revoke",
            f"/listings/{number}/report",
        ):
            assert client.post(path, data={"csrf_token": token, "reason": "spam"}).status_code in (404, 405), path


def test_a_listing_title_with_line_breaks_makes_a_one_line_calendar_name(client, trust_app):
    listing_id = add_listing(trust_app, "Chess\r\nBEGIN:VEVENT\nSUMMARY:injected\u2028club\x0b")
    answer = client.get(f"/listings/{listing_id}.ics")
    assert answer.status_code == 200
    calendar = Calendar.from_ical(answer.data)
    assert [str(event["summary"]) for event in calendar.walk("VEVENT")] == [
        "Chess\nBEGIN:VEVENT\nSUMMARY:injected\u2028club\x0b"
    ], "one event; its title kept as escaped text"
    assert str(calendar["x-wr-calname"]) == "Kindred: Chess BEGIN:VEVENT SUMMARY:injected club"
    assert b"\nSUMMARY:injected" not in answer.data and b"\nBEGIN:VEVENT\r\nSUMMARY:injected" not in answer.data
    feed = client.get("/search.ics", query_string={"lat": "51.5", "lon": "-0.12", "q": "chess\nBEGIN:VEVENT"})
    assert feed.status_code == 200 and "BEGIN:VEVENT X" not in feed.get_data(as_text=True)
    assert "\nBEGIN:VEVENT\r\n" not in Calendar.from_ical(feed.data)["x-wr-calname"]


@pytest.mark.parametrize(
    "target",
    [
        "/admin\r\nSet-Cookie: x=1",
        "/admin/%0d%0a",
        "/admin\n",
        "//evil.example",
        "/admin\\..\\evil",
        "https://evil.example/admin",
        "/admin\u2028x",
    ],
)
def test_login_never_follows_a_next_with_line_breaks_or_elsewhere(client, target):
    page = client.get("/admin/login", query_string={"next": target})
    assert page.status_code == 200
    answer = client.post(
        "/admin/login",
        query_string={"next": target},
        data={"csrf_token": csrf_from(page.get_data(as_text=True)), "username": "admin", "password": ADMIN_PASSWORD},
    )
    assert answer.status_code == 302 and answer.headers["Location"] == "/admin"


def test_login_returns_to_the_admin_page_asked_for(client):
    page = client.get("/admin/login", query_string={"next": "/admin"})
    answer = client.post(
        "/admin/login?next=/admin/",
        data={"csrf_token": csrf_from(page.get_data(as_text=True)), "username": "admin", "password": ADMIN_PASSWORD},
    )
    assert answer.headers["Location"] == "/admin/"


def nested(depth: int) -> bytes:
    return ("[" * depth + "]" * depth).encode()


@pytest.mark.parametrize(
    "body,content_type",
    [
        (nested(100_000), "application/json"),
        (
            b'{"@context": "https://schema.org", "@type": "Event", "name": ' + nested(50_000) + b"}",
            "application/ld+json",
        ),
        (
            b'<html><head><script type="application/ld+json">'
            + nested(100_000)
            + b"</script></head><body></body></html>",
            "text/html",
        ),
        (
            b'<html><head><script type="application/ld+json">{"@type": "Event", "location": '
            + b'{"a": ' * 900
            + b"1"
            + b"}" * 900
            + b"}</script></head></html>",
            "text/html",
        ),
        (b'{"data": ' + b'{"a": ' * 950 + b"1" + b"}" * 950 + b"}", "application/json"),
    ],
    ids=["json-array", "jsonld-file", "jsonld-in-html", "jsonld-deep-under-the-decoder-limit", "json-deep-object"],
)
def test_deeply_nested_json_in_a_suggestion_is_a_clear_refusal(client, httpserver, body, content_type):
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/feed").respond_with_data(body, content_type=content_type)
    answer = post_form(client, "/suggest", url=httpserver.url_for("/feed"))
    assert answer.status_code == 422, answer.get_data(as_text=True)[:500]
    assert "could not read listings there" in answer.get_data(as_text=True) or "found no listings" in answer.get_data(
        as_text=True
    )


def test_404_language_links_stay_on_the_site(client):
    for path in ("/%5Cevil.example/x", "//evil.example/x", "/%5C%5Cevil.example/x", "/\\evil.example/x"):
        answer = client.get(path)
        assert answer.status_code == 404
        links = re.findall(r'hreflang="[a-z]+"[^>]*|href="([^"]*lang=[a-z]{2})"', answer.get_data(as_text=True))
        hrefs = [link for link in links if link]
        assert hrefs, "the page has language links"
        for href in hrefs:
            assert href.startswith("/") and not href.startswith(("//", "/\\")) and "\\" not in href, (path, href)


def test_language_links_come_from_the_route(client, trust_app):
    listing_id = add_listing(trust_app, "Chess club")
    html = client.get(f"/listings/{listing_id}?x=1").get_data(as_text=True)
    assert f'href="/listings/{listing_id}?x=1&amp;lang=es"' in html


def test_robots_txt_disallows_admin_for_a_first_match_parser(client):
    parser = RobotFileParser()
    parser.parse(client.get("/robots.txt").get_data(as_text=True).splitlines())
    for path in ("/admin", "/admin/login", "/alerts/new"):
        assert not parser.can_fetch("SomeBot", f"http://kindred.test{path}"), path
    assert parser.can_fetch("SomeBot", "http://kindred.test/search?where=Leeds")
    assert parser.site_maps() == ["http://kindred.test/sitemap.xml"]
