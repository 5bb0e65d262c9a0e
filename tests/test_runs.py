"""Runs over a real HTTP server: fetch -> parse -> ingest -> one ScrapeRun row per run."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select
from werkzeug import Response

from finder.db.engine import make_engine
from finder.ingest import runs
from finder.ingest.runs import default_fetcher, run_source
from finder.models import FetchState, Listing, ListingSource, ScrapeRun, Source
from scrapers import ADAPTERS
from tests.conftest import make_test_config
from tests.paged_adapter import PagedAdapter

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
CLUB_ICS = (FIXTURES / "club.ics").read_bytes()
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def without_event(body: bytes, uid: str) -> bytes:
    """The calendar with the VEVENT of `uid` removed."""
    text = body.decode()
    start = text.index(f"UID:{uid}")
    begin = text.rindex("BEGIN:VEVENT", 0, start)
    end = text.index("END:VEVENT", start) + len("END:VEVENT\n")
    return (text[:begin] + text[end:]).encode()


EMPTY_ICS = b"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//t//t//EN\nEND:VCALENDAR\n"


@pytest.fixture
def config(db_url, tmp_path):
    return make_test_config(db_url, tmp_path, HIDE_AFTER_MISSES=2, EXPANSION_DAYS=60)


@pytest.fixture
def scrape(session, config):
    """Run a source by slug with the real fetcher, as the CLI and scheduler do."""

    def run(slug: str, **kwargs) -> ScrapeRun:
        kwargs.setdefault("fetcher", default_fetcher(session, config))
        result = run_source(session, slug, now=NOW, config=config, **kwargs)
        session.commit()
        return result

    return run


def add_source(session, slug: str, url: str, adapter: str = "ics", **values) -> Source:
    source = Source(slug=slug, adapter=adapter, url=url, timezone="Europe/Paris", country="FR", **values)
    session.add(source)
    session.commit()
    return source


def reset(httpserver):
    """Forget every expected request but robots.txt (absent: everything allowed)."""
    httpserver.clear()
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)


@pytest.fixture(autouse=True)
def no_robots(httpserver):
    reset(httpserver)


def serve(httpserver, path: str, body: bytes, status: int = 200, content_type: str = "text/calendar"):
    reset(httpserver)
    httpserver.expect_request(path).respond_with_data(body, status=status, content_type=content_type)
    return httpserver.url_for(path)


def listing_count(session) -> int:
    return session.scalar(select(func.count()).select_from(Listing))


def test_a_good_run_stores_listings_and_one_run_row(session, httpserver, scrape):
    add_source(session, "riverside", serve(httpserver, "/club.ics", CLUB_ICS))
    run = scrape("riverside")
    assert (run.status, run.http_status, run.items, run.inserted, run.invalid) == ("ok", 200, 3, 3, 0)
    assert run.duration_s is not None and run.finished_at >= run.started_at
    games = session.scalar(select(Listing).where(Listing.title == "Board games night"))
    assert games.next_start == datetime(2026, 3, 3, 18, 0, tzinfo=UTC)
    assert len(games.occurrences) >= 8 and "games" in {t.slug for t in games.tags}
    again = scrape("riverside")
    assert (again.status, again.inserted, again.updated, again.unchanged) == ("ok", 0, 0, 3)
    assert session.scalar(select(func.count()).select_from(ScrapeRun)) == 2


def test_not_modified_is_ok_and_changes_nothing(session, httpserver, scrape):
    url = httpserver.url_for("/etag.ics")
    httpserver.expect_request("/etag.ics", headers={"If-None-Match": '"v1"'}).respond_with_response(
        Response(status=304, headers={"ETag": '"v1"'})
    )
    httpserver.expect_request("/etag.ics").respond_with_data(
        CLUB_ICS, content_type="text/calendar", headers={"ETag": '"v1"'}
    )
    add_source(session, "etag", url)
    assert scrape("etag").inserted == 3
    run = scrape("etag")
    assert (run.status, run.http_status, run.items, run.unchanged) == ("ok", 304, 0, 0)
    assert session.scalar(select(func.max(ListingSource.missed_runs))) == 0


def test_a_listing_that_vanishes_becomes_unverified_then_hidden_then_returns(session, httpserver, scrape):
    add_source(session, "riverside", serve(httpserver, "/club.ics", CLUB_ICS))
    scrape("riverside")
    serve(httpserver, "/club.ics", without_event(CLUB_ICS, "river-cleanup-2026@riverside.example"))
    cleanup = session.scalar(select(Listing).where(Listing.title == "River cleanup"))
    run = scrape("riverside")
    assert (run.status, run.gone, run.unchanged) == ("ok", 1, 2)
    session.refresh(cleanup)
    assert cleanup.liveness == "unverified"
    scrape("riverside")
    session.refresh(cleanup)
    assert cleanup.liveness == "hidden"
    serve(httpserver, "/club.ics", CLUB_ICS)
    scrape("riverside")
    session.refresh(cleanup)
    assert cleanup.liveness == "active" and cleanup.sources[0].missed_runs == 0


def test_zero_items_after_a_good_run_is_empty_and_hides_nothing(session, httpserver, scrape):
    add_source(session, "riverside", serve(httpserver, "/club.ics", CLUB_ICS))
    scrape("riverside")
    serve(httpserver, "/club.ics", EMPTY_ICS)
    for _ in range(3):
        run = scrape("riverside")
        assert run.status == "empty" and "last good run" in run.error
    assert set(session.scalars(select(Listing.liveness))) == {"active"}
    assert session.scalar(select(func.max(ListingSource.missed_runs))) == 0


def test_an_empty_source_that_never_had_items_is_ok(session, httpserver, scrape):
    add_source(session, "quiet", serve(httpserver, "/quiet.ics", EMPTY_ICS))
    run = scrape("quiet")
    assert (run.status, run.items) == ("ok", 0)


def test_failed_fetches_and_parses_are_recorded_and_touch_nothing(session, httpserver, scrape):
    add_source(session, "riverside", serve(httpserver, "/club.ics", CLUB_ICS))
    scrape("riverside")
    reset(httpserver)
    httpserver.expect_request("/club.ics").respond_with_data("gone", status=404)
    run = scrape("riverside")
    assert (run.status, run.http_status) == ("failed", 404) and run.error.startswith("fetch:")
    serve(httpserver, "/club.ics", b"<html><body>Our calendar moved</body></html>", content_type="text/html")
    run = scrape("riverside")
    assert run.status == "failed" and run.error.startswith("parse:")
    assert set(session.scalars(select(Listing.liveness))) == {"active"}
    assert session.scalar(select(func.max(ListingSource.missed_runs))) == 0


def test_a_failed_source_never_touches_another_sources_listings(session, httpserver, scrape):
    httpserver.expect_request("/club.ics").respond_with_data(CLUB_ICS, content_type="text/calendar")
    httpserver.expect_request("/broken.ics").respond_with_data("nope", status=404)
    add_source(session, "riverside", httpserver.url_for("/club.ics"))
    add_source(session, "broken", httpserver.url_for("/broken.ics"))
    scrape("riverside")
    assert scrape("broken").status == "failed"
    assert listing_count(session) == 3
    assert set(session.scalars(select(Listing.liveness))) == {"active"}


def test_unknown_slug_is_a_lookup_error(session, config):
    with pytest.raises(LookupError, match="nope"):
        run_source(session, "nope", config=config)


# A tiny paged format (tests/paged_adapter.py), registered only while these tests run.
@pytest.fixture
def paged(monkeypatch):
    monkeypatch.setitem(ADAPTERS, "test-paged", PagedAdapter)


def page(n: int, following: str | None, **extra) -> bytes:
    items = [[f"k{n}-{i}", f"Event {n}.{i}", f"2026-03-{10 + n:02d}T18:0{i}:00+01:00"] for i in range(2)]
    return json.dumps({"items": items, "next": following, **extra}).encode()


def test_pages_are_followed(session, httpserver, scrape, paged):
    httpserver.expect_request("/p1").respond_with_data(page(1, "p2"))
    httpserver.expect_request("/p2").respond_with_data(page(2, None))
    add_source(session, "paged", httpserver.url_for("/p1"), adapter="test-paged")
    run = scrape("paged")
    assert (run.status, run.items, run.inserted) == ("ok", 4, 4)


def test_a_failing_later_page_makes_a_partial_run_that_hides_nothing(session, httpserver, scrape, paged):
    httpserver.expect_request("/p1").respond_with_data(page(1, "p2"))
    httpserver.expect_request("/p2").respond_with_data(page(2, None))
    add_source(session, "paged", httpserver.url_for("/p1"), adapter="test-paged")
    scrape("paged")
    reset(httpserver)
    httpserver.expect_request("/p1").respond_with_data(page(1, "p2"))
    httpserver.expect_request("/p2").respond_with_data("down", status=404)
    run = scrape("paged")
    assert (run.status, run.unchanged, run.gone) == ("partial", 2, 0)
    assert "page 2" in run.error
    assert session.scalar(select(func.max(ListingSource.missed_runs))) == 0


def test_the_page_cap_stops_endless_paging(session, httpserver, scrape, paged, monkeypatch):
    monkeypatch.setattr(runs, "MAX_PAGES", 3)
    for n in range(1, 6):
        httpserver.expect_request(f"/p{n}").respond_with_data(page(n, f"p{n + 1}"))
    add_source(session, "endless", httpserver.url_for("/p1"), adapter="test-paged")
    run = scrape("endless")
    assert (run.status, run.items) == ("partial", 6)
    assert "stopped after 3 pages" in run.problems


def test_an_exception_inside_a_run_is_recorded_not_raised(session, httpserver, scrape, paged):
    httpserver.expect_request("/p1").respond_with_data(page(1, None, explode=True))
    add_source(session, "buggy", httpserver.url_for("/p1"), adapter="test-paged")
    run = scrape("buggy")
    assert run.status == "failed" and "RuntimeError: adapter bug" in run.error
    assert session.get(ScrapeRun, run.id).status == "failed"


def test_invalid_items_are_counted(session, httpserver, scrape, paged):
    body = json.dumps({"items": [["a", "", "2026-03-10T18:00:00+01:00"], ["b", "Fine", "2026-03-10T18:00:00+01:00"]]})
    httpserver.expect_request("/p1").respond_with_data(body)
    add_source(session, "mixed", httpserver.url_for("/p1"), adapter="test-paged")
    run = scrape("mixed")
    assert (run.status, run.items, run.invalid, run.inserted) == ("ok", 2, 1, 1)
    assert any("missing title" in p for p in run.problems)


def catalogue_app(engine, db_url, tmp_path, body: str):
    from finder import create_app
    from tests.conftest import clear_tables

    clear_tables(engine)
    path = tmp_path / "sources.toml"
    path.write_text(body)
    return create_app(make_test_config(db_url, tmp_path, SOURCES_FILE=str(path), GAZETTEER_PATH=str(tmp_path / "none")))


def test_cli_scrape_sources_and_retag(engine, db_url, tmp_path, httpserver):
    pytest.importorskip("scrapers.fetch.fetcher")
    from finder.cli.scrape import retag_command, scrape_command, sources_command

    url = serve(httpserver, "/club.ics", CLUB_ICS)
    body = (
        f'[[source]]\nslug = "riverside"\nadapter = "ics"\nurl = "{url}"\ntimezone = "Europe/Paris"\n'
        f'tags = ["community"]\n[[source]]\nslug = "off"\nadapter = "ics"\nurl = "{url}"\nenabled = false\n'
    )
    app = catalogue_app(engine, db_url, tmp_path, body)
    runner = app.test_cli_runner()
    context = app.app_context()
    context.push()
    result = runner.invoke(scrape_command, ["--all"])
    assert result.exit_code == 0, result.output
    assert "riverside" in result.output and "ok" in result.output and "off" not in result.output
    listed = runner.invoke(sources_command)
    assert listed.exit_code == 0 and "riverside" in listed.output and "never" in listed.output
    retagged = runner.invoke(retag_command)
    assert retagged.exit_code == 0 and "retagged 3 listing(s); 0 changed" in retagged.output
    assert runner.invoke(scrape_command, ["nope"]).exit_code == 2
    assert runner.invoke(scrape_command, []).exit_code == 2
    context.pop()
    app.extensions["engine"].dispose()


def test_cli_scrape_exits_1_when_a_source_fails(engine, db_url, tmp_path, httpserver):
    pytest.importorskip("scrapers.fetch.fetcher")
    from finder.cli.scrape import scrape_command

    httpserver.expect_request("/x.ics").respond_with_data("gone", status=404)
    body = f'[[source]]\nslug = "broken"\nadapter = "ics"\nurl = "{httpserver.url_for("/x.ics")}"\n'
    app = catalogue_app(engine, db_url, tmp_path, body)
    with app.app_context():
        result = app.test_cli_runner().invoke(scrape_command, ["broken"])
    assert result.exit_code == 1 and "failed" in result.output
    app.extensions["engine"].dispose()


def test_cli_reports_a_bad_catalogue(engine, db_url, tmp_path):
    from finder.cli.scrape import sources_command

    app = catalogue_app(
        engine, db_url, tmp_path, '[[source]]\nslug = "x"\nadapter = "nope"\nurl = "https://x.example/"\n'
    )
    with app.app_context():
        result = app.test_cli_runner().invoke(sources_command)
    assert result.exit_code == 1 and "unknown adapter 'nope'" in result.output
    app.extensions["engine"].dispose()


def test_a_crash_inside_ingest_rolls_back_that_run_only(session, httpserver, scrape, monkeypatch):
    add_source(session, "riverside", serve(httpserver, "/club.ics", CLUB_ICS))
    scrape("riverside")
    real_ingest = runs.ingest

    def crashing(*args, **kwargs):
        real_ingest(*args, **kwargs)
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(runs, "ingest", crashing)
    serve(httpserver, "/club.ics", without_event(CLUB_ICS, "river-cleanup-2026@riverside.example"))
    run = scrape("riverside")
    assert run.status == "failed" and "disk on fire" in run.error
    assert set(session.scalars(select(Listing.liveness))) == {"active"}
    assert session.scalar(select(func.max(ListingSource.missed_runs))) == 0
    assert [r.status for r in session.scalars(select(ScrapeRun).order_by(ScrapeRun.id))] == ["ok", "failed"]


def test_a_parse_failure_forgets_the_etag_so_the_next_run_reads_the_page_again(session, httpserver, scrape):
    add_source(session, "etag-club", httpserver.url_for("/club.ics"))
    reset(httpserver)
    httpserver.expect_request("/club.ics").respond_with_data(
        b"<html>maintenance</html>", headers={"ETag": '"v1"'}, content_type="text/calendar"
    )
    assert scrape("etag-club").status == "failed"

    def answer(request):
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)
        return Response(CLUB_ICS, headers={"ETag": '"v2"'}, content_type="text/calendar")

    reset(httpserver)
    httpserver.expect_request("/club.ics").respond_with_handler(answer)
    second = scrape("etag-club")
    assert (second.status, second.http_status) == ("ok", 200)
    assert second.inserted > 0


def test_no_write_is_held_while_the_source_answers(session, config, db_url, httpserver):
    """The run row and the fetcher's state wait for the pages: on SQLite a held write would lock the
    whole database (saved searches, reports) for as long as the source's server takes to answer."""
    impatient = (
        make_engine(db_url, connect_args={"timeout": 0.2}) if db_url.startswith("sqlite") else make_engine(db_url)
    )
    written = []

    def slow_page(request):
        with impatient.begin() as connection:  # "database is locked" if the run held a write
            connection.execute(
                insert(Source).values(
                    slug=f"other-{len(written)}", adapter="ics", url="https://other.example/", tags=[], mapping={}
                )
            )
        written.append(request.path)
        return Response(CLUB_ICS, content_type="text/calendar")

    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    httpserver.expect_request("/club.ics").respond_with_handler(slow_page)
    add_source(session, "slow-club", httpserver.url_for("/club.ics"))
    run = run_source(session, "slow-club", fetcher=default_fetcher(session, config), now=NOW, config=config)
    session.commit()
    impatient.dispose()
    assert written == ["/club.ics"]
    assert run.status == "ok" and run.inserted > 0
    keys = session.scalars(select(FetchState.key)).all()
    assert any(key.startswith("robots:") for key in keys)  # the fetcher's state was still saved
