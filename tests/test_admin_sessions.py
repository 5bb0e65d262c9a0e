"""Admin logins (issue 17, item 5), on both databases: a per-account throttle with growing delays kept in the
database, so every worker sees it, and logging out ends the session everywhere (a copied cookie stops working)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from finder import create_app
from finder.models import AdminAction, AdminLogin
from finder.trust.admin_logins import FIRST_DELAY_S, FREE_FAILURES, MAX_DELAY_S, delay_s, record_failure, wait_s
from tests.trust_helpers import csrf_from, login, make_trust_app


@pytest.fixture
def workers(engine, db_url, tmp_path):
    """Two apps on one database, as two gunicorn workers would be."""
    first = make_trust_app(engine, db_url, tmp_path)
    second = create_app(first.config["FINDER"])
    yield first, second
    for app in (first, second):
        app.extensions["engine"].dispose()


def logins(app) -> list[AdminLogin]:
    with app.extensions["sessionmaker"]() as session:
        return session.scalars(select(AdminLogin)).all()


def test_delays_grow_and_are_capped():
    assert [delay_s(n) for n in range(FREE_FAILURES + 1)] == [0] * (FREE_FAILURES + 1)
    grown = [delay_s(FREE_FAILURES + n) for n in range(1, 6)]
    assert grown == [FIRST_DELAY_S * 2**n for n in range(5)]
    assert delay_s(FREE_FAILURES + 40) == delay_s(10_000) == MAX_DELAY_S


def test_wrong_passwords_lock_the_account_in_every_worker(workers):
    first, second = workers
    one, two = first.test_client(), second.test_client()
    for _ in range(FREE_FAILURES):
        assert login(one, password="not the password").status_code == 401
    assert login(two, password="still not it").status_code == 401  # the first counted failure locks
    for client in (one, two):
        refused = login(client)  # even the right password waits: nothing is checked while locked
        assert refused.status_code == 429 and "Try again in" in refused.get_data(as_text=True)
        assert client.get("/admin").status_code == 302
    (row,) = logins(first)
    assert (row.username, row.failures) == ("admin", FREE_FAILURES + 1)
    with second.extensions["sessionmaker"]() as session:  # the lock runs out
        session.execute(update(AdminLogin).values(locked_until=datetime.now(UTC) - timedelta(seconds=1)))
        session.commit()
    assert login(two).status_code == 302 and two.get("/admin").status_code == 200
    (row,) = logins(first)
    assert (row.failures, row.locked_until) == (0, None), "a right password resets the count"


def test_each_failure_past_the_free_ones_waits_longer(session):
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    waits = []
    for _ in range(FREE_FAILURES + 4):
        record_failure(session, "admin", now)
        waits.append(wait_s(session, "admin", now))
    session.commit()
    assert waits == [0] * FREE_FAILURES + [FIRST_DELAY_S, 2 * FIRST_DELAY_S, 4 * FIRST_DELAY_S, 8 * FIRST_DELAY_S]
    assert wait_s(session, "admin", now + timedelta(seconds=8 * FIRST_DELAY_S)) == 0


def test_guessed_user_names_store_nothing(workers):
    first, _ = workers
    client = first.test_client()
    for number in range(FREE_FAILURES + 3):
        assert login(client, username=f"guess{number}").status_code == 401
    assert logins(first) == []


def test_logging_out_ends_every_copy_of_the_session(workers):
    first, second = workers
    mine, thief = first.test_client(), second.test_client()
    assert login(mine).status_code == 302
    copied = mine.get_cookie("session").value
    thief.set_cookie("session", copied)
    assert thief.get("/admin").status_code == 200, "the copy works while the session is current"
    mine.post("/admin/logout", data={"csrf_token": csrf_from(mine.get("/admin").get_data(as_text=True))})
    assert mine.get("/admin").status_code == 302
    answer = thief.get("/admin")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/admin/login")
    replay = first.test_client()
    replay.set_cookie("session", copied)
    assert replay.get("/admin").status_code == 302
    assert replay.post("/admin/listings/1/hide", data={"csrf_token": "x"}).status_code in (302, 400)
    with first.extensions["sessionmaker"]() as session:
        assert [a.action for a in session.scalars(select(AdminAction).order_by(AdminAction.id))] == ["login", "logout"]
    assert login(mine).status_code == 302 and mine.get("/admin").status_code == 200, "a new login works"


def test_a_new_password_ends_the_old_sessions(workers):
    from finder.trust.admins import create_admin

    first, _ = workers
    with first.extensions["sessionmaker"]() as session:
        create_admin(session, "ops", "a long first password")
        session.commit()
    client = first.test_client()
    assert login(client, username="ops", password="a long first password").status_code == 302
    assert client.get("/admin").status_code == 200
    with first.extensions["sessionmaker"]() as session:
        create_admin(session, "ops", "a long second password")
        session.commit()
    assert client.get("/admin").status_code == 302
