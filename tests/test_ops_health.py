"""Health an operator can see: /healthz and `finder doctor` check the schema against the code (not just the
revision), the rate-limit store and the gazetteer; a dead rate-limit store degrades to in-memory limits
(never a 500); /privacy says where limits are counted; a settings error is one clear line, not a traceback.
"""

from __future__ import annotations

import logging
import socket

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from finder import create_app
from finder.cli import main
from finder.cli.doctor import check_database, check_ratelimit
from finder.db.engine import make_engine
from finder.db.migrate import upgrade
from finder.ratelimit_store import missing_package
from finder.web.extensions import limiter
from tests.conftest import fresh_postgres_schema, make_test_config

DEAD_REDIS = "redis://127.0.0.1:5509/0"  # a port of this helper's range where nothing listens
LIVE_REDIS = "redis://127.0.0.1:6379/5"


@pytest.fixture(params=["sqlite", "postgres"])
def own_url(request, tmp_path):
    """A database of its own, migrated to head, that the test may damage."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'own.sqlite'}"
        upgrade(url)
        yield url
        return
    url, drop = fresh_postgres_schema(request.getfixturevalue("postgres_url"))
    upgrade(url)
    yield url
    drop()


def drop_exdates(url: str) -> None:
    """What a database built from an older 0001 looks like: at head by revision, a column short."""
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE listings DROP COLUMN exdates"))
    engine.dispose()


def test_healthz_and_doctor_catch_a_schema_that_differs_at_the_head_revision(own_url, tmp_path, monkeypatch):
    app = create_app(make_test_config(own_url, tmp_path))
    assert app.test_client().get("/healthz").json["schema"] == "ok"
    drop_exdates(own_url)
    app.extensions.pop("schema_ok_at")  # a new process: the full comparison runs again
    answer = app.test_client().get("/healthz")
    assert answer.status_code == 503
    assert "column listings.exdates missing" in answer.json["schema"]
    app.extensions["engine"].dispose()

    engine = make_engine(own_url)
    check = check_database(engine, own_url)
    engine.dispose()
    assert not check.ok and "listings.exdates" in check.detail and "finder db upgrade" in check.detail

    monkeypatch.setenv("FINDER_DATABASE_URL", own_url)
    result = CliRunner().invoke(main, ["doctor"])
    assert result.exit_code == 1
    assert "FAIL database" in result.output and "listings.exdates missing" in result.output


def test_healthz_reports_every_part(client):
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json["database"] == "ok" and answer.json["schema"] == "ok"
    assert answer.json["ratelimit"] == "off"
    assert answer.json["status"] in ("ok", "degraded")  # degraded only when data/gazetteer.sqlite is not built


def closed_port() -> None:
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", 5509)) != 0, "port 5509 is expected closed"


def test_a_dead_redis_degrades_to_memory_limits_never_a_500(engine, db_url, tmp_path, caplog):
    closed_port()
    app = create_app(make_test_config(db_url, tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=DEAD_REDIS))
    client = app.test_client()
    try:
        with caplog.at_level(logging.WARNING):
            answers = [client.get("/api/v1/search?lat=51.5&lon=-0.12") for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 200]
        assert "falling back to in-memory storage" in caplog.text
        health = client.get("/healthz")
        assert health.status_code == 200
        assert health.json["status"] == "degraded" and health.json["ratelimit"].startswith("down: redis")
        privacy = client.get("/privacy")
        assert "redis" in privacy.text and "counted in memory and forgotten" not in privacy.text
    finally:
        limiter._storage_dead = False  # the limiter is shared by every app in this run: back to its own storage
        app.extensions["engine"].dispose()
    check = check_ratelimit(app.config["FINDER"])
    assert not check.ok and "down" in check.detail and "in memory meanwhile" in check.detail


def test_privacy_says_memory_when_limits_are_in_memory(client):
    assert "counted in memory and forgotten" in client.get("/privacy").text


def test_a_live_redis_is_reported(engine, db_url, tmp_path):
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", 6379)) != 0:
            pytest.skip("no Redis on 127.0.0.1:6379")
    app = create_app(make_test_config(db_url, tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=LIVE_REDIS))
    try:
        assert app.test_client().get("/healthz").json["ratelimit"] == "redis ok"
        assert check_ratelimit(app.config["FINDER"]).ok
    finally:
        limiter.reset()
        app.extensions["engine"].dispose()


def test_a_store_whose_package_is_missing_is_one_clear_line(monkeypatch, tmp_path):
    uri = "memcached://127.0.0.1:5509"  # pymemcache is not a dependency
    pytest.importorskip("limits")
    assert "'pymemcache' package is not installed" in missing_package(uri)
    monkeypatch.setenv("FINDER_DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite'}")
    monkeypatch.setenv("FINDER_RATELIMIT_STORAGE_URI", uri)
    result = CliRunner().invoke(main, ["sources"])
    assert result.exit_code == 1
    assert "'pymemcache' package is not installed" in result.output and "Traceback" not in result.output
    assert missing_package("redis://127.0.0.1:6379") is None  # installed with the `redis` extra


def test_doctor_prints_a_settings_error_instead_of_crashing(monkeypatch, tmp_path):
    monkeypatch.setenv("FINDER_DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite'}")
    monkeypatch.setenv("FINDER_BASE_URL", "https://kindred.example")
    monkeypatch.setenv("FINDER_SECRET_KEY", "")
    result = CliRunner().invoke(main, ["doctor"])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "FAIL settings" in result.output and "FINDER_SECRET_KEY is required" in result.output
    monkeypatch.setenv("FINDER_DIGEST_HOUR", "eight")
    result = CliRunner().invoke(main, ["doctor"])
    assert result.exit_code == 1 and "FINDER_DIGEST_HOUR must be an integer" in result.output
