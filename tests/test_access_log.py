"""gunicorn, run as the README and deploy/kindred-web.service run it, keeps secret tokens out of its access
log (request line and referrer), and writes no control socket into $HOME."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from finder.db.migrate import upgrade
from finder.web.access_log import redact
from tests.ports import wait_until_listening

SECRET = "eyJhbGciOi.SECRET-confirm-token_42"


def test_redact_covers_every_token_route():
    for path in (
        "/alerts/confirm/",
        "/alerts/unsubscribe/",
        "/alerts/manage/",
        "/claims/verify/",
        "/claims/manage/",
        "/privacy/mine/",
    ):
        assert SECRET not in redact(f"GET {path}{SECRET}/x?token={SECRET} HTTP/1.1")
    assert redact("GET /search?where=Leeds HTTP/1.1") == "GET /search?where=Leeds HTTP/1.1"


def free_port() -> int:
    """A port nothing listens on now (a fixed one collided between parallel runs)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_access_log_has_no_tokens(tmp_path):
    url = f"sqlite:///{tmp_path / 'kindred.sqlite'}"
    upgrade(url)
    log = tmp_path / "access.log"
    home = tmp_path / "home"
    home.mkdir()
    env = {
        **os.environ,
        "FINDER_DATABASE_URL": url,
        "FINDER_SECRET_KEY": "test-secret",
        "HOME": str(home),
        "FINDER_DATA_DIR": str(tmp_path),
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    port = free_port()
    server = subprocess.Popen(
        [
            str(gunicorn),
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
            "--no-control-socket",
            "--access-logfile",
            str(log),
            "--logger-class",
            "finder.web.access_log.RedactingLogger",
            "finder:create_app()",
        ],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_listening(port, server, timeout_s=30)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/alerts/confirm/{SECRET}",
            headers={"Referer": f"http://127.0.0.1:{port}/alerts/manage/{SECRET}"},
        )
        try:
            urllib.request.urlopen(request, timeout=10).read()
        except urllib.error.HTTPError:
            pass  # an unknown token answers an error page; what matters is the log line
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10).read()
    finally:
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=30)[0].decode()
    lines = log.read_text().splitlines()
    assert any("/alerts/confirm/[redacted]" in line for line in lines), lines
    assert any("/healthz" in line for line in lines)
    assert SECRET not in log.read_text() and SECRET not in output
    assert not list(home.rglob("*.ctl")), "gunicorn wrote a control socket into $HOME"
