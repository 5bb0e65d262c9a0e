"""`finder parse PATH_OR_URL`: the normalised listings of one file or URL, without touching the database.

JSON keys (with `--json`, one object per line) are a public contract (DESIGN.md, Contracts).
A body that is no listing source exits non-zero with a one-line reason, never a traceback.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import click

from finder.config import Config, configure_logging, load_config
from scrapers.base import Context, ParseError
from scrapers.listing import Listing

log = logging.getLogger(__name__)
MAX_PAGES = 20


def listing_json(listing: Listing, tags: list[str]) -> dict:
    """The contract's JSON object for one listing (plus description and image_url)."""
    return {
        "title": listing.title,
        "kind": listing.kind,
        "url": listing.url,
        "start": _when(listing.start),
        "end": _when(listing.end),
        "timezone": listing.timezone,
        "assumed_timezone": listing.assumed_timezone,
        "all_day": listing.all_day,
        "lat": listing.lat,
        "lon": listing.lon,
        "online": listing.online,
        "online_url": listing.online_url,
        "status": listing.status,
        "recurrence": listing.recurrence,
        "occurrences": [
            {"start": _when(o.start), "end": _when(o.end), "status": o.status} for o in listing.occurrences
        ],
        "venue": {
            k: getattr(listing.venue, k) for k in ("name", "street", "locality", "region", "postcode", "country")
        },
        "organizer": {"name": listing.organizer.name, "url": listing.organizer.url},
        "categories": list(listing.categories),
        "tags": tags,
        "source_key": listing.source_key,
        "description": listing.description,
        "image_url": listing.image_url,
    }


def _when(value) -> str | None:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return None


def window(since: str | None, until: str | None, days: int, tz_name: str, today: date | None = None):
    """(window_start, window_end) aware datetimes: `since` 00:00 to the end of `until` in zone `tz_name`."""
    from scrapers.times import zone

    tz = zone(tz_name) or UTC
    first = _day(since, "--since") if since else (today or datetime.now(tz).date())
    last = _day(until, "--until") if until else first + timedelta(days=days)
    if last < first:
        raise click.UsageError("--until is before --since")
    start = datetime(first.year, first.month, first.day, tzinfo=tz)
    end = datetime(last.year, last.month, last.day, tzinfo=tz) + timedelta(days=1) - timedelta(microseconds=1)
    return start, end


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)", param_hint=option) from None


def _config() -> Config:
    """The app's settings, or the environment's (and `.env`'s) when run without an app, as `finder parse` is."""
    if "flask" in sys.modules:  # without Flask loaded there is no app context; do not load it just to ask
        from flask import current_app, has_app_context

        if has_app_context():
            return current_app.config["FINDER"]
    config = load_config()
    configure_logging(config)  # the app's log lines, as when `finder parse` ran inside the app
    return config


def _settle_zones(listings: list[Listing], config: Config, tz_name: str | None, problems: list[str]) -> None:
    """Bare times into the venue's zone (through the gazetteer, when there is one), else --timezone, else UTC."""
    if not any(listing.assumed_timezone for listing in listings):
        return
    from finder.geo import get_resolver, settle_zone

    resolver = get_resolver(config)
    for listing in listings:
        settle_zone(listing, resolver, tz_name, problems)


def _tagger():
    try:
        from finder.tags import load_vocabulary

        vocabulary = load_vocabulary()
    except (ImportError, OSError, ValueError) as error:
        log.warning("tags left empty: %s", error)
        return lambda listing: []

    def tag(listing: Listing) -> list[str]:
        found = vocabulary.tags_for(listing.categories, f"{listing.title}\n{listing.description}")
        return found + [slug for slug in listing.tags if slug in vocabulary and slug not in found]  # the source's own

    return tag


def _fetch_pages(url: str, config: Config, adapter) -> list[tuple[bytes, str]]:
    """Bodies of `url` and the pages after it (paged APIs), through the polite fetcher."""
    try:
        from scrapers.fetch.fetcher import Fetcher, FetchError, FetchSettings
    except ImportError:
        raise click.ClickException("fetching URLs needs scrapers/fetch/fetcher.py, which is not installed") from None
    pages, next_url = [], url
    with Fetcher(FetchSettings.from_config(config)) as fetcher:
        while next_url and len(pages) < MAX_PAGES:
            try:
                result = fetcher.fetch(next_url, conditional=False)
            except FetchError as error:
                if pages:
                    log.warning("stopped paging at %s: %s", next_url, error)
                    break
                raise click.ClickException(f"could not fetch {next_url}: {error}") from None
            pages.append((result.body, result.url))
            next_url = _next_page(adapter, result.body, result.url)
    return pages


def _next_page(adapter, body: bytes, url: str) -> str | None:
    """The adapter's next page (detected from the body when no --format was given), or None."""
    from scrapers import load_adapters
    from scrapers.detect import detect

    try:
        adapter = adapter or load_adapters()[detect(body, url)]()
        return adapter.next_url(body, url)
    except ParseError:
        return None


@click.command("parse")
@click.argument("source")
@click.option("--format", "format_name", metavar="NAME", help="Adapter name (default: detected from the body).")
@click.option("--since", metavar="DATE", help="Expansion window start (default: today).")
@click.option("--until", metavar="DATE", help="Expansion window end (default: since + FINDER_EXPANSION_DAYS).")
@click.option("--timezone", "tz_name", metavar="ZONE", help="IANA zone for times the source gives bare.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line (the public contract).")
def parse_command(source, format_name, since, until, tz_name, as_json):
    """Print the normalised listings of PATH_OR_URL (a file or an http(s) URL)."""
    from scrapers import load_adapters
    from scrapers.detect import detect

    config = _config()
    adapters = load_adapters()
    if format_name and format_name not in adapters:
        raise click.BadParameter(
            f"unknown format {format_name!r}; known: {', '.join(sorted(adapters))}", param_hint="--format"
        )
    start, end = window(since, until, config.EXPANSION_DAYS, config.TIMEZONE)
    is_url = source.startswith(("http://", "https://"))
    chosen = adapters[format_name]() if format_name else None
    if is_url:
        pages = _fetch_pages(source, config, chosen)
    else:
        path = Path(source)
        if not path.is_file():
            raise click.ClickException(f"no such file: {source}")
        pages = [(path.read_bytes(), "")]
    context = Context(
        url=source if is_url else "",
        window_start=start,
        window_end=end,
        timezone=tz_name,
        max_bytes=config.FETCH_MAX_BYTES,
    )
    listings = []
    try:
        for body, page_url in pages:
            adapter = chosen or adapters[detect(body, page_url)]()
            listings += adapter.parse(body, page_url, context)
    except ParseError as error:
        raise click.ClickException(str(error)) from None
    except Exception as error:  # the command's boundary: one line, never a traceback
        log.debug("parse failed", exc_info=True)
        raise click.ClickException(f"could not parse {source}: {type(error).__name__}: {error}") from None
    refusal = context.refusal()
    if refusal and not listings:  # read, but no listing source: one line saying what it is, non-zero
        raise click.ClickException(refusal)
    _settle_zones(listings, config, tz_name, context.problems)
    for problem in context.problems:
        click.echo(f"problem: {problem}", err=True)
    tag = _tagger()
    rows = [listing_json(listing, tag(listing)) for listing in listings]
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    from finder.cli.parse_table import print_table

    print_table(rows)
