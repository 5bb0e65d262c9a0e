"""Being found: JSON-LD of our own on listing and organisation pages, sitemap.xml, robots.txt, share tags."""

from __future__ import annotations

import json
from xml.etree import ElementTree

import pytest
from bs4 import BeautifulSoup

from finder import create_app
from finder.web import structured
from finder.web.views import reach
from tests.conftest import clear_tables, make_test_config
from tests.live_site import build_site, chromium_missing_reason, keep_local, serve
from tests.site_data import HOSTILE, seed, seed_hostile

BASE = "https://kindred.example.org"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def site(engine, db_url, tmp_path, gazetteer_path):
    """(client, ids) with the seeded neighbourhood and the hostile listing, served as https://kindred.example.org."""
    clear_tables(engine)
    app = create_app(make_test_config(db_url, tmp_path, BASE_URL=BASE, GAZETTEER_PATH=str(gazetteer_path)))
    with app.app_context():
        session = app.extensions["sessionmaker"]()
        ids = seed(session)
        ids["hostile"] = seed_hostile(session)
        session.commit()
        session.close()
    yield app.test_client(), ids
    app.extensions["engine"].dispose()


def soup_of(client, url: str) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200, response.data[:300]
    return BeautifulSoup(response.data, "html.parser")


def jsonld(soup: BeautifulSoup) -> dict:
    blocks = soup.find_all("script", type="application/ld+json")
    assert len(blocks) == 1
    return json.loads(blocks[0].string)


def test_event_listing_jsonld_matches_the_page(site):
    client, ids = site
    soup = soup_of(client, f"/listings/{ids['choir']}")
    data = jsonld(soup)
    assert data["@context"] == "https://schema.org" and data["@type"] == "Event"
    assert data["name"] == soup.h1.get_text(strip=True) == "Community Choir"
    assert data["url"] == f"{BASE}/listings/{ids['choir']}"
    assert data["location"]["name"] == "St Mark's Hall"
    assert data["location"]["geo"]["latitude"] == pytest.approx(51.5074 + 3 / 111.195)
    assert data["eventAttendanceMode"].endswith("OfflineEventAttendanceMode")
    assert data["organizer"]["name"] == "Hall Singers"
    first_shown = soup.select_one(".occurrences time")["datetime"]
    assert data["startDate"][:16] == first_shown[:16]  # same instant, in the listing's zone (London = UTC now)


def test_club_is_an_organization_with_its_next_meeting_and_online_is_virtual(site):
    client, ids = site
    walk = jsonld(soup_of(client, f"/listings/{ids['walk']}"))
    assert walk["@type"] == "Organization"
    assert walk["location"]["address"]["postalCode"] == "SE1 7PB"
    assert walk["event"]["@type"] == "Event" and walk["event"]["isAccessibleForFree"] is True
    assert walk["sameAs"] == "https://ramblers.example.org/walks"
    online = jsonld(soup_of(client, f"/listings/{ids['online']}"))
    assert online["@type"] == "Event" and online["location"] == {
        "@type": "VirtualLocation",
        "url": "https://meet.example.org/books",
    }
    cancelled = jsonld(soup_of(client, f"/listings/{ids['repair']}"))
    assert cancelled["eventStatus"] == "https://schema.org/EventCancelled"


def test_organisation_page_carries_an_organization(site):
    client, ids = site
    data = jsonld(soup_of(client, f"/orgs/{ids['org']}"))
    assert data == {
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": "Riverside Ramblers",
        "url": f"{BASE}/orgs/{ids['org']}",
        "sameAs": "https://ramblers.example.org/",
        "description": "A friendly walking group by the river.\n\nAll paces welcome.",
    }


def test_hostile_text_cannot_break_out_of_the_jsonld_block(site):
    client, ids = site
    for url in (f"/listings/{ids['hostile']['listing']}", f"/orgs/{ids['hostile']['org']}"):
        raw = client.get(url).get_data(as_text=True)
        start = raw.index('<script type="application/ld+json">')
        block = raw[start : raw.index("</script>", start)]
        assert "<" not in block[len('<script type="application/ld+json">') :] and "&" not in block
        data = jsonld(BeautifulSoup(raw, "html.parser"))
        assert data["name"] == HOSTILE  # escaped as \u003c..., decoded back exactly
        assert "sameAs" not in data  # javascript: links are dropped


def test_script_tag_escapes_every_way_out():
    tag = str(structured.script_tag({"name": "</script><!--\u2028&amp;"}))
    body = tag.removeprefix('<script type="application/ld+json">').removesuffix("</script>")
    assert "<" not in body and ">" not in body and "&" not in body and "\u2028" not in body
    assert json.loads(body) == {"name": "</script><!--\u2028&amp;"}


