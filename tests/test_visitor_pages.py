"""The small breaks on a visitor's way: back to the same search, pause and resume, an unsubscribed alert's
page, a confirm link opened twice, a readable alert summary, "use my location" named, script messages and
the API reference page in our own files."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bs4 import BeautifulSoup

from finder.alerts import subscriptions as alerts
from finder.models import Alert
from tests.test_site import page, site  # noqa: F401 - the seeded site fixture
from tests.trust_helpers import post_form

CREATED = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)


def _alert(app, status: str = "active", confirmed: bool = True, **query) -> int:
    with app.app_context():
        session = app.extensions["sessionmaker"]()
        alert = Alert(
            email="walker@example.org",
            frequency="weekly",
            name="Walks",
            status=status,
            created_at=CREATED,
            confirmed_at=CREATED if confirmed else None,
            query=query or {"where": "London"},
        )
        session.add(alert)
        session.commit()
        alert_id = alert.id
        session.close()
    return alert_id


def _status(app, alert_id: int) -> tuple[str, datetime | None]:
    with app.app_context():
        session = app.extensions["sessionmaker"]()
        alert = session.get(Alert, alert_id)
        session.close()
    return alert.status, alert.paused_until


def _buttons(html: str) -> list[str]:
    return [b.get_text(strip=True) for b in BeautifulSoup(html, "html.parser").select("main form button")]


def test_back_to_search_keeps_the_search_the_visitor_came_from(site):  # noqa: F811
    _, client, ids = site
    came_from = "http://localhost/search?where=London&interests=walking&radius_km=10&page=2&evil=1"
    soup = BeautifulSoup(client.get(f"/listings/{ids['walk']}", headers={"Referer": came_from}).data, "html.parser")
    back = soup.select_one("p.back a")["href"]
    assert back == "/search?where=London&interests=walking&radius_km=10&page=2"
    for elsewhere in ("https://evil.example/search?where=London", "http://localhost/about?where=x", ""):
        soup = BeautifulSoup(client.get(f"/listings/{ids['walk']}", headers={"Referer": elsewhere}).data, "html.parser")
        assert soup.select_one("p.back a")["href"] == "/search", elsewhere


def test_a_paused_alert_can_be_resumed(app, client):
    alert_id = _alert(app)
    manage = f"/alerts/manage/{alerts.make_token('test-secret', 'manage', alert_id)}"
    paused = post_form(client, manage, action="pause")
    assert paused.status_code == 200 and _status(app, alert_id)[0] == "paused"
    assert "Resume now" in _buttons(paused.get_data(as_text=True))
    assert "Pause for a month" not in _buttons(paused.get_data(as_text=True))
    resumed = post_form(client, manage, action="resume")
    assert resumed.status_code == 200 and "Resumed" in resumed.get_data(as_text=True)
    assert _status(app, alert_id) == ("active", None)
    assert "Pause for a month" in _buttons(resumed.get_data(as_text=True))


def test_an_unsubscribed_alert_offers_only_to_subscribe_again(app, client):
    alert_id = _alert(app, status="unsubscribed")
    manage = f"/alerts/manage/{alerts.make_token('test-secret', 'manage', alert_id)}"
    html = client.get(manage).get_data(as_text=True)
    assert "Save" not in _buttons(html) and "Pause for a month" not in _buttons(html)
    assert "Subscribe again" in _buttons(html)
    assert post_form(client, manage, action="pause").status_code == 400
    assert post_form(client, manage, action="frequency", frequency="daily").status_code == 400
    assert _status(app, alert_id)[0] == "unsubscribed"
    again = post_form(client, manage, action="resubscribe")
    assert again.status_code == 200 and _status(app, alert_id)[0] == "active"
    never_confirmed = _alert(app, status="unsubscribed", confirmed=False)
    stopped = client.get(f"/alerts/manage/{alerts.make_token('test-secret', 'manage', never_confirmed)}")
    assert _buttons(stopped.get_data(as_text=True)) == ["Delete this alert"]
    assert "start again from a search" in stopped.get_data(as_text=True)


def test_a_confirm_link_opened_twice_says_it_is_already_confirmed(app, client):
    alert_id = _alert(app, status="pending", confirmed=False)
    confirm = f"/alerts/confirm/{alerts.make_token('test-secret', 'confirm', alert_id)}"
    assert "Yes, send me new matches" in client.get(confirm).get_data(as_text=True)
    assert post_form(client, confirm).status_code == 200
    again = client.get(confirm).get_data(as_text=True)
    assert "Already confirmed" in again and "Yes, send me new matches" not in again
    assert "/alerts/manage/" in again
    unsubscribe = f"/alerts/unsubscribe/{alerts.make_token('test-secret', 'unsubscribe', alert_id)}"
    assert "Stop these emails?" in client.get(unsubscribe).get_data(as_text=True)
    client.post(unsubscribe, data={"List-Unsubscribe": "One-Click"})
    twice = client.get(unsubscribe).get_data(as_text=True)
    assert "You're unsubscribed" in twice.replace("&#39;", "'") and "Stop these emails?" not in twice


def test_the_alert_form_sums_up_the_search_in_words(site):  # noqa: F811
    _, client, _ = site
    url = "/alerts/new?where=Portland&radius_mi=15&days=sat,sun&interests=music,knitting&online=exclude&free=true"
    summary = page(client, url).select_one(".query-summary").get_text(" ", strip=True)
    assert "radius_mi" not in summary and "days:" not in summary
    for words in ("Near Portland, within 15 mi", "Sat and Sun", "Music and knitting", "In person only", "Free"):
        assert words in summary, (words, summary)
    german = page(client, url + "&lang=de").select_one(".query-summary").get_text(" ", strip=True)
    assert "Sa. und So." in german and "Musik" in german, german
    located = page(client, "/alerts/new?lat=51.509&lon=-0.126&radius_km=5&lang=en").select_one(".query-summary")
    assert "Near London, England, within 5 km" in located.get_text(" ", strip=True)
    hidden = {
        i["name"]: i["value"] for i in page(client, url).select("form input[type=hidden]") if i["name"] != "csrf_token"
    }
    assert hidden["radius_mi"] == "15" and hidden["days"] == "sat,sun"  # the search itself is kept as it was


def test_my_location_is_named_after_the_nearest_town(site):  # noqa: F811
    _, client, _ = site
    heading = page(client, "/search?lat=51.509&lon=-0.126").select_one("h1").get_text(" ", strip=True)
    assert "London" in heading and not re.search(r"\d+\.\d+", heading), heading
    nowhere = page(client, "/search?lat=-40.0&lon=-140.0").select_one("h1").get_text(" ", strip=True)
    assert nowhere.endswith("near your location"), nowhere
    typed = page(client, "/search?where=Paris").select_one("h1").get_text(" ", strip=True)
    assert "Paris" in typed


def test_script_messages_come_from_the_page_in_its_language(site):  # noqa: F811
    _, client, ids = site
    form = page(client, "/?lang=es").select_one("form.search-form")
    assert form["data-msg-finding"] == "Buscando tu ubicación…"
    assert form["data-msg-failed"].startswith("No pudimos obtener tu ubicación")
    box = page(client, f"/listings/{ids['walk']}?lang=de").select_one("[data-map]")
    assert box["data-msg-tiles-failed"].startswith("Der Kartenhintergrund konnte nicht geladen werden")
    assert box["data-msg-zoom-in"] == "Vergrößern"
    for script, names in (
        ("site.js", ("finding", "using", "failed", "your-location")),
        ("map.js", ("tiles-failed", "offline", "zoom-in", "zoom-out", "close")),
    ):
        source = client.get(f"/static/js/{script}").get_data(as_text=True)
        for name in names:
            assert f'"{name}"' in source, (script, name)


def test_the_api_reference_loads_only_our_own_script(client):
    html = client.get("/api/v1/docs/redoc/").get_data(as_text=True)
    sources = re.findall(r"<script[^>]*\bsrc=\"([^\"]+)\"", html)
    assert sources == ["/static/vendor/redoc/redoc.standalone.js"]
    bundle = client.get(sources[0])
    assert bundle.status_code == 200 and len(bundle.data) > 500_000
    assert "MIT" in client.get("/static/vendor/redoc/LICENSE").get_data(as_text=True)
    assert client.get("/api/v1/search?where=London").headers["Content-Security-Policy"].count("unsafe-inline") == 0
