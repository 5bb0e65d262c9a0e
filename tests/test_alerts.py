"""Alerts round trip through a real SMTP server (aiosmtpd) on loopback, on both databases."""

from __future__ import annotations

import re
import socket
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope

from finder.alerts import subscriptions as alerts
from finder.alerts.delivery import run_digests
from finder.alerts.matching import make_matcher
from finder.index import writes as index_writes
from finder.mail import outbox
from finder.mail.send import MailError, build_message, clean_header, deliver, parse_message
from finder.models import Alert, Listing, ListingChange, OutboxMessage
from finder.web.i18n import render_in_alert_locale
from tests.conftest import make_test_config

PORTLAND = dict(lat=45.5152, lon=-122.6784)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Recorder:
    """An SMTP handler that keeps what it receives and answers codes from a script."""

    def __init__(self):
        self.messages: list = []
        self.script: list[str] = []  # e.g. ["451 4.3.0 try later"]: next DATA answers

    async def handle_DATA(self, server, session, envelope: Envelope):
        if self.script:
            return self.script.pop(0)
        self.messages.append(parse_message(envelope.content))
        return "250 OK"


@pytest.fixture(scope="module")
def smtp():
    handler = Recorder()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    handler.url = f"smtp://127.0.0.1:{port}"
    yield handler
    controller.stop()


@pytest.fixture
def mail_app(engine, db_url, tmp_path, smtp):
    from finder import create_app
    from tests.conftest import clear_tables

    clear_tables(engine)
    smtp.messages.clear()
    smtp.script.clear()
    config = make_test_config(
        db_url,
        tmp_path,
        SMTP_URL=smtp.url,
        BASE_URL="http://kindred.test",
        TIMEZONE="UTC",
        DIGEST_HOUR=8,
        MAIL_POSTAL_ADDRESS="1 Example Street, Portland",
    )
    app = create_app(config)
    yield app
    app.extensions["engine"].dispose()


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def link(message, path: str) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(rf"http://kindred\.test(/alerts/{path}/[^\s]+)", text).group(1)


def add_listing(session, title: str, first_seen: datetime, **fields) -> Listing:
    values = dict(
        kind="event",
        title=title,
        lat=PORTLAND["lat"] + 0.01,
        lon=PORTLAND["lon"],
        locality="Portland",
        first_seen=first_seen,
        last_seen=first_seen,
        next_start=first_seen + timedelta(days=3),
        start=first_seen + timedelta(days=3),
        description="A walk in the hills. Hiking for everyone.",
    )
    values.update(fields)
    listing = Listing(**values)
    session.add(listing)
    session.flush()
    index_writes.refresh(session, [listing.id])
    session.commit()
    return listing


def subscribe(client, email="walker@example.org", name="Hikes"):
    page = client.get("/alerts/new?lat=45.5152&lon=-122.6784&q=walk")
    assert page.status_code == 200
    return client.post(
        "/alerts",
        data={
            "csrf_token": csrf_from(page.text),
            "email": email,
            "frequency": "daily",
            "name": name,
            "lat": "45.5152",
            "lon": "-122.6784",
            "q": "walk",
        },
    )


def digests_at(app, now):
    with app.app_context():
        with app.extensions["sessionmaker"]() as session:
            result = run_digests(session, app.config["FINDER"], make_matcher(None), render_in_alert_locale, now=now)
            session.commit()
            return result


