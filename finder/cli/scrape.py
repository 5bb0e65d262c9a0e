"""`finder scrape`, `finder sources`, `finder retag`: run the catalogue's sources and look after them."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import select

from finder.catalog import CatalogError, load_catalog, sync_sources
from finder.ingest import default_fetcher, last_runs
from finder.jobs import run_source_locked
from finder.models import Source

STATUS_STYLE = {"ok": "green", "partial": "yellow", "empty": "red", "failed": "red"}


def _console() -> Console:
    """A console as wide as the terminal, or 200 columns when the output is a pipe or a file."""
    console = Console()
    return console if console.is_terminal else Console(width=200)


def _synced_session():
    """A session with the Source table mirroring the catalogue file (FINDER_SOURCES_FILE)."""
    config = current_app.config["FINDER"]
    session = current_app.extensions["sessionmaker"]()
    try:
        sync_sources(session, load_catalog(config.path(config.SOURCES_FILE)))
    except CatalogError as error:
        session.close()
        raise click.ClickException(f"source catalogue: {error}") from None
    session.commit()
    return session


@click.command("scrape")
@click.argument("slugs", nargs=-1)
@click.option("--all", "every", is_flag=True, help="Run every enabled source.")
def scrape_command(slugs: tuple[str, ...], every: bool):
    """Fetch, parse and import the named sources (or --all enabled ones); exits 1 if any run failed."""
    from finder.geo import get_resolver

    config = current_app.config["FINDER"]
    with _synced_session() as session:
        known = {s.slug: s for s in session.scalars(select(Source).order_by(Source.slug))}
        if every:
            slugs = tuple(slug for slug, source in known.items() if source.enabled)
        if not slugs:
            raise click.UsageError("name one or more sources (see `finder sources`) or pass --all")
        unknown = [slug for slug in slugs if slug not in known]
        if unknown:
            raise click.UsageError(f"unknown source(s): {', '.join(unknown)} (see `finder sources`)")
        fetcher, resolver = default_fetcher(session, config), get_resolver(config)
        results = []
        console = _console()
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console, transient=True) as progress:
            task = progress.add_task("scraping", total=len(slugs))
            for slug in slugs:
                progress.update(task, description=f"scraping {slug}")
                run = run_source_locked(current_app, session, slug, fetcher=fetcher, resolver=resolver, config=config)
                results.append((slug, run))
                progress.advance(task)
        console.print(_summary(results))
    if any(run.status in ("failed", "empty") for _, run in results):
        raise SystemExit(1)


def _summary(results) -> Table:
    table = Table(title="scrape summary")
    for name in ("source", "status", "items", "new", "updated", "unchanged", "gone", "invalid", "seconds"):
        table.add_column(name, justify="left" if name in ("source", "status") else "right", no_wrap=True)
    table.add_column("error", overflow="fold")
    for slug, run in results:
        style = STATUS_STYLE.get(run.status, "")
        table.add_row(
            slug,
            f"[{style}]{run.status}[/]" if style else run.status,
            str(run.items),
            str(run.inserted),
            str(run.updated),
            str(run.unchanged),
            str(run.gone),
            str(run.invalid),
            f"{run.duration_s or 0:.2f}",
            (run.error or "")[:80],
        )
    return table


@click.group("sources", invoke_without_command=True)
@click.pass_context
def sources_command(ctx: click.Context):
    """List the source catalogue with each source's last run (`finder sources purge SLUG` removes a
    disabled source's listings)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(with_appcontext(_list_sources))


