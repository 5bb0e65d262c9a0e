"""Contribution flows on both databases, over real HTTP (pytest-httpserver) and real SMTP (aiosmtpd):
suggest -> preview -> approve -> scraped; report -> hide; claim -> verify -> override survives a re-scrape;
opt-out suppresses a later copy from another source."""

from __future__ import annotations

import tomllib

import pytest
from sqlalchemy import select

from finder.catalog.sources import overlay_path
from finder.ingest.overrides import same_organization, suppressed
from finder.models import (
    AdminAction,
    Claim,
    Listing,
    ListingOverride,
    ListingReport,
    Organization,
    Source,
    SourceSuggestion,
    Suppression,
)
from tests.trust_helpers import (
    admin_post,
    app_for,
    calendar,
    login,
    mailed_link,
    make_trust_app,
    post_form,
    scrape,
    serve,
    serve_many,
    smtp_server,
    soon,
)

CLUB = [
    {
        "uid": "walk-1@riverside.example",
        "title": "Riverside Walking Group",
        "start": soon(7),
        "url": "https://riverside.example/events/walk",
    },
    {
        "uid": "repair-1@riverside.example",
        "title": "Repair Cafe",
        "start": soon(9),
        "url": "https://riverside.example/events/repair",
    },
]


@pytest.fixture
def trust_app(engine, db_url, tmp_path):
    yield from app_for(engine, db_url, tmp_path)


@pytest.fixture
def trust_client(trust_app):
    return trust_app.test_client()


@pytest.fixture(scope="module")
def smtp():
    yield from smtp_server()


def rows(app, model, *where):
    with app.extensions["sessionmaker"]() as session:
        return session.scalars(select(model).where(*where)).all()


def add_source(app, slug: str, url: str, **values) -> None:
    with app.extensions["sessionmaker"]() as session:
        session.add(Source(slug=slug, adapter="ics", url=url, **values))
        session.commit()


def listing_by_title(app, title: str) -> Listing:
    (listing,) = rows(app, Listing, Listing.title == title)
    return listing


def test_suggest_preview_approve_then_the_normal_scrape_imports_it(trust_app, trust_client, httpserver):
    url = serve(httpserver, "/club.ics", calendar(*CLUB))
    answer = post_form(trust_client, "/suggest", url=url, note="Our walking club")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "Riverside Walking Group" in page and "Repair Cafe" in page and "format: ics" in page
    (suggestion,) = rows(trust_app, SourceSuggestion)
    assert (suggestion.status, suggestion.adapter, suggestion.items, suggestion.note) == (
        "pending",
        "ics",
        2,
        "Our walking club",
    )
    assert rows(trust_app, Source) == [], "nothing is a source before an administrator approves"

    assert trust_client.get("/admin").status_code == 302
    assert login(trust_client).status_code == 302
    queue = trust_client.get("/admin").get_data(as_text=True)
    assert url in queue and "Riverside Walking Group" in queue
    assert admin_post(trust_client, f"/admin/suggestions/{suggestion.id}/approve").status_code == 302

    catalog = trust_app.config["FINDER"].path(trust_app.config["FINDER"].SOURCES_FILE)
    assert catalog.read_text() == "# test catalogue\n", "the shipped catalogue is never edited"
    (entry,) = tomllib.loads(overlay_path(catalog).read_text())["source"]
    assert entry["url"] == url and entry["adapter"] == "ics" and entry["republish"] is False
    (source,) = rows(trust_app, Source)
    assert source.slug == entry["slug"] and source.enabled
    assert rows(trust_app, SourceSuggestion)[0].status == "approved"
    (action,) = rows(trust_app, AdminAction, AdminAction.action == "suggestion-approve")
    assert action.actor == "admin" and action.created_at is not None

    status, inserted, _ = scrape(trust_app, source.slug)
    assert (status, inserted) == ("ok", 2)
    assert {item.title for item in rows(trust_app, Listing)} == {"Riverside Walking Group", "Repair Cafe"}


