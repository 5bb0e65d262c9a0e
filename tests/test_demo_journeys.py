"""The volunteer's and the online visitor's journeys on the bundled demo, on a frozen clock: the real
fetcher, adapters, importer and catalogue defaults, then the searches a person makes (API and web form)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from finder import create_app
from finder.cli.demo import demo_group
from finder.db.migrate import upgrade
from finder.demo.content import ONLINE
from tests.conftest import WRITES_DEMO_FILES, make_test_config

pytestmark = WRITES_DEMO_FILES

FROZEN = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)  # a Sunday, a week after the bundled files' anchor
COMMUNITIES = sorted(title for title, _kind, _cats, rule, *_ in ONLINE if rule is None)  # no dates: ongoing
GATHERINGS = sorted(title for title, _kind, _cats, rule, *_ in ONLINE if rule is not None)


@pytest.fixture(scope="module")
def demo(tmp_path_factory, gazetteer_path):
    folder = tmp_path_factory.mktemp("demo-journeys")
    url = f"sqlite:///{folder}/demo.sqlite"
    with time_machine.travel(FROZEN, tick=True):
        upgrade(url)
        app = create_app(make_test_config(url, folder, GAZETTEER_PATH=str(gazetteer_path)))
        result = app.test_cli_runner().invoke(demo_group, ["load"])
        assert result.exit_code == 0, result.output
        yield app.test_client()
        app.extensions["engine"].dispose()


def search(client, **args) -> dict:
    response = client.get("/api/v1/search", query_string={"per_page": 100, **args})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_volunteer_in_london_finds_weekend_roles(demo):
    body = search(demo, where="London", kind="volunteer", days="sat,sun")
    assert body["total"] >= 3
    assert {r["kind"] for r in body["results"]} == {"volunteer"}  # the TEC hub's catalogue kind reached them
    assert all(r["distance_km"] is not None and r["distance_km"] <= 25 for r in body["results"])
    assert all(datetime.fromisoformat(r["next_start"]).weekday() >= 5 for r in body["results"] if r["next_start"])


def test_ongoing_volunteer_roles_are_shown_as_ongoing(demo):
    body = search(demo, where="Portland, OR", kind="volunteer", days="sat,sun", when="weekend")
    ongoing = [r for r in body["results"] if r["next_start"] is None]
    assert len(ongoing) >= 3  # the Socrata roles began weeks ago and give no end
    assert all("Ongoing" in r["reasons"] for r in ongoing)
    page = demo.get(f"/listings/{ongoing[0]['id']}").get_data(as_text=True)
    assert "Ongoing, since" in page


@pytest.mark.parametrize("extra", [{}, {"lang": "de"}, {"where": "Berlin"}, {"where": "London", "lang": "de"}])
def test_online_only_reaches_the_online_communities_and_gatherings(demo, extra):
    body = search(demo, online="only", **extra)
    titles = {r["title"] for r in body["results"]}
    assert set(COMMUNITIES) <= titles and set(GATHERINGS) <= titles
    assert all(r["online"] and r["kind"] == "online" and r["distance_km"] is None for r in body["results"])
    community = next(r for r in body["results"] if r["title"] == COMMUNITIES[0])
    assert community["lat"] is None and community["next_start"] is None and "Ongoing" in community["reasons"]


def test_online_communities_come_with_a_place_search_unless_excluded(demo):
    near = {r["title"] for r in search(demo, where="London")["results"]}
    assert set(COMMUNITIES) <= near
    assert not set(COMMUNITIES) & {r["title"] for r in search(demo, where="London", online="exclude")["results"]}


@pytest.mark.parametrize("lang, label", [("en", "Only online"), ("de", "Nur online")])
def test_the_web_form_finds_online_communities(demo, lang, label):
    page = demo.get("/search", query_string={"online": "only", "lang": lang}).get_data(as_text=True)
    assert label in page
    assert all(title.replace("'", "&#39;") in page for title in COMMUNITIES)
    assert 'value="only" checked' in page


@pytest.mark.parametrize("lang", ["en", "de"])
def test_the_online_kind_in_the_web_form_finds_them_near_a_place(demo, lang):
    page = demo.get("/search", query_string={"where": "Berlin", "kind": "online", "lang": lang}).get_data(as_text=True)
    assert all(title.replace("'", "&#39;") in page for title in COMMUNITIES + GATHERINGS)
    assert 'value="online" checked' in page
