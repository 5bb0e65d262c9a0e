"""/healthz and /status: real runs, flags for zero yield and big drops."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from finder.health import flags_for
from finder.models import ScrapeRun, Source

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def runs(*items, status="ok"):
    """Newest first, as the page shows them."""
    return [ScrapeRun(items=n, status=status if i == 0 else "ok", started_at=T0 - timedelta(hours=i))
            for i, n in enumerate(items)]


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
