"""`finder alerts ...`: build and send the digests that are due."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from finder.alerts import make_matcher, run_digests
from finder.jobs import run_in_workers
from finder.models import utcnow
from finder.web import place_resolver, render_in_alert_locale


@click.group("alerts", cls=AppGroup)
def alerts_group():
    """Saved-search email alerts."""


@alerts_group.command("send")
@click.option("--dry-run", is_flag=True, help="Only say how many digests are due; build and send nothing.")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Processes building and sending, each over its own range of alert ids.",
)
def send(dry_run: bool, workers: int):
    """Build the digests due now and send the outbox."""
    config = current_app.config["FINDER"]
    if workers > 1 and not dry_run:
        built, sent = run_in_workers(config, workers, utcnow())
    else:
        with current_app.extensions["sessionmaker"]() as session:
            built, sent = run_digests(
                session, config, make_matcher(place_resolver()), render_in_alert_locale, dry_run=dry_run
            )
            session.commit()
    if dry_run:
        click.echo(f"{built.built} digest(s) due")
        return
    for problem in built.errors:
        click.echo(f"digest not built: {problem}", err=True)
    click.echo(
        f"digests built={built.built} empty={built.empty} failed={built.failed} skipped={built.skipped}; "
        f"mail sent={sent.sent} retry={sent.retry} failed={sent.failed}"
    )
