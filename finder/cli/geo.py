"""`finder gazetteer build`, `finder geocode TEXT`, `finder geocode-missing`: the offline gazetteer's commands."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import or_, select

from finder.geo import PlaceQueryError, geocode_listing, get_resolver
from finder.models import Listing
from scrapers.listing import Listing as ParsedListing
from scrapers.listing import Venue

BATCH = 500


@click.group("gazetteer")
def gazetteer_group():
    """The offline gazetteer (data/gazetteer.sqlite, from GeoNames)."""


@gazetteer_group.command("build")
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write it (default: FINDER_GAZETTEER_PATH).",
)
@click.option(
    "--fixture",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Build from a small JSON fixture instead of the GeoNames wheels.",
)
def gazetteer_build(out_path: Path | None, fixture: Path | None):
    """Compile the gazetteer from the pinned GeoNames wheels (the `gazetteer` extra)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from finder.geo import STEPS, build_gazetteer, load_fixture

    config = current_app.config["FINDER"]
    out_path = out_path or config.path(config.GAZETTEER_PATH)
    columns = (
        TextColumn("gazetteer: {task.description:<30}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, transient=False) as bar:
        task = bar.add_task("starting", total=sum(STEPS.values()))
        done: list[str] = []

        def step(name: str) -> None:  # the steps before this one are complete
            bar.update(task, description=name, completed=sum(STEPS[s] for s in done))
            done.append(name)

        try:
            counts = build_gazetteer(out_path, sources=load_fixture(fixture) if fixture else None, progress=step)
        except RuntimeError as error:
            raise click.ClickException(str(error)) from None
        bar.update(task, description="done", completed=sum(STEPS.values()))
    click.echo(
        f"gazetteer {out_path}: {counts['places']} places, {counts['postcodes']} postcodes, "
        f"{counts['bytes'] / 1e6:.1f} MB in {counts['seconds']} s"
    )


@click.command("geocode")
@click.argument("text")
@click.option("--country", help="Only places in this country (ISO code or name).")
@click.option("--json", "as_json", is_flag=True, help="Print the place as one JSON object.")
def geocode_command(text: str, country: str | None, as_json: bool):
    """Resolve TEXT ("Portland, OR", "SW1A 1AA", "45.52,-122.68") with the offline gazetteer."""
    resolver = _resolver()
    try:
        place = resolver.resolve(text, country=country)
    except PlaceQueryError as error:
        raise click.ClickException(str(error)) from None
    if place is None:
        if as_json:
            click.echo("null")
        raise click.ClickException(f"no place found for {text!r}")
    if as_json:
        click.echo(json.dumps(place.to_dict(), ensure_ascii=False))
        return
    click.echo(
        f"{place.name}\n  {place.lat:.5f}, {place.lon:.5f}  precision={place.precision}  country={place.country or '-'}"
    )
    for alternative in place.alternatives:
        click.echo(f"  or: {alternative.name} ({alternative.lat:.4f}, {alternative.lon:.4f})")


@click.command("geocode-missing")
@click.option(
    "--all",
    "every",
    is_flag=True,
    help="Re-geocode every listing we placed ourselves (never coordinates a source gave).",
)
def geocode_missing_command(every: bool):
    """Geocode stored listings lacking coordinates (or, with --all, all we geocoded, e.g. after a rebuild)."""
    resolver = _resolver()
    session = current_app.extensions["sessionmaker"]()
    counts = {"checked": 0, "located": 0, "changed": 0, "not_found": 0}
    changed_ids: list[int] = []
    try:
        for listing in session.scalars(missing_statement(every)).all():
            counts["checked"] += 1
            found = geocode_listing(resolver, as_parsed(listing), source_defaults(listing))
            if found is None:
                counts["not_found"] += 1
                continue
            counts["located"] += 1
            lat, lon, precision = found
            if (listing.lat, listing.lon, listing.geo_precision) != (lat, lon, precision):
                listing.lat, listing.lon, listing.geo_precision = lat, lon, precision
                counts["changed"] += 1
                changed_ids.append(listing.id)
            if counts["checked"] % BATCH == 0:
                _refresh_and_commit(session, changed_ids)
        _refresh_and_commit(session, changed_ids)
    finally:
        session.close()
    click.echo(" ".join(f"{key}={value}" for key, value in counts.items()))


def missing_statement(every: bool):
    """Listings to (re)geocode: without coordinates, or with --all every one whose place we computed."""
    ours = or_(Listing.geo_precision.is_(None), Listing.geo_precision != "source")
    if every:
        # Coordinates without a recorded precision came from a source before precision was stored: keep them.
        return (
            select(Listing)
            .where(ours, or_(Listing.lat.is_(None), Listing.geo_precision.is_not(None)))
            .order_by(Listing.id)
        )
    return select(Listing).where(Listing.lat.is_(None), ours).order_by(Listing.id)


def as_parsed(listing: Listing) -> ParsedListing:
    """The stored listing's place fields in the scrapers shape that `geocode_listing` reads."""
    venue = Venue(
        name=listing.venue_name,
        street=listing.street,
        locality=listing.locality,
        region=listing.region,
        postcode=listing.postcode,
        country=listing.country,
    )
    return ParsedListing(title=listing.title, kind=listing.kind, venue=venue, online=listing.online)


def source_defaults(listing: Listing) -> dict:
    for link in listing.sources:
        source = link.source
        if source.locality or source.region or source.country:
            return {"locality": source.locality, "region": source.region, "country": source.country}
    return {}


def _refresh_and_commit(session, changed_ids: list[int]) -> None:
    if changed_ids:
        from finder import index

        index.refresh(session, list(changed_ids))
        changed_ids.clear()
    session.commit()


def _resolver():
    resolver = get_resolver(current_app.config["FINDER"])
    if resolver is None:
        raise click.ClickException("no gazetteer: run `finder gazetteer build` (needs the 'gazetteer' extra)")
    return resolver
