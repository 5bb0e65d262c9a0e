"""The three people of the journeys issue, in Debian's Chromium, on the bundled demo served by a real server.

The demo is loaded the way `make run` loads it (`finder demo load`: the real fetcher, adapters and importer),
on whatever day the suite runs; CI runs this file again with the clock moved forward. Each journey asserts
what the person gets: results of the right kind, times that agree with the calendar file, the page's language.
"""

from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import icalendar
import pytest
import recurring_ical_events

from finder.cli.demo import demo_group
from finder.db.migrate import upgrade
from tests.conftest import WRITES_DEMO_FILES, make_test_config
from tests.live_site import chromium_missing_reason, keep_local, serve

pytestmark = [pytest.mark.browser, WRITES_DEMO_FILES]
if chromium_missing_reason():
    pytest.skip(chromium_missing_reason(), allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

from finder import create_app  # noqa: E402


@pytest.fixture(scope="module")
def demo(tmp_path_factory, gazetteer_path):
    """(base URL, app, outbox folder): the demo loaded through the real scrapers and served on 127.0.0.1."""
    folder = tmp_path_factory.mktemp("journeys")
    url = f"sqlite:///{folder}/demo.sqlite"
    upgrade(url)
    outbox = folder / "outbox"
    app = create_app(make_test_config(url, folder, GAZETTEER_PATH=str(gazetteer_path), OUTBOX_DIR=str(outbox)))
    result = app.test_cli_runner().invoke(demo_group, ["load"])
    assert result.exit_code == 0, result.output
    with serve(app) as base:
        yield base, app, outbox


def new_page(browser, locale: str, zone: str):
    context = browser.new_context(locale=locale, timezone_id=zone, accept_downloads=True)
    keep_local(context)
    return context, context.new_page()


def api(app, **args) -> dict:
    response = app.test_client().get("/api/v1/search", query_string={"per_page": 100, **args})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def card_ids(page) -> list[int]:
    hrefs = page.locator("article.card .card-title a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    return [int(re.search(r"/listings/(\d+)", href).group(1)) for href in hrefs]


def latest_eml(outbox: Path, before: set[Path]) -> email.message.EmailMessage:
    new = sorted(set(outbox.glob("*.eml")) - before)
    assert new, f"no new .eml in {outbox}"
    return email.message_from_bytes(new[-1].read_bytes(), policy=email.policy.default)


def test_a_volunteer_in_london_finds_weekend_roles_saves_the_search_and_manages_the_alert(demo, browser):
    base, app, outbox = demo
    context, page = new_page(browser, "en-GB", "Europe/London")
    page.goto(base + "/?lang=en")
    page.fill("#where", "London")
    page.check("input[name=kind][value=volunteer]")
    page.locator("details.more-filters summary").first.click()
    page.check("input[name=days][value=sat]")
    page.check("input[name=days][value=sun]")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url(re.compile(r"/search\?"))

    shown = card_ids(page)
    expected = api(app, where="London", kind="volunteer", days="sat,sun")
    assert len(shown) >= 3
    assert shown == [r["id"] for r in expected["results"]][: len(shown)]  # the page shows what the API ranks first
    assert {r["kind"] for r in expected["results"]} == {"volunteer"}

    dated = next(r for r in expected["results"] if r["next_start"])
    page.locator(f"article.card .card-title a[href$='/listings/{dated['id']}']").click()
    expect(page.locator("h1")).to_have_text(dated["title"])
    with page.expect_download() as download:
        page.get_by_role("link", name="Add to calendar").click()
    calendar = icalendar.Calendar.from_ical(Path(download.value.path()).read_bytes())
    next_start = datetime.fromisoformat(dated["next_start"])
    events = recurring_ical_events.of(calendar).between(
        next_start - timedelta(minutes=1), next_start + timedelta(days=1)
    )
    starts = [event["DTSTART"].dt for event in events]
    assert next_start in starts, (next_start, starts)  # the calendar file and the API agree on the time
    assert next_start.astimezone(UTC).weekday() in (4, 5, 6, 0)  # a weekend day wherever in the world (±1 day)

    page.get_by_role("link", name="← Back to search").click()
    query = parse_qs(urlsplit(page.url).query)
    assert query["where"] == ["London"] and query["kind"] == ["volunteer"] and "sat" in ",".join(query["days"])

    page.get_by_role("link", name=re.compile("Email me new")).click()
    preview = page.locator("section.digest-preview")
    expect(preview).to_contain_text("Your first email, to start with")
    expect(preview.locator("li").first).to_contain_text(expected["results"][0]["title"])
    page.fill("#email", "volunteer@example.org")
    before = set(outbox.glob("*.eml"))
    page.get_by_role("button", name="Send me a confirmation email").click()
    expect(page.locator("h1")).to_contain_text(re.compile("inbox", re.I))
    confirmation = latest_eml(outbox, before)
    text = confirmation.get_body(preferencelist=("plain",)).get_content()
    confirm_path = urlsplit(re.search(r"https?://\S+/alerts/confirm/\S+", text).group(0)).path

    page.goto(base + confirm_path)
    before = set(outbox.glob("*.eml"))
    page.get_by_role("button", name="Yes, send me new matches").click()
    expect(page.locator("h1")).to_have_text("You're subscribed")
    welcome = latest_eml(outbox, before)  # the demo's first digest, at once: the search's best five for now
    first = [r["title"] for r in expected["results"][:5]]
    assert welcome["Subject"].startswith(f"To start with: {len(first)} matches")
    welcome_text = welcome.get_body(preferencelist=("plain",)).get_content()
    assert first == re.findall(r"^\* (.+)$", welcome_text, re.M)
    page.goto(base + confirm_path)  # the link opened again says so instead of asking again
    expect(page.locator("h1")).to_have_text("Already confirmed")

    page.get_by_role("link", name="Manage this alert").click()
    page.get_by_role("button", name="Pause for a month").click()
    expect(page.get_by_text("Paused for a month.")).to_be_visible()
    page.get_by_role("button", name="Resume now").click()
    expect(page.get_by_text("Resumed: new matches will come again.")).to_be_visible()
    expect(page.get_by_role("button", name="Pause for a month")).to_be_visible()
    context.close()


def test_a_berlin_visitor_finds_online_communities_in_german_with_times_in_berlin_time(demo, browser):
    base, app, _outbox = demo
    context, page = new_page(browser, "de-DE", "Europe/Berlin")
    page.goto(base + "/?lang=de")
    page.locator("details.more-filters summary").first.click()
    page.get_by_label("Nur online").check()
    page.get_by_role("button", name="Suchen", exact=True).click()
    page.wait_for_url(re.compile(r"online=only"))

    expected = api(app, online="only", lang="de")
    assert expected["total"] >= 4 and all(r["online"] for r in expected["results"])
    shown = card_ids(page)
    assert set(shown) == {r["id"] for r in expected["results"]}
    assert page.locator("html").get_attribute("lang") == "de"
    assert "UTC" not in page.locator("main").inner_text()  # never a bare UTC for an online time

    dated = next(r for r in expected["results"] if r["next_start"])
    page.goto(base + f"/listings/{dated['id']}?lang=de")
    first = page.locator(".occurrences time").first
    when = datetime.fromisoformat(first.get_attribute("datetime"))
    berlin = when.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Berlin"))
    assert f"{berlin.hour}:{berlin.minute:02d}" in first.inner_text()  # the hour a Berlin visitor joins at
    context.close()


@pytest.mark.parametrize("typed", ["Wandern", "Chor", "Spiele"])
def test_a_german_speaker_types_interests_in_german_and_finds_groups_in_berlin(demo, browser, typed):
    base, app, _outbox = demo
    context, page = new_page(browser, "de-DE", "Europe/Berlin")
    page.goto(base + "/?lang=de")
    page.fill("#where", "Berlin")
    page.fill("#interests", typed)
    page.get_by_role("button", name="Suchen", exact=True).click()
    page.wait_for_url(re.compile(r"/search\?"))
    shown = card_ids(page)
    assert len(shown) >= 1, page.locator("main").inner_text()[:500]
    assert shown == [r["id"] for r in api(app, where="Berlin", interests=typed, lang="de")["results"]][: len(shown)]
    assert page.locator("html").get_attribute("lang") == "de"
    context.close()
