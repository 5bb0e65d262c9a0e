"""The bundled demo through the real fetcher, adapters and importer, then the newcomer's searches."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest
import time_machine
from sqlalchemy import func, select

from finder import create_app
from finder.cli.demo import demo_group
from finder.db.migrate import upgrade
from finder.demo import demo_dir, demo_texts
from finder.models import Listing, ListingSource, Occurrence
from tests.conftest import WRITES_DEMO_FILES, make_test_config

pytestmark = WRITES_DEMO_FILES


def test_the_demo_writing_tests_really_share_one_worker(request):
    """Under `--dist loadgroup` this module's tests carry their group in their node id, which is how pytest-xdist
    sends them to one worker; with pytest 9 the suffix was silently dropped, and demo loads on two workers
    rewrote each other's data/demo/ files mid-test."""
    if not getattr(request.config.option, "loadgroup", False):  # what an xdist worker sets under loadgroup
        pytest.skip("not run under pytest-xdist's --dist loadgroup")
    assert request.node.nodeid.endswith("@data-demo"), request.node.nodeid


def loaded_demo(folder, gazetteer_path):
    """An app on a fresh migrated SQLite file in `folder` with the demo loaded by `finder demo load`."""
    url = f"sqlite:///{folder}/demo.sqlite"
    upgrade(url)
    app = create_app(make_test_config(url, folder, GAZETTEER_PATH=str(gazetteer_path)))
    result = app.test_cli_runner().invoke(demo_group, ["load"])
    assert result.exit_code == 0, result.output
    app.load_output = result.output
    return app


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory, gazetteer_path):
    app = loaded_demo(tmp_path_factory.mktemp("demo"), gazetteer_path)
    yield app
    app.extensions["engine"].dispose()


def test_demo_loads_over_three_hundred_listings_with_merged_duplicates(demo_app):
    with demo_app.extensions["sessionmaker"]() as session:
        listings = session.scalar(select(func.count()).select_from(Listing))
        assert listings >= 300
        kinds = set(session.scalars(select(Listing.kind).distinct()))
        assert kinds == {"club", "volunteer", "event", "online", "service"}
        merged = session.scalars(
            select(ListingSource.listing_id)
            .group_by(ListingSource.listing_id)
            .having(func.count(func.distinct(ListingSource.source_id)) > 1)
        ).all()
        assert len(merged) >= 2  # the events also published on Toronto's and Sydney's pages
        cancelled = session.scalar(select(func.count()).select_from(Listing).where(Listing.locality == "Tokyo"))
        assert cancelled > 10
    assert "failed" not in demo_app.load_output


def test_loading_again_imports_nothing_twice(demo_app):
    result = demo_app.test_cli_runner().invoke(demo_group, ["load"])
    assert result.exit_code == 0
    assert "0 new listing(s)" in result.output


@pytest.mark.parametrize(
    "where, interests, expected",
    [("Portland, OR", "hiking", "Trail Walkers"), ("London", "volunteering", ""), ("Berlin", "languages", "Sprach")],
)
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


@pytest.mark.parametrize(
    "interests, english",
    [
        ("Wandern", "walking"),
        ("Chor", "choir"),
        ("Spiele", "games"),  # the German placeholder and chip label
        ("Wanderungen", "walking"),
        ("Chöre", "choir"),
        ("senderismo", "hiking"),
        ("coro", "choir"),
    ],
)
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
    body = (
        demo_app.test_client()
        .get("/api/v1/search", query_string={"where": "Berlin", "interests": "Neu in Berlin, Chor"})
        .get_json()
    )
    assert "Nachbarschaftschor" in {r["title"] for r in body["results"]}


def upcoming(session, now, *, series: bool):
    """Titles of recurring series, or of one-off events, with a meeting that has not ended by `now`."""
    kind = Listing.recurrence.is_not(None) if series else (Listing.recurrence.is_(None) & (Listing.kind == "event"))
    ahead = select(Occurrence.id).where(
        Occurrence.listing_id == Listing.id,
        Occurrence.start > now - timedelta(days=1),
        func.coalesce(Occurrence.end, Occurrence.start) > now,
    )
    return session.scalars(select(Listing.title).where(kind, ahead.exists())).all()


