"""In Debian's Chromium, as a visitor elsewhere sees the site: online times in the browser's own zone,
script messages in the page's language, and the API reference page drawn under our own CSP."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from finder.web.views.display_time import local_when
from tests.live_site import build_site, chromium_missing_reason, keep_local, serve

pytestmark = pytest.mark.browser
if chromium_missing_reason():
    pytest.skip(chromium_missing_reason(), allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    app, ids = build_site(tmp_path_factory.mktemp("visitor-site"))
    with serve(app) as base:
        yield base, ids


def test_an_online_event_shows_in_berlin_time_for_a_berlin_browser(site, browser):
    base, ids = site
    context = browser.new_context(timezone_id="Europe/Berlin")  # the site's own CSP applies
    keep_local(context)
    page = context.new_page()
    page.goto(base + "/search?online=only&interests=book-clubs&lang=en")  # house style: "Thu 10 Dec, 8:00 pm"
    card = page.locator("article.card", has=page.locator(".card-title", has_text="Online Book Circle"))
    expect(card.locator(".zone")).to_have_text("(Berlin time)")  # after the page sent the zone and reloaded
    assert {c["name"]: c["value"] for c in context.cookies()}["tz"] == "Europe/Berlin"
    card_text = card.inner_text()
    page.goto(base + f"/listings/{ids['online']}")
    expect(page.get_by_text("Times shown in your time zone (Berlin time).")).to_be_visible()
    first = page.locator(".occurrences time").first
    utc = datetime.fromisoformat(first.get_attribute("datetime"))
    expect(first).to_have_text(local_when(utc, ZoneInfo("Europe/Berlin")))
    assert local_when(utc, ZoneInfo("Europe/Berlin")) != local_when(utc, ZoneInfo("Europe/London"))
    assert local_when(utc, ZoneInfo("Europe/Berlin")) in card_text  # the card's next meeting, in Berlin time
    context.close()


def test_script_messages_follow_the_page_language(site, browser):
    base, ids = site
    context = browser.new_context(timezone_id="Europe/London")
    keep_local(context)  # map tiles cannot load: map.js says so, in German on a German page
    page = context.new_page()
    page.goto(base + f"/listings/{ids['walk']}?lang=de")
    note = page.locator("[data-map-note]")
    expect(note).not_to_be_empty()
    assert "Kartenhintergrund" in note.inner_text(), note.inner_text()
    assert page.locator(".leaflet-control-zoom-in").get_attribute("title") == "Vergrößern"
    context.close()


def test_the_api_reference_draws_under_our_csp(site, browser):
    base, _ = site
    context = browser.new_context()
    blocked: list[str] = []
    keep_local(context, blocked)
    page = context.new_page()
    refused: list[str] = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    page.goto(base + "/api/v1/docs/redoc/")
    expect(page.get_by_text("/api/v1/search").first).to_be_attached(timeout=20000)
    expect(page.locator("h1").first).to_contain_text("Kindred API")
    assert blocked == []  # nothing fetched from outside (ReDoc's own footer logo is refused by img-src)
    assert [text for text in refused if "script-src" in text or "style-src" in text] == []
    context.close()
