"""Privacy on both databases: the page, deletion after unsubscribing (function and scheduled job), a
subscriber's export and delete by signed link, no IP addresses stored, no third-party scripts."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from finder.alerts import subscriptions as alerts
from finder.jobs import table as jobs
from finder.models import Alert, AlertSent, Base, Claim, Listing, OutboxMessage
from finder.trust.privacy import delete_unsubscribed
from tests.trust_helpers import app_for, post_form

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def trust_app(engine, db_url, tmp_path):
    yield from app_for(engine, db_url, tmp_path, DELETE_UNSUBSCRIBED_AFTER_DAYS=30)


@pytest.fixture
def client(trust_app):
    return trust_app.test_client()


def add_alert(session, email: str, status: str = "active", unsubscribed_days_ago: int | None = None) -> Alert:
    alert = Alert(email=email, query={"where": "Leeds"}, frequency="weekly", status=status, created_at=NOW)
    if unsubscribed_days_ago is not None:
        alert.unsubscribed_at = NOW - timedelta(days=unsubscribed_days_ago)
    session.add(alert)
    session.flush()
    session.add(
        OutboxMessage(
            alert_id=alert.id,
            period=f"2026-W{alert.id:02d}",
            recipient=email,
            message="m",
            message_id=f"<{alert.id}@test>",
            status="sent",
        )
    )
    return alert


def test_unsubscribed_data_goes_after_the_set_days_and_no_sooner(session):
    gone = add_alert(session, "old@example.org", "unsubscribed", 31)
    kept = add_alert(session, "recent@example.org", "unsubscribed", 10)
    active = add_alert(session, "active@example.org")
    listing = Listing(kind="event", title="Quiz")
    session.add(listing)
    session.flush()
    session.add(AlertSent(alert_id=gone.id, listing_id=listing.id))
    session.add_all(
        [
            Claim(email="stale@club.example", status="pending", created_at=NOW - timedelta(days=8)),
            Claim(email="fresh@club.example", status="pending", created_at=NOW - timedelta(days=1)),
        ]
    )
    session.commit()
    assert delete_unsubscribed(session, 30, NOW) == 1
    session.commit()
    assert {a.id for a in session.scalars(select(Alert))} == {kept.id, active.id}
    assert "old@example.org" not in {d.recipient for d in session.scalars(select(OutboxMessage))}
    assert session.scalars(select(AlertSent)).all() == []
    assert [c.email for c in session.scalars(select(Claim))] == ["fresh@club.example"]
    assert delete_unsubscribed(session, 5, NOW) == 1, "the setting decides"


def test_the_scheduler_runs_the_deletion_job(trust_app):
    with trust_app.extensions["sessionmaker"]() as session:
        add_alert(session, "old@example.org", "unsubscribed", 400)
        session.commit()
    (job,) = [j for j in jobs.job_table(trust_app) if j.key == "privacy:delete-unsubscribed"]
    assert job.interval_s == 86400
    assert jobs.run_job(trust_app, job)
    with trust_app.extensions["sessionmaker"]() as session:
        assert session.scalars(select(Alert)).all() == []


def test_export_and_delete_by_the_signed_manage_link(trust_app, client):
    with trust_app.extensions["sessionmaker"]() as session:
        mine = add_alert(session, "me@example.org")
        second = add_alert(session, "me@example.org", "unsubscribed", 1)
        other = add_alert(session, "you@example.org")
        session.commit()
        mine_id, second_id, other_id = mine.id, second.id, other.id
    token = alerts.make_token("test-secret", "manage", mine_id)
    manage = client.get(f"/alerts/manage/{token}").get_data(as_text=True)
    assert f"/privacy/mine/{token}" in manage

    exported = client.get(f"/privacy/mine/{token}/export.json")
    assert exported.status_code == 200 and exported.mimetype == "application/json"
    data = json.loads(exported.get_data(as_text=True))
    assert data["email"] == "me@example.org"
    assert {a["id"] for a in data["alerts"]} == {mine_id, second_id}
    assert len(data["messages"]) == 2 and "you@example.org" not in exported.get_data(as_text=True)

    assert client.get(f"/privacy/mine/{token}x/export.json").status_code == 404
    unsubscribe_token = alerts.make_token("test-secret", "unsubscribe", mine_id)
    assert client.get(f"/privacy/mine/{unsubscribe_token}").status_code == 404, "tokens are per purpose"

    asked = post_form(client, f"/privacy/mine/{token}")  # "Delete all of it now" asks first, deletes nothing
    assert asked.status_code == 200 and "Delete everything?" in asked.get_data(as_text=True)
    assert "all 2 of your alerts" in asked.get_data(as_text=True)
    assert 'name="confirm" value="yes"' in asked.get_data(as_text=True)
    with trust_app.extensions["sessionmaker"]() as session:
        assert len(session.scalars(select(Alert)).all()) == 3
    assert post_form(client, f"/privacy/mine/{token}", confirm="yes").status_code == 200
    with trust_app.extensions["sessionmaker"]() as session:
        assert [a.id for a in session.scalars(select(Alert))] == [other_id]
        assert {d.recipient for d in session.scalars(select(OutboxMessage))} == {"you@example.org"}


def test_the_privacy_page_and_footer(client):
    page = client.get("/privacy").get_data(as_text=True)
    assert "30 days" in page and "IP addresses" in page
    assert 'href="/privacy"' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/", "/privacy", "/suggest", "/admin/login"])
def test_pages_load_no_third_party_scripts(client, path):
    page = client.get(path).get_data(as_text=True)
    sources = re.findall(r"<script[^>]*\bsrc=\"([^\"]+)\"", page)
    assert sources and all(src.startswith("/static/") for src in sources)
    assert "script-src 'self'" in client.get(path).headers["Content-Security-Policy"]


def test_no_ip_address_is_stored_by_reports_alerts_or_suggestions(trust_app, client, engine):
    with trust_app.extensions["sessionmaker"]() as session:
        session.add(Listing(kind="event", title="Chess", liveness="active"))
        session.commit()
        listing_id = session.scalar(select(Listing.id))
    environ = {"REMOTE_ADDR": "203.0.113.77"}
    token = re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', client.get(f"/listings/{listing_id}/report").get_data(as_text=True)
    ).group(1)
    assert (
        client.post(
            f"/listings/{listing_id}/report", data={"csrf_token": token, "reason": "spam"}, environ_base=environ
        ).status_code
        == 200
    )
    client.post("/suggest", data={"csrf_token": token, "url": "https://example.invalid/x"}, environ_base=environ)
    client.post(
        "/alerts",
        data={"csrf_token": token, "email": "a@example.org", "frequency": "weekly", "where": "Leeds"},
        environ_base=environ,
    )
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(text(f'SELECT * FROM "{table.name}"')):  # noqa: S608 (our own names)
                assert "203.0.113.77" not in repr(tuple(row)), table.name
