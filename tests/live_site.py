"""The seeded site served on 127.0.0.1 for a real browser (browser tests and `make screenshots`)."""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from werkzeug.serving import make_server

from finder import create_app
from finder.geo.build import build_gazetteer, load_fixture
from tests.conftest import FIXTURES, build_schema, make_test_config
from tests.site_data import seed_app

CHROMIUM = Path("/usr/bin/chromium")
PICTURE_HOST = "images.example.org"  # the seeded listings' pictures (tests/site_data.py), answered from fixtures
PICTURES = FIXTURES / "images"
# axe's rules that read colours: the dark scheme changes colours only (site.css: custom properties and border
# colours under prefers-color-scheme), so a page checked in full in light is checked in dark by these alone.
AXE_COLOUR_RULES = {
    "runOnly": {"type": "rule", "values": ["color-contrast", "link-in-text-block"]},
    "resultTypes": ["violations"],
}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def chromium_missing_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not CHROMIUM.is_file():
        return f"Chromium not installed at {CHROMIUM} (make test installs it with apt-get when run as root)"
    return None


def build_site(folder: Path, **overrides):
    """An app on a fresh SQLite file in `folder`, with the test gazetteer and the seeded listings; (app, ids)."""
    folder.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{folder / 'site.sqlite'}"
    build_schema(url)
    gazetteer = folder / "gazetteer.sqlite"
    if not gazetteer.exists():
        build_gazetteer(gazetteer, sources=load_fixture(FIXTURES / "geo" / "gazetteer.json"))
    config = make_test_config(
        url, folder, GAZETTEER_PATH=str(gazetteer), ADMIN_EMAIL="help@kindred.example", **overrides
    )
    app = create_app(config)
    ids = seed_app(app)
    return app, ids


@contextmanager
def serve(app):
    """Serve `app` on 127.0.0.1 (a free port) in a thread; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        app.extensions["engine"].dispose()


def launch(playwright):
    """Debian's Chromium, headless; never a downloaded browser. It runs on the real clock even when the
    tests run under libfaketime (`make test-future`): a faked wall clock stalls Chromium's page loads,
    and only the server's clock matters (our scripts read no dates)."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, env=real_clock_environment()
    )


def real_clock_environment() -> dict[str, str]:
    """This process's environment without libfaketime's preload and settings."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("FAKETIME")}
    preload = [lib for lib in environment.pop("LD_PRELOAD", "").split() if "faketime" not in lib]
    if preload:
        environment["LD_PRELOAD"] = " ".join(preload)
    return environment


def keep_local(context, blocked: list[str] | None = None) -> None:
    """Abort every request that is not to the loopback server (map tiles included); record what was blocked."""

    def handle(route):
        parts = urlsplit(route.request.url)
        host = parts.hostname or ""
        if host in ("127.0.0.1", "localhost") or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
            return
        if host == PICTURE_HOST and (PICTURES / parts.path.lstrip("/")).is_file():  # the sources' pictures
            route.fulfill(path=PICTURES / parts.path.lstrip("/"), content_type="image/svg+xml")
            return
        if blocked is not None:
            blocked.append(route.request.url)
        route.abort("internetdisconnected")

    context.route("**/*", handle)