def test_the_demo_loaded_sixty_days_on_is_as_full_as_today(tmp_path, gazetteer_path):
    later = datetime.now(UTC) + timedelta(days=60)
    with time_machine.travel(later, tick=False):
        app = loaded_demo(tmp_path, gazetteer_path)
        with app.extensions["sessionmaker"]() as session:
            one_offs = upcoming(session, later, series=False)
            series = upcoming(session, later, series=True)
            every_series = session.scalar(
                select(func.count()).select_from(Listing).where(Listing.recurrence.is_not(None))
            )
        assert sum("Lantern Walk" in title for title in one_offs) == 9  # each city's one-off, still ahead
        assert len(one_offs) >= 30 and len(series) == every_series >= 300
        client = app.test_client()
        for where, interests in [("Portland, OR", "hiking"), ("London", "volunteering"), ("Berlin", "languages")]:
            body = client.get("/api/v1/search", query_string={"where": where, "interests": interests}).get_json()
            assert body["total"] >= 3, (where, interests)
            dated = [datetime.fromisoformat(r["next_start"]) for r in body["results"] if r.get("next_start")]
            assert dated and min(dated) > later - timedelta(hours=6), (where, min(dated, default=None))
    app.extensions["engine"].dispose()


def test_loading_on_a_later_day_moves_the_demo_instead_of_adding_to_it(demo_app):
    before = {f.name: f.read_text() for f in demo_dir().iterdir() if not f.name.startswith(".")}
    with demo_app.extensions["sessionmaker"]() as session:
        count = session.scalar(select(func.count()).select_from(Listing))
    with time_machine.travel(datetime.now(UTC) + timedelta(days=9), tick=False):
        result = demo_app.test_cli_runner().invoke(demo_group, ["load"])
    assert result.exit_code == 0, result.output
    assert "0 new listing(s)" in result.output and "failed" not in result.output
    after = {f.name: f.read_text() for f in demo_dir().iterdir() if not f.name.startswith(".")}
    assert before.keys() == after.keys() and before != after  # the dated files moved with the clock
    with demo_app.extensions["sessionmaker"]() as session:
        assert session.scalar(select(func.count()).select_from(Listing)) == count


def starts_by_uid(text: str) -> dict[str, datetime]:
    calendar = icalendar.Calendar.from_ical(text)
    return {
        str(event["UID"]): event.decoded("DTSTART") for event in calendar.walk("VEVENT") if "RECURRENCE-ID" not in event
    }


@pytest.mark.parametrize("anchor", [date(2026, 12, 6), date(2029, 2, 28), date(2031, 7, 15)])
def test_demo_files_are_dated_around_their_anchor_and_series_keep_their_weekday(anchor):
    files, later = demo_texts(anchor), demo_texts(anchor + timedelta(days=17))
    assert files.keys() == later.keys()
    for name in (n for n in files if n.endswith(".ics")):
        now, moved = starts_by_uid(files[name]), starts_by_uid(later[name])
        assert now.keys() == moved.keys(), name  # the same items, whatever the day
        for uid, start in now.items():
            if "-once-" in uid:  # one-off events: in the weeks after the anchor
                assert anchor < start.date() <= anchor + timedelta(weeks=8), uid
            else:  # series: started a few weeks before it, and keep their weekday and hour
                assert anchor - timedelta(weeks=5) <= start.date() < anchor, uid
                assert (moved[uid].weekday(), moved[uid].time()) == (start.weekday(), start.time()), uid


def test_demo_build_writes_around_a_given_day_and_refuses_a_bad_one(demo_app):
    runner = demo_app.test_cli_runner()
    bad = runner.invoke(demo_group, ["build", "--anchor", "next tuesday"])
    assert bad.exit_code == 2 and "is not a date like" in bad.output
    done = runner.invoke(demo_group, ["build", "--anchor", "2030-05-01"])
    assert done.exit_code == 0 and "around 2030-05-01" in done.output
    written = (demo_dir() / "london-community.ics").read_bytes()
    assert written == demo_texts(date(2030, 5, 1))["london-community.ics"].encode()
    assert runner.invoke(demo_group, ["build"]).exit_code == 0  # leave the files dated around today
