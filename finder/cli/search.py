"""`finder search query NAME=VALUE ...` and `finder search reindex` (rebuild the index)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from finder import index
from finder.models import Listing
from finder.reasons import english
from finder.search import PlaceError, QueryError, SearchQuery, run_search


@click.group("search", cls=AppGroup)
def search_command():
    """Search from the shell, and look after the search index."""


@search_command.command("query")
@click.argument("params", nargs=-1)
def query_command(params: tuple[str, ...]):
    """Run a search given as NAME=VALUE pairs (the /api/v1/search parameters), e.g. where=Leeds interests=chess."""
    args = {}
    for pair in params:
        name, sep, value = pair.partition("=")
        if not sep:
            raise click.UsageError(f"expected NAME=VALUE, got {pair!r}")
        args[name] = value
    from finder.geo import get_resolver

    config = current_app.config["FINDER"]
    try:
        query = SearchQuery.from_args(args)
        with current_app.extensions["sessionmaker"]() as session:
            page = run_search(session, query, get_resolver(config), tz_name=config.TIMEZONE)
            click.echo(f"{page.total} found" + (f" near {page.place['name']}" if page.place else ""))
            for result in page.results:
                why = " · ".join(map(english, result.reasons))
                click.echo(f"{result.score:.3f}  {result.listing.title}  ·  {why}")
    except QueryError as error:
        raise click.BadParameter(error.message, param_hint=error.param) from None
    except PlaceError as error:
        hint = f" (did you mean: {'; '.join(error.suggestions)})" if error.suggestions else ""
        raise click.ClickException(error.message + hint) from None


@search_command.command("reindex")
def reindex_command():
    """Rebuild the search index (listing_geo and its text index) from the listings table."""
    with current_app.extensions["sessionmaker"]() as session:
        index.create_objects(session.connection())
        index.clear(session.connection())
        ids = session.scalars(select(Listing.id)).all()
        written = index.refresh(session, ids)
        index.compact(session.connection())
        session.commit()
    click.echo(f"search index: {written} listings indexed of {len(ids)}")
