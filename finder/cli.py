"""The `finder` command: a FlaskGroup over create_app; every job is a command here."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import FlaskGroup

from finder import create_app


@click.group(cls=FlaskGroup, create_app=create_app, help="Kindred: find clubs, volunteering and meetups.")
def main():
    """Kindred's command line."""


@main.group()
def db():
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
@click.option("--revision", default="head", help="Target revision (default: head).")
def db_upgrade(revision: str):
    """Apply migrations up to the latest schema."""
    from finder.migrate import upgrade

    config = current_app.config["FINDER"]
    upgrade(config.database_url, revision)
    click.echo(f"database at {revision}: {_safe_url(config.database_url)}")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve(host: str, port: int):
    """Serve the site (development server) for the embedded default setup."""
    current_app.run(host=host, port=port, debug=False, use_reloader=False)
