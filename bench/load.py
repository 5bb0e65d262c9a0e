"""A bounded local load: mixed /api/v1/search queries against gunicorn (2 workers) while a scraper
re-loads the demo sources in a loop, all on loopback. Rate limits are off (as in every benchmark).

    .venv/bin/python bench/load.py [--seconds 20] [--connections 8] [--database-url URL]

Reports requests/s, p95 latency, errors (non-2xx answers and socket errors; goal 0) and whether any
scrape run failed, then the DESIGN.md figure line `load rps=.. p95_ms=.. errors=..`.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import click
from sqlalchemy import select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search_http import _wait_ready, free_port  # noqa: E402
from finder.db.engine import make_engine, make_sessionmaker  # noqa: E402
from finder.demo.content import CITIES  # noqa: E402
from finder.index import schema as index_schema  # noqa: E402
from finder.models import Base, ScrapeRun  # noqa: E402

log = logging.getLogger("bench.load")
FINDER = Path(sys.executable).with_name("finder")
GUNICORN = Path(sys.executable).with_name("gunicorn")
VARIANTS = [
    "",
    "&interests=walking",
    "&interests=volunteering,reading",
    "&q=community",
    "&kind=club,event",
    "&when=week",
    "&sort=soonest",
    "&sort=nearest&radius_km=5",
    "&newcomer=true&per_page=50",
    "&online=exclude&days=sat,sun",
    "&free=true&time=evening",
    "&radius_km=100&page=2",
]


def search_paths() -> list[str]:
    """Mixed searches around every demo city: by point and by place name, with assorted filters."""
    paths = []
    for number, city in enumerate(CITIES):
        for index, variant in enumerate(VARIANTS):
            place = quote(f"{city['name']}, {city['country']}")
            where = f"where={place}" if (index + number) % 3 == 0 else f"lat={city['lat']}&lon={city['lon']}"
            paths.append(f"/api/v1/search?{where}{variant}")
    return paths


def prepare(database_url: str, env: dict) -> None:
    """Schema from the models plus the search index objects, then the demo sources loaded once."""
    engine = make_engine(database_url)
    with engine.begin() as connection:
        Base.metadata.create_all(connection)
        index_schema.create_objects(connection)
    engine.dispose()
    subprocess.run([str(FINDER), "demo", "load"], cwd=ROOT, env=env, check=True, capture_output=True)


class Scraper(threading.Thread):
    """`finder demo load` again and again until stopped; counts rounds and non-zero exits."""

    def __init__(self, env: dict):
        super().__init__(daemon=True)
        self.env, self.stop, self.rounds, self.exit_failures = env, threading.Event(), 0, []

    def run(self) -> None:
        while not self.stop.is_set():
            done = subprocess.run([str(FINDER), "demo", "load"], cwd=ROOT, env=self.env, capture_output=True, text=True)
            self.rounds += 1
            if done.returncode != 0:
                self.exit_failures.append(done.stderr.strip().splitlines()[-1:] or [f"exit {done.returncode}"])


WRK_SCRIPT = """paths = {
%s
}
counter = 0
request = function()
  counter = counter %% #paths + 1
  return wrk.format("GET", paths[counter])
end
done = function(summary, latency, requests)
  io.write(string.format("P95_US %%d\\n", latency:percentile(95)))
  io.write(string.format("REQUESTS %%d\\n", summary.requests))
end
"""


def run_wrk(port: int, paths: list[str], seconds: int, connections: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(WRK_SCRIPT % ",\n".join(f'"{path}"' for path in paths))
    try:
        output = subprocess.run(
            [
                "wrk",
                "-t",
                "2",
                "-c",
                str(connections),
                "-d",
                f"{seconds}s",
                "--timeout",
                "10s",
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
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p95_ms": int(re.search(r"P95_US (\d+)", output).group(1)) / 1000,
        "requests": int(re.search(r"REQUESTS (\d+)", output).group(1)),
        "errors": (int(bad.group(1)) if bad else 0) + (sum(map(int, sockets.groups())) if sockets else 0),
    }


def failed_runs(database_url: str, since: datetime) -> tuple[int, list[str]]:
    """(runs recorded since `since`, descriptions of those that failed or came back empty)."""
    engine = make_engine(database_url)
    with make_sessionmaker(engine)() as session:
        runs = session.scalars(select(ScrapeRun).where(ScrapeRun.started_at >= since)).all()
        bad = [f"{run.source.slug}: {run.status}: {run.error}" for run in runs if run.status in ("failed", "empty")]
    engine.dispose()
    return len(runs), bad


@click.command()
@click.option("--seconds", default=20, show_default=True, help="How long the load lasts.")
@click.option("--connections", default=8, show_default=True, help="Open connections kept busy by wrk.")
@click.option("--scrape/--no-scrape", default=True, show_default=True, help="Scrape the demo sources during the load.")
@click.option("--database-url", default="", help="Database to load (default: a fresh SQLite file in a temp folder).")
def main(seconds: int, connections: int, scrape: bool, database_url: str) -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if not subprocess.run(["which", "wrk"], capture_output=True).stdout:
        raise click.ClickException("wrk is not installed (apt-get install -y wrk)")
    folder = Path(tempfile.mkdtemp(prefix="kindred-load-"))
    database_url = database_url or f"sqlite:///{folder / 'load.sqlite'}"
    env = dict(
        os.environ,
        FINDER_DATABASE_URL=database_url,
        FINDER_RATELIMIT_ENABLED="false",
        FINDER_SECRET_KEY="load-secret",
        FINDER_LOG_LEVEL="WARNING",
        FINDER_OUTBOX_DIR=str(folder / "outbox"),
    )
    prepare(database_url, env)
    paths = search_paths()
    port = free_port()
    server = subprocess.Popen(
        [str(GUNICORN), "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env
    )
    scraper = Scraper(env)
    started = datetime.now(UTC)
    try:
        _wait_ready(port, paths[1])
        if scrape:
            scraper.start()
        figures = run_wrk(port, paths, seconds, connections)
    finally:
        scraper.stop.set()
        if scraper.is_alive():
            scraper.join(timeout=120)
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    run_count, bad_runs = failed_runs(database_url, started)
    shutil.rmtree(folder, ignore_errors=True)
    click.echo(f"{len(paths)} distinct searches, {connections} connections, {seconds} s, gunicorn -w 2")
    click.echo(
        f"requests {figures['requests']}, {figures['rps']:.1f}/s, p95 {figures['p95_ms']:.1f} ms, "
        f"errors {figures['errors']}"
    )
    click.echo(
        f"scraper: {scraper.rounds} round(s) of `finder demo load`, {run_count} run(s) recorded, "
        f"{len(bad_runs)} failed or empty, {len(scraper.exit_failures)} non-zero exit(s)"
    )
    for line in bad_runs[:10] + [" ".join(f) for f in scraper.exit_failures[:5]]:
        click.echo(f"  {line}")
    click.echo(f"load rps={figures['rps']:.1f} p95_ms={figures['p95_ms']:.1f} errors={figures['errors']}")


if __name__ == "__main__":
    main()
