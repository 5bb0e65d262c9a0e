"""Shared parts of the trust tests: calendars built relative to now, an admin-ready app, SMTP, CSRF."""

from __future__ import annotations

import functools
import re
import socket
from datetime import UTC, datetime, timedelta

from aiosmtpd.controller import Controller
from werkzeug.security import generate_password_hash

from finder.ingest.runs import default_fetcher, run_source
from finder.mail.send import parse_message
from tests.conftest import clear_tables, make_test_config

ADMIN_PASSWORD = "correct horse battery staple"


def soon(days: int = 7, hour: int = 18) -> datetime:
    return (datetime.now(UTC) + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


def calendar(*events: dict) -> bytes:
    """An iCalendar file; each event: uid, title, start (aware UTC), and optional url, description."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Kindred tests//trust//EN"]
    for event in events:
        start = event["start"]
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event['uid']}",
            "DTSTAMP:20260101T000000Z",
            f"DTSTART:{start:%Y%m%dT%H%M%SZ}",
            f"DTEND:{start + timedelta(hours=2):%Y%m%dT%H%M%SZ}",
            f"SUMMARY:{event['title']}",
            f"DESCRIPTION:{event.get('description', 'All welcome.')}",
            "LOCATION:Community Hall\\, 1 High Street\\, Leeds",
            "GEO:53.8008;-1.5491",
        ]
        if event.get("url"):
            lines.append(f"URL:{event['url']}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


def serve(httpserver, path: str, body: bytes, content_type: str = "text/calendar") -> str:
    """Serve `body` at `path` (replacing what was there), robots.txt absent."""
    httpserver.clear()
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request(path).respond_with_data(body, content_type=content_type)
    return httpserver.url_for(path)


def serve_many(httpserver, pages: dict[str, bytes]) -> dict[str, str]:
    httpserver.clear()
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    for path, body in pages.items():
        httpserver.expect_request(path).respond_with_data(body, content_type="text/calendar")
    return {path: httpserver.url_for(path) for path in pages}


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def post_form(client, page: str, to: str | None = None, **fields):
    """GET `page` for its CSRF token, then POST `fields` to `to` (default: the same page)."""
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(to or page, data={"csrf_token": token, **fields})


def login(client, username: str = "admin", password: str = ADMIN_PASSWORD):
    return post_form(client, "/admin/login", username=username, password=password)


def admin_post(client, path: str):
    """POST an admin action with the token from the queue page (as the buttons there do)."""
    return post_form(client, "/admin", path)


def scrape(app, slug: str):
    """Run a source as the scheduler does: the real fetcher and importer, then commit."""
    config = app.config["FINDER"]
    with app.extensions["sessionmaker"]() as session:
        run = run_source(session, slug, fetcher=default_fetcher(session, config), config=config)
        session.commit()
        return run.status, run.inserted, run.updated


@functools.cache
def admin_password_hash() -> str:
    """The hash of ADMIN_PASSWORD, made once per process, with a cheap work factor: werkzeug's default (scrypt)
    takes about 0.1 s to make and again to check, which every trust app and every login of a test paid. The
    login still checks the password against a real hash (`check_password_hash` reads the method from it)."""
    return generate_password_hash(ADMIN_PASSWORD, method="pbkdf2:sha256:1000")


def make_trust_app(engine, db_url, tmp_path, **overrides):
    from finder import create_app

    clear_tables(engine)
    catalog = tmp_path / "sources.toml"
    catalog.write_text("# test catalogue\n")
    values = dict(
        SOURCES_FILE=str(catalog),
        ADMIN_PASSWORD_HASH=admin_password_hash(),
        BASE_URL="http://kindred.test",
        OUTBOX_DIR=str(tmp_path / "outbox"),
    )
    values.update(overrides)
    return create_app(make_test_config(db_url, tmp_path, **values))


def app_for(engine, db_url, tmp_path, **overrides):
    """Generator for a test module's app fixture: the app, disposed afterwards."""
    app = make_trust_app(engine, db_url, tmp_path, **overrides)
    yield app
    app.extensions["engine"].dispose()


class Recorder:
    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(parse_message(envelope.content))
        return "250 OK"


def smtp_server():
    """Generator for a module-scoped SMTP fixture: a recording aiosmtpd server on loopback."""
    handler = Recorder()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    handler.url = f"smtp://127.0.0.1:{port}"
    yield handler
    controller.stop()


def mailed_link(message, prefix: str) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(rf"http://kindred\.test({prefix}[^\s]+)", text).group(1)
