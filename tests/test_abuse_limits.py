"""Abuse limits (issue 17, item 6): a start-up warning when rate limits live in each worker's memory in
production; one allowance per mailbox whatever its spelling (case, a root dot, `+tag`); no address literals;
no subscriber-chosen text in the mail to an unconfirmed address; open reports capped per listing; the admin
report queue paged instead of the oldest 100."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from finder import create_app
from finder.alerts import subscriptions as alerts
from finder.mail.send import address_key, canonical_address, parse_message, valid_address
from finder.models import Alert, Listing, ListingReport, OutboxMessage
from finder.web.extensions import limiter, warn_if_limits_per_worker
from finder.web.views.admin import REPORTS_PER_PAGE
from finder.web.views.contribute import MAX_OPEN_REPORTS_PER_LISTING
from tests.conftest import clear_tables, make_test_config
from tests.trust_helpers import app_for, csrf_from, login, post_form

WARNING = "rate limits are kept in memory"
SEARCH = {"lat": "51.5", "lon": "-0.12", "q": "chess"}


@pytest.fixture
def trust_app(engine, db_url, tmp_path):
    yield from app_for(engine, db_url, tmp_path)


@pytest.fixture
def client(trust_app):
    return trust_app.test_client()


def warnings_at_start(db_url, tmp_path, caplog, **settings) -> list[str]:
    caplog.clear()
    values = dict(TESTING=False, RATELIMIT_ENABLED=True, SECRET_KEY="production-secret")
    values.update(settings)
    with caplog.at_level(logging.WARNING, logger="finder.web.extensions"):
        app = create_app(make_test_config(db_url, tmp_path, **values))
        warn_if_limits_per_worker(app)  # as wsgi.py does for gunicorn's workers
    app.extensions["engine"].dispose()
    return [record.getMessage() for record in caplog.records if WARNING in record.getMessage()]


def test_a_command_line_app_does_not_warn_about_workers(engine, db_url, tmp_path, caplog):
    """`finder parse`, `finder scrape` and the scheduler are one process each: no worker warning there."""
    with caplog.at_level(logging.WARNING, logger="finder.web.extensions"):
        app = create_app(
            make_test_config(
                db_url,
                tmp_path,
                TESTING=False,
                RATELIMIT_ENABLED=True,
                SECRET_KEY="production-secret",
                RATELIMIT_STORAGE_URI="memory://",
            )
        )
    app.extensions["engine"].dispose()
    assert WARNING not in caplog.text


def test_wsgi_entry_point_checks_the_store(tmp_path):
    assert "warn_if_limits_per_worker(app)" in (Path(__file__).resolve().parent.parent / "wsgi.py").read_text()


def test_production_warns_at_start_up_when_limits_are_per_worker(engine, db_url, tmp_path, caplog):
    (message,) = warnings_at_start(db_url, tmp_path, caplog, RATELIMIT_STORAGE_URI="memory://")
    assert "multiplies by the number of workers" in message and "redis://" in message
    app = create_app(make_test_config(db_url, tmp_path, TESTING=False, SECRET_KEY="production-secret"))
    app.config["FINDER"].RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379/5"  # a shared store (redis is optional)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="finder.web.extensions"):
        warn_if_limits_per_worker(app)
    assert WARNING not in caplog.text
    app.extensions["engine"].dispose()
    assert warnings_at_start(db_url, tmp_path, caplog, RATELIMIT_STORAGE_URI="memory://", DEBUG=True) == []
    assert warnings_at_start(db_url, tmp_path, caplog, RATELIMIT_STORAGE_URI="memory://", RATELIMIT_ENABLED=False) == []


@pytest.mark.parametrize(
    "address", ["x@[127.0.0.1]", "x@[IPv6:::1]", "x@127.0.0.1", "x@10.0.0.1.", "x\x01@example.org", "x@example.org\x85"]
)
def test_address_literals_ip_addresses_and_controls_are_refused(address):
    assert not valid_address(address)


def test_one_mailbox_whatever_its_spelling():
    spellings = ["x@example.org", "X@Example.ORG", "x@example.org.", "x+news@example.org", " x+a+b@EXAMPLE.org. "]
    assert {address_key(spelling) for spelling in spellings} == {"x@example.org"}
    assert canonical_address("X+News@Example.org.") == "x+news@example.org", "the tag is kept for delivery"
    assert all(valid_address(spelling.strip()) for spelling in spellings)


def test_the_per_address_rate_limit_counts_one_mailbox(engine, db_url, tmp_path):
    clear_tables(engine)
    app = create_app(make_test_config(db_url, tmp_path, RATELIMIT_ENABLED=True))
    limiter.reset()
    try:
        client = app.test_client()
        token = csrf_from(client.get("/alerts/new").get_data(as_text=True))

        def subscribe(email: str):  # fails validation (no mail is sent) but counts
            return client.post("/alerts", data={"csrf_token": token, "email": email, "frequency": "hourly"})

        for email in ("same@example.org", "SAME@example.org.", "same+1@example.org"):
            assert subscribe(email).status_code == 400, email
        assert subscribe("same+2@Example.org").status_code == 429
        assert subscribe("other@example.org").status_code == 400
    finally:
        limiter.reset()
        app.extensions["engine"].dispose()


def test_the_alerts_allowance_counts_sub_addresses(session):
    now = datetime(2026, 12, 1, tzinfo=UTC)
    for number in range(alerts.MAX_ALERTS_PER_ADDRESS):
        alerts.subscribe(
            session,
            email=f"walker+{number}@example.org",
            frequency="daily",
            name="",
            query={**SEARCH, "q": f"walk {number}"},
            now=now,
        )
    with pytest.raises(alerts.AlertError, match="as many alerts"):
        alerts.subscribe(session, email="Walker@Example.org.", frequency="daily", name="", query=SEARCH, now=now)
    kept = alerts.subscribe(session, email="walker_x@example.org", frequency="daily", name="", query=SEARCH, now=now)
    assert kept.email == "walker_x@example.org", "'_' in LIKE is escaped: another mailbox"
    session.commit()
    assert session.scalar(select(Alert.email).where(Alert.email.like("walker+0%"))) == "walker+0@example.org"


def test_the_confirmation_carries_no_text_the_subscriber_chose(client, trust_app):
    page = client.get("/alerts/new", query_string=SEARCH).get_data(as_text=True)
    name = "You won a prize: call +1 555 0100 at evil.example"
    answer = client.post(
        "/alerts",
        data={
            "csrf_token": csrf_from(page),
            "email": "victim@example.org",
            "frequency": "weekly",
            "name": name,
            **SEARCH,
        },
    )
    assert answer.status_code == 200
    with trust_app.extensions["sessionmaker"]() as session:
        (digest,) = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "confirm")).all()
        (alert,) = session.scalars(select(Alert)).all()
    assert alert.name == name, "the name is kept for the confirmed digests"
    message = parse_message(digest.message)
    texts = [part.get_content() for part in message.walk() if part.get_content_maintype() == "text"]
    assert texts and all("evil.example" not in text and "prize" not in text for text in texts)
    assert "evil.example" not in str(message["Subject"])


def test_an_address_literal_cannot_subscribe(client, trust_app):
    page = client.get("/alerts/new", query_string=SEARCH).get_data(as_text=True)
    answer = client.post(
        "/alerts", data={"csrf_token": csrf_from(page), "email": "root@[127.0.0.1]", "frequency": "weekly", **SEARCH}
    )
    assert answer.status_code == 400
    with trust_app.extensions["sessionmaker"]() as session:
        assert session.scalars(select(Alert)).all() == []


def add_listings(app, count: int) -> list[int]:
    with app.extensions["sessionmaker"]() as session:
        rows = [Listing(title=f"Listing {n}", kind="club") for n in range(count)]
        session.add_all(rows)
        session.commit()
        return [row.id for row in rows]


def test_open_reports_are_capped_per_listing(client, trust_app):
    (listing_id,) = add_listings(trust_app, 1)
    for _ in range(MAX_OPEN_REPORTS_PER_LISTING + 3):
        answer = post_form(client, f"/listings/{listing_id}/report", reason="spam", note="flood")
        assert answer.status_code == 200
    with trust_app.extensions["sessionmaker"]() as session:
        assert len(session.scalars(select(ListingReport)).all()) == MAX_OPEN_REPORTS_PER_LISTING


def test_the_report_queue_is_paged_oldest_first(client, trust_app):
    total = 2 * REPORTS_PER_PAGE + 7
    ids = add_listings(trust_app, total)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    with trust_app.extensions["sessionmaker"]() as session:
        session.add_all(
            ListingReport(
                listing_id=listing_id,
                reason="wrong",
                status="open",
                note=f"report {n}",
                created_at=start + timedelta(minutes=n),
            )
            for n, listing_id in enumerate(ids)
        )
        session.commit()
    login(client)

    def notes(page: str) -> list[int]:
        html = client.get("/admin", query_string={"page": page}).get_data(as_text=True)
        assert f"Reports ({total})" in html
        return [int(n) for n in re.findall(r"“report (\d+)”", html)]

    assert notes("1") == list(range(REPORTS_PER_PAGE))
    assert notes("3") == list(range(2 * REPORTS_PER_PAGE, total)), "the newest are reachable, not only the oldest"
    assert notes("²") == notes("0") == notes("x") == list(range(REPORTS_PER_PAGE))
    assert notes("99") == list(range(2 * REPORTS_PER_PAGE, total)), "past the end: the last page"
    html = client.get("/admin", query_string={"page": "2"}).get_data(as_text=True)
    assert 'href="/admin?page=1#reports-heading"' in html and 'href="/admin?page=3#reports-heading"' in html
