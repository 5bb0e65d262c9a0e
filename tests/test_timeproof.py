"""The clock in tests: `frozen_now` stops it, and `make test-future` moves it (libfaketime) for whole processes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.conftest import FROZEN_NOW, HERE
from tests.live_site import real_clock_environment

FAKETIME = shutil.which("faketime")
PROBE = "import time, datetime; time.sleep(0.01); print(datetime.date.today().isoformat())"


def test_frozen_now_stops_the_clock_at_the_shared_instant(frozen_now):
    assert frozen_now == FROZEN_NOW
    assert datetime.now(UTC) == FROZEN_NOW and date.today() == FROZEN_NOW.date()
    time.sleep(0.01)
    assert datetime.now(UTC) == FROZEN_NOW and time.time() == FROZEN_NOW.timestamp()


def probe(days: int | None, *, mended: bool = True) -> subprocess.CompletedProcess:
    """PROBE in a Python process on the real clock, or on one libfaketime moves `days` ahead as
    `make test-future` does (this test may itself run under libfaketime: its settings are not inherited)."""
    env = real_clock_environment()
    env.pop("PYTHONPATH", None)
    command = [sys.executable, "-c", PROBE]
    if days is not None:
        env["FAKETIME_DONT_FAKE_MONOTONIC"] = "1"
        command = [FAKETIME, "-f", f"+{days}d", *command]
    if mended:
        env["PYTHONPATH"] = str(HERE / "faketime")
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.skipif(FAKETIME is None and os.environ.get("CI") != "true", reason="libfaketime not installed")
def test_a_process_under_libfaketime_sees_the_moved_date_and_can_sleep():
    today = date.fromisoformat(probe(None).stdout.strip())
    done = probe(400)
    assert done.returncode == 0, done.stderr
    assert date.fromisoformat(done.stdout.strip()) - today in (timedelta(days=400), timedelta(days=401))
    broken = probe(400, mended=False)  # why tests/faketime exists (passes too once libfaketime is fixed)
    assert broken.returncode == 0 or "Invalid argument" in broken.stderr


def test_chromium_is_started_without_libfaketime(monkeypatch):
    monkeypatch.setenv("LD_PRELOAD", "/usr/lib/libother.so /usr/$LIB/faketime/libfaketime.so.1")
    monkeypatch.setenv("FAKETIME", "+45d")
    monkeypatch.setenv("FAKETIME_DONT_FAKE_MONOTONIC", "1")
    environment = real_clock_environment()
    assert environment["LD_PRELOAD"] == "/usr/lib/libother.so"
    assert not any(name.startswith("FAKETIME") for name in environment)
    assert environment["PATH"] == os.environ["PATH"]
