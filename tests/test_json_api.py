"""The mapping-driven `json` adapter on the real recorded Do-it exchanges (VCR cassettes), served by a
local HTTP server: HAL paging from a v1 URL to relative v2 `next` links, to the last page."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from sqlalchemy import func, select
from werkzeug import Request, Response

from finder.ingest.runs import default_fetcher, run_source
from finder.models import Listing, ListingSource, Source
from scrapers.base import Context, ParseError
from scrapers.json_api import JsonAdapter
from tests.conftest import make_test_config
from tests.test_runs import reset

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "volunteering-api"
FOUR_PAGES = CORPUS / "doit-api-v1-v2-opportunities-harrow-3mi-4pages-vcr-cassette-2019.yml"
ONE_PAGE = CORPUS / "doit-api-v1-opportunities-harrow-0.5mi-vcr-cassette-2018.yml"
MAPPING = json.loads((Path(__file__).parent / "fixtures" / "json_api" / "doit-mapping.json").read_text())
NOW = datetime(2019, 12, 1, 12, 0, tzinfo=UTC)


def exchanges(path: Path) -> list[tuple[str, bytes]]:
    """(path?query, body) of each recorded answer; the YAML holds the JSON as a folded string."""
    recorded = yaml.safe_load(path.read_text(encoding="utf-8"))["http_interactions"]
    found = []
    for exchange in recorded:
        uri = urlsplit(exchange["request"]["uri"])
        found.append((f"{uri.path}?{uri.query}", exchange["response"]["body"]["string"].encode()))
    return found


def test_the_one_page_exchange_reads_into_volunteer_listings():
    [(_where, body)] = exchanges(ONE_PAGE)
    context = Context(mapping=MAPPING, window_start=NOW)
    adapter = JsonAdapter()
    listings = adapter.parse(body, "https://api.do-it.org/v1/opportunities?lat=51.5978&lng=-0.3370&miles=0.5", context)
    assert context.problems == []
    assert len(listings) == 2 and {item.kind for item in listings} == {"volunteer"}
    scout = next(item for item in listings if item.title.startswith("Scout Leader"))
    assert scout.source_key == "79ae1022-9059-40c0-82dd-3f5b15dd796a"
    assert scout.url == "https://do-it.org/opportunities/79ae1022-9059-40c0-82dd-3f5b15dd796a"
    assert (scout.lat, scout.lon) == (51.5943, -0.334769)
    assert (scout.venue.street, scout.venue.locality, scout.venue.postcode) == (
        "The Wealdstone Centre",
        "Wealdstone",
        "HA3 7AE",
    )
    assert scout.organizer.name == "Scouts - Scout Association - Greater London Region"
    assert adapter.next_url(body, "https://api.do-it.org/v1/opportunities") is None  # no `next`: the last page


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("/v2/opportunities?page=2", "https://api.example.org/v2/opportunities?page=2"),
        ("https://other.example.org/page/2", "https://other.example.org/page/2"),
        ("file:data/secret_key", None),  # a remote page never makes us read a local file
        ("file:///etc/passwd", None),
        ("https://api.example.org/v1/opportunities", None),  # this page again
    ],
)
def test_next_links_are_followed_only_over_http(link, expected):
    adapter = JsonAdapter()
    adapter.mapping = MAPPING
    body = json.dumps({"data": {"items": []}, "links": {"next": {"href": link}}}).encode()
    assert adapter.next_url(body, "https://api.example.org/v1/opportunities") == expected


def test_a_mapping_that_finds_nothing_or_is_incomplete_is_refused_in_one_line():
    [(_where, body)] = exchanges(ONE_PAGE)
    with pytest.raises(
        ParseError, match=r"mapping.items '\$.results' finds nothing in this body \(keys: data, links, meta\)"
    ):
        JsonAdapter().parse(body, "", Context(mapping={**MAPPING, "items": "$.results"}))
    with pytest.raises(ParseError, match="needs a catalogue mapping"):
        JsonAdapter().parse(body, "", Context())
    with pytest.raises(ParseError, match="unknown field"):
        JsonAdapter().parse(body, "", Context(mapping={**MAPPING, "fields": {"title": "title", "colour": "x"}}))
    with pytest.raises(ParseError, match="not JSONPath"):
        JsonAdapter().parse(body, "", Context(mapping={**MAPPING, "items": "$.[[["}))


@pytest.fixture
def doit(httpserver):
    """The four recorded pages, each at the path and query it was recorded at; records what is asked."""
    pages = dict(exchanges(FOUR_PAGES))
    asked = []

    def answer(request: Request) -> Response:
        where = f"{request.path}?{request.query_string.decode()}"
        asked.append(where)
        if where not in pages:
            return Response("not recorded", status=404)
        return Response(pages[where], content_type="application/json")

    reset(httpserver)
    httpserver.expect_request("/v1/opportunities").respond_with_handler(answer)
    httpserver.expect_request("/v2/opportunities").respond_with_handler(answer)
    return httpserver.url_for("/v1/opportunities?lat=51.5978&lng=-0.3370&miles=3.0"), asked


def test_a_run_follows_relative_v2_next_links_to_the_last_page(session, doit, db_url, tmp_path):
    first_url, asked = doit
    session.add(
        Source(
            slug="doit-harrow", adapter="json", url=first_url, timezone="Europe/London", country="GB", mapping=MAPPING
        )
    )
    session.commit()
    config = make_test_config(db_url, tmp_path, EXPANSION_DAYS=60)
    run = run_source(session, "doit-harrow", now=NOW, config=config, fetcher=default_fetcher(session, config))
    session.commit()
    assert [where.rsplit("&", 1)[-1] for where in asked] == ["miles=3.0", "page=2", "page=3", "page=4"]
    assert asked[1].startswith("/v2/opportunities?")  # a v1 page pointing at v2
    assert (run.status, run.items, run.inserted, run.invalid) == ("ok", 85, 85, 0)  # 36 + 19 + 20 + 10
    assert session.scalar(select(func.count()).select_from(Listing).where(Listing.kind == "volunteer")) == 85
    shop = session.scalar(
        select(Listing).join(ListingSource).where(ListingSource.source_key == "b3519fea-0eb1-4341-83f7-71e4e11e06b7")
    )
    assert shop.title == "Retail Store Assistants"
    assert (shop.lat, shop.lon, shop.postcode) == (
        pytest.approx(51.58768),
        pytest.approx(0.08152),
        "IG6 1HW",
    )  # 1st location
    assert "disability" in {
        tag.slug for tag in shop.tags
    }  # interests[*].name ("Learning disability") through the vocabulary


def test_the_real_uk_catalogue_entries_are_disabled_credited_and_readable():
    from finder.catalog.sources import load_catalog
    from scrapers.json_api import check_mapping

    specs = {
        spec.slug: spec
        for spec in load_catalog(Path(__file__).resolve().parent.parent / "data" / "sources.toml", overlay=False)
    }
    real = {
        "openactive-goodgym": "openactive",
        "oruk-buckinghamshire-fis": "hsds",
        "osm-community-places-leeds": "overpass",
        "doit-harrow": "json",
    }
    for slug, adapter in real.items():
        spec = specs[slug]
        assert (spec.adapter, spec.enabled) == (adapter, False) and spec.licence and spec.attribution, slug
    doit = specs["doit-harrow"].mapping
    assert {k: v for k, v in doit.items() if k != "fields"} == {k: v for k, v in MAPPING.items() if k != "fields"}
    assert check_mapping(doit) == MAPPING["fields"]  # the catalogue entry is the mapping the tests read Do-it with


def test_any_json_parses_through_the_mapping_or_is_refused():
    from hypothesis import HealthCheck, given, settings

    from tests.adapter_fuzz import check_never_crashes, json_values

    check_never_crashes(JsonAdapter, ["data", "items"])  # without a mapping: always a ParseError
    keys = [
        "data",
        "items",
        "links",
        "next",
        "href",
        "title",
        "id",
        "lat",
        "lng",
        "locations",
        "interests",
        "name",
        "for_recruiter",
        "website",
        "photo",
        "absolute_url",
        "postcode",
        "city",
        "address_1",
        "description",
    ]

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(json_values(keys))
    def run(value):
        body = json.dumps(value).encode()
        adapter = JsonAdapter()
        try:
            listings = adapter.parse(body, "https://api.example.org/v1/x", Context(mapping=MAPPING, window_start=NOW))
        except ParseError:
            listings = []
        assert isinstance(listings, list)
        following = adapter.next_url(body, "https://api.example.org/v1/x")
        assert following is None or following.startswith(("http://", "https://"))

    run()
