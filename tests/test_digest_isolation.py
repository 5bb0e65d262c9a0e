"""One subscriber can never stop every digest (issue 17, item 2): `finder alerts send`, run as a real process
against a real SMTP server (aiosmtpd), with poisoned alerts written straight into the database (as an old
version or a hand edit could leave them) ahead of a good one. The good digest goes out; each bad alert is
recorded as failed with its reason; alert names with any line break or control character are cleaned in
the subject; saving such searches is refused up front."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from finder.alerts import subscriptions as alerts
from finder.index import writes as index_writes
from finder.mail.send import build_message, clean_header
from finder.models import Alert, Listing, OutboxMessage
from tests.conftest import clear_tables
from tests.trust_helpers import smtp_server

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HERE = {"lat": "53.8008", "lon": "-1.5491", "q": "walk"}
LINE_BREAKS = ["\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029", "\r\n", "\x7f", "\x01"]
CONTROLS = [*LINE_BREAKS, "\x00"]  # PostgreSQL text cannot hold NUL, so it is not stored in the database test


@pytest.fixture(scope="module")
def smtp():
    yield from smtp_server()


def seed(engine, now: datetime) -> dict[str, int]:
    """A walk first seen an hour ago, and alerts (all confirmed two days ago): poisoned ones first, the good
    one last."""
    from finder.db.engine import make_sessionmaker

    clear_tables(engine)
    since = now - timedelta(days=2)
    with make_sessionmaker(engine)() as session:
        listing = Listing(
            kind="event",
            title="Hill walk",
            lat=53.81,
            lon=-1.5491,
            locality="Leeds",
            first_seen=now - timedelta(hours=1),
            last_seen=now,
            next_start=now + timedelta(days=3),
            start=now + timedelta(days=3),
            description="A walk in the hills.",
        )
        session.add(listing)
        session.flush()
        index_writes.refresh(session, [listing.id])
        poisoned = {f"name {char!r}": dict(name=f"Walks{char}Bcc: victim@example.org") for char in LINE_BREAKS}
        poisoned |= {
            "to 9999-12-31": dict(query={**HERE, "to": "9999-12-31"}),
            "from 0001-01-01 east of UTC": dict(query={**HERE, "from": "0001-01-01"}),
            "not an address": dict(email="nobody"),
            "address literal": dict(email="x@[127.0.0.1]"),
        }
        ids = {}
        for number, (label, fields) in enumerate([*poisoned.items(), ("good", {})]):
            values = dict(
                email=f"walker{number}@example.org",
                name="Walks",
                query=HERE,
                frequency="daily",
                status="active",
                created_at=since,
                confirmed_at=since,
                last_digest_at=since,
            )
            values.update(fields)
            alert = Alert(**values)
            session.add(alert)
            session.flush()
            ids[label] = alert.id
        session.commit()
    return ids


def send(db_url: str, smtp_url: str, tmp_path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "FINDER_DATABASE_URL": db_url,
        "FINDER_SMTP_URL": smtp_url,
        "FINDER_SECRET_KEY": "test",
        "FINDER_BASE_URL": "http://kindred.test",
        "FINDER_TIMEZONE": "Pacific/Kiritimati",
        "FINDER_DIGEST_HOUR": "0",
        "FINDER_OUTBOX_DIR": str(tmp_path / "outbox"),
        "PYTHONPATH": ROOT,
    }
    return subprocess.run(
        [sys.executable, "-m", "finder", "alerts", "send"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_finder_alerts_send_survives_poisoned_alerts(engine, db_url, smtp, tmp_path):
    smtp.messages.clear()
    ids = seed(engine, datetime.now(UTC))
    done = send(db_url, smtp.url, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    by_recipient = {message["To"]: message for message in smtp.messages}
    good = by_recipient.get(f"walker{len(ids) - 1}@example.org")
    assert good is not None, (done.stdout, done.stderr[-3000:])
    assert "Hill walk" in good.get_body(preferencelist=("plain",)).get_content()
    for char in LINE_BREAKS:
        number = list(ids).index(f"name {char!r}")
        message = by_recipient[f"walker{number}@example.org"]
        assert message["Subject"] == "1 new for “Walks Bcc: victim@example.org”", repr(char)
        assert message["Bcc"] is None
    from finder.db.engine import make_sessionmaker

    with make_sessionmaker(engine)() as session:
        failed = {row.alert_id: row for row in session.query(OutboxMessage).filter_by(status="failed")}
        for label in ("to 9999-12-31", "from 0001-01-01 east of UTC", "not an address", "address literal"):
            assert ids[label] in failed, label
            assert failed[ids[label]].error, label
        assert len(failed) == 4
    assert f"digests built={len(ids) - 4} empty=0 failed=4 skipped=0" in done.stdout, done.stdout
    assert done.stderr.count("digest not built: alert ") == 4
    again = send(db_url, smtp.url, tmp_path)
    assert again.returncode == 0 and "digests built=0 empty=0 failed=0" in again.stdout, again.stdout


@pytest.mark.parametrize("char", CONTROLS)
def test_header_values_lose_every_line_break_and_control(char):
    assert clean_header(f"Hikes{char}Bcc: victim@example.org") == "Hikes Bcc: victim@example.org"
    message = build_message(
        sender="Kindred <k@example.org>",
        recipient="a@example.org",
        subject=f"Hi{char}there",
        text="t",
        html=None,
        message_id="<1@example.org>",
        headers={"X-Note": f"a{char}b"},
    )
    assert message.as_bytes().count(b"\nBcc") == 0 and message["Subject"] == "Hi there"


def test_saving_a_search_that_search_refuses_is_refused(session):
    now = datetime(2026, 12, 1, tzinfo=UTC)
    for query in (
        {**HERE, "to": "9999-12-31"},
        {**HERE, "from": "0001-01-01"},
        {**HERE, "page": "²"},
        {"lat": "91", "lon": "0"},
    ):
        with pytest.raises(alerts.AlertError) as caught:
            alerts.subscribe(session, email="a@example.org", frequency="daily", name="", query=query, now=now)
        assert caught.value.field == "query" and "cannot be saved" in str(caught.value)
    assert session.query(Alert).count() == 0


def test_a_saved_name_is_one_line_of_text(session):
    now = datetime(2026, 12, 1, tzinfo=UTC)
    alert = alerts.subscribe(
        session, email="a@example.org", frequency="daily", name="Walks\x00\x0b\u2028here", query=HERE, now=now
    )
    session.commit()
    assert alert.name == "Walks here"
