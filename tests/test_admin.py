"""The /admin area on both databases: login required, CSRF enforced, `finder admin create`, blocking
sources and organisers, and every action logged with who and when."""

from __future__ import annotations

import tomllib

import pytest
from sqlalchemy import select

from finder.catalog.sources import overlay_path
from finder.jobs import table as jobs
from finder.models import AdminAction, AdminUser, Listing, Organization, Source
from finder.trust.admins import AdminError, authenticate, create_admin
from tests.trust_helpers import (
    ADMIN_PASSWORD,
    admin_post,
    app_for,
    calendar,
    csrf_from,
    login,
    post_form,
    scrape,
    serve_many,
    soon,
)

ACTIONS = [
    "/admin/suggestions/1/approve",
    "/admin/reports/1/resolve",
    "/admin/listings/1/hide",
    "/admin/sources/riverside/block",
    "/admin/orgs/1/block",
    "/admin/claims/1/revoke",
]


@pytest.fixture
def trust_app(engine, db_url, tmp_path):
    yield from app_for(engine, db_url, tmp_path)


@pytest.fixture
def client(trust_app):
    return trust_app.test_client()


def rows(app, model, *where):
    with app.extensions["sessionmaker"]() as session:
        return session.scalars(select(model).where(*where)).all()


def test_every_admin_page_and_action_needs_a_login(client):
    answer = client.get("/admin")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/admin/login")
    token = csrf_from(client.get("/admin/login").get_data(as_text=True))
    for path in ACTIONS:
        answer = client.post(path, data={"csrf_token": token})
        assert answer.status_code == 302 and "/admin/login" in answer.headers["Location"], path


def test_wrong_password_and_unknown_user_are_refused(client, trust_app):
    assert login(client, password="wrong password here").status_code == 401
    assert login(client, username="root").status_code == 401
    assert client.get("/admin").status_code == 302
    assert login(client).status_code == 302
    assert client.get("/admin").status_code == 200
    (entry,) = rows(trust_app, AdminAction)
    assert (entry.actor, entry.action) == ("admin", "login")
    token = csrf_from(client.get("/admin").get_data(as_text=True))
    client.post("/admin/logout", data={"csrf_token": token})
    assert client.get("/admin").status_code == 302


def test_csrf_is_enforced_on_login_and_actions(client, trust_app):
    refused = client.post("/admin/login", data={"username": "admin", "password": ADMIN_PASSWORD})
    assert refused.status_code == 400
    login(client)
    with trust_app.extensions["sessionmaker"]() as session:
        session.add(Source(slug="riverside", adapter="ics", url="https://riverside.example/cal.ics"))
        session.commit()
    assert client.post("/admin/sources/riverside/block").status_code == 400
    assert client.post("/admin/sources/riverside/block", data={"csrf_token": "forged"}).status_code == 400
    assert rows(trust_app, Source)[0].enabled, "nothing changed without a valid token"


def test_finder_admin_create_stores_a_hashed_user_who_can_log_in(trust_app, client):
    runner = trust_app.test_cli_runner()
    from finder.cli import main

    result = runner.invoke(main, ["admin", "create", "moderator", "--password", "a long enough secret"])
    assert result.exit_code == 0, result.output
    (user,) = rows(trust_app, AdminUser)
    assert user.username == "moderator" and "a long enough secret" not in user.password_hash
    short = runner.invoke(main, ["admin", "create", "other", "--password", "short"])
    assert short.exit_code != 0 and "at least" in short.output
    assert login(client, "moderator", "a long enough secret").status_code == 302
    assert "Signed in as moderator" in client.get("/admin").get_data(as_text=True)


def test_authenticate_checks_stored_users_before_the_setting(session, trust_app):
    config = trust_app.config["FINDER"]
    create_admin(session, "admin", "another password entirely")
    assert authenticate(session, config, "admin", "another password entirely") == "admin"
    assert authenticate(session, config, "admin", ADMIN_PASSWORD) is None, "a stored user wins over the setting"
    with pytest.raises(AdminError):
        create_admin(session, "", "whatever long enough")