@sources_command.command("purge")
@click.argument("slugs", nargs=-1)
@click.option("--disabled", "all_disabled", is_flag=True, help="Every disabled source that still has listings.")
def purge_command(slugs: tuple[str, ...], all_disabled: bool):
    """Delete the listings of disabled sources (and their search-index rows); listings another source also
    lists stay, unlinked from these. Disable a source first (enabled = false in data/sources.local.toml, or
    block it in /admin), else its next run brings them back."""
    from finder.ingest import count_listings, purge

    with _synced_session() as session:
        known = {s.slug: s for s in session.scalars(select(Source).order_by(Source.slug))}
        if all_disabled:
            slugs = tuple(
                slug for slug, source in known.items() if not source.enabled and count_listings(session, source)
            )
        elif not slugs:
            raise click.UsageError("name one or more sources (see `finder sources`) or pass --disabled")
        unknown = [slug for slug in slugs if slug not in known]
        if unknown:
            raise click.UsageError(f"unknown source(s): {', '.join(unknown)}")
        enabled = [slug for slug in slugs if known[slug].enabled]
        if enabled:
            raise click.ClickException(
                f"still enabled: {', '.join(enabled)}: set enabled = false in "
                "data/sources.local.toml (or block it in /admin) first"
            )
        for slug in slugs:
            deleted, unlinked = purge(session, known[slug])
            session.commit()
            click.echo(f"{slug}: {deleted} listings deleted, {unlinked} kept (listed by other sources too)")
        if not slugs:
            click.echo("no disabled source has listings")


def _list_sources():
    with _synced_session() as session:
        latest = last_runs(session)
        table = Table(title="sources")
        for name in ("slug", "adapter", "enabled", "every", "last run", "status", "items"):
            table.add_column(name, no_wrap=True)
        table.add_column("error", overflow="fold")
        for source in session.scalars(select(Source).order_by(Source.slug)):
            run = latest.get(source.id)
            when = run.started_at.strftime("%Y-%m-%d %H:%M") if run else "never"
            status = run.status if run else "-"
            style = STATUS_STYLE.get(status, "")
            table.add_row(
                source.slug,
                source.adapter,
                "yes" if source.enabled else "no",
                source.every,
                when,
                f"[{style}]{status}[/]" if style else status,
                str(run.items) if run else "-",
                (run.error if run else "")[:60],
            )
        _console().print(table)


@sources_command.command("discover")
@click.argument("place")
@click.option(
    "--radius",
    "radius_km",
    default=10.0,
    show_default=True,
    type=click.FloatRange(0.5, 200),
    help="Kilometres around the place.",
)
@click.option("--worship", is_flag=True, help="Include places of worship in the OpenStreetMap query.")
@click.option(
    "--postcode",
    default="",
    metavar="CODE",
    help="The place's postcode, to ask Open Referral UK directories for services near it.",
)
def discover_command(place: str, radius_km: float, worship: bool, postcode: str):
    """Propose sources near PLACE (OpenActive feeds, OpenStreetMap, Mobilizon, Open Referral UK), each previewed,
    into the suggestion queue for an administrator to approve on the admin pages (/admin)."""
    from finder.geo import PlaceQueryError, get_resolver
    from finder.models import utcnow
    from finder.trust import discover

    config = current_app.config["FINDER"]
    resolver = get_resolver(config)
    if resolver is None:
        raise click.ClickException("no gazetteer: run `finder gazetteer build` first")
    try:
        found = resolver.resolve(place)
    except PlaceQueryError as error:
        raise click.ClickException(str(error)) from None
    if found is None:
        raise click.ClickException(f"unknown place {place!r}")
    session = current_app.extensions["sessionmaker"]()
    with session:
        candidates, problems = discover(
            session,
            found.name,
            found.lat,
            found.lon,
            radius_km,
            config,
            default_fetcher(session, config),
            utcnow(),
            worship,
            postcode or (place if found.precision == "postcode" else ""),
        )
        session.commit()
    table = Table(title=f"sources near {found.name} ({found.lat:.4f}, {found.lon:.4f}), {radius_km:g} km")
    for name in ("kind", "name", "listings", "near", "samples"):
        table.add_column(name, overflow="fold")
    for candidate in candidates:
        table.add_row(
            candidate.kind,
            candidate.name[:60],
            str(candidate.items),
            str(candidate.near),
            "; ".join(sample["title"][:40] for sample in candidate.samples[:3]),
        )
    console = _console()
    console.print(table)
    for problem in problems[:20]:
        console.print(f"skipped: {problem}", markup=False)
    click.echo(f"{len(candidates)} source(s) queued as pending suggestions")


@click.command("retag")
def retag_command():
    """Re-run the tagger over every stored listing (after data/tags.toml changes)."""
    from finder.ingest import retag

    with _synced_session() as session:
        seen, changed = retag(session)
        session.commit()
    click.echo(f"retagged {seen} listing(s); {changed} changed")
