"""Waiting for a server a test started in a process of its own (gunicorn, `finder serve`) to listen."""

from __future__ import annotations

import socket
import subprocess
import time


def wait_until_listening(port: int, process: subprocess.Popen | None = None, timeout_s: float = 60) -> None:
    """Return once 127.0.0.1:`port` accepts a connection; fail when `process` ends first or time runs out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and (process is None or process.poll() is None):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    exit_code = None if process is None else process.poll()
    raise AssertionError(f"nothing listened on {port} (exit code {exit_code})")