def test_blocking_a_source_writes_the_overlay_and_stops_its_job(trust_app, client, httpserver):
    urls = serve_many(httpserver, {"/club.ics": calendar({"uid": "a@x", "title": "Chess Club", "start": soon(5)})})
    catalog = trust_app.config["FINDER"].path(trust_app.config["FINDER"].SOURCES_FILE)
    catalog.write_text(f'[[source]]\nslug = "riverside"\nadapter = "ics"\nurl = "{urls["/club.ics"]}"\n')
    shipped = catalog.read_text()
    with trust_app.extensions["sessionmaker"]() as session:
        session.add(Source(slug="riverside", adapter="ics", url=urls["/club.ics"]))
        session.commit()
    assert "scrape:riverside" in [job.key for job in jobs.job_table(trust_app)]
    login(client)
    admin_post(client, "/admin/sources/riverside/block")
    assert catalog.read_text() == shipped
    (entry,) = tomllib.loads(overlay_path(catalog).read_text())["source"]
    assert entry == {"slug": "riverside", "enabled": False}
    assert rows(trust_app, Source)[0].enabled is False
    assert "scrape:riverside" not in [job.key for job in jobs.job_table(trust_app)]
    admin_post(client, "/admin/sources/riverside/unblock")
    assert rows(trust_app, Source)[0].enabled is True
    log = [(a.actor, a.action, a.target_id) for a in rows(trust_app, AdminAction) if a.action != "login"]
    assert log == [("admin", "source-block", "riverside"), ("admin", "source-unblock", "riverside")]


def test_blocking_an_organiser_hides_its_listings_from_every_source(trust_app, client, httpserver):
    start = soon(6)
    ours = calendar({"uid": "k1@hall", "title": "Knitting Circle", "start": start, "url": "https://hall.example/knit"})
    body = ours.replace(b"END:VEVENT", b"ORGANIZER;CN=Leeds Craft Hall:https://hall.example\r\nEND:VEVENT")
    other = calendar({"uid": "z9@agg", "title": "Knit and Natter", "start": soon(8), "url": "https://agg.example/9"})
    other = other.replace(b"END:VEVENT", b"ORGANIZER;CN=Leeds Craft Hall:mailto:hi@hall.example\r\nEND:VEVENT")
    urls = serve_many(httpserver, {"/hall.ics": body, "/agg.ics": other})
    with trust_app.extensions["sessionmaker"]() as session:
        session.add_all(
            [
                Source(slug="hall", adapter="ics", url=urls["/hall.ics"]),
                Source(slug="agg", adapter="ics", url=urls["/agg.ics"]),
            ]
        )
        session.commit()
    scrape(trust_app, "hall")
    (org,) = rows(trust_app, Organization)
    assert org.name == "Leeds Craft Hall"
    login(client)
    admin_post(client, f"/admin/orgs/{org.id}/block")
    assert {item.liveness for item in rows(trust_app, Listing)} == {"hidden"}
    scrape(trust_app, "agg")
    scrape(trust_app, "hall")
    assert {(item.title, item.liveness) for item in rows(trust_app, Listing)} == {
        ("Knitting Circle", "hidden"),
        ("Knit and Natter", "hidden"),
    }
    (entry,) = rows(trust_app, AdminAction, AdminAction.action == "organiser-block")
    assert entry.actor == "admin" and entry.target_id == str(org.id)


def test_the_queue_page_lists_pending_work(trust_app, client, httpserver):
    urls = serve_many(httpserver, {"/c.ics": calendar({"uid": "q@x", "title": "Quiz Night", "start": soon(3)})})
    post_form(client, "/suggest", url=urls["/c.ics"])
    login(client)
    page = client.get("/admin").get_data(as_text=True)
    assert "Suggested sources (1)" in page and "Quiz Night" in page