@pytest.mark.parametrize(
    "path, body, content_type, reason",
    [
        (
            "/oops.html",
            b"<html><head><title>404 Not Found</title></head><body>gone</body></html>",
            "text/html",
            "not a listing source",
        ),
        ("/empty.ics", b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n", "text/calendar", "no listings"),
    ],
)
def test_a_suggestion_that_is_no_listing_source_is_refused_and_not_queued(
    trust_app, trust_client, httpserver, path, body, content_type, reason
):
    url = serve(httpserver, path, body, content_type)
    answer = post_form(trust_client, "/suggest", url=url)
    assert answer.status_code == 422
    assert reason in answer.get_data(as_text=True)
    assert rows(trust_app, SourceSuggestion) == []


def test_a_suggestion_must_be_a_web_address(trust_app, trust_client):
    for url in ("file:///etc/passwd", "file:data/sources.toml", "javascript:alert(1)", "not a url"):
        answer = post_form(trust_client, "/suggest", url=url)
        assert answer.status_code == 422, url
    assert rows(trust_app, SourceSuggestion) == []


def test_report_goes_to_the_queue_and_the_admin_hides_it_for_good(trust_app, trust_client, httpserver):
    add_source(trust_app, "riverside", serve(httpserver, "/club.ics", calendar(*CLUB)))
    scrape(trust_app, "riverside")
    walk = listing_by_title(trust_app, "Riverside Walking Group")
    page = f"/listings/{walk.id}"
    assert f"/listings/{walk.id}/report" in trust_client.get(page).get_data(as_text=True)
    assert post_form(trust_client, f"{page}/report", reason="nonsense").status_code == 400
    assert post_form(trust_client, f"{page}/report", reason="spam", note="Selling things").status_code == 200
    (report,) = rows(trust_app, ListingReport)
    assert (report.listing_id, report.reason, report.note, report.status) == (walk.id, "spam", "Selling things", "open")

    login(trust_client)
    assert "Selling things" in trust_client.get("/admin").get_data(as_text=True)
    admin_post(trust_client, f"/admin/listings/{walk.id}/hide")
    admin_post(trust_client, f"/admin/reports/{report.id}/resolve")
    assert trust_client.get(page).status_code == 404
    assert trust_client.get(f"/api/v1/listings/{walk.id}").status_code == 404
    assert rows(trust_app, ListingReport)[0].status == "resolved"

    scrape(trust_app, "riverside")
    assert listing_by_title(trust_app, "Riverside Walking Group").liveness == "hidden", "a re-scrape keeps it hidden"
    actions = [a.action for a in rows(trust_app, AdminAction)]
    assert "listing-hide" in actions and "report-resolve" in actions

    admin_post(trust_client, f"/admin/listings/{walk.id}/restore")
    assert trust_client.get(page).status_code == 200


def test_reports_are_rate_limited(engine, db_url, tmp_path, httpserver):
    app = make_trust_app(engine, db_url, tmp_path, RATELIMIT_ENABLED=True)
    client = app.test_client()
    add_source(app, "riverside", serve(httpserver, "/club.ics", calendar(*CLUB)))
    scrape(app, "riverside")
    walk = listing_by_title(app, "Riverside Walking Group")
    codes = [post_form(client, f"/listings/{walk.id}/report", reason="wrong").status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    assert len(rows(app, ListingReport)) == 5
    app.extensions["engine"].dispose()


@pytest.fixture
def mail_app(engine, db_url, tmp_path, smtp):
    smtp.messages.clear()
    yield from app_for(engine, db_url, tmp_path, SMTP_URL=smtp.url)


def claim(app, client, smtp, listing_id: int, email: str) -> str:
    """Claim listing `listing_id` with `email`, follow the mailed link; returns the manage page path."""
    answer = post_form(client, f"/claim/listing/{listing_id}", email=email)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    verify = mailed_link(smtp.messages[-1], "/claim/verify/")
    confirmed = post_form(client, verify)
    assert confirmed.status_code == 302
    return confirmed.headers["Location"]


def test_claim_verify_correct_and_the_correction_survives_a_rescrape(mail_app, smtp, httpserver):
    client = mail_app.test_client()
    add_source(mail_app, "riverside", serve(httpserver, "/club.ics", calendar(*CLUB)))
    scrape(mail_app, "riverside")
    walk = listing_by_title(mail_app, "Riverside Walking Group")

    refused = post_form(client, f"/claim/listing/{walk.id}", email="someone@elsewhere.example")
    assert refused.status_code == 400 and "riverside.example" in refused.get_data(as_text=True)
    assert smtp.messages == [] and rows(mail_app, Claim) == []

    manage = claim(mail_app, client, smtp, walk.id, "Chair@Riverside.example")
    assert smtp.messages[0]["To"] == "chair@riverside.example"
    (row,) = rows(mail_app, Claim)
    assert row.status == "verified" and row.verified_at is not None
    edit = f"{manage.split('?')[0]}/listing/{walk.id}"
    saved = post_form(
        client, edit, action="correct", title="Riverside Walkers (Sundays)", cost="Free, donations welcome"
    )
    assert saved.status_code == 302
    assert {(o.field, o.value) for o in rows(mail_app, ListingOverride)} == {
        ("title", "Riverside Walkers (Sundays)"),
        ("cost", "Free, donations welcome"),
    }, "unchanged fields stay the source's"

    changed = [dict(CLUB[0], description="New route along the canal."), CLUB[1]]
    serve(httpserver, "/club.ics", calendar(*changed))
    status, _, updated = scrape(mail_app, "riverside")
    assert (status, updated) == ("ok", 1)
    after = rows(mail_app, Listing, Listing.id == walk.id)[0]
    assert after.description == "New route along the canal.", "the re-scrape did write the source's changes"
    assert after.title == "Riverside Walkers (Sundays)" and after.cost == "Free, donations welcome"
    assert "Riverside Walkers (Sundays)" in client.get(f"/listings/{walk.id}").get_data(as_text=True)

    assert client.get(f"{manage.split('?')[0]}x").status_code == 404, "a tampered link opens nothing"


def test_opt_out_suppresses_a_later_copy_from_another_source(mail_app, smtp, httpserver):
    client = mail_app.test_client()
    copy = dict(CLUB[0], uid="evt-991@aggregator.example", url="https://aggregator.example/e/991")
    urls = serve_many(httpserver, {"/club.ics": calendar(*CLUB), "/aggregator.ics": calendar(copy)})
    add_source(mail_app, "riverside", urls["/club.ics"])
    scrape(mail_app, "riverside")
    walk = listing_by_title(mail_app, "Riverside Walking Group")
    manage = claim(mail_app, client, smtp, walk.id, "chair@riverside.example").split("?")[0]
    assert post_form(client, f"{manage}/listing/{walk.id}", action="opt-out").status_code == 302
    assert client.get(f"/listings/{walk.id}").status_code == 404

    add_source(mail_app, "aggregator", urls["/aggregator.ics"])
    status, inserted, _ = scrape(mail_app, "aggregator")
    assert (status, inserted) == ("ok", 1)
    copies = rows(mail_app, Listing, Listing.title == "Riverside Walking Group")
    assert len(copies) == 2 and {c.liveness for c in copies} == {"hidden"}
    found = client.get("/api/v1/search?lat=53.8008&lon=-1.5491&radius_km=5").get_json()
    assert [r["title"] for r in found["results"]] == ["Repair Cafe"]
    scrape(mail_app, "riverside")
    assert listing_by_title(mail_app, "Repair Cafe").liveness == "active", "other listings are untouched"


def test_an_organisation_claim_opts_out_all_its_listings(mail_app, smtp, httpserver):
    client = mail_app.test_client()
    body = calendar(*CLUB).replace(
        b"END:VEVENT", b"ORGANIZER;CN=Riverside Club:https://riverside.example\r\nEND:VEVENT"
    )
    add_source(mail_app, "riverside", serve(httpserver, "/club.ics", body))
    scrape(mail_app, "riverside")
    (org,) = rows(mail_app, Organization)
    assert post_form(client, f"/claim/org/{org.id}", email="x@gmail.example").status_code == 400
    assert post_form(client, f"/claim/org/{org.id}", email="sec@riverside.example").status_code == 200
    manage = post_form(client, mailed_link(smtp.messages[-1], "/claim/verify/")).headers["Location"].split("?")[0]
    page = client.get(manage).get_data(as_text=True)
    assert "Riverside Walking Group" in page and "Repair Cafe" in page
    assert post_form(client, manage, to=f"{manage}/opt-out").status_code == 302
    assert {item.liveness for item in rows(mail_app, Listing)} == {"hidden"}


@pytest.mark.parametrize(
    "a, b, same",
    [
        ("riverside club|riverside.example", "riverside club|", True),
        ("riverside club|riverside.example", "riverside club|riverside.example", True),
        ("riverside club|riverside.example", "riverside club|other.example", False),
        ("riverside club|", "hillside club|", False),
        ("|", "|", False),
    ],
)
def test_same_organization(a, b, same):
    assert same_organization(a, b) is same


def test_suppressed_matches_by_id_url_or_title_and_day():
    listing = Listing(id=7, title="Quiz", match_title="quiz", first_day="2026-12-01", url="https://Pub.example/quiz/")
    by_url = Suppression(kind="listing", listing_id=1, url="pub.example/quiz")
    by_title = Suppression(kind="listing", listing_id=1, match_title="quiz", first_day="2026-12-01")
    other_day = Suppression(kind="listing", listing_id=1, match_title="quiz", first_day="2026-12-08")
    assert suppressed(listing, [by_url]) is by_url
    assert suppressed(listing, [by_title]) is by_title
    assert suppressed(listing, [other_day]) is None
    assert suppressed(listing, [Suppression(kind="listing", listing_id=7)]) is not None


def test_overlay_entries_round_trip_and_invalid_ones_are_refused(tmp_path):
    from finder.catalog.overlay import write_entry
    from finder.catalog.sources import CatalogError, load_catalog

    catalog = tmp_path / "sources.toml"
    catalog.write_text('[[source]]\nslug = "base"\nadapter = "ics"\nurl = "https://a.example/c.ics"\n')
    name = 'Club "Ünïcode"\\ with\nnewline'
    write_entry(
        catalog,
        {
            "slug": "new-one",
            "adapter": "rss",
            "url": "https://b.example/feed",
            "name": name,
            "tags": [],
            "republish": False,
        },
    )
    write_entry(catalog, {"slug": "base", "enabled": False})
    specs = {spec.slug: spec for spec in load_catalog(catalog)}
    assert specs["new-one"].name == name and specs["new-one"].republish is False
    assert specs["base"].enabled is False and specs["base"].url == "https://a.example/c.ics"
    before = overlay_path(catalog).read_text()
    with pytest.raises(CatalogError):
        write_entry(catalog, {"slug": "broken", "adapter": "no-such-format", "url": "https://c.example/"})
    assert overlay_path(catalog).read_text() == before, "a bad entry leaves the overlay as it was"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sources.local.toml", "sources.toml"]
