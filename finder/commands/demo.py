"""`finder demo ...`: the bundled demo, loaded through the real fetcher, adapters and importer."""

from __future__ import annotations

from datetime import date

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from finder.commands.scrape import _summary, _synced_session
from finder.config import SHIPPED
from finder.models import Source


@click.group("demo", cls=AppGroup)
def demo_group():
    """The bundled demo sources (data/demo/)."""


@demo_group.command("load")
def load():
    """Scrape every enabled source shipped as a file in this repository (offline); safe to repeat."""
    from rich.console import Console

    from finder.geocode import get_resolver
    from finder.runs import default_fetcher
    from finder.scrape_jobs import run_source_locked

    config = current_app.config["FINDER"]
    with _synced_session() as session:
        slugs = session.scalars(select(Source.slug).where(Source.enabled.is_(True), Source.url.like("file:%"))
                                .order_by(Source.slug)).all()
        fetcher, resolver = default_fetcher(session, config), get_resolver(config)
        results = []
        for slug in slugs:
            run = run_source_locked(current_app, session, slug, fetcher=fetcher, resolver=resolver, config=config)
            results.append((slug, run))
        Console().print(_summary(results))
    click.echo(f"demo: {len(results)} bundled source(s) loaded; "
               f"{sum(run.inserted for _, run in results)} new listing(s)")


@demo_group.command("build")
@click.option("--anchor", default=None, help="Date (YYYY-MM-DD) the demo's dates are written around (default: today).")
def build(anchor: str | None):
    """Rewrite the demo source files in data/demo/ around a date."""
    from finder.demo import build_demo_files

    day = date.fromisoformat(anchor) if anchor else date.today()
    written = build_demo_files(SHIPPED / "data" / "demo", day)
    click.echo(f"wrote {len(written)} demo files around {day}")
