"""The bundled demo through the real fetcher, adapters and importer, then the newcomer's searches."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from finder import create_app
from finder.commands.demo import demo_group
from finder.migrate import upgrade
from finder.models import Listing, ListingSource
from tests.conftest import make_test_config


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory, gazetteer_path):
    folder = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{folder}/demo.sqlite"
    upgrade(url)
    app = create_app(make_test_config(url, folder, GAZETTEER_PATH=str(gazetteer_path)))
    result = app.test_cli_runner().invoke(demo_group, ["load"])
    assert result.exit_code == 0, result.output
    app.load_output = result.output
    yield app
    app.extensions["engine"].dispose()


def test_demo_loads_over_three_hundred_listings_with_merged_duplicates(demo_app):
    with demo_app.extensions["sessionmaker"]() as session:
        listings = session.scalar(select(func.count()).select_from(Listing))
        assert listings >= 300
        kinds = set(session.scalars(select(Listing.kind).distinct()))
        assert kinds == {"club", "volunteer", "event", "online", "service"}
        merged = session.scalars(select(ListingSource.listing_id).group_by(ListingSource.listing_id)
                                 .having(func.count(func.distinct(ListingSource.source_id)) > 1)).all()
        assert len(merged) >= 2  # the events also published on Toronto's and Sydney's pages
        cancelled = session.scalar(select(func.count()).select_from(Listing).where(Listing.locality == "Tokyo"))
        assert cancelled > 10
    assert "failed" not in demo_app.load_output


def test_loading_again_imports_nothing_twice(demo_app):
    result = demo_app.test_cli_runner().invoke(demo_group, ["load"])
    assert result.exit_code == 0
    assert "0 new listing(s)" in result.output


@pytest.mark.parametrize("where, interests, expected", [
    ("Portland, OR", "hiking", "Trail Walkers"),
    ("London", "volunteering", ""),
    ("Berlin", "languages", "Sprach"),
])
def test_newcomer_searches_return_ranked_results_with_reasons(demo_app, where, interests, expected):
    response = demo_app.test_client().get("/api/v1/search", query_string={"where": where, "interests": interests})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["total"] >= 3
    assert body["place"]["name"]
    assert all(len(result["reasons"]) >= 2 for result in body["results"])
    titles = " | ".join(result["title"] for result in body["results"][:10])
    assert expected in titles
    near = [r for r in body["results"] if r["distance_km"] is not None]
    assert near and all(r["distance_km"] <= 25 for r in near)


@pytest.mark.parametrize("interests, english", [
    ("Wandern", "walking"), ("Chor", "choir"), ("Spiele", "games"),  # the German placeholder and chip label
    ("Wanderungen", "walking"), ("Chöre", "choir"), ("senderismo", "hiking"), ("coro", "choir"),
])
def test_interests_in_spanish_and_german_find_what_the_english_words_find(demo_app, interests, english):
    """A query in one language finds listings written in another through the canonical tags, and back."""
    client = demo_app.test_client()
    found = client.get("/api/v1/search", query_string={"where": "Berlin", "interests": interests, "per_page": 100})
    same = client.get("/api/v1/search", query_string={"where": "Berlin", "interests": english, "per_page": 100})
    assert found.status_code == 200, found.get_json()
    assert found.get_json()["total"] >= 1
    assert {r["id"] for r in found.get_json()["results"]} >= {r["id"] for r in same.get_json()["results"]}


def test_german_listings_are_tagged_so_english_words_find_them(demo_app):
    client = demo_app.test_client()
    for english, german_title in (("choir", "Nachbarschaftschor"), ("gardening", "Gemeinschaftsgarten")):
        body = client.get("/api/v1/search", query_string={"where": "Berlin", "interests": english}).get_json()
        assert german_title in " | ".join(r["title"] for r in body["results"]), english


@pytest.mark.parametrize("words", ["newcomers", "new to Portland"])
def test_newcomer_words_find_newcomer_friendly_listings_not_the_immigrants_cause(demo_app, words):
    client = demo_app.test_client()
    typed = client.get("/api/v1/search", query_string={"where": "Portland, OR", "interests": words, "per_page": 100})
    flag = client.get("/api/v1/search", query_string={"where": "Portland, OR", "newcomer": "true", "per_page": 100})
    assert typed.status_code == 200, typed.get_json()
    assert typed.get_json()["total"] >= 3
    assert [r["id"] for r in typed.get_json()["results"]] == [r["id"] for r in flag.get_json()["results"]]
    assert not all("immigrants-refugees" in r["tags"] for r in typed.get_json()["results"])


@pytest.mark.parametrize("q", ["Spiele", "Wandern", "senderismo", "Juegos"])
def test_words_find_the_tag_labels_in_every_language(demo_app, q):
    """`q` reads a listing's tag labels in English, Spanish and German, as the chips show them."""
    body = demo_app.test_client().get("/api/v1/search", query_string={"where": "Berlin", "q": q}).get_json()
    assert body["total"] >= 1, q


def test_new_in_berlin_finds_the_welcoming_german_choir(demo_app):
    """German words ask for the newcomer filter, and German listings that welcome newcomers say so in German."""
    body = demo_app.test_client().get("/api/v1/search", query_string={
        "where": "Berlin", "interests": "Neu in Berlin, Chor"}).get_json()
    assert "Nachbarschaftschor" in {r["title"] for r in body["results"]}
