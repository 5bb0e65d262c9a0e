"""The Flask side of the `finder` command, imported only when a command that needs the app is about to run."""

from __future__ import annotations

import click
from flask.cli import ScriptInfo, with_appcontext


def cli_app():
    """The app for a command; a settings problem is one line (exit 1), not a traceback."""
    from finder.web import create_app

    try:
        return create_app()
    except (RuntimeError, ValueError) as error:
        raise click.ClickException(f"settings: {error} (see `finder doctor`)") from None


def use_script_info(ctx: click.Context) -> None:
    """Give the command about to run Flask's ScriptInfo (creating the app on demand), unless a caller passed one."""
    from finder.cli import Launch

    root = ctx.find_root()
    if isinstance(root.obj, Launch):
        launch = root.obj
        root.obj = ScriptInfo(
            app_import_path=launch.app_import_path, create_app=cli_app, load_dotenv_defaults=launch.load_dotenv_defaults
        )
    if isinstance(ctx.obj, Launch):
        ctx.obj = root.obj


def in_app_context(cmd: click.Command) -> None:
    """Run the command's callback (a group's: every subcommand's) inside the app context."""
    if getattr(cmd, "without_app", False) or getattr(cmd, "in_app_context", False):
        return
    if isinstance(cmd, click.Group):
        for sub in cmd.commands.values():
            in_app_context(sub)
    elif cmd.callback is not None:
        cmd.callback = with_appcontext(cmd.callback)
    cmd.in_app_context = True  # wrapped once, however often it is loaded


def plugin_command(ctx: click.Context, name: str) -> click.Command | None:
    """A command another package adds to Flask's CLI (entry point group `flask.commands`), as FlaskGroup finds it."""
    from importlib.metadata import entry_points

    for entry in entry_points(group="flask.commands"):
        if entry.name == name:
            use_script_info(ctx)
            return entry.load()
    return None
