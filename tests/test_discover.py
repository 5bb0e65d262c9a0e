"""`finder sources discover`: OpenActive catalogue -> dataset site -> feeds, an Overpass query and a Mobilizon
search, all against recorded answers on a local server (written in the documented shapes: no real capture
of a dataset site or a London Overpass/Mobilizon answer is in the corpus), queued as pending suggestions;
approving one makes it scrape."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from sqlalchemy import select
from werkzeug import Request, Response

from finder.ingest.runs import default_fetcher, run_source
from finder.models import SourceSuggestion
from finder.trust.discovery import bounding_box, discover, geohash, overpass_url
from finder.trust.suggestions import approve
from tests.conftest import make_test_config
from tests.test_runs import reset

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
LONDON = (51.5074, -0.1278)


def rpde(items: list) -> bytes:
    return json.dumps(
        {"items": items, "next": "/feeds/end", "license": "https://creativecommons.org/licenses/by/4.0/"}
    ).encode()


def series(rpde_id: str, name: str, lat: float, lon: float) -> dict:
    return {
        "state": "updated",
        "kind": "SessionSeries",
        "id": rpde_id,
        "modified": 1,
        "data": {
            "@context": "https://openactive.io/",
            "type": "SessionSeries",
            "id": f"https://riverside.example/ss/{rpde_id}",
            "name": name,
            "location": {"type": "Place", "name": "Hall", "geo": {"latitude": lat, "longitude": lon}},
            "eventSchedule": [
                {
                    "type": "PartialSchedule",
                    "byDay": ["https://schema.org/Tuesday"],
                    "startTime": "18:00",
                    "endTime": "19:00",
                    "startDate": (NOW - timedelta(days=30)).date().isoformat(),
                }
            ],
        },
    }


@pytest.fixture
def recorded(httpserver):
    reset(httpserver)
    base = httpserver.url_for("")
    answers = {
        "/catalog.jsonld": json.dumps(
            {"@context": "https://schema.org/", "@type": "DataCatalog", "hasPart": [base + "sub.jsonld"]}
        ).encode(),
        "/sub.jsonld": json.dumps(
            {
                "@context": "https://schema.org/",
                "@type": "DataCatalog",
                "dataset": [base + "dataset-site/", base + "gone-site/"],
            }
        ).encode(),
        "/dataset-site/": (FIXTURES / "discover" / "dataset-site.html").read_bytes(),
        "/feeds/session-series": rpde(
            [series("a", "Riverside Social Run", 51.51, -0.12), series("b", "Leeds Walk", 53.80, -1.55)]
        ),
        "/feeds/scheduled-sessions": rpde([series("c", "Manchester Swim", 53.48, -2.24)]),  # nothing near London
        "/overpass/api/interpreter": (FIXTURES / "overpass" / "clubs.json").read_bytes(),
        "/mobilizon/api": (FIXTURES / "mobilizon" / "search_events.json").read_bytes(),
    }
    asked = []

    def answer(request: Request) -> Response:
        asked.append(request.path)
        if request.path not in answers:
            return Response("gone", status=404)
        return Response(
            answers[request.path], content_type="text/html" if request.path.endswith("/") else "application/json"
        )

    for path in [*answers, "/gone-site/", "/feeds/facility-uses"]:
        httpserver.expect_request(path).respond_with_handler(answer)
    return base, asked


def test_geohash_and_box():
    assert geohash(57.64911, 10.40744, 11) == "u4pruydqqvj"  # the reference example
    south, west, north, east = bounding_box(*LONDON, 10)
    assert south < LONDON[0] < north and west < LONDON[1] < east and round(north - south, 2) == 0.18
    url = overpass_url("https://overpass.example/api/interpreter", *LONDON, 10)
    assert "out%20center" in url and "place_of_worship" not in url
    assert "place_of_worship" in overpass_url("https://overpass.example/api/interpreter", *LONDON, 10, worship=True)


def test_discover_proposes_three_kinds_of_source_then_an_approved_one_scrapes(session, recorded, db_url, tmp_path):
    base, asked = recorded
    catalogue = tmp_path / "sources.toml"
    catalogue.write_text("# test catalogue\n")
    config = make_test_config(
        db_url,
        tmp_path,
        SOURCES_FILE=str(catalogue),
        EXPANSION_DAYS=60,
        DISCOVER_OPENACTIVE_CATALOG=base + "catalog.jsonld",
        DISCOVER_OVERPASS_URL=base + "overpass/api/interpreter",
        DISCOVER_MOBILIZON_INSTANCES=base + "mobilizon",
    )
    candidates, problems = discover(session, "London", *LONDON, 10, config, default_fetcher(session, config), NOW)
    session.commit()
    assert [(c.kind, c.adapter) for c in candidates] == [
        ("openactive", "openactive"),
        ("overpass", "overpass"),
        ("mobilizon", "mobilizon"),
    ]
    feed, osm, mobilizon = candidates
    assert feed.url == base + "feeds/session-series" and (feed.items, feed.near) == (2, 1)
    assert [sample["title"] for sample in feed.samples] == ["Riverside Social Run"]  # the near ones shown first
    assert osm.items >= 1 and osm.near >= 1 and parse_qs(osm.url.split("?", 1)[1])["data"][0].startswith("[out:json]")
    assert mobilizon.items >= 1 and "searchEvents" in mobilizon.url
    assert "/feeds/facility-uses" not in asked  # facility bookings are not even fetched
    assert any("gone-site" in problem for problem in problems)

    queued = session.scalars(select(SourceSuggestion).order_by(SourceSuggestion.id)).all()
    assert [(row.adapter, row.status) for row in queued] == [
        ("openactive", "pending"),
        ("overpass", "pending"),
        ("mobilizon", "pending"),
    ]
    assert "1 within 10 km" in queued[0].note and queued[0].preview[0]["title"] == "Riverside Social Run"
    assert catalogue.read_text() == "# test catalogue\n"  # nothing enters the catalogue before approval

    source = approve(session, queued[1], config, "admin", NOW)
    session.commit()
    run = run_source(session, source.slug, now=NOW, config=config, fetcher=default_fetcher(session, config))
    assert (run.status, run.inserted) == ("ok", osm.items)


def test_the_command_resolves_the_place_and_lists_what_it_queued(recorded, engine, db_url, tmp_path, gazetteer_path):
    from finder import create_app
    from finder.cli import main
    from tests.conftest import clear_tables

    base, _asked = recorded
    clear_tables(engine)
    catalogue = tmp_path / "sources.toml"
    catalogue.write_text("# test catalogue\n")
    app = create_app(
        make_test_config(
            db_url,
            tmp_path,
            SOURCES_FILE=str(catalogue),
            GAZETTEER_PATH=str(gazetteer_path),
            DISCOVER_OPENACTIVE_CATALOG=base + "catalog.jsonld",
            DISCOVER_OVERPASS_URL=base + "overpass/api/interpreter",
            DISCOVER_MOBILIZON_INSTANCES=base + "mobilizon",
        )
    )
    runner = app.test_cli_runner()
    result = runner.invoke(main, ["sources", "discover", "London, UK", "--radius", "10"])
    assert result.exit_code == 0, result.output
    assert "3 source(s) queued as pending suggestions" in result.output and "Riverside Social Run" in result.output
    unknown = runner.invoke(main, ["sources", "discover", "Nowhereville Qqq"])
    assert unknown.exit_code == 1 and "unknown place" in unknown.output
    listing = runner.invoke(main, ["sources"])
    assert listing.exit_code == 0 and "sources" in listing.output  # plain `finder sources` still lists
    app.extensions["engine"].dispose()
