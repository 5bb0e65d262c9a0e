"""`finder serve` (web + scheduler) on the demo, used while every job is checked several times: a clean log.
Its first 30 s once held three tracebacks (scrapes failing on "database is locked", their failed records
unwritten, the series roll-forward colliding with a meeting in progress) and re-scraped all 18 sources
imported a minute earlier.

The scheduler checks each job every `FINDER_JOB_POLL_S` (15 s by default, the first checks spread over it):
at a 3 s poll the 15 s below hold every job's first check and four more, as many as the issue's minute held
at the default, with the web reading throughout."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import WRITES_DEMO_FILES
from tests.ports import wait_until_listening

pytestmark = WRITES_DEMO_FILES

ROOT = Path(__file__).resolve().parent.parent
POLL_S = 3  # every job checked at least 5 times in CLEAN_FOR_S
CLEAN_FOR_S = 15
PAGES = ("/api/v1/search?where=London&kind=volunteer", "/search?where=Berlin", "/api/v1/search?where=Portland")


def free_port() -> int:
    for port in range(5400, 5410):  # this suite's own range
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    pytest.skip("no free port in 5400-5409")


def test_finder_serve_on_the_demo_logs_no_traceback_while_every_job_runs_again_and_again(tmp_path, gazetteer_path):
    env = {
        **os.environ,
        "FINDER_DATABASE_URL": f"sqlite:///{tmp_path / 'kindred.sqlite'}",
        "FINDER_SECRET_KEY": "test",
        "FINDER_RATELIMIT_ENABLED": "false",
        "FINDER_GAZETTEER_PATH": str(gazetteer_path),
        "FINDER_LOG_LEVEL": "INFO",
        "FINDER_JOB_POLL_S": str(POLL_S),
    }
    finder = [sys.executable, "-m", "finder"]
    for step in (["db", "upgrade"], ["demo", "load"]):
        done = subprocess.run(finder + step, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
    port, log = free_port(), tmp_path / "serve.log"
    with log.open("w") as out:
        serve = subprocess.Popen(
            finder + ["serve", "--port", str(port)], env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
        )
    answers = []
    try:
        wait_until_listening(port, serve)  # under load the start-up alone can take seconds
        deadline = time.monotonic() + CLEAN_FOR_S
        while time.monotonic() < deadline:  # the web reads while the scheduler writes
            time.sleep(1.5)
            for page in PAGES:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}{page}", timeout=10) as response:
                        answers.append(response.status)
                except OSError as error:
                    answers.append(getattr(error, "code", str(error)))
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=30)
    text = log.read_text()
    assert "Traceback" not in text and " ERROR " not in text, text[-5000:]
    assert len(re.findall(r"scheduler started: \d+ jobs", text)) == 1  # one line of ours, not 50 of APScheduler's
    assert "job scrape:" not in text  # every source was imported a minute ago: none is due
    assert "job maintenance:series ok" in text and "job alerts:send ok" in text
    assert "scheduler stopped (SIGTERM)" in text
    assert "apscheduler" not in text and "skipped" not in text
    assert answers and set(answers) == {200}, answers
