"""Issue 22 through Flask's test client: results first, cards that help someone decide, "What to expect",
the listing page's dates and actions, the organisation's cards and the status table (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import time_machine

from finder.web.views.display import is_stale
from finder.web.views.display_time import until
from finder.web.views.display_words import distance
from tests.site_data import LONDON, add, north, weekly
from tests.test_site import page, site  # noqa: F401 (the seeded site fixture)


def card_of(soup, title: str):
    return next(
        card for card in soup.select("article.card") if card.select_one(".card-title").get_text(strip=True) == title
    )


def test_with_results_the_form_folds_into_a_summary_with_removable_chips(site):  # noqa: F811
    _, client, _ = site
    soup = page(client, "/search?where=London&radius_km=10&kind=event&kind=club&days=sat&days=tue")
    form = soup.select_one("form.search-form.search-summary")
    assert form.select_one(".field-submit button").get_text(strip=True) == "Search"
    assert not form.select_one("details.more-filters").has_attr("open"), "set filters do not push results down"
    assert "(4 set)" in form.select_one("details.more-filters summary").get_text()
    chips = {a.get_text(" ", strip=True).split(" ×")[0]: a["href"] for a in form.select(".filter-chips a.chip")}
    assert set(chips) == {"Meetup or event", "Club or group", "Sat", "Tue"}
    query = parse_qs(urlsplit(chips["Sat"]).query)
    assert query["days"] == ["tue"] and query["kind"] == ["event,club"] and query["where"] == ["London"]
    assert "kind" not in parse_qs(urlsplit(chips["Meetup or event"]).query) or parse_qs(
        urlsplit(chips["Meetup or event"]).query
    )["kind"] == ["club"]
    skip = soup.select_one("a.skip-results")
    assert skip["href"] == "#results" and soup.select_one("#results .result-list")
    numbers = [card["data-number"] for card in soup.select("article.card")]
    assert numbers == [str(n) for n in range(1, len(numbers) + 1)]
    assert [card.select_one(".card-num").get_text() for card in soup.select("article.card")] == numbers


def test_without_results_the_filters_stay_open_to_change(site):  # noqa: F811
    _, client, _ = site
    soup = page(client, "/search?where=Paris&radius_km=2&kind=club&days=sat")
    assert soup.select_one("details.more-filters").has_attr("open")
    assert soup.select_one("a.skip-results") is None


def test_cards_say_the_kind_as_people_do_with_duration_and_no_repeats(site):  # noqa: F811
    _, client, _ = site
    soup = page(client, "/search?where=London&radius_km=10&interests=hiking")
    walk = card_of(soup, "Riverside Walking Group")
    assert walk.select_one(".badge").get_text() == "Weekly group"
    assert "· 2 hours" in walk.select_one(".card-when").get_text(" ", strip=True)
    assert [li.get_text() for li in walk.select(".reasons li")] == ["Matches Outdoors & hiking"]
    assert "Outdoors & hiking" not in [li.get_text() for li in walk.select(".tags li")], "a matched tag is said once"
    assert {li.get_text() for li in walk.select(".card-facts li")} == {
        "Free",
        "Newcomers welcome",
        "Wheelchair accessible",
    }
    everything = page(client, "/search?where=London&radius_km=10")
    assert card_of(everything, "Reading Buddies").select_one(".badge").get_text() == "Volunteer role"
    assert card_of(everything, "Online Book Circle").select_one(".badge").get_text() == "Online community"
    assert card_of(everything, "Community Choir").select_one(".card-facts").get_text(strip=True) == "£3 a session"
    assert not everything.select(".card-fresh"), "listings confirmed yesterday do not say 'Checked …'"
    paris = page(client, "/search?where=Paris&radius_km=10")
    assert card_of(paris, "Soirée jeux de société").select_one(".badge").get_text() == "One-off event"


def test_a_card_placed_by_town_says_in_town_and_never_repeats_the_title_as_organiser(site):  # noqa: F811
    app, client, _ = site
    with app.app_context():
        session = app.extensions["sessionmaker"]()
        row = add(
            session,
            "Pearl Street Knitters",
            point=LONDON,
            tags=["crafts"],
            locality="London",
            geo_precision="locality",
            organizer_name="Pearl Street Knitters!",
        )
        row.last_seen = datetime.now(UTC) - timedelta(days=40)
        session.commit()
        session.close()
    for unit in ("radius_km=10", "radius_mi=5"):
        card = card_of(page(client, f"/search?where=London&{unit}"), "Pearl Street Knitters")
        assert card.select_one(".card-where").get_text(strip=True) == "In London"
        assert card.select_one(".card-org") is None
        assert card.select_one(".card-fresh").get_text(strip=True) == "Last confirmed 5 weeks ago"


def test_distances_are_never_zero_and_stale_means_two_weeks(site):  # noqa: F811
    app, _, _ = site
    with app.test_request_context("/"):
        assert distance(0.02, "mi") == "Under 0.1 mi away"
        assert distance(0.02, "km") == "100 m away"
        now = datetime(2030, 6, 1, tzinfo=UTC)

        class Seen:
            last_seen = now - timedelta(days=13)

        assert not is_stale(Seen, now)
        Seen.last_seen = now - timedelta(days=15)
        assert is_stale(Seen, now)
        start = datetime(2030, 6, 1, 18, tzinfo=UTC)
        assert until(start, start + timedelta(hours=2)) == "8:00 pm"
        assert until(start, start + timedelta(hours=8)) == "", "no end time for a meeting past midnight"


@time_machine.travel(datetime(2030, 3, 4, 9, tzinfo=UTC), tick=False)
def test_the_listing_page_puts_dates_actions_and_what_to_expect_first(site):  # noqa: F811
    app, client, ids = site
    with app.app_context():
        session = app.extensions["sessionmaker"]()
        first = datetime(2030, 3, 9, 10, tzinfo=UTC)
        row = add(
            session,
            "Saturday Litter Pick",
            kind="volunteer",
            point=north(LONDON, 1),
            tags=["environment"],
            starts=weekly(first, 6),
            rrule="FREQ=WEEKLY;BYDAY=SA",
            locality="London",
            cost="£2",
            organizer_url="https://pick.example.org/",
        )
        session.commit()
        listing_id = row.id
        session.close()
    soup = page(client, f"/listings/{listing_id}")
    head = soup.select_one("header.listing-head")
    assert (
        head.select_one(".head-when").get_text(" ", strip=True)
        == "Meets every Saturday · next Sat 9 Mar, 10:00 am–12:00 pm"
    )
    assert head.find("a", string="Add to calendar")["href"].endswith(f"/listings/{listing_id}.ics")
    similar = parse_qs(urlsplit(head.find("a", string="Email me similar")["href"]).query)
    assert similar == {"kind": ["volunteer"], "interests": ["environment"], "where": ["London"]}
    assert len(soup.find_all("a", string="Add to calendar")) == 1
    expect = {dt.get_text(strip=True): dt.find_next("dd").get_text(" ", strip=True) for dt in soup.select(".expect dt")}
    assert expect["How often"] == "Meets every Saturday" and expect["How long"] == "2 hours"
    assert expect["Cost"] == "£2" and expect["Group size"] == "Not stated" and expect["Language"] == "Not stated"
    assert expect["Access"] == "Not stated" and expect["Newcomers"] == "Not stated"
    assert expect["How to join"].startswith("Not stated")
    shown = soup.select("section[aria-labelledby=when-heading] > ul.occurrences li")
    assert [li.get_text(" ", strip=True) for li in shown] == [
        "Sat 9 Mar, 10:00 am – 12:00 pm",
        "Sat 16 Mar, 10:00 am – 12:00 pm",
        "Sat 23 Mar, 10:00 am – 12:00 pm",
    ]
    rest = soup.select_one("details.all-dates")
    assert rest.select_one("summary").get_text(strip=True) == "All dates (6)" and len(rest.select("li")) == 3
    walk = page(client, f"/listings/{ids['walk']}")
    walk_expect = {
        dt.get_text(strip=True): dt.find_next("dd").get_text(" ", strip=True) for dt in walk.select(".expect dt")
    }
    assert walk_expect["Cost"] == "Free" and walk_expect["Access"] == "Wheelchair accessible"
    assert walk_expect["Newcomers"] == "Welcomed, the organiser says"


def test_the_organisation_lists_its_groups_as_cards_and_status_scrolls_by_keyboard(site):  # noqa: F811
    _, client, ids = site
    org = page(client, f"/orgs/{ids['org']}")
    cards = org.select("ul.card-grid > li > article.card")
    assert [card["data-number"] for card in cards] == [str(n) for n in range(1, len(cards) + 1)]
    assert org.select_one("[data-map][data-numbered]"), "its groups on a map, numbered like the cards"
    status = page(client, "/status")
    region = status.select_one(".table-scroll")
    assert region["tabindex"] == "0" and region["role"] == "region" and region["aria-label"]


def test_the_listing_about_heading_is_not_the_site_about_page_in_german(site):  # noqa: F811
    _, client, ids = site
    german = page(client, f"/listings/{ids['walk']}?lang=de")
    assert german.select_one("#about-heading").get_text() == "Beschreibung"
    assert german.select_one("#expect-heading").get_text() == "Was dich erwartet"
    assert german.select_one(".card-meta .badge").get_text() == "Wöchentliche Gruppe"
