"""`finder demo ...`: the bundled demo, loaded through the real fetcher, adapters and importer."""

from __future__ import annotations

from datetime import date

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from finder.cli.scrape import _summary, _synced_session
from finder.models import Source

ANCHOR_HELP = "Day (YYYY-MM-DD) the demo's dates are written around (default: today)."


def _anchor(value: str | None) -> date:
    if not value:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2026-12-06", param_hint="--anchor") from None


@click.group("demo", cls=AppGroup)
def demo_group():
    """The bundled demo sources (data/demo/)."""


@demo_group.command("load")
@click.option("--anchor", default=None, help=ANCHOR_HELP)
def load(anchor: str | None):
    """Write the demo files dated around today, then scrape every enabled source shipped as a file in
    this repository (offline); safe to repeat."""
    from rich.console import Console

    from finder.demo import build_demo_files, demo_dir
    from finder.geo import get_resolver
    from finder.ingest import default_fetcher
    from finder.jobs import run_source_locked

    day = _anchor(anchor)
    build_demo_files(demo_dir(current_app.config["FINDER"].data_dir), day)
    config = current_app.config["FINDER"]
    with _synced_session() as session:
        slugs = session.scalars(
            select(Source.slug).where(Source.enabled.is_(True), Source.url.like("file:%")).order_by(Source.slug)
        ).all()
        fetcher, resolver = default_fetcher(session, config), get_resolver(config)
        results = []
        for slug in slugs:
            run = run_source_locked(current_app, session, slug, fetcher=fetcher, resolver=resolver, config=config)
            results.append((slug, run))
        Console().print(_summary(results))
    click.echo(
        f"demo: {len(results)} bundled source(s) loaded around {day}; "
        f"{sum(run.inserted for _, run in results)} new listing(s)"
    )


@demo_group.command("build")
@click.option("--anchor", default=None, help=ANCHOR_HELP)
def build(anchor: str | None):
    """Write the demo source files into data/demo/ around a day, without loading them."""
    from finder.demo import build_demo_files, demo_dir

    day = _anchor(anchor)
    written = build_demo_files(demo_dir(current_app.config["FINDER"].data_dir), day)
    click.echo(f"wrote {len(written)} demo files around {day}")
