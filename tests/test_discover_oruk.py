"""Open Referral UK directories in `finder sources discover` (issue 21), on the recorded ORUK dashboard.

The dashboard (11 real feeds, 2024) names no area per directory: a directory is proposed when its name names
the place, or when its postcode search (which the validator found working) answers with services near it.
Its feed URLs are moved onto a local server; the directories' answers are written in ORUK v1's shape."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from werkzeug import Request, Response

from finder.ingest.runs import default_fetcher
from finder.models import SourceSuggestion
from finder.trust.discover_oruk import directories, names_place, postcode_search_works, services_url
from finder.trust.discovery import discover
from tests.conftest import make_test_config
from tests.test_runs import reset

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
DASHBOARD = CORPUS / "open-referral-uk" / "oruk-validator-dashboard-v1-council-feeds-2024.json"
PAGE = Path(__file__).parent / "fixtures" / "hsds" / "oruk_v1_services_page1.json"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
BRISTOL = (51.4545, -2.5879)

pytestmark = pytest.mark.skipif(not DASHBOARD.is_file(), reason="no ../shared/corpus ORUK dashboard")


def _slug(url: str) -> str:
    return (urlsplit(url).hostname or "x").split(".")[0] + urlsplit(url).path.replace("/", "-").rstrip("-")


def _page(lat: float, lon: float) -> bytes:
    page = json.loads(PAGE.read_text(encoding="utf-8-sig"))
    page.update(totalElements=1, totalPages=1, first=True, last=True)
    service = copy.deepcopy(page["content"][0])
    service["service_at_locations"][0]["location"]["geometry"]["coordinates"] = [lon, lat]
    page["content"] = [service]
    return json.dumps(page).encode()


@pytest.fixture
def dashboard(httpserver):
    reset(httpserver)
    base = httpserver.url_for("")
    entries = json.loads(DASHBOARD.read_text(encoding="utf-8-sig"))
    moved = {entry["label"]: base + _slug(entry["url"]) for entry in entries}
    for entry in entries:
        entry["url"] = moved[entry["label"]]
    empty = json.dumps({"totalElements": 0, "totalPages": 0, "number": 1, "first": True, "last": True, "content": []})
    answers = {"/dashboard.json": json.dumps(entries).encode()}
    answers[urlsplit(moved["Bristol Council"]).path + "/services"] = _page(*BRISTOL)  # named: its whole feed
    answers[urlsplit(moved["Care Quality Commission"]).path + "/services"] = _page(51.46, -2.59)  # national, near
    answers[urlsplit(moved["Southampton Council"]).path + "/services"] = _page(50.9097, -1.4044)  # answers, but far
    asked = []

    def answer(request: Request) -> Response:
        asked.append(request.full_path)
        if request.path == urlsplit(moved["Hull City Council"]).path + "/services":
            return Response("down", status=500)
        return Response(answers.get(request.path, empty.encode()), content_type="application/json")

    httpserver.expect_request("/dashboard.json").respond_with_handler(answer)
    httpserver.expect_request("/none").respond_with_json({"elements": []})  # Overpass: nothing here
    for url in moved.values():
        httpserver.expect_request(urlsplit(url).path + "/services").respond_with_handler(answer)
    return base, asked, moved


def test_what_the_recorded_dashboard_says():
    entries = directories(json.loads(DASHBOARD.read_text(encoding="utf-8-sig")))
    assert len(entries) == 11
    searchable = sorted(e["label"] for e in entries if postcode_search_works(e))
    assert searchable == [
        "Care Quality Commission",
        "Elmbridge Council",
        "Hull City Council",
        "London Sport",
        "North Lincolnshire Council",
        "Pennine Lancashire ICP",
        "Southampton Council",
    ]
    assert [e["label"] for e in entries if names_place(e, "Bristol, UK")] == ["Bristol Council"]
    assert [e["label"] for e in entries if names_place(e, "Southampton")] == ["Southampton Council"]
    assert not any(names_place(e, "Leeds") for e in entries)
    bristol = entries[0]
    assert services_url(bristol) == "https://bristol.openplace.directory/o/ServiceDirectoryService/v2/services"
    assert services_url(bristol, "bs1 5tr", 10).endswith("/services?postcode=BS1+5TR&proximity=10000")


def test_discover_proposes_the_named_directory_and_the_ones_whose_postcode_search_finds_services_near(
    session, dashboard, db_url, tmp_path
):
    base, asked, moved = dashboard
    config = make_test_config(
        db_url,
        tmp_path,
        EXPANSION_DAYS=60,
        DISCOVER_ORUK_DASHBOARD=base + "dashboard.json",
        DISCOVER_OPENACTIVE_CATALOG="",
        DISCOVER_OVERPASS_URL=base + "none",
        DISCOVER_MOBILIZON_INSTANCES="",
    )
    candidates, problems = discover(
        session, "Bristol", *BRISTOL, 10, config, default_fetcher(session, config), NOW, postcode="BS1 5TR"
    )
    session.commit()
    oruk = [c for c in candidates if c.kind == "oruk"]
    assert [(c.name, c.adapter, c.items, c.near) for c in oruk] == [
        ("Bristol Council (Open Referral UK)", "hsds", 1, 1),
        ("Care Quality Commission (Open Referral UK)", "hsds", 1, 1),
    ]
    assert oruk[0].url == moved["Bristol Council"] + "/services"  # its postcode search fails: the whole feed
    assert oruk[1].url == moved["Care Quality Commission"] + "/services?postcode=BS1+5TR&proximity=10000"
    probed = {path.split("/services")[0].strip("/") for path in asked if "/services" in path}
    assert len(probed) == 8  # Bristol by name + the 7 whose postcode search works; not Bucks, Cumbria, My Best Life
    assert any("3 directories not asked" in p and "Buckinghamshire Council" in p for p in problems)
    assert any("lgaapi" in p and "500" in p for p in problems)  # a directory that fails is a problem line, not a crash
    queued = session.scalars(select(SourceSuggestion).where(SourceSuggestion.adapter == "hsds")).all()
    assert len(queued) == 2 and all(row.status == "pending" for row in queued)
    assert "Stay and Play" in queued[0].preview[0]["title"]


def test_without_a_postcode_only_named_directories_are_asked(session, dashboard, db_url, tmp_path):
    base, asked, _moved = dashboard
    config = make_test_config(
        db_url,
        tmp_path,
        DISCOVER_ORUK_DASHBOARD=base + "dashboard.json",
        DISCOVER_OPENACTIVE_CATALOG="",
        DISCOVER_OVERPASS_URL=base + "none",
        DISCOVER_MOBILIZON_INSTANCES="",
    )
    candidates, problems = discover(session, "Bristol", *BRISTOL, 10, config, default_fetcher(session, config), NOW)
    assert [c.name for c in candidates if c.kind == "oruk"] == ["Bristol Council (Open Referral UK)"]
    assert [p for p in asked if "/services" in p] == ["/bristol-o-ServiceDirectoryService-v2/services?"]
    assert any("10 directories not asked" in p and "no postcode given" in p for p in problems)
