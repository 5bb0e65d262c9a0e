"""The site in Debian's Chromium (Playwright): search, listing, .ics, map without network, axe, keyboard only."""

from __future__ import annotations

import re

import pytest
from icalendar import Calendar

from tests.live_site import AXE_COLOUR_RULES, build_site, chromium_missing_reason, keep_local, serve

pytestmark = pytest.mark.browser
if chromium_missing_reason():
    pytest.skip(chromium_missing_reason(), allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

from tests.page_axe import PageAxe  # noqa: E402


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """(base URL, ids) of the seeded site served on 127.0.0.1 for this module."""
    app, ids = build_site(tmp_path_factory.mktemp("browser-site"))
    with serve(app) as base:
        yield base, ids


@pytest.fixture
def context(browser):
    """A context that may inject axe (bypass_csp) and reaches nothing beyond the loopback server."""
    context = browser.new_context(bypass_csp=True, accept_downloads=True)
    keep_local(context)
    yield context
    context.close()


FILTERED = "/search?where=London&radius_km=10&kind=event&kind=club&days=sat&days=tue&time=evening"
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 800}


def page_types(base: str, ids: dict) -> dict[str, str]:
    return {
        "home": "/",
        "results": "/search?where=London&radius_km=10",
        "results-filtered": FILTERED,
        "results-empty": "/search?where=Paris&radius_km=2&kind=club",
        "did-you-mean": "/search?where=Springfield",
        "listing": f"/listings/{ids['walk']}",
        "listing-cancelled": f"/listings/{ids['repair']}",
        "listing-online": f"/listings/{ids['online']}",
        "listing-picture": f"/listings/{ids['choir']}",
        "organisation": f"/orgs/{ids['org']}",
        "guidance": "/guidance",
        "sources": "/sources",
        "about": "/about",
        "not-found": "/listings/999999",
        "alerts-new": "/alerts/new?where=London&radius_km=10",
        "status": "/status",
    }


def test_search_by_place_and_interest_then_open_a_listing(site, context):
    base, ids = site
    page = context.new_page()
    page.goto(base + "/")
    page.get_by_label("Where", exact=True).fill("London")
    page.get_by_label("Interests", exact=True).fill("walking")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search?**")
    first = page.locator(".card-title a").first
    expect(first).to_have_text("Riverside Walking Group")
    expect(page.locator("h1")).to_contain_text("London")
    first.click()
    page.wait_for_url(f"**/listings/{ids['walk']}")
    expect(page.locator("h1")).to_have_text("Riverside Walking Group")
    expect(page.locator(".head-when")).to_contain_text("Meets every Saturday")


def test_add_to_calendar_downloads_a_valid_ics(site, context):
    base, ids = site
    page = context.new_page()
    page.goto(f"{base}/listings/{ids['walk']}")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Add to calendar").click()
    download = download_info.value
    assert download.suggested_filename == f"kindred-{ids['walk']}.ics"
    calendar = Calendar.from_ical(open(download.path(), "rb").read())
    event = calendar.walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Riverside Walking Group"
    assert event["RRULE"]["FREQ"] == ["WEEKLY"]


def test_map_draws_markers_offline_and_the_list_stays_complete(site, browser):
    base, ids = site
    context = browser.new_context()
    blocked: list[str] = []
    keep_local(context, blocked)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(base + "/search?where=London&radius_km=10")
    box = page.locator("[data-map]")
    expect(box).to_be_visible()
    expect(box).to_have_attribute("data-map-ready", "true")
    mappable = page.locator(".card[data-point]").count()
    assert mappable >= 3 and page.locator(".map .leaflet-interactive").count() == mappable
    expect(page.locator("[data-map-note]")).to_contain_text("could not load")
    assert any("tile.openstreetmap.org" in url for url in blocked), "tiles were asked for and refused"
    assert not [e for e in errors if "Content Security Policy" in e], errors
    context.close()


def test_no_tiles_are_asked_for_when_the_browser_is_offline(site, browser):
    base, ids = site
    context = browser.new_context()
    context.add_init_script("Object.defineProperty(Navigator.prototype, 'onLine', {get: () => false});")
    blocked: list[str] = []
    keep_local(context, blocked)
    page = context.new_page()
    page.goto(f"{base}/listings/{ids['walk']}")
    expect(page.locator("[data-map]")).to_have_attribute("data-map-ready", "true")
    expect(page.locator("[data-map-note]")).to_contain_text("needs an internet connection")
    assert page.locator(".map .leaflet-interactive").count() == 1
    assert blocked == []
    context.close()


