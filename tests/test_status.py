"""/healthz and /status: real runs, flags for zero yield and big drops."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from finder.jobs.source_status import flags_for
from finder.models import ScrapeRun, Source

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def runs(*items, status="ok"):
    """Newest first, as the page shows them."""
    return [
        ScrapeRun(items=n, status=status if i == 0 else "ok", started_at=T0 - timedelta(hours=i))
        for i, n in enumerate(items)
    ]


def test_flags():
    assert flags_for(runs(40, 41, 39)) == []
    assert flags_for(runs(0, 40, 40)) == ["zero yield"]  # an ok run with nothing is zero yield, not a drop
    assert flags_for(runs(15, 40, 42, 38)) == ["dropped"]
    assert flags_for(runs(0, 40, status="empty")) == ["zero yield"]
    assert flags_for(runs(0, status="failed")) == ["failed"]
    assert flags_for([]) == []


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["database"] == "ok" and response.get_json()["schema"] == "ok"


def test_status_shows_runs_and_flags(app, client):
    with app.extensions["sessionmaker"]() as session:
        good = Source(slug="good-feed", adapter="ics", url="https://example.org/a.ics")
        bad = Source(slug="<b>bad</b>", adapter="ics", url="https://example.org/b.ics")
        session.add_all([good, bad])
        session.flush()
        for i, n in enumerate([40, 41, 39]):
            session.add(ScrapeRun(source_id=good.id, items=n, status="ok", started_at=T0 - timedelta(days=i)))
        session.add(ScrapeRun(source_id=bad.id, items=40, status="ok", started_at=T0 - timedelta(days=1)))
        session.add(ScrapeRun(source_id=bad.id, items=0, status="empty", started_at=T0, error="no items"))
        session.commit()
    page = client.get("/status")
    assert page.status_code == 200
    assert "good-feed" in page.text and "<polyline" in page.text
    assert "zero yield" in page.text and "1 need attention" in page.text
    assert "<b>bad</b>" not in page.text and "&lt;b&gt;bad&lt;/b&gt;" in page.text


def job(key="scrape:x", started_ago=None, finished_ago=None, lease_in=None, status="ok", now=T0):
    from finder.models import JobRun

    return JobRun(
        key=key,
        owner="host-1:42",
        runs=3,
        last_status=status,
        last_error="boom" if status == "failed" else "",
        last_started=None if started_ago is None else now - started_ago,
        last_finished=None if finished_ago is None else now - finished_ago,
        lease_until=None if lease_in is None else now + lease_in,
    )


def test_job_flags():
    from finder.jobs.health import flags_for

    hour, minute = timedelta(hours=1), timedelta(minutes=1)
    assert flags_for(job(started_ago=hour, finished_ago=hour - minute), 86400, T0) == []
    assert flags_for(job(started_ago=minute, lease_in=29 * minute), 86400, T0) == ["running"]
    assert flags_for(job(started_ago=40 * minute, lease_in=20 * minute), 86400, T0) == ["stuck"]
    assert flags_for(job(started_ago=2 * hour), 86400, T0) == ["unfinished"]  # lease ran out, never finished
    assert flags_for(job(started_ago=hour, finished_ago=hour - minute, status="failed"), 86400, T0) == ["failed"]
    assert flags_for(job(started_ago=3 * hour, finished_ago=3 * hour), 3600, T0) == ["overdue"]
    assert flags_for(None, 3600, T0) == ["never run"]


def test_status_shows_job_health(app, client):
    from finder.models import JobRun, utcnow

    now = utcnow()
    with app.extensions["sessionmaker"]() as session:
        session.add(Source(slug="late-feed", adapter="ics", url="https://example.org/l.ics", every="1h"))
        session.add(job("scrape:late-feed", timedelta(hours=5), timedelta(hours=5), now=now))
        session.add(job("alerts:send", timedelta(hours=1), timedelta(minutes=59), status="failed", now=now))
        session.add(job("maintenance:series", timedelta(minutes=50), None, lease_in=timedelta(minutes=10), now=now))
        session.add(JobRun(key="scrape:gone-source", owner="", runs=1, last_status="ok", last_error=""))
        session.commit()
    page = client.get("/status")
    assert page.status_code == 200
    text = page.text
    row = {
        key: text[text.index(f">{key}<") :][:1500].split("</tr>")[0]
        for key in ("scrape:late-feed", "alerts:send", "maintenance:series", "privacy:delete-unsubscribed")
    }
    assert "overdue" in row["scrape:late-feed"]
    assert "failed" in row["alerts:send"] and "boom" in row["alerts:send"]
    assert "stuck" in row["maintenance:series"] and "host-1:42" in row["maintenance:series"]
    assert "never run" in row["privacy:delete-unsubscribed"]
    assert "gone-source" not in text
    assert "jobs need attention" in text
