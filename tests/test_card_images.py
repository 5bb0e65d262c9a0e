"""Card pictures: only http(s) addresses a CSP can name, only when the sources' licences allow, and the page's
img-src names exactly their hosts."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from finder.models import Listing, ListingSource, Source
from finder.web.card_images import _image, card_images, image_origins
from tests.test_site import site  # noqa: F401 - the seeded site fixture


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://images.example.org/a.jpg", True),
        ("http://img.example:8080/a.jpg?w=300&h=200", True),
        ("//images.example.org/a.jpg", False),
        ("javascript:alert(1)", False),
        ("data:image/png;base64,AAAA", False),
        ("ftp://images.example.org/a.jpg", False),
        ("https://user:pass@images.example.org/a.jpg", False),
        ('https://images.example.org/a.png" onerror="alert(1)', False),
        ("https://images.example.org/a;b.png", False),
        ("https://a,b.example/a.png", False),
        ("https://images.example.org/" + "a" * 2000, False),
        ("", False),
    ],
)
def test_only_plain_http_addresses_are_kept(url, kept):
    assert bool(_image(url)) is kept


def test_origins_are_distinct_and_in_order():
    assert image_origins(["https://a.example/1.png", "http://b.example:81/2.png", "https://a.example/3.png"]) == [
        "https://a.example",
        "http://b.example:81",
    ]


def test_licence_decides(session):
    open_source = Source(slug="open", name="Open", adapter="ics", url="https://open.example/", licence="CC BY 4.0")
    silent = Source(slug="silent", name="Silent", adapter="ics", url="https://silent.example/")
    closed = Source(
        slug="closed", name="Closed", adapter="ics", url="https://closed.example/", licence="ToS", republish=False
    )
    session.add_all([open_source, silent, closed])
    listings = {}
    for name, sources in {
        "open": [open_source],
        "silent": [silent],
        "both": [open_source, closed],
        "bad": [open_source],
    }.items():
        listing = Listing(
            title=name, kind="event", image_url="javascript:x" if name == "bad" else f"https://pics.example/{name}.jpg"
        )
        for number, source in enumerate(sources):
            listing.sources.append(ListingSource(source=source, source_key=f"{name}-{number}"))
        session.add(listing)
        listings[name] = listing
    session.flush()
    shown = card_images(session, list(listings.values()))
    assert shown == {listings["open"].id: "https://pics.example/open.jpg"}, (
        "no licence stated, one source forbidding republication, or a bad address: no picture"
    )


def test_results_page_shows_sized_lazy_pictures_and_names_their_host_in_the_csp(site):  # noqa: F811
    _, client, ids = site
    response = client.get("/search?where=London&radius_km=10")
    soup = BeautifulSoup(response.data, "html.parser")
    pictures = {
        img.find_parent("article").select_one(".card-title").get_text(strip=True): img
        for img in soup.select("img.card-img")
    }
    assert set(pictures) == {"Community Choir", "Reading Buddies"}
    choir = pictures["Community Choir"]
    assert choir["src"] == "https://images.example.org/choir.svg"
    assert (choir["loading"], choir["width"], choir["height"], choir["referrerpolicy"]) == (
        "lazy",
        "128",
        "96",
        "no-referrer",
    )
    assert choir["alt"] == "Picture for “Community Choir”"
    policy = dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    assert policy["img-src"].split() == [
        "'self'",
        "data:",
        "https://tile.openstreetmap.org",
        "https://images.example.org",
    ]
    home = client.get("/").headers["Content-Security-Policy"]
    assert "images.example.org" not in home, "other pages keep img-src to ourselves and the tiles"


def test_listing_page_shows_the_picture_at_the_top_and_in_its_share_preview(site):  # noqa: F811
    _, client, ids = site
    response = client.get(f"/listings/{ids['choir']}")
    soup = BeautifulSoup(response.data, "html.parser")
    picture = soup.select_one("header.listing-head img.head-img")
    assert picture["src"] == "https://images.example.org/choir.svg" and picture["referrerpolicy"] == "no-referrer"
    assert soup.select_one('meta[property="og:image"]')["content"] == "https://images.example.org/choir.svg"
    assert "https://images.example.org" in response.headers["Content-Security-Policy"]
    walk = client.get(f"/listings/{ids['walk']}")
    assert b"head-img" not in walk.data and "images.example.org" not in walk.headers["Content-Security-Policy"]