def test_round_trip_subscribe_confirm_digest_change_unsubscribe(mail_app, smtp):
    client = mail_app.test_client()
    assert subscribe(client).status_code == 200
    assert len(smtp.messages) == 1
    confirm_path = link(smtp.messages[0], "confirm")
    page = client.get(confirm_path)
    assert page.status_code == 200 and "button" in page.text
    maker = mail_app.extensions["sessionmaker"]
    with maker() as session:
        assert session.query(Alert).one().status == "pending"  # a GET (mail scanner) confirms nothing
    assert client.post(confirm_path, data={"csrf_token": csrf_from(page.text)}).status_code == 200

    day1 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    with maker() as session:
        alert = session.query(Alert).one()
        assert alert.status == "active"
        alert.last_digest_at = day1 - timedelta(days=1)
        session.commit()
        walk = add_listing(session, "Hill walk", day1 - timedelta(hours=2))
        add_listing(session, "Ridge walk", day1 - timedelta(hours=1))
        walk_id = walk.id
    built, sent = digests_at(mail_app, day1)
    assert (built.built, sent.sent) == (1, 1)
    digest = smtp.messages[-1]
    assert "Hill walk" in digest.get_body(preferencelist=("plain",)).get_content()
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert digest["List-Unsubscribe"].startswith("<http://kindred.test/alerts/unsubscribe/")

    assert digests_at(mail_app, day1 + timedelta(hours=3))[1].sent == 0  # same period: nothing more
    count = len(smtp.messages)
    assert digests_at(mail_app, day1 + timedelta(days=1))[1].sent == 0  # nothing new: nothing sent
    assert len(smtp.messages) == count

    with maker() as session:
        listing = session.get(Listing, walk_id)
        listing.status = "cancelled"
        session.add(
            ListingChange(
                listing_id=walk_id,
                field="status",
                old="scheduled",
                new="cancelled",
                changed_at=day1 + timedelta(days=1, hours=5),
            )
        )
        session.commit()
    digests_at(mail_app, day1 + timedelta(days=2))
    changed = smtp.messages[-1].get_body(preferencelist=("plain",)).get_content()
    assert "Changed or cancelled" in changed and "Hill walk" in changed and "cancelled" in changed
    assert "Ridge walk" not in changed  # never repeats a listing

    unsubscribe_url = smtp.messages[-1]["List-Unsubscribe"].strip("<>").replace("http://kindred.test", "")
    anonymous = mail_app.test_client(use_cookies=False)
    assert anonymous.get(unsubscribe_url).status_code == 200
    with maker() as session:
        assert session.query(Alert).one().status == "active"  # GET changes nothing
    response = anonymous.post(unsubscribe_url, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    with maker() as session:
        assert session.query(Alert).one().status == "unsubscribed"
        add_listing(session, "Another walk", day1 + timedelta(days=2, hours=1))
    count = len(smtp.messages)
    digests_at(mail_app, day1 + timedelta(days=3))
    assert len(smtp.messages) == count


def test_the_page_answers_the_same_for_known_and_unknown_addresses(mail_app, smtp):
    client = mail_app.test_client()
    first = subscribe(client)
    again = subscribe(client)
    other = subscribe(client, email="someone-else@example.org")
    assert first.text == again.text == other.text


def test_subscribe_rejects_missing_csrf_and_bad_address(mail_app, smtp):
    client = mail_app.test_client()
    assert client.post("/alerts", data={"email": "a@example.org", "frequency": "daily", "q": "walk"}).status_code == 400
    page = client.get("/alerts/new?q=walk")
    bad = client.post(
        "/alerts",
        data={
            "csrf_token": csrf_from(page.text),
            "email": "a@example.org\r\nBcc: x@evil.test",
            "frequency": "daily",
            "q": "walk",
        },
    )
    assert bad.status_code == 400
    assert smtp.messages == []


def test_tampered_or_wrong_purpose_tokens_are_refused(mail_app):
    client = mail_app.test_client()
    secret = mail_app.config["FINDER"].SECRET_KEY
    manage = alerts.make_token(secret, "manage", 1)
    assert client.get(f"/alerts/confirm/{manage}").status_code == 404
    assert client.post(f"/alerts/unsubscribe/{manage}").status_code == 404
    assert client.get("/alerts/manage/not-a-token").status_code == 404


def test_tokens_made_together_are_the_tokens_made_one_by_one():
    from itsdangerous import URLSafeTimedSerializer

    with time_machine.travel(datetime(2030, 5, 6, 7, 8, 9, tzinfo=UTC), tick=False):
        for alert_id in (1, 42, 123456, 2**40):
            together = alerts.make_tokens("s3cret", alert_id, "manage", "unsubscribe")
            assert together == [alerts.make_token("s3cret", p, alert_id) for p in ("manage", "unsubscribe")]
            assert together[0] == URLSafeTimedSerializer("s3cret", salt="alert-manage").dumps(alert_id)
            manage, unsubscribe = together
            assert alerts.read_token("s3cret", "manage", manage) == alert_id
            assert alerts.read_token("s3cret", "unsubscribe", unsubscribe) == alert_id


def _confirmed_alert(session, now):
    alert = Alert(
        email="x@example.org",
        query={"q": "walk", "lat": "45.5152", "lon": "-122.6784"},
        frequency="daily",
        status="active",
        confirmed_at=now - timedelta(days=2),
        last_digest_at=now - timedelta(days=2),
    )
    session.add(alert)
    session.commit()
    return alert


def test_temporary_failure_then_success_delivers_once(mail_app, smtp):
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    with mail_app.extensions["sessionmaker"]() as session:
        _confirmed_alert(session, now)
        add_listing(session, "Hill walk", now - timedelta(hours=1))
    smtp.script.append("451 4.3.0 Try again later")
    built, sent = digests_at(mail_app, now)
    assert (built.built, sent.sent, sent.retry) == (1, 0, 1)
    _, sent = digests_at(mail_app, now + timedelta(minutes=1))
    assert sent.sent == 0  # not due yet: backoff
    _, sent = digests_at(mail_app, now + timedelta(minutes=10))
    assert sent.sent == 1
    assert len(smtp.messages) == 1


def test_permanent_failure_is_not_retried_and_counts_a_bounce(mail_app, smtp):
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    with mail_app.extensions["sessionmaker"]() as session:
        _confirmed_alert(session, now)
        add_listing(session, "Hill walk", now - timedelta(hours=1))
    smtp.script.append("550 5.1.1 No such user")
    _, sent = digests_at(mail_app, now)
    assert sent.failed == 1
    _, sent = digests_at(mail_app, now + timedelta(hours=5))
    assert (sent.sent, sent.retry, sent.failed) == (0, 0, 0)
    with mail_app.extensions["sessionmaker"]() as session:
        assert session.query(Alert).one().bounces == 1
        assert session.query(OutboxMessage).one().status == "failed"


def test_server_down_is_retried_later(mail_app, tmp_path):
    message = build_message(
        sender="Kindred <k@example.org>",
        recipient="a@example.org",
        subject="s",
        text="t",
        html=None,
        message_id="<m1@kindred.test>",
    )
    with pytest.raises(MailError) as caught:
        deliver("smtp://127.0.0.1:1", tmp_path, message, timeout_s=2)
    assert caught.value.temporary


def test_crash_between_send_and_mark_resends_once_with_same_message_id(mail_app, smtp):
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    maker = mail_app.extensions["sessionmaker"]
    with maker() as session:
        _confirmed_alert(session, now)
        add_listing(session, "Hill walk", now - timedelta(hours=1))
    with mail_app.app_context(), maker() as session:
        from flask import render_template

        from finder.alerts import digests
        from finder.alerts.delivery import digest_settings

        digests.build_due(session, digest_settings(mail_app.config["FINDER"]), make_matcher(None), render_template, now)
        digest = session.query(OutboxMessage).one()
        # the crash: delivered, claimed as 'sending', never marked sent
        deliver(smtp.url, None, parse_message(digest.message))
        digest.status, digest.attempts, digest.next_attempt_at = "sending", 1, now
        session.commit()
        report = outbox.send_pending(session, smtp_url=smtp.url, outbox_dir=None, now=now + timedelta(minutes=1))
        assert report.sent == 0  # a fresh claim is respected
        report = outbox.send_pending(session, smtp_url=smtp.url, outbox_dir=None, now=now + timedelta(hours=1))
        assert report.sent == 1
    assert len(smtp.messages) == 2
    assert smtp.messages[0]["Message-ID"] == smtp.messages[1]["Message-ID"]


def test_concurrent_builders_never_build_the_same_digest_twice(frozen_now, mail_app):
    now = frozen_now  # the matcher reads the clock: the listing must be upcoming on it
    maker = mail_app.extensions["sessionmaker"]
    with maker() as session:
        _confirmed_alert(session, now)
        add_listing(session, "Hill walk", now - timedelta(hours=1))
    from flask import render_template

    from finder.alerts import digest_due, digests
    from finder.alerts.delivery import digest_settings

    settings = digest_settings(mail_app.config["FINDER"])
    # the one-alert matcher reads the clock: frozen at `now`, so the listing is still upcoming on any day
    with time_machine.travel(now, tick=False), mail_app.app_context(), maker() as first, maker() as second:
        due_first = digest_due.due_alerts(first, settings, now)
        due_second = digest_due.due_alerts(second, settings, now)
        assert len(due_first) == len(due_second) == 1
        assert digests.build_one(first, *due_first[0], settings, make_matcher(None), render_template, now)
        first.commit()
        with pytest.raises(Exception) as caught:
            digests.build_one(second, *due_second[0], settings, make_matcher(None), render_template, now)
            second.commit()
        assert "unique" in str(caught.value).lower() or "duplicate" in str(caught.value).lower()
        second.rollback()
    with maker() as session:
        assert session.query(OutboxMessage).filter_by(kind="digest").count() == 1


def test_header_injection_is_neutralised():
    assert clean_header("Hikes\r\nBcc: victim@example.org") == "Hikes Bcc: victim@example.org"
    message = build_message(
        sender="Kindred\n<k@example.org>",
        recipient="a@example.org",
        subject="Hello\r\nBcc: evil@example.org",
        text="t",
        html=None,
        message_id="<x@y>",
    )
    raw = message.as_string()
    assert "\nBcc:" not in raw
    with pytest.raises(ValueError):
        build_message(
            sender="k@example.org",
            recipient="a@example.org\nBcc: b@example.org",
            subject="s",
            text="t",
            html=None,
            message_id="<x@y>",
        )


def test_without_smtp_messages_land_in_the_outbox_folder(tmp_path):
    message = build_message(
        sender="k@example.org",
        recipient="a@example.org",
        subject="s",
        text="t",
        html=None,
        message_id="<m2@kindred.test>",
    )
    where = deliver("", tmp_path / "outbox", message)
    assert where.endswith(".eml")
    assert parse_message((tmp_path / "outbox" / "m2_kindred.test.eml").read_bytes())["Subject"] == "s"


def test_periods():
    monday = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    assert alerts.current_period("daily", monday, "UTC", 8) is None
    assert alerts.current_period("daily", monday + timedelta(hours=1), "UTC", 8).key == "2026-11-30"
    assert alerts.current_period("weekly", monday + timedelta(days=3), "UTC", 8, "monday").key == "2026-W49"
    assert alerts.current_period("daily", monday + timedelta(hours=1), "America/Los_Angeles", 8) is None


def test_weekly_digests_go_out_on_the_stated_day_and_hour():
    friday = datetime(2026, 12, 4, 7, 59, tzinfo=UTC)
    assert alerts.current_period("weekly", friday, "UTC", 8, "friday").key == "2026-W48"  # last Friday's, still
    due = alerts.current_period("weekly", friday + timedelta(minutes=1), "UTC", 8, "friday")
    assert (due.key, due.starts) == ("2026-W49", datetime(2026, 12, 4, 8, 0, tzinfo=UTC))
    assert alerts.current_period("weekly", friday + timedelta(days=3), "UTC", 8, "friday").key == "2026-W49"
    assert alerts.current_period("weekly", friday + timedelta(days=7, minutes=1), "UTC", 8).key == "2026-W50"
    assert (
        alerts.current_period("weekly", friday + timedelta(minutes=1), "Europe/Berlin", 8, "friday").key == "2026-W49"
    )
