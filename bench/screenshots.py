"""Screenshots of every page type (desktop and phone, light and dark) into bench/screenshots/.

Run with `make screenshots`; needs Debian's Chromium at /usr/bin/chromium. Serves the seeded test site on
127.0.0.1 and blocks every other address, so maps show markers without tiles.
"""

from __future__ import annotations

import logging
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from finder.alerts import subscriptions as alerts  # noqa: E402
from finder.models import Alert  # noqa: E402
from tests.live_site import build_site, chromium_missing_reason, keep_local, launch, serve  # noqa: E402

OUT = ROOT / "bench" / "screenshots"
VIEWS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def pages(ids: dict) -> dict[str, str]:
    return {
        "home": "/",
        "results": "/search?where=London&radius_km=10",
        "results-filtered": "/search?where=London&radius_km=10&kind=event&kind=club&days=sat&days=tue&time=evening",
        "results-empty": "/search?where=Paris&radius_km=2&kind=club",
        "did-you-mean": "/search?where=Springfield",
        "listing": f"/listings/{ids['walk']}",
        "listing-online": f"/listings/{ids['online']}",
        "listing-picture": f"/listings/{ids['choir']}",
        "listing-cancelled": f"/listings/{ids['repair']}",
        "organisation": f"/orgs/{ids['org']}",
        "guidance": "/guidance",
        "sources": "/sources",
        "about": "/about",
        "not-found": "/listings/999999",
        "alerts-new": "/alerts/new?where=London&radius_km=10",
        "status": "/status",
        "report": f"/listings/{ids['walk']}/report",
        "manage": ids["manage"],
        "results-de": "/search?where=London&radius_km=10&lang=de",
    }


def add_alert(app, ids: dict) -> None:
    """An active alert, so that its manage page can be shown (ids["manage"] is its address)."""
    with app.app_context():
        session = app.extensions["sessionmaker"]()
        alert = Alert(
            email="walker@example.org",
            frequency="weekly",
            name="Walks",
            status="active",
            confirmed_at=datetime.now(UTC),
            query={"where": "London", "interests": "walking"},
        )
        session.add(alert)
        session.commit()
        ids["manage"] = f"/alerts/manage/{alerts.make_token(app.config['SECRET_KEY'], 'manage', alert.id)}"
        session.close()


def main() -> int:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    reason = chromium_missing_reason()
    if reason:
        logging.error("%s", reason)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        app, ids = build_site(Path(folder))
        add_alert(app, ids)
        with serve(app) as base, sync_playwright() as playwright:
            browser = launch(playwright)
            for view, scheme in (("desktop", "light"), ("phone", "light"), ("desktop", "dark"), ("phone", "dark")):
                context = browser.new_context(viewport=VIEWS[view], color_scheme=scheme)
                keep_local(context)
                page = context.new_page()
                for name, path in pages(ids).items():
                    page.goto(base + path)
                    if page.locator("[data-map]").count():
                        page.wait_for_selector("[data-map-ready]", state="attached")
                    target = OUT / f"{name}-{view}-{scheme}.png"
                    page.screenshot(path=str(target), full_page=True)
                    if name == "results" and page.locator("[data-view-toggle]").is_visible():
                        page.locator("[data-view=map]").click()  # the phone's map view
                        page.screenshot(path=str(OUT / f"results-map-{view}-{scheme}.png"), full_page=False)
                context.close()
            browser.close()
    logging.info("screenshots written to %s", OUT)
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    sys.exit(main())
