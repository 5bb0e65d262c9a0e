"""CSRF: every POST route of the app (read from `app.url_map`, so new forms are covered without
editing this file) rejects a missing, garbage or someone else's token; only the RFC 8058 one-click
unsubscribe accepts a POST without one.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask_wtf.csrf import CSRFError
from werkzeug.routing import AnyConverter, IntegerConverter

from finder.alerts import subscriptions as alerts
from finder.models import Alert

ONE_CLICK = {"alerts.unsubscribe"}
REJECTED = "csrf-rejected"


@pytest.fixture
def csrf_app(app):
    """The app with a marker answer for CSRF failures (the site's own page for them is a plain 400)."""
    app.register_error_handler(CSRFError, lambda error: (REJECTED, 400))
    return app


def post_routes(app) -> list[tuple[str, str]]:
    """(endpoint, a concrete URL) for every rule that accepts POST."""
    found = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        values = {}
        for name, converter in rule._converters.items():
            if isinstance(converter, AnyConverter):
                values[name] = sorted(converter.items)[0]
            elif isinstance(converter, IntegerConverter):
                values[name] = 1
            else:
                values[name] = "sometoken"
        with app.test_request_context():
            found.append((rule.endpoint, app.url_for(rule.endpoint, **values)))
    return found


def csrf_token(client) -> str:
    page = client.get("/alerts/new")
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)


def test_the_route_list_is_read_from_the_app(csrf_app):
    routes = dict(post_routes(csrf_app))
    assert {"alerts.create", "alerts.confirm", "alerts.manage", "alerts.unsubscribe"} <= set(routes)


def test_every_post_route_rejects_a_missing_or_wrong_token(csrf_app):
    victim = csrf_app.test_client()
    attacker = csrf_app.test_client()
    someone_elses = csrf_token(attacker)  # valid, but for another browser's session
    csrf_token(victim)  # the victim has a session with its own token
    checked = []
    for endpoint, url in post_routes(csrf_app):
        if endpoint in ONE_CLICK:
            continue
        for data in ({}, {"csrf_token": ""}, {"csrf_token": "garbage"}, {"csrf_token": someone_elses}):
            answer = victim.post(url, data={**data, "email": "a@example.org", "action": "delete"})
            assert (answer.status_code, answer.text) == (400, REJECTED), (endpoint, url, data)
        checked.append(endpoint)
    assert "alerts.create" in checked and len(checked) == len(post_routes(csrf_app)) - len(ONE_CLICK)


def test_json_bodies_and_headers_do_not_bypass_the_check(csrf_app):
    client = csrf_app.test_client()
    assert client.post("/alerts", json={"email": "a@example.org"}).text == REJECTED
    assert client.post("/alerts", data={"email": "a@example.org"}, headers={"X-CSRFToken": "garbage"}).text == REJECTED


def make_alert(app, status: str = "active") -> int:
    now = datetime.now(UTC)
    with app.extensions["sessionmaker"]() as session:
        alert = Alert(
            email="walker@example.org",
            query={"q": "walk"},
            frequency="daily",
            status=status,
            created_at=now - timedelta(days=3),
            confirmed_at=now - timedelta(days=2),
        )
        session.add(alert)
        session.commit()
        return alert.id


def alert_status(app, alert_id: int) -> str | None:
    with app.extensions["sessionmaker"]() as session:
        alert = session.get(Alert, alert_id)
        return alert.status if alert else None


def test_a_forged_post_changes_nothing_and_a_real_one_works(csrf_app):
    alert_id = make_alert(csrf_app, status="pending")
    secret = csrf_app.config["FINDER"].SECRET_KEY
    client = csrf_app.test_client()
    confirm = f"/alerts/confirm/{alerts.make_token(secret, 'confirm', alert_id)}"
    assert client.post(confirm).text == REJECTED
    assert alert_status(csrf_app, alert_id) == "pending"
    assert client.post(confirm, data={"csrf_token": csrf_token(client)}).status_code == 200
    assert alert_status(csrf_app, alert_id) == "active"
    manage = f"/alerts/manage/{alerts.make_token(secret, 'manage', alert_id)}"
    assert client.post(manage, data={"action": "delete"}).text == REJECTED
    assert alert_status(csrf_app, alert_id) == "active"
    assert client.post(manage, data={"action": "delete", "csrf_token": csrf_token(client)}).status_code == 200
    assert alert_status(csrf_app, alert_id) is None


def test_one_click_unsubscribe_needs_no_token_and_no_cookie(csrf_app):
    alert_id = make_alert(csrf_app)
    token = alerts.make_token(csrf_app.config["FINDER"].SECRET_KEY, "unsubscribe", alert_id)
    fresh = csrf_app.test_client(use_cookies=False)
    answer = fresh.post(f"/alerts/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200 and "Location" not in answer.headers
    assert alert_status(csrf_app, alert_id) == "unsubscribed"
    forged = fresh.post("/alerts/unsubscribe/not-a-signed-token", data={"List-Unsubscribe": "One-Click"})
    assert forged.status_code == 404