def test_links_only_sources_keep_descriptions_out_of_jsonld():
    class Row:
        kind, title, description, url = "event", "Quiz night", "Every Thursday.", ""
        image_url = "https://pics.example/quiz.jpg"
        next_start = start = end = None
        status, online, online_url, free, all_day, timezone = "scheduled", False, "", None, False, None
        venue_name = street = locality = region = postcode = country = organizer_name = organizer_url = ""
        lat = lon = organization = None

    assert {"description", "image"} <= set(structured.listing_jsonld(Row(), "https://x.example/listings/1"))
    kept = structured.listing_jsonld(Row(), "https://x.example/listings/1", links_only=True)
    assert "description" not in kept and "image" not in kept, "nor the picture"


def test_sitemap_lists_visible_listings_and_organisations_not_hidden_ones(site):
    client, ids = site
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    root = ElementTree.fromstring(response.data)
    assert root.tag == f"{SITEMAP}urlset"
    locs = [element.text for element in root.iter(f"{SITEMAP}loc")]
    assert f"{BASE}/" in locs and f"{BASE}/guidance" in locs and f"{BASE}/about" in locs
    for name in ("walk", "choir", "repair", "reading", "online", "paris"):
        assert f"{BASE}/listings/{ids[name]}" in locs
    assert f"{BASE}/listings/{ids['hidden']}" not in locs
    assert f"{BASE}/orgs/{ids['org']}" in locs
    assert len(locs) == len(set(locs))


def test_sitemap_becomes_an_index_of_pages_past_the_limit(site, monkeypatch):
    client, ids = site
    whole = [e.text for e in ElementTree.fromstring(client.get("/sitemap.xml").data).iter(f"{SITEMAP}loc")]
    monkeypatch.setattr(reach, "URLS_PER_SITEMAP", 4)
    index = ElementTree.fromstring(client.get("/sitemap.xml").data)
    assert index.tag == f"{SITEMAP}sitemapindex"
    pages = [e.text for e in index.iter(f"{SITEMAP}loc")]
    assert pages[0] == f"{BASE}/sitemap-1.xml" and len(pages) == -(-len(whole) // 4)
    paged = []
    for page in pages:
        response = client.get(page.removeprefix(BASE))
        assert response.status_code == 200
        found = [e.text for e in ElementTree.fromstring(response.data).iter(f"{SITEMAP}loc")]
        assert 0 < len(found) <= 4
        paged += found
    assert paged == whole
    assert client.get(f"/sitemap-{len(pages) + 1}.xml").status_code == 404
    assert client.get("/sitemap-0.xml").status_code == 404


def test_robots_allows_the_site_and_points_at_the_sitemap(site):
    client, _ = site
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    assert "User-agent: *" in lines and "Allow: /" in lines
    assert "Disallow: /admin" in lines and "Disallow: /alerts" in lines
    assert f"Sitemap: {BASE}/sitemap.xml" in lines


def test_share_tags_on_listing_organisation_and_search_pages(site):
    client, ids = site
    pages = {
        f"/listings/{ids['walk']}": "Riverside Walking Group",
        f"/orgs/{ids['org']}": "Riverside Ramblers",
        "/search?where=London&kind=club": "London",
    }
    for url, title in pages.items():
        soup = soup_of(client, url)
        meta = {
            tag.get("property") or tag.get("name"): tag["content"]
            for tag in soup.find_all("meta")
            if (tag.get("property") or tag.get("name") or "").startswith(("og:", "twitter:"))
        }
        assert title in meta["og:title"], url
        assert meta["og:url"] == BASE + url, url
        assert meta["og:site_name"] == "Kindred" and meta["twitter:card"] == "summary"
        assert meta["og:description"] and meta["twitter:title"] == meta["og:title"]
        assert soup.find("link", rel="canonical")["href"] == meta["og:url"]
    listing = soup_of(client, f"/listings/{ids['walk']}")
    assert listing.find("meta", property="og:description")["content"].startswith("A gentle two-hour walk")


def test_hostile_share_tags_are_escaped(site):
    client, ids = site
    raw = client.get(f"/listings/{ids['hostile']['listing']}").get_data(as_text=True)
    soup = BeautifulSoup(raw, "html.parser")
    assert soup.find("meta", property="og:title")["content"] == HOSTILE
    assert "<img src=x" not in raw.split("</head>")[0]


@pytest.mark.browser
@pytest.mark.skipif(chromium_missing_reason() is not None, reason=str(chromium_missing_reason()))
def test_jsonld_raises_no_csp_error_in_the_browser(tmp_path, browser):
    app, ids = build_site(tmp_path)
    with serve(app) as base:
        context = browser.new_context()  # the real CSP, not bypassed
        keep_local(context)
        page = context.new_page()
        messages = []
        page.on("console", lambda message: messages.append(message.text))
        page.on("pageerror", lambda error: messages.append(str(error)))
        for url in (f"/listings/{ids['walk']}", f"/orgs/{ids['org']}"):
            page.goto(base + url)
            data = json.loads(page.locator('script[type="application/ld+json"]').text_content())
            assert data["url"].endswith(url)
        context.close()
    assert not [text for text in messages if "Content Security Policy" in text or "Refused" in text], messages
