"""A new subscriber's first email: the search's current best matches on confirmation, previewed on the
subscribe and confirm pages; and the form says when weekly digests go out."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import time_machine

from finder.mail.send import parse_message
from finder.models import Alert, AlertSent, OutboxMessage
from tests.test_alerts import add_listing, csrf_from, link, mail_app, smtp, subscribe  # noqa: F401 (fixtures)

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
QUERY = "lat=45.5152&lon=-122.6784&q=walk"


def plain(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def seven_walks(app) -> list[str]:
    with app.extensions["sessionmaker"]() as session:
        for n in range(7):
            add_listing(
                session,
                f"Walk number {n}",
                NOW - timedelta(days=2),
                next_start=NOW + timedelta(days=n + 1),
                start=NOW + timedelta(days=n + 1),
            )
    return [f"Walk number {n}" for n in range(7)]


def test_confirming_sends_a_welcome_digest_of_the_best_current_matches_once(mail_app, smtp):  # noqa: F811
    with time_machine.travel(NOW, tick=True):
        titles = seven_walks(mail_app)
        client = mail_app.test_client()
        search = client.get(f"/api/v1/search?{QUERY}&per_page=5").get_json()
        ranked = [result["title"] for result in search["results"]]
        assert subscribe(client).status_code == 200
        confirm_path = link(smtp.messages[-1], "confirm")
        page = client.get(confirm_path)
        for title in ranked[:3]:
            assert title in page.text  # the confirm page previews the first email
        assert client.post(confirm_path, data={"csrf_token": csrf_from(page.text)}).status_code == 200
        assert len(smtp.messages) == 2
        welcome = smtp.messages[-1]
        assert welcome["Subject"].startswith("To start with: 5 matches")
        assert welcome["List-Unsubscribe"].startswith("<http://kindred.test/alerts/unsubscribe/")
        text = plain(welcome)
        assert "To start with" in text
        shown = re.findall(r"^\* (Walk number \d)", text, re.M)
        assert shown == ranked  # search's own order, capped at five
        assert len(shown) == 5 and set(shown) < set(titles)
        html = welcome.get_body(preferencelist=("html",)).get_content()
        assert "To start with" in html and all(title in html for title in shown)

        assert client.post(confirm_path, data={"csrf_token": csrf_from(page.text)}).status_code == 200
        assert len(smtp.messages) == 2  # confirming again sends nothing more
    with mail_app.extensions["sessionmaker"]() as session:
        alert = session.query(Alert).one()
        assert session.query(OutboxMessage).filter_by(period="welcome").one().status == "sent"
        assert session.query(AlertSent).filter_by(alert_id=alert.id).count() == 5  # never sent again as new


def test_a_search_with_no_matches_still_gets_a_welcome_saying_so(mail_app, smtp):  # noqa: F811
    with time_machine.travel(NOW, tick=True):
        client = mail_app.test_client()
        assert subscribe(client).status_code == 200
        confirm_path = link(smtp.messages[-1], "confirm")
        page = client.get(confirm_path)
        assert "Your first email, to start with" not in page.text
        client.post(confirm_path, data={"csrf_token": csrf_from(page.text)})
    assert "Nothing matches this search right now" in plain(smtp.messages[-1])


def test_subscribe_page_previews_the_first_email_and_states_the_weekly_day_and_hour(mail_app):  # noqa: F811
    with time_machine.travel(NOW, tick=True):
        seven_walks(mail_app)
        client = mail_app.test_client()
        ranked = [r["title"] for r in client.get(f"/api/v1/search?{QUERY}&per_page=3").get_json()["results"]]
        page = client.get(f"/alerts/new?{QUERY}")
        assert "Your first email, to start with" in page.text
        assert re.findall(r"Walk number \d", page.text) == ranked
        assert "Weekly, on Friday at 8:00" in page.text and "(UTC)" in page.text
        german = client.get(f"/alerts/new?{QUERY}&lang=de").text
        assert "Freitag" in german and "08:00" in german


def test_a_build_renders_each_listing_card_once_per_language(mail_app):  # noqa: F811
    from finder.alerts import digests
    from finder.alerts.delivery import digest_settings
    from finder.alerts.matching import make_matcher
    from finder.web.i18n import render_in_alert_locale

    maker = mail_app.extensions["sessionmaker"]
    with maker() as session:
        for n, locale in enumerate(["en", "en", "de", "en"]):
            session.add(
                Alert(
                    email=f"r{n}@example.org",
                    frequency="daily",
                    status="active",
                    locale=locale,
                    query={"q": "walk", "lat": "45.5152", "lon": "-122.6784"},
                    confirmed_at=NOW - timedelta(days=2),
                    last_digest_at=NOW - timedelta(days=2),
                )
            )
        session.commit()
        add_listing(session, "Hill walk", NOW - timedelta(hours=2))
        add_listing(session, "Ridge walk", NOW - timedelta(hours=1))
    rendered: list[str] = []

    def counting(template, **context):
        rendered.append(template)
        return render_in_alert_locale(template, **context)

    with time_machine.travel(NOW, tick=True), mail_app.app_context(), maker() as session:
        report = digests.build_due(
            session, digest_settings(mail_app.config["FINDER"]), make_matcher(None), counting, NOW
        )
        session.commit()
        messages = [
            plain(parse_message(row.message)) for row in session.query(OutboxMessage).order_by(OutboxMessage.alert_id)
        ]
    assert report.built == 4
    assert rendered.count("email/card.html") == rendered.count("email/card.txt") == 2 * 2  # 2 listings x en, de
    # the digest's templates once per shape (en and de, two cards): its shell, then the checks of the shell against
    # the first alert and a probe alert (finder.alerts.digest_shells); the third English alert renders none
    assert rendered.count("email/digest.html") == 2 * 3
    assert all("* Hill walk" in text and "* Ridge walk" in text for text in messages)
    assert "Treffen oder Veranstaltung" in messages[2] and "Meetup or event" in messages[3]  # each its language
