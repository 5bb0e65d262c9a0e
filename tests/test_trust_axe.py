"""The contribution, claim, privacy and admin pages in Debian's Chromium: axe finds no violations."""

from __future__ import annotations

import pytest
from werkzeug.security import generate_password_hash

from tests.live_site import build_site, chromium_missing_reason, keep_local, launch, serve

pytestmark = pytest.mark.browser
if chromium_missing_reason():
    pytest.skip(chromium_missing_reason(), allow_module_level=True)

from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

PASSWORD = "axe test password"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("trust-site")
    (folder / "sources.toml").write_text("")
    app, ids = build_site(folder, SOURCES_FILE=str(folder / "sources.toml"),
                          ADMIN_PASSWORD_HASH=generate_password_hash(PASSWORD))
    with serve(app) as base:
        yield base, ids


def violations(page, axe: Axe, name: str, found: dict) -> None:
    results = axe.run(page)
    assert len(results.response["passes"]) >= 10, f"axe checked too little on {name}"
    if results.violations_count:
        found[name] = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]]


def test_axe_finds_no_violations_on_the_trust_pages(site):
    base, ids = site
    found: dict = {}
    with sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(bypass_csp=True)
        keep_local(context)
        page = context.new_page()
        axe = Axe()
        for name, path in {"suggest": "/suggest", "report": f"/listings/{ids['walk']}/report",
                           "claim": f"/claim/listing/{ids['walk']}", "claim-org": f"/claim/org/{ids['org']}",
                           "privacy": "/privacy", "admin-login": "/admin/login"}.items():
            page.goto(base + path)
            violations(page, axe, name, found)
        page.goto(base + "/suggest")
        page.fill("#suggest-url", f"{base}/listings/{ids['walk']}.ics")
        page.click("button[type=submit]")
        page.wait_for_selector("text=What we would import")
        violations(page, axe, "suggest-preview", found)
        page.goto(base + "/suggest")
        page.fill("#suggest-url", f"{base}/about")
        page.click("button[type=submit]")
        page.wait_for_selector("[role=alert]")
        violations(page, axe, "suggest-error", found)
        page.goto(base + "/admin/login")
        page.fill("#admin-user", "admin")
        page.fill("#admin-password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("text=Moderation queue")
        violations(page, axe, "admin-queue", found)
        context.close()
        browser.close()
    assert found == {}
