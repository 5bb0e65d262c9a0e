"""The `finder` command: a FlaskGroup over create_app; every job is a command here."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from finder import create_app


class KindredGroup(FlaskGroup):
    """FlaskGroup whose added commands (and their subcommands) always run inside the app context."""

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        _in_app_context(cmd)
        super().add_command(cmd, name)


def _in_app_context(cmd: click.Command) -> None:
    if getattr(cmd, "without_app", False):  # e.g. doctor, which must run when the app cannot start
        return
    if isinstance(cmd, click.Group):
        for sub in cmd.commands.values():
            _in_app_context(sub)
    elif cmd.callback is not None:
        cmd.callback = with_appcontext(cmd.callback)


def _cli_app():
    """The app for a command; a settings problem is one line (exit 1), not a traceback."""
    try:
        return create_app()
    except (RuntimeError, ValueError) as error:
        raise click.ClickException(f"settings: {error} (see `finder doctor`)") from None


@click.group(cls=KindredGroup, create_app=_cli_app, help="Kindred: find clubs, volunteering and meetups.")
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
    indexed = upgrade(config.database_url, revision)
    if indexed:
        click.echo(f"search index rebuilt: {indexed} listings")
    click.echo(f"database at {revision}: {_safe_url(config.database_url)}")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-scheduler", is_flag=True, help="Serve only; do not start the scheduler process.")
def serve(host: str, port: int, no_scheduler: bool):
    """Serve the site and, beside it, the scheduler process (both stop on Ctrl-C)."""
    import signal
    import subprocess
    import sys

    # Ctrl-C reaches both processes; a plain `kill` of this one must stop the scheduler too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    scheduler = None if no_scheduler else subprocess.Popen([sys.executable, "-m", "finder", "scheduler"])
    try:
        from werkzeug.serving import run_simple

        click.echo(f"Kindred at http://{host}:{port}/ (Ctrl-C to stop)")
        run_simple(host, port, current_app._get_current_object(), threaded=True)
    finally:
        if scheduler is not None:
            scheduler.terminate()  # SIGTERM: running jobs get their grace period, then are recorded as abandoned
            scheduler.wait(timeout=current_app.config["FINDER"].SCHEDULER_STOP_GRACE_S + 10)


def register_commands(group: click.Group) -> None:
    """Every `finder` command, one module per area under finder/cli/."""
    from finder.cli.admin import admin_group
    from finder.cli.alerts import alerts_group
    from finder.cli.demo import demo_group
    from finder.cli.geo import gazetteer_group, geocode_command, geocode_missing_command
    from finder.cli.parse import parse_command
    from finder.cli.scheduler import scheduler_command
    from finder.cli.scrape import retag_command, scrape_command, sources_command
    from finder.cli.search import search_command
    from finder.cli.tools import doctor_command, new_adapter_command

    for command in (
        admin_group, alerts_group, demo_group, doctor_command, gazetteer_group, geocode_command,
        geocode_missing_command, new_adapter_command, parse_command, retag_command, scheduler_command,
        scrape_command, search_command, sources_command,
    ):
        group.add_command(command)


register_commands(main)
