"""`finder db upgrade`: the database schema, through Alembic."""

from __future__ import annotations

import click
from flask import current_app


@click.group("db")
def db_group():
    """Database schema (Alembic migrations)."""


@db_group.command("upgrade")
@click.option("--revision", default="head", help="Target revision (default: head).")
def db_upgrade(revision: str):
    """Apply migrations up to the latest schema."""
    from finder.db import upgrade

    config = current_app.config["FINDER"]
    indexed = upgrade(config.database_url, revision)
    if indexed:
        click.echo(f"search index rebuilt: {indexed} listings")
    click.echo(f"database at {revision}: {_safe_url(config.database_url)}")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
