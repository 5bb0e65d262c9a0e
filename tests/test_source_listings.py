"""A blocked source's listings leave search at once and come back when it is unblocked (unless something
else hides them); `finder sources purge` deletes a disabled source's listings and their index rows, keeping
those another source also lists. On both databases, through /admin, the real importer and the CLI."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from finder.catalog.overlay import write_entry
from finder.catalog.sources import overlay_path
from finder.models import Listing, Source
from tests.trust_helpers import admin_post, app_for, calendar, login, scrape, serve_many, soon

LEEDS = "/api/v1/search?lat=53.8008&lon=-1.5491&radius_km=10"


@pytest.fixture
def trust_app(engine, db_url, tmp_path):
    yield from app_for(engine, db_url, tmp_path)


def titles(client) -> set[str]:
    answer = client.get(LEEDS)
    assert answer.status_code == 200
    return {result["title"] for result in answer.json["results"]}


def two_sources(app, httpserver) -> None:
    """'hall' lists a chess club and a choir; 'agg' lists the same choir (merged) and a book club."""
    start = soon(5)
    hall = calendar(
        {"uid": "c1@hall", "title": "Chess Club", "start": soon(4), "url": "https://hall.example/chess"},
        {"uid": "c2@hall", "title": "Community Choir", "start": start, "url": "https://hall.example/choir"},
    )
    agg = calendar(
        {"uid": "9@agg", "title": "Community Choir", "start": start, "url": "https://hall.example/choir"},
        {"uid": "8@agg", "title": "Book Club", "start": soon(6), "url": "https://agg.example/books"},
    )
    urls = serve_many(httpserver, {"/hall.ics": hall, "/agg.ics": agg})
    catalog = app.config["FINDER"].path(app.config["FINDER"].SOURCES_FILE)
    catalog.write_text(
        "".join(
            f'[[source]]\nslug = "{slug}"\nadapter = "ics"\nurl = "{urls[f"/{slug}.ics"]}"\n\n'
            for slug in ("hall", "agg")
        )
    )
    with app.extensions["sessionmaker"]() as session:
        session.add_all(
            [
                Source(slug="hall", adapter="ics", url=urls["/hall.ics"]),
                Source(slug="agg", adapter="ics", url=urls["/agg.ics"]),
            ]
        )
        session.commit()
    scrape(app, "hall")
    scrape(app, "agg")


def test_blocking_hides_a_sources_listings_at_once_and_unblocking_brings_them_back(trust_app, httpserver):
    two_sources(trust_app, httpserver)
    client = trust_app.test_client()
    assert titles(client) == {"Chess Club", "Community Choir", "Book Club"}
    login(client)
    admin_post(client, "/admin/sources/hall/block")
    assert titles(client) == {"Community Choir", "Book Club"}  # the choir is still listed by 'agg'
    assert client.get("/search?lat=53.8008&lon=-1.5491").text.count("Chess Club") == 0
    admin_post(client, "/admin/sources/hall/unblock")
    assert titles(client) == {"Chess Club", "Community Choir", "Book Club"}


def test_unblocking_keeps_what_an_administrator_hid(trust_app, httpserver):
    two_sources(trust_app, httpserver)
    client = trust_app.test_client()
    login(client)
    with trust_app.extensions["sessionmaker"]() as session:
        chess = session.scalar(select(Listing).where(Listing.title == "Chess Club"))
    admin_post(client, f"/admin/listings/{chess.id}/hide")
    admin_post(client, "/admin/sources/hall/block")
    admin_post(client, "/admin/sources/hall/unblock")
    assert "Chess Club" not in titles(client)


def test_purge_deletes_a_disabled_sources_listings_and_index_rows(trust_app, httpserver, monkeypatch, tmp_path):
    two_sources(trust_app, httpserver)
    config = trust_app.config["FINDER"]
    from finder.cli import main

    monkeypatch.setenv("FINDER_DATABASE_URL", config.DATABASE_URL)
    monkeypatch.setenv("FINDER_SOURCES_FILE", str(config.path(config.SOURCES_FILE)))
    monkeypatch.setenv("FINDER_SECRET_KEY", "test-secret")
    refused = CliRunner().invoke(main, ["sources", "purge", "hall"])
    assert refused.exit_code == 1 and "still enabled: hall" in refused.output
    write_entry(config.path(config.SOURCES_FILE), {"slug": "hall", "enabled": False})
    assert overlay_path(config.path(config.SOURCES_FILE)).exists()
    done = CliRunner().invoke(main, ["sources", "purge", "--disabled"])
    assert done.exit_code == 0, done.output
    assert "hall: 1 listings deleted, 1 kept" in done.output
    with trust_app.extensions["sessionmaker"]() as session:
        assert {item.title for item in session.scalars(select(Listing))} == {"Community Choir", "Book Club"}
        indexed = session.execute(text("SELECT count(*) FROM listing_geo")).scalar()
    assert indexed == 2
    assert titles(trust_app.test_client()) == {"Community Choir", "Book Club"}
    again = CliRunner().invoke(main, ["sources", "purge", "--disabled"])
    assert "no disabled source has listings" in again.output
