"""A digest filled into its shell (finder.alerts.digest_shells) is byte for byte the digest its templates give:
subject, text and inlined HTML, for alerts in English, Spanish and German, named or not, with names and searches
that need escaping, listings in several zones (timed, all-day, recurring, online, cancelled), one card to more
than fit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from types import SimpleNamespace

import pytest

from finder import create_app
from finder.alerts import digest_message
from finder.alerts.cards import Cards
from finder.alerts.delivery import digest_settings
from finder.alerts.digest_shells import Shells
from finder.db.migrate import upgrade
from finder.mail import inline_css
from finder.models import Listing
from finder.web.i18n import render_in_alert_locale
from tests.conftest import make_test_config

NOW = datetime(2030, 12, 2, 9, 0, tzinfo=UTC)
NAMES = [
    None,
    "",
    "Gardens",
    'Tom & Jerry\'s <club> "quoted"',
    "Café\xa0«Nähe» — 🌱",
    "a&amp;b &lt; x",
    "q8ZkNAMEz q8ZkCARD0z",  # the shell's own marker text, as a value, is only a value
]
QUERIES = [
    {},
    {"where": "Portland", "q": "garden"},
    {"lat": "45.5", "lon": "-122.6", "interests": "board games, hiking", "kind": "club,event"},
    {"q": '"chess" & <go>', "where": "Zürich"},
]
ZONES = ["America/Los_Angeles", "Europe/Berlin", "UTC", "Asia/Kolkata"]


@pytest.fixture
def site(tmp_path: Path):
    url = f"sqlite:///{tmp_path}/shells.sqlite"
    upgrade(url)
    app = create_app(
        make_test_config(
            url, tmp_path, BASE_URL="https://kindred.example.org", MAIL_POSTAL_ADDRESS="1 Example Street, Portland"
        )
    )
    maker = app.extensions["sessionmaker"]
    with app.app_context(), maker() as session:
        listings = []
        for n in range(12):
            start = NOW + timedelta(days=n + 1, hours=n)
            listing = Listing(
                kind=["club", "volunteer", "event", "online", "service"][n % 5],
                title=f"Listing {n} & <friends> “{n}”",
                url=f"https://example.org/{n}",
                lat=None if n % 5 == 3 else 45.52,
                lon=None if n % 5 == 3 else -122.68,
                online=n % 5 == 3,
                locality="Portland",
                venue_name="Hall" if n % 2 else None,
                organizer_name="Friends" if n % 3 else None,
                free=n % 2 == 0,
                newcomer_friendly=n % 3 == 0,
                status="cancelled" if n == 4 else "postponed" if n == 7 else "scheduled",
                timezone=ZONES[n % len(ZONES)],
                all_day=n % 6 == 5,
                recurrence="FREQ=WEEKLY;BYDAY=SA" if n % 4 == 1 else None,
                start=None if n == 10 else start,
                next_start=None if n == 10 else start,
                first_seen=NOW,
                last_seen=NOW,
            )
            session.add(listing)
            listings.append(listing)
        session.flush()
        yield app, listings
    app.extensions["engine"].dispose()


def test_a_digest_from_its_shell_is_the_digest_from_its_templates(site):
    app, listings = site
    settings = digest_settings(app.config["FINDER"])
    cards = Cards(render_in_alert_locale, settings.base_url)
    parts = partial(digest_message.digest_parts, cards, settings)
    shells = Shells(parts, cards, settings)
    compared = 0
    for n, (locale, name, query, count) in enumerate(
        (locale, name, query, count)
        for locale in ("en", "es", "de")
        for name in NAMES
        for query in QUERIES
        for count in (1, 3, 11)
    ):
        alert = SimpleNamespace(id=n, locale=locale, name=name, query=query)
        shown, more = listings[(n % 3) : (n % 3) + min(count, 10)], count > 10
        links = digest_message.alert_links(settings, n)
        composed = shells.compose(alert, shown, more, links)
        assert composed is not None, (locale, name, query)
        subject, text, html = parts(alert, shown, more, links, cards.bind(alert))
        assert composed == (subject.strip(), text, inline_css(html)), (locale, name, query, count)
        compared += 1
    assert compared == 3 * len(NAMES) * len(QUERIES) * 3
    assert all(shell is not None for shell in shells.shells.values())  # every shape passed its own check


def test_names_the_html_parser_would_change_take_the_template_path(site):
    app, listings = site
    settings = digest_settings(app.config["FINDER"])
    cards = Cards(render_in_alert_locale, settings.base_url)
    shells = Shells(partial(digest_message.digest_parts, cards, settings), cards, settings)
    links = digest_message.alert_links(settings, 1)
    for name in ("line\r\nbreak", "nul\x00", "bell\x07"):
        alert = SimpleNamespace(id=1, locale="en", name=name, query={"q": "x"})
        assert shells.compose(alert, listings[:2], False, links) is None
    assert shells.compose(SimpleNamespace(id=2, locale="en", name="ok", query={}), listings[:2], False, links)


def test_a_card_holding_the_shells_marker_text_takes_the_template_path(site):
    app, listings = site
    settings = digest_settings(app.config["FINDER"])
    cards = Cards(render_in_alert_locale, settings.base_url)
    shells = Shells(partial(digest_message.digest_parts, cards, settings), cards, settings)
    links = digest_message.alert_links(settings, 1)
    alert = SimpleNamespace(id=1, locale="en", name="ok", query={})
    assert shells.compose(alert, listings[:2], False, links) is not None
    listings[5].title = "Odd q8ZkCardStartz title"
    assert shells.compose(alert, [listings[0], listings[5]], False, links) is None
