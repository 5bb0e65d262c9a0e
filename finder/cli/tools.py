"""`finder doctor` and `finder new-adapter`: help for operators and contributors."""

from __future__ import annotations

import click

from finder.cli import doctor
from finder.config import ROOT, load_config


@click.command("doctor")
def doctor_command():
    """Check settings, database, rate-limit store, gazetteer, SMTP and the source catalogue; say what to fix.

    Runs without starting the app, so it can report the settings that stop the app from starting."""
    from flask.cli import ScriptInfo

    from finder.db import make_engine

    try:
        config = click.get_current_context().ensure_object(ScriptInfo).load_app().config["FINDER"]
    except (click.ClickException, RuntimeError, ValueError):
        try:  # the app refuses to start: check the settings as read, and say why
            config = load_config()
        except ValueError as error:
            _report([doctor.Check("settings", False, str(error))])
            raise SystemExit(1) from None
    engine = make_engine(config.database_url)
    try:
        checks = [
            doctor.check_settings(config),
            doctor.check_database(engine, config.database_url),
            doctor.check_ratelimit(config),
            doctor.check_gazetteer(config),
            doctor.check_smtp(config),
            doctor.check_catalog(config),
        ]
    finally:
        engine.dispose()
    _report(checks)
    if not all(check.ok for check in checks):
        raise SystemExit(1)


doctor_command.without_app = True


def _report(checks: list[doctor.Check]) -> None:
    for check in checks:
        mark = click.style("ok  ", fg="green") if check.ok else click.style("FAIL", fg="red")
        click.echo(f"{mark} {check.name:<10} {check.detail}")


@click.command("new-adapter")
@click.argument("name")
def new_adapter_command(name: str):
    """Create scrapers/NAME.py, tests/test_NAME.py and a fixture (the test fails until you fill them in)."""
    from finder.cli.scaffold import create_adapter

    try:
        paths = create_adapter(ROOT, name)
    except (ValueError, FileExistsError) as error:
        raise click.ClickException(str(error)) from None
    for path in paths:
        click.echo(f"created {path.relative_to(ROOT)}")
    click.echo(
        f"next: add {name!r} to ADAPTER_MODULES in scrapers/__init__.py, fill in the fixture with a real "
        f'sample, make tests/test_{name}.py pass, then add a source using adapter = "{name}".'
    )
