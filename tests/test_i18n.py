"""Languages: Accept-Language and the switcher pick English, Spanish or German; dates and distances follow the
locale; the catalogues are complete, match the templates and code, and their .mo files match the .po files."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup

from finder import create_app
from finder.alerts.cards import Cards
from finder.web.i18n import LANGUAGES, TRANSLATIONS_DIR, render_in_alert_locale
from finder.web.views.display_time import ago, local_when
from finder.web.views.display_words import distance
from tests.conftest import _database, build_schema, make_test_config
from tests.site_data import seed_app

ROOT = Path(__file__).resolve().parent.parent
POT = TRANSLATIONS_DIR / "messages.pot"
TRANSLATED = [code for code in LANGUAGES if code != "en"]


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def seeded_site(request, tmp_path_factory, gazetteer_path):
    """The seeded site on each backend, built once per module: no test here writes to it, and building it for
    each of the ~90 tests (emptying, migrating nothing, seeding, a new app) was most of this module's time.
    Its own database, so the tests here that empty the shared one (`admin_site`) leave it alone."""
    for url in _database(request, tmp_path_factory, build_schema):
        app = create_app(make_test_config(url, None, GAZETTEER_PATH=str(gazetteer_path)))
        ids = seed_app(app)
        yield app, ids
        app.extensions["engine"].dispose()


@pytest.fixture
def site(seeded_site):
    """(app, a fresh client: no cookie from another test, ids of the seeded listings)."""
    app, ids = seeded_site
    return app, app.test_client(), ids


def soup_of(client, url: str, **headers) -> BeautifulSoup:
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    return BeautifulSoup(response.data, "html.parser")


@pytest.mark.parametrize(
    ("accept", "lang", "nav", "heading"),
    [
        ("es-ES,es;q=0.9,en;q=0.5", "es", "Buscar", "Encuentra a tu gente, cerca de casa"),
        ("de-DE,de;q=0.9", "de", "Suchen", "Finde deine Leute, ganz in der Nähe"),
        ("fr-FR,fr;q=0.9", "en", "Search", "Find your people, close to home"),
    ],
)
def test_accept_language_picks_the_page_language(site, accept, lang, nav, heading):
    _, client, _ = site
    soup = soup_of(client, "/", **{"Accept-Language": accept})
    assert soup.html["lang"] == lang
    assert soup.h1.get_text(strip=True) == heading
    assert nav in [a.get_text(strip=True) for a in soup.select("header nav a")]


def test_guidance_listing_and_search_pages_are_translated(site):
    _, client, ids = site
    guidance = soup_of(client, "/guidance", **{"Accept-Language": "de"})
    assert guidance.h1.get_text(strip=True) == "Kontakte knüpfen"
    assert "Geh zweimal hin, bevor du entscheidest." in guidance.get_text()
    listing = soup_of(client, f"/listings/{ids['walk']}", **{"Accept-Language": "es"})
    assert listing.find(id="when-heading").get_text(strip=True) == "Cuándo"
    assert "Añadir al calendario" in listing.get_text()
    results = soup_of(client, "/search?where=London&radius_km=10", **{"Accept-Language": "es"})
    assert "sitios para probar cerca de London" in results.h1.get_text()
    assert results.find("label", attrs={"for": "where"}).get_text(strip=True) == "Dónde"


def test_switcher_links_and_the_lang_cookie_win_over_accept_language(site):
    _, client, ids = site
    soup = soup_of(client, f"/listings/{ids['walk']}", **{"Accept-Language": "es"})
    switch = {a["hreflang"]: a for a in soup.select("nav.lang-switch a")}
    assert set(switch) == set(LANGUAGES)
    assert switch["es"].get("aria-current") == "true"
    response = client.get(switch["de"]["href"], headers={"Accept-Language": "es"})
    assert "lang=de" in response.headers["Set-Cookie"]
    assert BeautifulSoup(response.data, "html.parser").html["lang"] == "de"
    again = soup_of(client, "/", **{"Accept-Language": "es"})  # the cookie now speaks for the visitor
    assert again.html["lang"] == "de" and again.h1.get_text(strip=True) == "Finde deine Leute, ganz in der Nähe"
    search = soup_of(client, "/search?where=London&kind=club&kind=event&lang=en")
    hrefs = [a["href"] for a in search.select("nav.lang-switch a")]
    assert all("kind=club" in h and "kind=event" in h and h.count("lang=") == 1 for h in hrefs)
    assert client.get("/?lang=xx").headers.get("Set-Cookie") is None


@pytest.mark.parametrize("accept", ["de-XX", "en-US-x-private", "es-419", "*", "x" * 300, "zh-Hant-TW, de;q=0.1"])
def test_odd_accept_language_headers_still_give_a_page(site, accept):
    _, client, _ = site
    soup = soup_of(client, "/", **{"Accept-Language": accept})
    assert soup.html["lang"] in LANGUAGES


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("en", "Tue 3 Dec 2030, 7:00 pm"),
        ("en-GB", "Tue, 3 Dec 2030, 19:00"),
        ("es", "mar, 3 dic 2030, 19:00"),
        ("de", "Di., 3. Dez. 2030, 19:00"),
    ],
)
def test_dates_follow_the_locale(frozen_now, site, accept, expected):  # the year shows: not the clock's year
    app, _, _ = site
    with app.test_request_context("/", headers={"Accept-Language": accept}):
        assert local_when(datetime(2030, 12, 3, 19, 0, tzinfo=UTC), ZoneInfo("Europe/London")) == expected


def test_relative_times_are_translated(site):
    app, _, _ = site
    now = datetime(2030, 12, 3, 12, tzinfo=UTC)
    with app.test_request_context("/", headers={"Accept-Language": "de"}):
        assert ago(datetime(2030, 11, 30, 12, tzinfo=UTC), now) == "vor 3 Tagen"
        assert ago(datetime(2030, 12, 2, 12, tzinfo=UTC), now) == "gestern"
    with app.test_request_context("/", headers={"Accept-Language": "es"}):
        assert ago(datetime(2030, 12, 3, 11, tzinfo=UTC), now) == "hace 1 hora"


@pytest.mark.parametrize(
    ("url", "accept", "expected"),
    [
        ("/", "de", "3,2 km entfernt"),
        ("/", "es", "a 3,2 km"),
        ("/", "en", "3.2 km away"),
        ("/", "en-US", "2.0 mi away"),
        ("/", "en-GB,en;q=0.8", "2.0 mi away"),
        ("/search?radius_km=10", "en-US", "3.2 km away"),  # the visitor's own unit wins
        ("/search?radius_mi=5", "de", "2,0 Meilen entfernt"),
    ],
)
def test_distances_follow_the_locale_unless_the_visitor_chose_a_unit(site, url, accept, expected):
    app, _, _ = site
    with app.test_request_context(url, headers={"Accept-Language": accept}):
        assert distance(3.2) == expected


def test_search_form_offers_miles_where_people_think_in_miles(site):
    _, client, _ = site
    us = soup_of(client, "/", **{"Accept-Language": "en-US"})
    assert us.find("select", id="radius_mi") is not None and us.find("select", id="radius_km") is None
    chosen = soup_of(client, "/search?where=London&radius_km=10", **{"Accept-Language": "en-US"})
    assert chosen.find("select", id="radius_km") is not None
    cards = " ".join(card.get_text(" ", strip=True) for card in chosen.select(".card-where"))
    assert "km away" in cards and "mi away" not in cards
    miles = soup_of(client, "/search?where=London", **{"Accept-Language": "en-US"})
    assert "mi away" in " ".join(card.get_text(" ", strip=True) for card in miles.select(".card-where"))


def test_emails_are_written_in_the_alerts_language(site):
    app, _, _ = site
    alert = SimpleNamespace(name="Spaziergänge", locale="de", frequency="weekly")
    context = dict(alert=alert, confirm_url="https://k.example/alerts/confirm/t", postal_address="", base_url="")
    with app.app_context():
        german = render_in_alert_locale("email/confirm.txt", **context)
        alert.locale = "es"
        spanish = render_in_alert_locale("email/confirm.html", **context)
    assert german.startswith("Hallo,") and "gespeicherte Suche" in german
    assert "Spaziergänge" not in german + spanish, "no subscriber-chosen text goes to an unconfirmed address"
    assert "Confirma y empieza a recibir novedades" in spanish and 'lang="es"' in spanish


def messages(catalog) -> dict:
    return {_plain(message.id): message for message in catalog if message.id}


def _plain(value):
    """A message id or string as a str or tuple (.mo files give plural forms as lists)."""
    return tuple(value) if isinstance(value, list | tuple) else value


def test_every_message_is_translated_in_spanish_and_german():
    template = messages(read_po(POT.open("rb")))
    assert len(template) > 200
    for code in TRANSLATED:
        with (TRANSLATIONS_DIR / code / "LC_MESSAGES" / "messages.po").open("rb") as handle:
            catalog = messages(read_po(handle))
        missing = [msgid for msgid in template if msgid not in catalog]
        assert not missing, f"{code}: untranslated {missing[:5]}"
        empty = [
            msgid
            for msgid, message in catalog.items()
            if message.fuzzy or not all(message.string if isinstance(message.string, tuple) else [message.string])
        ]
        assert not empty, f"{code}: empty or fuzzy {empty[:5]}"


def test_the_template_is_not_stale_against_templates_and_code(tmp_path):
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "--no-location",
            "--omit-header",
            "--sort-output",
            "-o",
            str(fresh),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    extracted, committed = set(messages(read_po(fresh.open("rb")))), set(messages(read_po(POT.open("rb"))))
    assert extracted == committed, (
        "run `make translations`: new "
        + repr(sorted(extracted - committed, key=str)[:5])
        + ", gone "
        + repr(sorted(committed - extracted, key=str)[:5])
    )


def test_compiled_catalogues_match_their_sources():
    for code in TRANSLATED:
        folder = TRANSLATIONS_DIR / code / "LC_MESSAGES"
        with (folder / "messages.po").open("rb") as po, (folder / "messages.mo").open("rb") as mo:
            source, compiled = messages(read_po(po)), messages(read_mo(mo))
        assert {k: _plain(v.string) for k, v in source.items()} == {k: _plain(v.string) for k, v in compiled.items()}, (
            f"{code}: run `make translations` to recompile"
        )


@pytest.mark.parametrize(
    ("lang", "legend", "reason", "privacy_heading", "stored"),
    [
        ("es", "¿Qué falla?", "Los datos son incorrectos", "Privacidad", "Lo que guardamos y por qué"),
        ("de", "Was stimmt nicht?", "Die Angaben stimmen nicht", "Datenschutz", "Was wir speichern und warum"),
    ],
)
def test_contribute_and_privacy_pages_are_translated(site, lang, legend, reason, privacy_heading, stored):
    _, client, ids = site
    report = soup_of(client, f"/listings/{ids['walk']}/report", **{"Accept-Language": lang})
    assert report.legend.get_text(strip=True) == legend
    assert reason in [label.get_text(strip=True) for label in report.select("fieldset label")]
    assert "Riverside Walking Group" in report.h1.get_text()
    privacy = soup_of(client, "/privacy", **{"Accept-Language": lang})
    assert privacy.h1.get_text(strip=True) == privacy_heading
    assert stored in [h2.get_text(strip=True) for h2 in privacy.find_all("h2")]


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("es", "Pega una dirección web completa que empiece por http:// o https://, por favor."),
        ("de", "Bitte füge eine vollständige Webadresse ein, die mit http:// oder https:// beginnt."),
    ],
)
def test_errors_from_flask_free_modules_are_shown_translated(site, lang, expected):
    _, client, _ = site
    page = client.get(f"/suggest?lang={lang}").get_data(as_text=True)
    token = BeautifulSoup(page, "html.parser").find("input", attrs={"name": "csrf_token"})["value"]
    answer = client.post("/suggest", data={"csrf_token": token, "url": "not a web address"})
    assert answer.status_code == 422
    assert BeautifulSoup(answer.data, "html.parser").find(id="suggest-error").get_text(strip=True) == expected


@pytest.fixture
def admin_site(engine, db_url, tmp_path):
    from tests.trust_helpers import app_for

    yield from app_for(engine, db_url, tmp_path)


@pytest.mark.parametrize(
    ("lang", "heading", "button"),
    [("es", "Cola de moderación", "Salir"), ("de", "Moderationswarteschlange", "Abmelden")],
)
def test_admin_pages_are_translated(admin_site, lang, heading, button):
    from tests.trust_helpers import login

    client = admin_site.test_client()
    signin = soup_of(client, f"/admin/login?lang={lang}")
    assert signin.find("button", type="submit").get_text(strip=True) == {"es": "Entrar", "de": "Anmelden"}[lang]
    assert login(client).status_code == 302
    queue = soup_of(client, "/admin")  # the lang cookie speaks for the administrator
    assert queue.h1.get_text(strip=True) == heading
    assert button in [b.get_text(strip=True) for b in queue.find_all("button")]


@pytest.mark.parametrize(
    ("lang", "label"), [("en", "Outdoors & hiking"), ("es", "Aire libre y senderismo"), ("de", "Draußen & Wandern")]
)
def test_tag_labels_follow_the_locale(site, lang, label):
    _, client, ids = site
    listing = soup_of(client, f"/listings/{ids['walk']}", **{"Accept-Language": lang})
    assert label in [chip.get_text(strip=True) for chip in listing.select("a.chip")]


def test_every_tag_has_spanish_and_german_labels():
    from finder.tags import load_vocabulary

    vocabulary = load_vocabulary()
    for tag in vocabulary.all():
        labels = dict(tag.labels)
        assert set(labels) >= set(TRANSLATED), f"{tag.slug}: missing {set(TRANSLATED) - set(labels)}"
        assert vocabulary.label(tag.slug, "de_DE") == labels["de"]
    assert vocabulary.label("no-such-tag", "es") == "no-such-tag"


def test_the_plain_text_digest_dates_follow_the_alerts_language(frozen_now, site):
    app, _, _ = site
    start = datetime(2030, 12, 3, 19, 0, tzinfo=UTC)
    listing = SimpleNamespace(
        id=1,
        title="Chor",
        locality="London",
        next_start=start,
        timezone="Europe/London",
        all_day=False,
        kind="club",
        status="scheduled",
        online=False,
    )
    alert = SimpleNamespace(name="Musik", locale="de", frequency="weekly", query={"where": "London"})
    context = dict(
        alert=alert,
        listings=[listing],
        more=False,
        changes=[],
        manage_url="m",
        unsubscribe_url="u",
        postal_address="",
        base_url="https://k.example",
    )
    cards = Cards(render_in_alert_locale, "https://k.example")
    with app.app_context():
        german = render_in_alert_locale("email/digest.txt", card=cards.bind(alert), **context)
        alert.locale = "es"
        spanish = render_in_alert_locale("email/digest.txt", card=cards.bind(alert), **context)
    assert "Di., 3. Dez. 2030, 19:00" in german
    assert "mar, 3 dic 2030, 19:00" in spanish


@pytest.mark.parametrize(
    ("lang", "schedule", "reasons"),
    [
        ("en", "Meets every Saturday", ["Matches Outdoors & hiking"]),
        ("es", "Se reúne cada sábado", ["Coincide con Aire libre y senderismo"]),
        ("de", "Trifft sich jeden Samstag", ["Passt zu Draußen & Wandern"]),
    ],
)
def test_schedules_and_reasons_on_result_cards_follow_the_locale(site, lang, schedule, reasons):
    _, client, _ = site
    results = soup_of(client, "/search?where=London&radius_km=10&interests=hiking", **{"Accept-Language": lang})
    card = next(c for c in results.select("article.card") if "Riverside Walking Group" in c.get_text())
    assert card.select_one(".card-when").get_text(" ", strip=True).startswith(schedule)
    assert [li.get_text(strip=True) for li in card.select("ul.reasons li")] == reasons


@pytest.mark.parametrize(
    ("rrule", "text", "spanish", "german"),
    [
        ("FREQ=WEEKLY;BYDAY=MO,WE", "", "Se reúne cada lunes y miércoles", "Trifft sich jeden Montag und Mittwoch"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=FR", "", "Se reúne cada dos viernes", "Trifft sich jeden zweiten Freitag"),
        (
            "FREQ=MONTHLY;BYDAY=-1SU",
            "",
            "Se reúne el último domingo del mes",
            "Trifft sich am letzten Sonntag im Monat",
        ),
        ("FREQ=MONTHLY;INTERVAL=3", "", "Se reúne cada 3 meses", "Trifft sich alle 3 Monate"),
        ("FREQ=DAILY", "", "Se reúne a diario", "Trifft sich täglich"),
        (None, "Every 2nd Thursday.", "Se reúne: every 2nd Thursday", "Trifft sich: every 2nd Thursday"),
        (None, "", "", ""),
    ],
)
def test_schedules_are_put_in_the_visitors_words(site, rrule, text, spanish, german):
    from flask_babel import force_locale

    from finder.web.views.display_words import describe_rule

    app, _, _ = site
    with app.test_request_context("/"):
        for locale, expected in (("es", spanish), ("de", german)):
            with force_locale(locale):
                assert describe_rule(rrule, text) == expected


def test_reasons_from_ranking_are_put_in_the_visitors_words(site):
    from flask_babel import force_locale

    from finder.reasons import Reason
    from finder.schedules import Schedule
    from finder.web.views.display_words import reason_words

    app, _, _ = site
    reasons = [
        Reason("wheelchair"),
        Reason("in_person"),
        Reason("from_home"),
        Reason("in_place", {"place": "Lyon"}),
        Reason("kind", {"kind": "club"}),
        Reason("matches_interest", {"slug": "games", "label": "Games"}),
        Reason("meets", {"schedule": Schedule(days=("SA",))}),
        Reason("newcomer"),
        Reason("distance", {"km": 2.5, "unit": "km"}),
    ]
    with app.test_request_context("/"), force_locale("de"):
        assert [reason_words(r) for r in reasons] == [
            "Rollstuhlgerecht",
            "Vor Ort",
            "Von zu Hause aus",
            "In Lyon",
            "Verein oder Gruppe",
            "Passt zu Spiele",
            "Trifft sich jeden Samstag",
            "Neulingsfreundlich",
            "2,5 km entfernt",
        ]


def test_a_card_in_german_shows_german_reasons(site):
    _, client, _ = site
    results = soup_of(client, "/search?where=London&radius_km=10&interests=hiking&lang=de")
    card = next(c for c in results.select("article.card") if "Riverside Walking Group" in c.get_text())
    assert [li.get_text(strip=True) for li in card.select("ul.reasons li")] == ["Passt zu Draußen & Wandern"]


def test_rewording_a_reason_in_english_changes_the_api_not_the_card(site, monkeypatch):
    from finder import reasons as reasoning

    monkeypatch.setattr(reasoning, "english", lambda reason: f"Because: {reason.code}")
    _, client, _ = site
    results = soup_of(client, "/search?where=London&radius_km=10&interests=hiking")
    card = next(c for c in results.select("article.card") if "Riverside Walking Group" in c.get_text())
    assert [li.get_text(strip=True) for li in card.select("ul.reasons li")] == ["Matches Outdoors & hiking"]
    assert card.select_one(".card-when").get_text(" ", strip=True).startswith("Meets every Saturday")
    api = client.get("/api/v1/search?where=London&radius_km=10&interests=hiking").get_json()
    walk = next(r for r in api["results"] if r["title"] == "Riverside Walking Group")
    assert "Because: matches_interest" in walk["reasons"]
