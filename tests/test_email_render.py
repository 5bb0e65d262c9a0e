"""The digest's HTML as a mail client shows it, in Debian's Chromium at 600 px, light and dark: the styles are
inlined (they survive a client that drops <style>), nothing overflows sideways, badges never sit on text, dark
mode is dark. With KINDRED_SCREENSHOTS_DIR set (`make screenshots`) the PNGs are saved there."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from finder.alerts import digest_message
from finder.alerts import subscriptions as alerts
from finder.alerts.delivery import digest_settings
from finder.db.migrate import upgrade
from finder.mail.send import parse_message
from finder.models import Alert, Listing, OutboxMessage
from finder.web.i18n import render_in_alert_locale
from tests.conftest import make_test_config
from tests.live_site import chromium_missing_reason

pytestmark = pytest.mark.browser
if chromium_missing_reason():
    pytest.skip(chromium_missing_reason(), allow_module_level=True)


from finder import create_app  # noqa: E402

NOW = datetime(2030, 12, 2, 9, 0, tzinfo=UTC)
LONG_WORD = "Gemeinschaftsgartenarbeitsgruppenversammlungsprotokollbesprechung"


def digest_parts(tmp_path: Path, locale: str = "en") -> tuple[str, str]:
    """(html, text) of a real digest: listings in the database, built and recorded by `digest_message.record_digest`."""
    url = f"sqlite:///{tmp_path}/email.sqlite"
    upgrade(url)
    app = create_app(
        make_test_config(
            url, tmp_path, BASE_URL="https://kindred.example.org", MAIL_POSTAL_ADDRESS="1 Example Street, Portland"
        )
    )
    maker = app.extensions["sessionmaker"]
    with app.app_context(), maker() as session:
        alert = Alert(
            email="x@example.org",
            query={"where": "Portland", "q": "garden"},
            frequency="weekly",
            status="active",
            name="Gardens",
            locale=locale,
            confirmed_at=NOW,
            created_at=NOW,
        )
        session.add(alert)
        rows = [
            dict(
                kind="volunteer",
                title="Community garden volunteers",
                free=True,
                newcomer_friendly=True,
                organizer_name="Friends of the Park",
                venue_name="Laurelhurst Park",
                timezone="America/Los_Angeles",
            ),
            dict(
                kind="event",
                title=f"{LONG_WORD} and a very long title that has to wrap over several lines in a "
                "narrow column without pushing anything sideways",
                status="cancelled",
                free=True,
                timezone="America/Los_Angeles",
            ),
            dict(kind="online", title="Seed swap (online)", online=True, timezone="Europe/Berlin", lat=None, lon=None),
        ]
        listings = []
        for n, values in enumerate(rows):
            listing = Listing(
                **{
                    "lat": 45.52,
                    "lon": -122.68,
                    "locality": "Portland",
                    "first_seen": NOW,
                    "last_seen": NOW,
                    "next_start": NOW + timedelta(days=n + 4, hours=9),
                    "start": NOW + timedelta(days=n + 4, hours=9),
                    **values,
                }
            )
            session.add(listing)
            listings.append(listing)
        session.flush()
        settings = digest_settings(app.config["FINDER"])
        row = digest_message.record_digest(
            session, alert, alerts.Period("2030-W49", NOW), settings, render_in_alert_locale, NOW, listings, []
        )
        session.commit()
        message = parse_message(session.get(OutboxMessage, row.id).message)
    app.extensions["engine"].dispose()
    html = message.get_body(preferencelist=("html",)).get_content()
    text = message.get_body(preferencelist=("plain",)).get_content()
    return html, text


LAYOUT_FACTS = """() => {
  const box = e => e.getBoundingClientRect();
  const overlap = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 && \
a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
  const problems = [];
  for (const card of document.querySelectorAll('table.card')) {
    const badges = [...card.querySelectorAll('.badge')].map(box);
    const text = [...card.querySelectorAll('.card-title, .card-line')].map(box);
    badges.forEach((b, i) => {
      text.forEach(t => { if (overlap(b, t)) problems.push('badge on text'); });
      badges.slice(i + 1).forEach(o => { if (overlap(b, o)) problems.push('badge on badge'); });
      if (b.right > box(card).right || b.left < box(card).left) problems.push('badge outside card');
    });
  }
  const frame = box(document.querySelector('table.frame'));
  const style = getComputedStyle(document.body);
  return {
    scrollWidth: document.documentElement.scrollWidth, frameWidth: frame.width, problems,
    background: style.backgroundColor, card: getComputedStyle(document.querySelector('table.card')).backgroundColor,
    title: getComputedStyle(document.querySelector('.card-link')).color,
    badgeDisplay: getComputedStyle(document.querySelector('.badge')).display,
  };
}"""


def luminance(css_color: str) -> float:
    red, green, blue = (int(part) for part in re.findall(r"\d+", css_color)[:3])
    return (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_digest_html_renders_as_designed_at_600px(tmp_path, browser, scheme):
    html, _ = digest_parts(tmp_path)
    assert re.search(r'class="badge[^"]*"[^>]*style="[^"]*display:\s*inline-block', html)  # inlined at build time
    assert "@media (prefers-color-scheme: dark)" in html and 'name="color-scheme"' in html
    assert "<img" not in html  # nothing depends on images being shown
    context = browser.new_context(viewport={"width": 600, "height": 900}, color_scheme=scheme)
    context.route("**/*", lambda route: route.abort())  # a mail client loads nothing remote
    page = context.new_page()
    page.set_content(html)
    facts = page.evaluate(LAYOUT_FACTS)
    assert facts["scrollWidth"] <= 600, facts
    assert facts["frameWidth"] <= 600 and facts["problems"] == [], facts
    assert facts["badgeDisplay"] == "inline-block"
    if scheme == "dark":
        assert luminance(facts["background"]) < 0.2 and luminance(facts["card"]) < 0.2, facts
        assert luminance(facts["title"]) > 0.5, facts
    else:
        assert luminance(facts["background"]) > 0.8 and luminance(facts["card"]) > 0.9, facts
        assert luminance(facts["title"]) < 0.5, facts
    shots = os.environ.get("KINDRED_SCREENSHOTS_DIR")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(shots) / f"email-digest-600-{scheme}.png"), full_page=True)

    # A client that drops <style> (and so dark mode) still shows the light design from the inline styles.
    page.set_content(re.sub(r"<style>.*?</style>", "", html, flags=re.S))
    bare = page.evaluate(LAYOUT_FACTS)
    assert bare["problems"] == [] and bare["scrollWidth"] <= 600 and bare["badgeDisplay"] == "inline-block", bare
    assert luminance(bare["card"]) > 0.9 and luminance(bare["title"]) < 0.5, bare
    context.close()


def test_the_text_part_reads_alone_and_carries_every_link(tmp_path):
    html, text = digest_parts(tmp_path, locale="de")
    links = set(re.findall(r'href="([^"]+)"', html))
    assert links and {link.replace("&amp;", "&") for link in links} <= set(re.findall(r"https://\S+", text))
    assert "* Community garden volunteers\n  Ehrenamt · Portland · " in text  # the alert's language
    assert "10:00 (Ortszeit Portland)" in text and "19:00 (Ortszeit Berlin)" in text  # 24-hour, zone named
    assert "<" not in text.replace("<https", "")
