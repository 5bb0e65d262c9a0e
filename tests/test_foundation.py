"""The wiring: settings are documented, the app starts, migrations match the models."""

from __future__ import annotations

import re

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import text

from finder import create_app
from finder.config import ROOT, Config, documented_settings
from finder.db.engine import make_engine
from finder.db.migrate import include_object
from finder.models import Base


def test_every_setting_is_in_env_example_with_a_comment():
    text = (ROOT / ".env.example").read_text()
    for name in documented_settings():
        match = re.search(rf"^# (.+)\n#? ?FINDER_{name}=", text, re.M)
        assert match, f"FINDER_{name} missing from .env.example (or without a comment line above it)"


def test_env_example_lists_no_unknown_setting():
    text = (ROOT / ".env.example").read_text()
    named = set(re.findall(r"^#? ?FINDER_([A-Z_]+)=", text, re.M))
    assert named <= set(documented_settings()), named - set(documented_settings())


def test_config_reads_prefixed_environment():
    config = Config.from_env(
        {"FINDER_DEBUG": "yes", "FINDER_FETCH_MIN_DELAY_S": "0.5", "FINDER_HIDE_AFTER_MISSES": "3"}
    )
    assert config.DEBUG is True
    assert config.FETCH_MIN_DELAY_S == 0.5
    assert config.HIDE_AFTER_MISSES == 3


def test_config_rejects_bad_values_with_the_setting_name():
    with pytest.raises(ValueError, match="FINDER_HIDE_AFTER_MISSES"):
        Config.from_env({"FINDER_HIDE_AFTER_MISSES": "lots"})


def test_refuses_https_without_secret_outside_debug(tmp_path):
    config = Config(DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite", BASE_URL="https://kindred.example")
    with pytest.raises(RuntimeError, match="FINDER_SECRET_KEY"):
        create_app(config)


def test_secret_is_generated_once_and_kept(tmp_path, monkeypatch):
    from finder.config import load_or_create_secret

    path = tmp_path / "secret_key"
    first = load_or_create_secret(path)
    assert len(first) > 40
    assert load_or_create_secret(path) == first
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_migrations_reach_a_schema_that_matches_the_models(migrated_url):
    engine = make_engine(migrated_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_object": include_object})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == []


def _search_indexes(url: str) -> dict[str, str]:
    """{name: definition} of the search index's indexes (listing_geo*), schema names left out."""
    engine = make_engine(url)
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            rows = connection.execute(
                text(
                    "SELECT indexname, replace(indexdef, schemaname || '.', '') FROM pg_indexes "
                    "WHERE schemaname = current_schema() AND tablename LIKE 'listing_geo%'"
                )
            ).all()
        else:
            rows = connection.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name LIKE 'listing_geo%'")
            ).all()
    engine.dispose()
    return dict(rows)


@pytest.mark.parametrize(("migrated_url", "db_url"), [("sqlite", "sqlite"), ("postgres", "postgres")], indirect=True)
def test_migrations_make_the_search_indexes_a_fresh_build_makes(migrated_url, db_url):
    """Each index the search reads (finder.index.schema) is also made by a migration, as the same index: revision
    0002 makes today's, so they are made again by the later revisions after a downgrade below them."""
    from alembic import command

    from finder.db.migrate import alembic_config

    command.downgrade(alembic_config(migrated_url), "0006")
    command.upgrade(alembic_config(migrated_url), "head")
    assert _search_indexes(migrated_url) == _search_indexes(db_url)


def test_home_page_lists_nothing_on_an_empty_database(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"No listings yet" in response.data


def test_cli_lists_commands():
    from finder.cli import main

    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("db", "run"):
        assert command in result.output
