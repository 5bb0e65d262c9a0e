"""HTTP throughput of /api/v1/search under gunicorn (2 workers): wrk when installed, else a Python load loop."""

from __future__ import annotations

import http.client
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

log = logging.getLogger("bench.search")
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def measure(database_url: str, paths: list[str], seconds: float, connections: int = 4, warm_up_s: float = 3.0) -> dict:
    """{"rps", "errors", "worker_rss_mb", "tool"} for `paths` replayed against gunicorn for `seconds`, after `warm_up_s`
    of the same load untimed: each worker's first requests compile statements, remember online answers and read the
    database's pages in, as the in-process figures' warm-up pass does before they are timed."""
    port = free_port()
    env = dict(
        os.environ,
        FINDER_DATABASE_URL=database_url,
        FINDER_RATELIMIT_ENABLED="false",
        FINDER_SECRET_KEY="bench-secret",
        FINDER_LOG_LEVEL="WARNING",
    )
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env
    )
    try:
        _wait_ready(port, paths[0])
        if warm_up_s:
            _python_load(port, paths, warm_up_s, connections)
        if shutil.which("wrk"):
            figures = _wrk(port, paths, seconds, connections)
        else:
            figures = _python_load(port, paths, seconds, connections)
        figures["worker_rss_mb"] = max(_worker_rss_mb(server.pid) or [0.0])
        return figures
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def _wait_ready(port: int, path: str, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer on port {port}")


def _wrk(port: int, paths: list[str], seconds: float, connections: int) -> dict:
    lines = ",\n".join('"' + p.replace('"', "%22") + '"' for p in paths)
    script = f"""paths = {{\n{lines}\n}}
counter = 0
request = function()
  counter = counter % #paths + 1
  return wrk.format("GET", paths[counter])
end
"""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        output = subprocess.run(
            [
                "wrk",
                "-t",
                "2",
                "-c",
                str(connections),
                "-d",
                f"{int(seconds)}s",
                "-s",
                handle.name,
                f"http://127.0.0.1:{port}",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(handle.name)
    log.info("wrk:\n%s", output)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors:.*?(\d+).*?(\d+).*?(\d+).*?(\d+)", output)
    failures = (int(bad.group(1)) if bad else 0) + (sum(int(g) for g in errors.groups()) if errors else 0)
    return {"rps": rps, "errors": failures, "tool": f"wrk -t2 -c{connections} -d{int(seconds)}s"}


def _python_load(port: int, paths: list[str], seconds: float, connections: int) -> dict:
    done, errors, lock = [0], [0], threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(offset: int):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        i = offset
        while time.monotonic() < deadline:
            connection.request("GET", paths[i % len(paths)])
            response = connection.getresponse()
            response.read()
            with lock:
                done[0] += 1
                errors[0] += response.status != 200
            i += connections

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(connections)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"rps": done[0] / (time.monotonic() - started), "errors": errors[0], "tool": "python http.client"}


def _worker_rss_mb(master_pid: int) -> list[float]:
    sizes = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        parent = re.search(r"PPid:\s+(\d+)", status)
        rss = re.search(r"VmRSS:\s+(\d+) kB", status)
        if parent and rss and int(parent.group(1)) == master_pid:
            sizes.append(int(rss.group(1)) / 1024)
    return sizes
