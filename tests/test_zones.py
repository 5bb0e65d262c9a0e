"""Times where people are: online times in the visitor's zone (the `tz` cookie the page's script sets),
named beside the time without it; in-person times in the venue's zone, named after its town."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select

from finder.models import Listing
from finder.web.views.display_time import local_when
from tests.test_site import page, site  # noqa: F401 - the seeded site fixture

BERLIN = ZoneInfo("Europe/Berlin")


def _listing(app, listing_id: int) -> Listing:
    with app.app_context():
        session = app.extensions["sessionmaker"]()
        listing = session.scalar(select(Listing).where(Listing.id == listing_id))
        session.expunge_all()
        session.close()
    return listing


def _card(soup, title: str):
    return next(
        card for card in soup.select("article.card") if card.select_one(".card-title").get_text(strip=True) == title
    )


def test_online_times_show_in_the_zone_the_browser_sent(site):  # noqa: F811
    app, client, ids = site
    online = _listing(app, ids["online"])
    client.set_cookie("tz", "Europe/Berlin")
    card = _card(page(client, "/search?online=only&interests=book-clubs"), "Online Book Circle")
    when = card.select_one(".card-when").get_text(" ", strip=True)
    assert local_when(online.next_start, BERLIN) in when
    assert "(Berlin time)" in when
    assert local_when(online.next_start, ZoneInfo("Europe/London")) not in when  # London is an hour behind
    listing = page(client, f"/listings/{ids['online']}")
    assert "Times shown in your time zone (Berlin time)." in listing.get_text(" ", strip=True)
    assert local_when(online.next_start, BERLIN) in listing.select_one(".occurrences").get_text(" ", strip=True)


def test_without_the_browser_zone_online_times_name_their_zone(site):  # noqa: F811
    app, client, ids = site
    online = _listing(app, ids["online"])
    card = _card(page(client, "/search?online=only&interests=book-clubs"), "Online Book Circle")
    when = card.select_one(".card-when").get_text(" ", strip=True)
    assert local_when(online.next_start, ZoneInfo("Europe/London")) in when
    assert "(London time)" in when
    german = page(client, f"/listings/{ids['online']}?lang=de").get_text(" ", strip=True)
    assert "Zeiten: Ortszeit London." in german and "UTC" not in german


def test_a_zone_cookie_that_is_no_zone_is_ignored(site):  # noqa: F811
    _, client, ids = site
    for junk in ("../../etc/passwd", "Europe", "Mars/Olympus_Mons", "x" * 200):
        client.set_cookie("tz", junk)
        text = page(client, f"/listings/{ids['online']}").get_text(" ", strip=True)
        assert "Times shown in London time." in text, junk


def test_online_listing_without_a_zone_never_reads_bare_utc(site):  # noqa: F811
    app, client, ids = site
    with app.app_context():
        session = app.extensions["sessionmaker"]()
        session.get(Listing, ids["online"]).timezone = None
        session.commit()
        session.close()
    text = page(client, f"/listings/{ids['online']}?lang=de").get_text(" ", strip=True)
    assert "Zeiten: Koordinierte Weltzeit." in text
    assert "Zeiten in UTC" not in text


def test_in_person_times_keep_the_venue_zone_named_after_its_town(site):  # noqa: F811
    app, client, ids = site
    paris = _listing(app, ids["paris"])
    client.set_cookie("tz", "America/Los_Angeles")  # the visitor's zone does not move a venue's times
    soup = page(client, f"/listings/{ids['paris']}")
    text = soup.get_text(" ", strip=True)
    assert "Times shown in Paris time." in text
    assert "Europe/Paris" not in text
    assert local_when(paris.next_start, ZoneInfo("Europe/Paris")) in text
    spanish = page(client, f"/listings/{ids['walk']}?lang=es").get_text(" ", strip=True)
    assert "hora de Londres" in spanish


def test_a_venue_card_names_its_zone_only_for_a_visitor_elsewhere(site):  # noqa: F811
    _, client, _ = site
    title = "Soirée jeux de société"
    assert _card(page(client, "/search?where=Paris"), title).select_one(".zone") is None  # no zone known: local
    client.set_cookie("tz", "Europe/Paris")
    assert _card(page(client, "/search?where=Paris"), title).select_one(".zone") is None  # the visitor is there
    client.set_cookie("tz", "America/Los_Angeles")
    card = _card(page(client, "/search?where=Paris"), title)
    assert card.select_one(".zone").get_text() == "(Paris time)"