def test_without_javascript_the_map_stays_hidden_and_the_list_is_complete(site, browser):
    base, _ = site
    context = browser.new_context(java_script_enabled=False)
    keep_local(context)
    page = context.new_page()
    page.goto(base + "/search?where=London&radius_km=10")
    expect(page.locator("[data-map]")).to_be_hidden()
    expect(page.locator("[data-locate]")).to_be_hidden()
    assert page.locator(".card-title a").count() >= 4
    page.get_by_text("More filters").click()
    expect(page.get_by_label("Words to look for")).to_be_visible()
    context.close()


def test_use_my_location_searches_around_the_browser_position(site, browser):
    base, _ = site
    context = browser.new_context(geolocation={"latitude": 51.5074, "longitude": -0.1278}, permissions=["geolocation"])
    keep_local(context)
    page = context.new_page()
    page.goto(base + "/")
    page.get_by_role("button", name="Use my location").click()
    page.wait_for_url("**/search?**")
    assert "lat=51.507" in page.url and "where=" not in page.url
    expect(page.locator(".card-title a").first).to_have_text("Riverside Walking Group")
    context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_axe_finds_no_violations_on_any_page_type_in_light_and_dark(site, browser, viewport):
    base, ids = site
    context = browser.new_context(bypass_csp=True, color_scheme="light", viewport=viewport)
    keep_local(context)
    page = context.new_page()
    axe = PageAxe()
    found = {}
    for name, path in page_types(base, ids).items():
        page.emulate_media(color_scheme="light")
        page.goto(base + path)
        if page.locator("[data-map]").count():
            expect(page.locator("[data-map]")).to_have_attribute("data-map-ready", "true")
        page.locator("details.more-filters").evaluate_all("els => els.forEach(e => e.open = true)")
        for scheme, options in (("light", None), ("dark", AXE_COLOUR_RULES)):
            page.emulate_media(color_scheme=scheme)
            assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") == (scheme == "dark")
            results = axe.run(page, options=options) if options else axe.run(page)
            assert results.response["testEngine"]["name"] == "axe-core"
            checked = {rule["id"] for kind in ("passes", "violations", "incomplete") for rule in results.response[kind]}
            if options:
                assert "color-contrast" in checked, f"axe checked no contrast on {name} ({scheme})"
            else:
                assert len(results.response["passes"]) >= 10, f"axe checked too little on {name}"
            if results.violations_count:
                found[f"{name} ({scheme})"] = [
                    (v["id"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]
                ]
    context.close()
    assert found == {}


def tab_to(page, locator, limit: int = 60) -> None:
    """Press Tab until `locator` has the focus; fail when it never does."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if locator.evaluate("el => el === document.activeElement"):
            return
    pytest.fail(f"{locator} was never reached with Tab")


def test_keyboard_only_from_search_to_a_listing(site, context):
    base, ids = site
    page = context.new_page()
    page.goto(base + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    tab_to(page, page.locator("#where"), limit=3)
    page.keyboard.type("London")
    tab_to(page, page.locator("#interests"), limit=4)
    page.keyboard.type("walking")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?**")
    target = page.locator(".card-title a").first
    tab_to(page, target)
    assert target.evaluate("el => getComputedStyle(el).outlineStyle") != "none", "focus is visible"
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/listings/{ids['walk']}")
    expect(page.locator("h1")).to_have_text("Riverside Walking Group")


def test_pages_fit_a_320_pixel_screen(site, browser):
    base, ids = site
    context = browser.new_context(viewport={"width": 320, "height": 640})
    keep_local(context)
    page = context.new_page()
    too_wide = {}
    for name, path in page_types(base, ids).items():
        page.goto(base + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 320:
            too_wide[name] = width
    context.close()
    assert too_wide == {}


def test_no_console_errors_under_the_real_policy(site, browser):
    base, ids = site
    context = browser.new_context()
    keep_local(context)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"{page.url}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))
    for path in page_types(base, ids).values():
        page.goto(base + path)
    context.close()
    real = [p for p in problems if "ERR_INTERNET_DISCONNECTED" not in p and "404" not in p]
    assert real == []


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_results_come_first_even_with_filters_set(site, browser, viewport):
    base, _ = site
    context = browser.new_context(viewport=viewport)
    keep_local(context)
    page = context.new_page()
    page.goto(base + FILTERED)
    expect(page.locator("details.more-filters")).not_to_have_attribute("open", "")
    expect(page.locator(".filter-chips .chip")).to_have_count(5)
    top = page.locator("article.card").first.evaluate("el => el.getBoundingClientRect().top")
    assert 0 < top < viewport["height"] - 40, f"first card at {top}px in a {viewport['height']}px screen"
    page.locator(".filter-chips .chip", has_text="Tue").click()  # removing a chip searches again without it
    page.wait_for_url("**/search?**")
    assert "tue" not in page.url and "sat" in page.url
    context.close()


def test_skip_to_results_is_the_second_tab_stop(site, context):
    base, _ = site
    page = context.new_page()
    page.goto(base + FILTERED)
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to results"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "results"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('article.card').dataset.number") == "1"


def test_marker_n_and_card_n_are_linked(site, browser):
    base, _ = site
    context = browser.new_context(viewport=DESKTOP)
    keep_local(context)
    page = context.new_page()
    page.goto(base + "/search?where=London&radius_km=10")
    expect(page.locator("[data-map]")).to_have_attribute("data-map-ready", "true")
    cards = page.locator("article.card[data-point]")
    assert cards.count() >= 3
    for index in range(cards.count()):
        card = cards.nth(index)
        number = card.get_attribute("data-number")
        marker = page.locator(f".map-marker[data-number='{number}']")
        expect(marker).to_have_text(number)
        expect(marker).to_have_attribute("data-card", card.get_attribute("id"))
        assert card.locator(".card-num").inner_text() == number
        card.hover()
        expect(marker).to_have_class(re.compile(r"\bis-active\b"))
        assert page.locator(".map-marker.is-active").count() == 1
        page.mouse.move(0, 0)
        expect(marker).not_to_have_class(re.compile(r"\bis-active\b"))
        marker.focus()  # keyboard on the marker lights up its card
        expect(card).to_have_class(re.compile(r"\bis-active\b"))
        marker.blur()
    assert page.locator(".map-box").evaluate("el => getComputedStyle(el).position") == "sticky"
    context.close()


def test_phones_switch_between_the_list_and_the_map(site, browser):
    base, _ = site
    context = browser.new_context(viewport=PHONE)
    keep_local(context)
    page = context.new_page()
    page.goto(base + "/search?where=London&radius_km=10")
    expect(page.locator("[data-map]")).to_have_attribute("data-map-ready", "true")
    expect(page.locator(".map-box")).to_be_hidden()
    expect(page.locator("article.card").first).to_be_visible()
    page.get_by_role("button", name="Map").click()
    expect(page.locator(".map-box")).to_be_visible()
    expect(page.locator("article.card").first).to_be_hidden()
    expect(page.locator(".map-marker[data-number='1']")).to_be_visible()
    page.get_by_role("button", name="List").click()
    expect(page.locator("article.card").first).to_be_visible()
    context.close()
    nojs = browser.new_context(viewport=PHONE, java_script_enabled=False)
    keep_local(nojs)
    page = nojs.new_page()
    page.goto(base + "/search?where=London&radius_km=10")
    expect(page.locator("[data-view-toggle]")).to_be_hidden()
    expect(page.locator("article.card").first).to_be_visible()
    nojs.close()


def test_card_pictures_are_fixed_thumbnails_and_vanish_when_they_fail(site, browser):
    base, _ = site
    context = browser.new_context(viewport=PHONE)
    keep_local(context)  # answers the seeded pictures from tests/fixtures/images
    page = context.new_page()
    page.goto(base + "/search?where=London&radius_km=10")
    choir = page.locator(".card", has_text="Community Choir").locator("img.card-img")
    choir.scroll_into_view_if_needed()
    expect(choir).to_have_js_property("complete", True)
    assert choir.evaluate("img => img.naturalWidth") > 0
    box = choir.bounding_box()
    assert (round(box["width"]), round(box["height"])) == (88, 66), "a fixed thumbnail on a phone"
    context.close()

    context = browser.new_context(viewport=PHONE)
    context.route(
        "**/*",
        lambda route: route.continue_() if "127.0.0.1" in route.request.url else route.abort("internetdisconnected"),
    )
    page = context.new_page()
    page.goto(base + "/search?where=London&radius_km=10")
    page.locator(".card").last.scroll_into_view_if_needed()
    expect(page.locator("img.card-img")).to_have_count(0)
    expect(page.locator(".card.has-image")).to_have_count(0)
    context.close()
