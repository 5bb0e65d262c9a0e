"""One bad item never fails a run: scraped over real HTTP beside a good event, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from finder.identity import ORG_KEY_DOMAIN, ORG_KEY_NAME, organization_key
from finder.ingest.runs import default_fetcher, run_source
from finder.models import Listing, Organization, Source
from tests.conftest import make_test_config

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
GOOD = "BEGIN:VEVENT\r\nUID:good@x\r\nSUMMARY:Repair cafe\r\nDTSTART:20260305T180000Z\r\nEND:VEVENT\r\n"


def calendar(*events: str, zone: str = "Europe/London") -> bytes:
    return (
        f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nX-WR-TIMEZONE:{zone}\r\n"
        + "".join(events)
        + "END:VCALENDAR\r\n"
    ).encode()


@pytest.fixture
def scrape(session, db_url, tmp_path, httpserver):
    """Serve `body` and run a source on it with the real fetcher, as the scheduler does."""
    config = make_test_config(db_url, tmp_path)
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)

    def run(slug: str, body: bytes):
        httpserver.expect_request(f"/{slug}.ics").respond_with_data(body, content_type="text/calendar")
        session.add(Source(slug=slug, adapter="ics", url=httpserver.url_for(f"/{slug}.ics"), country="GB"))
        session.commit()
        result = run_source(session, slug, now=NOW, config=config, fetcher=default_fetcher(session, config))
        session.commit()
        return result

    return run


def titles(session) -> set[str]:
    return set(session.scalars(select(Listing.title)))


def test_a_long_organiser_name_loses_neither_the_run_nor_the_event_beside_it(session, scrape):
    long_name = "a" * 300
    organised = (
        "BEGIN:VEVENT\r\nUID:long@x\r\nSUMMARY:Long named club night\r\nDTSTART:20260306T180000Z\r\n"
        f'ORGANIZER;CN="{long_name}":mailto:club@example.org\r\nEND:VEVENT\r\n'
    )
    run = scrape("long", calendar(GOOD, organised))
    assert (run.status, run.inserted, run.error) == ("ok", 2, "")
    assert titles(session) == {"Repair cafe", "Long named club night"}
    (organization,) = session.scalars(select(Organization)).all()
    assert organization.key == organization_key(long_name, "") and organization.name == long_name
    assert session.scalar(select(Listing).where(Listing.title == "Long named club night")).organization is organization


def test_an_item_the_importer_cannot_take_is_reported_and_the_rest_imported(session, scrape):
    founded = "BEGIN:VEVENT\r\nUID:old@x\r\nSUMMARY:Founding day\r\nDTSTART;VALUE=DATE:00010101\r\nEND:VEVENT\r\n"
    run = scrape(
        "old", calendar(GOOD, founded, zone="Asia/Tokyo")
    )  # midnight of 1 January 1 in Tokyo is before UTC's year 1
    assert (run.status, run.inserted, run.invalid) == ("ok", 1, 1)
    assert titles(session) == {"Repair cafe"}
    assert any(p.startswith("Founding day: not imported: OverflowError") for p in run.problems), run.problems


def test_organisation_keys_keep_their_separator_and_stay_apart_when_long():
    assert organization_key("Code for Boston", "https://www.codeforboston.org/") == "code for boston|codeforboston.org"
    one, other = organization_key("b" * 250 + " one", ""), organization_key("b" * 250 + " two", "")
    assert one != other and one.endswith("|") and len(one) == ORG_KEY_NAME + 1
    host = "https://" + "c" * 60 + "." + "d" * 60 + ".example.org/"
    key = organization_key("e" * 400, host)
    name, separator, domain = key.partition("|")
    assert separator and len(name) == ORG_KEY_NAME and len(domain) == ORG_KEY_DOMAIN and len(key) <= 300
