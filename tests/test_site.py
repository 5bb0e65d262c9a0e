"""The site through Flask's test client, on SQLite and PostgreSQL: pages, escaping, links, headers, feeds."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

import feedparser
import pytest
from bs4 import BeautifulSoup
from flask_wtf.csrf import generate_csrf
from icalendar import Calendar

from finder import create_app
from tests.conftest import clear_tables, make_test_config
from tests.site_data import HOSTILE, seed_app, seed_hostile

SOURCE_REL = {"nofollow", "noopener", "ugc"}


@pytest.fixture
def site(engine, db_url, tmp_path, gazetteer_path):
    """(app, client, ids) with the seeded neighbourhood and a small gazetteer."""
    clear_tables(engine)
    app = create_app(
        make_test_config(db_url, tmp_path, GAZETTEER_PATH=str(gazetteer_path), ADMIN_EMAIL="help@kindred.example")
    )
    ids = seed_app(app)
    yield app, app.test_client(), ids
    app.extensions["engine"].dispose()


def page(client, url: str, status: int = 200) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == status, response.data[:500]
    assert response.mimetype == "text/html"
    return BeautifulSoup(response.data, "html.parser")


def titles(soup: BeautifulSoup) -> list[str]:
    return [h.get_text(strip=True) for h in soup.select(".card-title")]


def test_home_has_one_form_and_popular_interest_chips(site):
    _, client, _ = site
    soup = page(client, "/")
    forms = soup.select("form.search-form")
    assert len(forms) == 1 and forms[0]["method"] == "get"
    for name in ("where", "radius_km", "interests", "kind", "when", "lat", "lon"):
        assert forms[0].select(f'[name="{name}"]'), name
    assert forms[0].select_one("details.more-filters [name='audience']")
    chips = {a.get_text(strip=True): a["href"] for a in soup.select(".popular .chip")}
    assert "Music" in chips and "interests=music" in chips["Music"]
    assert "Gone Away Club" not in soup.get_text()
    assert client.get("/?utm_source=newsletter").status_code == 200, "unknown parameters are no search"
    assert client.get("/?where=London").headers["Location"] == "/search?where=London"


def test_search_by_place_and_interest_ranks_near_listings_with_reasons(site):
    _, client, ids = site
    soup = page(client, "/search?where=London&interests=walking&radius_km=10")
    assert titles(soup)[0] == "Riverside Walking Group"
    assert "Soirée jeux de société" not in titles(soup)
    first = soup.select_one(".card")
    assert first.select(".reasons li"), "a reason is shown"
    assert "km away" in first.get_text() or " m away" in first.get_text()
    assert first.select_one(".card-fresh") is None, "a listing confirmed yesterday does not say so on its card"
    assert first["data-lat"] and first["data-href"] == f"/listings/{ids['walk']}"
    assert "London" in soup.select_one("h1").get_text()


def test_kind_checkboxes_repeat_and_sort_links_keep_the_search(site):
    _, client, _ = site
    soup = page(client, "/search?where=London&kind=event&kind=volunteer&sort=soonest")
    assert {"Community Choir", "Reading Buddies"} <= set(titles(soup))
    assert {b.get_text() for b in soup.select(".card-meta .badge[class*=kind-]")} == {"Weekly group", "Volunteer role"}
    sort_links = {a.get_text(strip=True): a["href"] for a in soup.select("nav.sort a")}
    assert "kind=event%2Cvolunteer" in sort_links["Nearest"] and "sort=nearest" in sort_links["Nearest"]
    assert soup.select_one("nav.sort a[aria-current]").get_text(strip=True) == "Soonest"
    checked = {box["value"] for box in soup.select("input[name=kind][checked]")}
    assert checked == {"event", "volunteer"}


def test_paging_splits_results_and_links_pages(site):
    _, client, _ = site
    first = page(client, "/search?where=London&per_page=2")
    assert len(titles(first)) == 2
    nxt = first.select_one(".pager a[rel=next]")["href"]
    second = page(client, nxt)
    assert len(titles(second)) == 2 and not set(titles(second)) & set(titles(first))
    assert second.select_one(".pager a[rel=prev]")


def test_empty_results_suggest_a_wider_radius(site):
    _, client, _ = site
    soup = page(client, "/search?where=Paris&radius_km=2&kind=club")
    empty = soup.select_one(".empty")
    assert empty is not None and "within 2 km of Paris" in empty.get_text()
    hrefs = [a["href"] for a in empty.select("a")]
    assert any("radius_km=5" in h for h in hrefs)
    in_miles = page(client, "/search?where=Paris&radius_mi=1&kind=club").select_one(".empty")
    assert "within 1 mi of Paris" in in_miles.get_text() and "km" not in in_miles.get_text()  # the visitor's unit
    wider = [a for a in in_miles.select("a") if "Look within" in a.get_text()]
    assert [a.get_text() for a in wider] == ["Look within 3 mi", "Look within 5 mi"]
    assert all("radius_mi=" in a["href"] and "radius_km" not in a["href"] for a in wider)
    by_locale = BeautifulSoup(
        client.get("/search?where=Paris&kind=club", headers={"Accept-Language": "en-US"}).data, "html.parser"
    )
    assert "within 15.5 mi of Paris" in by_locale.select_one(".empty").get_text()  # the default 25 km, in miles
    assert any("online=only" in h for h in hrefs)


def test_ambiguous_place_offers_did_you_mean_links(site):
    _, client, _ = site
    soup = page(client, "/search?where=Springfield")
    links = soup.select("#dym-heading ~ ul a")
    assert len(links) >= 2
    assert all("where=Springfield" in a["href"] for a in links)
    heading = page(client, links[0]["href"]).select_one("h1").get_text(strip=True)
    assert "to try near Springfield" in heading, "a suggestion resolves to one place"


def test_unknown_place_and_bad_parameter_say_so_plainly(site):
    _, client, _ = site
    soup = page(client, "/search?where=Nowhereville")
    assert "could not find a place called “Nowhereville”" in soup.get_text()
    soup = page(client, "/search?radius_km=lots", status=400)
    assert soup.select_one(".notice-error[role=alert]")


def test_listing_page_shows_everything_a_visitor_needs(site):
    _, client, ids = site
    soup = page(client, f"/listings/{ids['walk']}")
    text = soup.get_text(" ", strip=True)
    assert soup.select_one("h1").get_text(strip=True) == "Riverside Walking Group"
    assert "Meets every Saturday" in text and len(soup.select(".occurrences li")) == 4
    assert "Riverside Café" in text and "SE1 7PB" in text
    assert soup.select_one("[data-map]")["hidden"] is not None, "map hidden until the script shows it"
    assert soup.select_one(f'a[href="/listings/{ids["walk"]}.ics"]')
    assert soup.select_one(f'a[href="/orgs/{ids["org"]}"]').get_text(strip=True) == "Riverside Ramblers"
    assert "Also listed on" in text and "Volunteer Hub" in text and "London Community Calendar" in text
    assert "Wheelchair accessible" in text and "Free" in text
    assert soup.select_one(".prose strong").get_text() == "tea", "sanitised source HTML is rendered"
    report = soup.find("a", string="Report a problem with this listing")
    assert report["href"].startswith("mailto:help@kindred.example?subject=")
    assert soup.select_one("#share-link")["value"].endswith(f"/listings/{ids['walk']}")


def test_cancelled_listing_and_cancelled_occurrence_are_marked(site):
    _, client, ids = site
    soup = page(client, f"/listings/{ids['repair']}")
    assert "Cancelled." in soup.select_one(".banner-alert").get_text()
    soup = page(client, f"/listings/{ids['choir']}")
    assert len(soup.select(".occurrences .occ-cancelled")) == 1
    assert "£3 a session" in soup.get_text()


def test_online_listing_carries_safety_advice_and_no_map(site):
    _, client, ids = site
    soup = page(client, f"/listings/{ids['online']}")
    safety = soup.select_one(".safety")
    assert safety is not None and "public place" in safety.get_text()
    assert soup.select_one("[data-map]") is None
    join = soup.find("a", string="Join online")
    assert join["href"] == "https://meet.example.org/books" and set(join["rel"]) == SOURCE_REL


def test_hidden_and_missing_listings_are_not_found(site):
    _, client, ids = site
    soup = page(client, f"/listings/{ids['hidden']}", status=404)
    assert soup.select_one("h1").get_text() == "Page not found"
    page(client, "/listings/999999", status=404)
    page(client, "/orgs/999999", status=404)


def test_report_link_is_left_out_without_an_admin_address(engine, db_url, tmp_path):
    clear_tables(engine)
    app = create_app(make_test_config(db_url, tmp_path))
    ids = seed_app(app)
    soup = page(app.test_client(), f"/listings/{ids['walk']}")
    assert soup.find("a", string="Report a problem with this listing") is None
    assert soup.select('a[href^="mailto:?"]'), "sharing by email still works"
    app.extensions["engine"].dispose()


def test_organisation_page_lists_its_listings(site):
    _, client, ids = site
    soup = page(client, f"/orgs/{ids['org']}")
    assert soup.select_one("h1").get_text(strip=True) == "Riverside Ramblers"
    assert titles(soup) == ["Riverside Walking Group"]
    assert "All paces welcome." in soup.get_text()


def test_guidance_about_and_sources_pages(site):
    _, client, _ = site
    guidance = page(client, "/guidance")
    assert "Go twice before you decide" in guidance.get_text()
    crisis = guidance.select_one(".crisis-box a")
    assert crisis["href"].startswith("https://findahelpline.com")
    about = page(client, "/about").get_text()
    assert "GeoNames" in about and "OpenStreetMap" in about and "CC BY 4.0" in about
    sources = page(client, "/sources")
    cards = {c.select_one(".source-name").get_text(strip=True): c for c in sources.select(".source")}
    hub, calendar = (cards[name].get_text(" ", strip=True) for name in ("Volunteer Hub", "London Community Calendar"))
    assert "Licence: ODbL 1.0." in hub and "Not read yet; we will check it every day." in hub
    assert "Updated 3 hours ago; we check it every day." in calendar and "Credit: ©" in calendar
    link = cards["London Community Calendar"].select_one(".source-what a")
    assert link["href"] == "https://calendar.example.org/" and link.get_text() == "calendar.example.org"
    assert set(link["rel"]) == SOURCE_REL
    text = sources.get_text(" ", strip=True)
    assert "We read 2 sources" in text and "ics" not in text.split() and "hsds" not in text.split()
    assert sources.find("a", href="/status") and sources.select_one(".sources-more a[href$='/suggest']")


def test_every_page_has_the_crisis_link_and_security_headers(site):
    _, client, ids = site
    for url in (
        "/",
        "/search?where=London",
        f"/listings/{ids['walk']}",
        f"/orgs/{ids['org']}",
        "/guidance",
        "/about",
        "/sources",
        "/nope",
    ):
        response = client.get(url)
        headers = response.headers
        policy = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
        assert policy["script-src"] == "'self'"
        assert "unsafe-inline" not in headers["Content-Security-Policy"]
        assert policy["frame-ancestors"] == "'none'"
        assert "https://tile.openstreetmap.org" in policy["img-src"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "Strict-Transport-Security" not in headers
        soup = BeautifulSoup(response.data, "html.parser")
        assert soup.find("a", href="https://findahelpline.com/"), url
        assert not [
            s for s in soup.find_all("script") if not s.get("src") and s.get("type") != "application/ld+json"
        ], "no inline scripts (JSON-LD data blocks are not script)"
        assert not soup.select("[style]"), "no inline styles"


def test_hsts_only_when_the_site_is_https(db_url, tmp_path):
    app = create_app(make_test_config(db_url, tmp_path, BASE_URL="https://kindred.example"))
    response = app.test_client().get("/about")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    app.extensions["engine"].dispose()


def test_csrf_protects_every_post(site):
    app, client, _ = site
    app.add_url_rule("/_probe", "probe", lambda: "ok", methods=["POST"])
    app.add_url_rule("/_token", "token", generate_csrf)
    refused = client.post("/_probe")
    assert refused.status_code == 400 and b"This form has expired" in refused.data
    token = client.get("/_token").get_data(as_text=True)
    assert client.post("/_probe", data={"csrf_token": token}).status_code == 200


def test_hostile_text_is_escaped_everywhere(site):
    app, client, _ = site
    with app.app_context():
        session = app.extensions["sessionmaker"]()
        hostile = seed_hostile(session)
        session.commit()
        session.close()
    urls = [
        "/",
        "/search?where=London&radius_km=5",
        f"/listings/{hostile['listing']}",
        f"/orgs/{hostile['org']}",
        "/sources",
        "/search.atom?where=London&radius_km=5",
    ]
    for url in urls:
        body = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in body, url
        assert "<img src=x" not in body and "onclick=" not in body, url
        soup = BeautifulSoup(body, "xml" if ".atom" in url else "html.parser")
        for link in soup.find_all("a"):
            assert not link.get("href", "").lower().startswith(("javascript:", "data:")), (url, link)
    listing = page(client, f"/listings/{hostile['listing']}")
    assert listing.select_one("h1").get_text() == HOSTILE, "shown as text, not dropped"
    ics = client.get(f"/listings/{hostile['listing']}.ics")
    assert Calendar.from_ical(ics.data).walk("VEVENT")[0]["SUMMARY"] == HOSTILE


def test_source_links_are_http_only_and_marked_nofollow(site):
    _, client, ids = site
    soup = page(client, f"/listings/{ids['walk']}")
    outside = [a for a in soup.find_all("a") if urlsplit(a["href"]).netloc.endswith(("example.org", "example.net"))]
    assert len(outside) >= 4
    for link in outside:
        assert urlsplit(link["href"]).scheme in ("http", "https")
        assert set(link.get("rel", [])) == SOURCE_REL, link
    repair = page(client, f"/listings/{ids['repair']}")
    provenance = repair.select_one(".provenance")
    assert "London Community Calendar" in provenance.get_text() and not provenance.select("a"), "empty URL: no link"


def test_listing_calendar_keeps_the_series_and_its_cancellations(site):
    _, client, ids = site
    response = client.get(f"/listings/{ids['choir']}.ics")
    assert response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    event, *overrides = Calendar.from_ical(response.data).walk("VEVENT")
    assert event["RRULE"]["BYDAY"] == ["TU"]
    assert str(event.decoded("dtstart").tzinfo) == "Europe/London"
    # The cancelled week stays in the calendar as a cancelled instance, as on the page (issue 19).
    assert [(o["STATUS"], "RECURRENCE-ID" in o) for o in overrides] == [("CANCELLED", True)]
    one_off = Calendar.from_ical(client.get(f"/listings/{ids['repair']}.ics").data).walk("VEVENT")
    assert len(one_off) == 1 and one_off[0]["STATUS"] == "CANCELLED"


def test_search_feeds_are_complete_future_only_and_deterministic(site):
    _, client, _ = site
    url = "/search.ics?where=London&radius_km=10&per_page=1&page=2"
    first, again = client.get(url), client.get(url)
    assert first.status_code == 200 and first.data == again.data
    events = Calendar.from_ical(first.data).walk("VEVENT")
    summaries = {str(e["SUMMARY"]) for e in events}
    assert {"Riverside Walking Group", "Community Choir"} <= summaries, "not paginated"
    assert len(events) >= 8, "every upcoming instance of each series"
    now = datetime.now(UTC)
    assert all(e.decoded("dtstart") >= now for e in events)
    assert "Reading Buddies" not in summaries, "undated listings have no calendar entry"
    atom = client.get("/search.atom?where=London&radius_km=10")
    assert (
        atom.mimetype == "application/atom+xml"
        and atom.data == client.get("/search.atom?where=London&radius_km=10").data
    )
    feed = feedparser.parse(atom.data)
    assert not feed.bozo
    names = [entry.title for entry in feed.entries]
    assert "Reading Buddies" in names and "Riverside Walking Group" in names and "Gone Away Club" not in names
    assert all(entry.link.startswith("http://127.0.0.1:5000/listings/") for entry in feed.entries)


def test_feed_of_a_bad_search_is_a_plain_error(site):
    _, client, _ = site
    assert client.get("/search.atom?radius_km=lots").status_code == 400
    assert client.get("/search.ics?where=Nowhereville").status_code == 422
