"""The raw bytes of every message as a mail server and an .eml reader see them: unfolded RFC 2369 / RFC 8058
headers, a Date and a Message-ID (read from the bytes, never through a parser that would decode them)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from finder.alerts.delivery import run_digests, send_admin_alarm
from finder.alerts.matching import make_matcher
from finder.mail.send import Sender, build_message, parse_message
from finder.models import Alert
from finder.web.i18n import render_in_alert_locale
from tests.conftest import make_test_config
from tests.test_alerts import add_listing, csrf_from, free_port, subscribe

BASE = "https://kindred.example.org"


class RawRecorder:
    """Keeps the DATA bytes exactly as they arrived on the socket."""

    def __init__(self):
        self.raw: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.raw.append(envelope.original_content)
        return "250 OK"


@pytest.fixture
def wire(engine, db_url, tmp_path):
    from finder import create_app
    from tests.conftest import clear_tables

    clear_tables(engine)
    handler, port = RawRecorder(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    config = make_test_config(
        db_url,
        tmp_path,
        SMTP_URL=f"smtp://127.0.0.1:{port}",
        BASE_URL=BASE,
        TIMEZONE="UTC",
        DIGEST_HOUR=8,
        ADMIN_EMAIL="admin@example.org",
    )
    app = create_app(config)
    yield app, handler
    app.extensions["engine"].dispose()
    controller.stop()


def head_of(raw: bytes) -> bytes:
    return re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[0]


def header_lines(raw: bytes, name: bytes) -> list[bytes]:
    """Each physical line of header `name` with its continuation lines (a folded header has more than one)."""
    lines = re.split(rb"\r?\n", head_of(raw))
    found = []
    for index, line in enumerate(lines):
        if line.lower().startswith(name.lower() + b":"):
            block = [line]
            for more in lines[index + 1 :]:
                if more[:1] not in (b" ", b"\t"):
                    break
                block.append(more)
            found.append(block)
    assert len(found) == 1, f"{name!r} appears {len(found)} times"
    return found[0]


def plain(raw: bytes) -> str:
    return parse_message(raw).get_body(preferencelist=("plain",)).get_content()


def assert_dated_and_identified(raw: bytes) -> None:
    (date,) = header_lines(raw, b"Date")
    assert parsedate_to_datetime(date.split(b":", 1)[1].strip().decode()).tzinfo is not None
    (message_id,) = header_lines(raw, b"Message-ID")
    assert re.fullmatch(rb"Message-ID: <[^\s<>@]+@[^\s<>@]+>", message_id), message_id


def assert_one_click(raw: bytes) -> str:
    """The unsubscribe URL, after checking both headers are single unencoded lines in RFC 2369 syntax."""
    lines = header_lines(raw, b"List-Unsubscribe")
    assert len(lines) == 1, f"folded: {lines!r}"
    assert b"=?" not in lines[0]
    found = re.fullmatch(rb"List-Unsubscribe: <(https://kindred\.example\.org/alerts/unsubscribe/[^\s<>]+)>", lines[0])
    assert found, lines[0]
    assert header_lines(raw, b"List-Unsubscribe-Post") == [b"List-Unsubscribe-Post: List-Unsubscribe=One-Click"]
    return found.group(1).decode()


def test_confirmation_digest_and_admin_bytes_on_the_wire(wire):
    app, server = wire
    client = app.test_client()
    assert subscribe(client, email="a-rather-long-address-for-folding@example.org", name="Hikes").status_code == 200
    confirmation = server.raw[-1]
    assert_dated_and_identified(confirmation)
    assert b"List-Unsubscribe" not in head_of(confirmation)  # nothing to unsubscribe from before confirming
    path = re.search(r"https://kindred\.example\.org(/alerts/confirm/[^\s]+)", plain(confirmation)).group(1)
    assert client.post(path, data={"csrf_token": csrf_from(client.get(path).text)}).status_code == 200

    day = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    maker = app.extensions["sessionmaker"]
    with maker() as session:
        alert = session.query(Alert).one()
        alert.last_digest_at = day - timedelta(days=1)
        session.commit()
        add_listing(session, "Hill walk", day - timedelta(hours=2))
    count = len(server.raw)
    with app.app_context(), maker() as session:
        built, sent = run_digests(session, app.config["FINDER"], make_matcher(None), render_in_alert_locale, now=day)
        session.commit()
    assert (built.built, sent.sent) == (1, 1) and len(server.raw) == count + 1
    digest = server.raw[-1]
    assert_dated_and_identified(digest)
    url = assert_one_click(digest)
    assert url in plain(digest)  # the same link in the text part

    with app.app_context(), maker() as session:
        send_admin_alarm(session, app.config["FINDER"], ["a-source-with-a-long-name", "another-one"], day)
        session.commit()
    assert_dated_and_identified(server.raw[-1])


def test_eml_files_carry_the_same_unfolded_headers(engine, db_url, tmp_path):
    from finder import create_app
    from tests.conftest import clear_tables

    clear_tables(engine)
    config = make_test_config(
        db_url, tmp_path, SMTP_URL="", BASE_URL=BASE, TIMEZONE="UTC", DIGEST_HOUR=8, OUTBOX_DIR=str(tmp_path / "outbox")
    )
    app = create_app(config)
    maker = app.extensions["sessionmaker"]
    day = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    with maker() as session:
        session.add(
            Alert(
                email="x@example.org",
                query={"q": "walk", "lat": "45.5152", "lon": "-122.6784"},
                frequency="daily",
                status="active",
                confirmed_at=day - timedelta(days=2),
                last_digest_at=day - timedelta(days=2),
            )
        )
        session.commit()
        add_listing(session, "Hill walk", day - timedelta(hours=1))
    with app.app_context(), maker() as session:
        run_digests(session, app.config["FINDER"], make_matcher(None), render_in_alert_locale, now=day)
        session.commit()
    app.extensions["engine"].dispose()
    (eml,) = (tmp_path / "outbox").glob("digest-*.eml")
    raw = eml.read_bytes()
    assert_dated_and_identified(raw)
    assert_one_click(raw)


class SessionRecorder(RawRecorder):
    """Also notes the SMTP session (one per connection) each message came in on."""

    def __init__(self):
        super().__init__()
        self.sessions: list = []

    async def handle_DATA(self, server, session, envelope):
        self.sessions.append(session)  # kept alive, so distinct ids are distinct connections
        return await super().handle_DATA(server, session, envelope)


def test_a_batch_is_sent_over_one_smtp_connection(engine, db_url, tmp_path):
    from finder import create_app
    from tests.conftest import clear_tables

    clear_tables(engine)
    handler, port = SessionRecorder(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app = create_app(
            make_test_config(
                db_url, tmp_path, SMTP_URL=f"smtp://127.0.0.1:{port}", BASE_URL=BASE, TIMEZONE="UTC", DIGEST_HOUR=8
            )
        )
        maker = app.extensions["sessionmaker"]
        day = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
        with maker() as session:
            for n in range(4):
                session.add(
                    Alert(
                        email=f"reader{n}@example.org",
                        frequency="daily",
                        status="active",
                        query={"q": "walk", "lat": "45.5152", "lon": "-122.6784"},
                        confirmed_at=day - timedelta(days=2),
                        last_digest_at=day - timedelta(days=2),
                    )
                )
            session.commit()
            add_listing(session, "Hill walk", day - timedelta(hours=1))
        with app.app_context(), maker() as session:
            built, sent = run_digests(
                session, app.config["FINDER"], make_matcher(None), render_in_alert_locale, now=day
            )
            session.commit()
        app.extensions["engine"].dispose()
    finally:
        controller.stop()
    assert (built.built, sent.sent, sent.connections) == (4, 4, 1)
    assert len(handler.raw) == 4 and len({id(session) for session in handler.sessions}) == 1


def test_a_dropped_connection_is_reopened_for_the_next_message(tmp_path):
    handler, port = SessionRecorder(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()

    def message(n):
        return build_message(
            sender="k@example.org",
            recipient="a@example.org",
            subject=f"m{n}",
            text="t",
            html=None,
            message_id=f"<m{n}@kindred.test>",
        )

    try:
        with Sender(f"smtp://127.0.0.1:{port}", tmp_path) as sender:
            sender.send(message(1))
            sender.send(message(2))
            controller.stop()  # the server goes away and comes back: the kept connection is dead
            controller = Controller(handler, hostname="127.0.0.1", port=port)
            controller.start()
            sender.send(message(3))
            assert sender.connections == 2
    finally:
        controller.stop()
    assert len(handler.raw) == 3 and len({id(session) for session in handler.sessions}) == 2


def test_workers_build_and_send_each_due_digest_once_over_disjoint_id_ranges(engine, db_url, tmp_path):
    from finder import create_app
    from finder.jobs.alert_workers import id_ranges, run_in_workers
    from tests.conftest import clear_tables

    clear_tables(engine)
    handler, port = SessionRecorder(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    config = make_test_config(
        db_url, tmp_path, SMTP_URL=f"smtp://127.0.0.1:{port}", BASE_URL=BASE, TIMEZONE="UTC", DIGEST_HOUR=8
    )
    app = create_app(config)
    day = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    try:
        with app.extensions["sessionmaker"]() as session:
            for n in range(7):
                session.add(
                    Alert(
                        email=f"reader{n}@example.org",
                        frequency="daily",
                        status="active",
                        query={"q": "walk", "lat": "45.5152", "lon": "-122.6784"},
                        confirmed_at=day - timedelta(days=2),
                        last_digest_at=day - timedelta(days=2),
                    )
                )
            session.commit()
            add_listing(session, "Hill walk", day - timedelta(hours=1))
            ranges = id_ranges(session, 3)
            ids = sorted(session.scalars(select(Alert.id)))
        covered = [i for low, high in ranges for i in ids if low <= i <= high]
        assert len(ranges) == 3 and covered == ids  # disjoint, in order, every alert once
        built, sent = run_in_workers(config, 2, day)
    finally:
        app.extensions["engine"].dispose()
        controller.stop()
    assert (built.built, sent.sent, sent.connections) == (7, 7, 2)
    recipients = sorted(parse_message(raw)["To"] for raw in handler.raw)
    assert recipients == sorted(f"reader{n}@example.org" for n in range(7))  # each exactly once
    assert len({id(session) for session in handler.sessions}) == 2  # one connection per worker


def test_wire_built_digest_reads_as_the_email_package_would_build_it():
    from finder.mail.wire import WireMessage, build_wire_message

    fields = dict(
        sender="Kindred <kindred@example.org>",
        subject="3 new for “Gärten” " + "ü" * 80,
        text="New for “Gärten”\n\n* Hill walk\n  https://kindred.example.org/listings/1\n",
        html="<p>Hill walk</p>",
        message_id="<digest-1-2026-12-01@kindred.example.org>",
        headers={
            "List-Unsubscribe": f"<{BASE}/alerts/unsubscribe/{'x' * 150}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        date=datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
    )
    wired = build_wire_message(recipient="a@example.org", **fields)
    raw = wired.as_bytes()
    assert isinstance(wired, WireMessage) and b"\r\n\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    assert_dated_and_identified(raw)
    assert_one_click(raw)
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    ours, theirs = parse_message(raw), parse_message(build_message(recipient="a@example.org", **fields).as_bytes())
    for name in ("From", "To", "Subject", "Date", "Message-ID", "List-Unsubscribe"):
        assert ours[name] == theirs[name], name
    for kind in ("plain", "html"):
        same = [message.get_body((kind,)).get_content().replace("\r\n", "\n") for message in (ours, theirs)]
        assert same[0] == same[1], kind
    assert build_wire_message(recipient="ä@example.org", **fields)["To"] == "ä@example.org"  # the email package's
