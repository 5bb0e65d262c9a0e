"""The contribution, claim, privacy and admin pages in Debian's Chromium: axe finds no violations."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from werkzeug.security import generate_password_hash

from finder.alerts import subscriptions as alerts
from finder.models import Alert
from tests.live_site import AXE_COLOUR_RULES, build_site, chromium_missing_reason, keep_local, serve

pytestmark = pytest.mark.browser
if chromium_missing_reason():
    pytest.skip(chromium_missing_reason(), allow_module_level=True)

from tests.page_axe import PageAxe  # noqa: E402

PASSWORD = "axe test password"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("trust-site")
    (folder / "sources.toml").write_text("")
    app, ids = build_site(
        folder, SOURCES_FILE=str(folder / "sources.toml"), ADMIN_PASSWORD_HASH=generate_password_hash(PASSWORD)
    )
    with app.app_context():
        session = app.extensions["sessionmaker"]()
        alert = Alert(
            email="walker@example.org",
            frequency="weekly",
            name="Walks",
            status="active",
            confirmed_at=datetime(2030, 3, 4, 9, 0, tzinfo=UTC),
            query={"where": "London"},
        )
        session.add(alert)
        session.commit()
        ids["manage"] = f"/alerts/manage/{alerts.make_token(app.config['SECRET_KEY'], 'manage', alert.id)}"
        session.close()
    with serve(app) as base:
        yield base, ids


def violations(page, axe: PageAxe, name: str, found: dict) -> None:
    results = axe.run(page)
    assert len(results.response["passes"]) >= 10, f"axe checked too little on {name}"
    if results.violations_count:
        found[name] = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]]


def colour_violations_in_dark(page, axe: PageAxe, name: str, found: dict) -> None:
    """The page again in the dark scheme, by the colour rules (dark changes colours only: site.css)."""
    page.emulate_media(color_scheme="dark")
    results = axe.run(page, options=AXE_COLOUR_RULES)
    checked = {rule["id"] for kind in ("passes", "violations", "incomplete") for rule in results.response[kind]}
    assert "color-contrast" in checked, f"axe checked no contrast on {name} (dark)"
    if results.violations_count:
        found[f"{name} (dark)"] = [
            (v["id"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]
        ]
    page.emulate_media(color_scheme="light")


def test_axe_finds_no_violations_on_the_trust_pages(site, browser):
    base, ids = site
    found: dict = {}
    context = browser.new_context(bypass_csp=True)
    keep_local(context)
    page = context.new_page()
    axe = PageAxe()
    for name, path in {
        "suggest": "/suggest",
        "report": f"/listings/{ids['walk']}/report",
        "claim": f"/claim/listing/{ids['walk']}",
        "claim-org": f"/claim/org/{ids['org']}",
        "privacy": "/privacy",
        "admin-login": "/admin/login",
    }.items():
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
    assert found == {}


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 800}, {"width": 390, "height": 844}], ids=["desktop", "phone"]
)
def test_manage_and_report_pages_pass_axe_in_light_and_dark_with_spaced_buttons_and_a_roomy_textarea(
    site, browser, viewport
):
    base, ids = site
    found: dict = {}
    context = browser.new_context(bypass_csp=True, color_scheme="light", viewport=viewport)
    keep_local(context)
    page = context.new_page()
    axe = PageAxe()
    page.goto(base + ids["manage"])
    violations(page, axe, "manage", found)
    colour_violations_in_dark(page, axe, "manage", found)
    pause, delete = (
        page.get_by_role("button", name=name).bounding_box() for name in ("Pause for a month", "Delete this alert")
    )
    gap = (
        delete["x"] - (pause["x"] + pause["width"])
        if delete["y"] == pause["y"]
        else delete["y"] - (pause["y"] + pause["height"])
    )
    assert gap >= 8, "the pause and delete buttons do not touch"
    colours = [
        page.get_by_role("button", name=name).evaluate("b => getComputedStyle(b).color")
        for name in ("Pause for a month", "Delete this alert")
    ]
    assert colours[0] != colours[1], "delete does not look like pause"
    page.emulate_media(color_scheme="dark")
    dark = [
        page.get_by_role("button", name=name).evaluate("b => getComputedStyle(b).color")
        for name in ("Pause for a month", "Delete this alert")
    ]
    assert dark[0] != dark[1] and dark != colours, "in dark, delete does not look like pause"
    page.emulate_media(color_scheme="light")
    page.goto(f"{base}/listings/{ids['walk']}/report")
    violations(page, axe, "report", found)
    colour_violations_in_dark(page, axe, "report", found)
    note = page.locator("#report-note").bounding_box()
    assert note["height"] >= 140 and note["width"] >= 300
    context.close()
    assert found == {}
