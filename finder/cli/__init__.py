"""The `finder` command: every job is a subcommand, and each subcommand's module loads only when it runs.

`finder --help` lists the commands from the table below (name, where it lives, its one-line help) without
importing any of them, and without Flask: click's "lazily loading subcommands" pattern. Commands marked
`app="context"` run inside the Flask app's context (created when the command runs, not before); `"info"` ones
only get the means to create it (`doctor` must run when the app cannot start); `"none"` ones (`parse`,
`new-adapter`) never start it. The root options are FlaskGroup's, kept so every command line still works.
"""

from __future__ import annotations

import os
from typing import NamedTuple

import click


class Lazy(NamedTuple):
    target: str  # "module:attribute" of the click command
    help: str  # its help's first paragraph, as `finder --help` shows it (a test keeps the two equal)
    app: str = "context"  # "context": runs in the app context; "info": may create the app; "none": never does
    short: bool = False  # `help` is the command's own short_help (shown untruncated)


COMMANDS = {
    "admin": Lazy("finder.cli.admin:admin_group", "Administrators of the /admin area."),
    "alerts": Lazy("finder.cli.alerts:alerts_group", "Saved-search email alerts."),
    "db": Lazy("finder.cli.db:db_group", "Database schema (Alembic migrations)."),
    "demo": Lazy("finder.cli.demo:demo_group", "The bundled demo sources (data/demo/)."),
    "doctor": Lazy(
        "finder.cli.tools:doctor_command",
        "Check settings, database, rate-limit store, gazetteer, SMTP and the source catalogue; say what to fix.",
        app="info",
    ),
    "gazetteer": Lazy(
        "finder.cli.geo:gazetteer_group", "The offline gazetteer (data/gazetteer.sqlite, from GeoNames)."
    ),
    "geocode": Lazy(
        "finder.cli.geo:geocode_command",
        'Resolve TEXT ("Portland, OR", "SW1A 1AA", "45.52,-122.68") with the offline gazetteer.',
    ),
    "geocode-missing": Lazy(
        "finder.cli.geo:geocode_missing_command",
        "Geocode stored listings lacking coordinates (or, with --all, all we geocoded, e.g. after a rebuild).",
    ),
    "limiter": Lazy("flask_limiter.commands:cli", "Flask-Limiter maintenance & utility commands", app="info"),
    "new-adapter": Lazy(
        "finder.cli.tools:new_adapter_command",
        "Create scrapers/NAME.py, tests/test_NAME.py and a fixture (the test fails until you fill them in).",
        app="none",
    ),
    "parse": Lazy(
        "finder.cli.parse:parse_command",
        "Print the normalised listings of PATH_OR_URL (a file or an http(s) URL).",
        app="none",
    ),
    "retag": Lazy(
        "finder.cli.scrape:retag_command", "Re-run the tagger over every stored listing (after data/tags.toml changes)."
    ),
    "routes": Lazy("flask.cli:routes_command", "Show the routes for the app.", app="info", short=True),
    "run": Lazy("flask.cli:run_command", "Run a development server.", app="info", short=True),
    "scheduler": Lazy(
        "finder.cli.scheduler:scheduler_command",
        "Run scheduled scrapes, digests and upkeep (one dedicated process; safe to start several).",
    ),
    "scrape": Lazy(
        "finder.cli.scrape:scrape_command",
        "Fetch, parse and import the named sources (or --all enabled ones); exits 1 if any run failed.",
    ),
    "search": Lazy("finder.cli.search:search_command", "Search from the shell, and look after the search index."),
    "serve": Lazy(
        "finder.cli.serve:serve_command", "Serve the site and, beside it, the scheduler process (both stop on Ctrl-C)."
    ),
    "shell": Lazy("flask.cli:shell_command", "Run a shell in the app context.", app="info", short=True),
    "sources": Lazy(
        "finder.cli.scrape:sources_command",
        "List the source catalogue with each source's last run "
        "(`finder sources purge SLUG` removes a disabled source's listings).",
    ),
}


class Launch:
    """What the root options set before any app exists (the part of Flask's ScriptInfo they touch)."""

    def __init__(self) -> None:
        self.app_import_path: str | None = None
        self.load_dotenv_defaults = os.environ.get("FLASK_SKIP_DOTENV", "").lower() in ("", "0", "false", "no")


class FinderGroup(click.Group):
    """A group whose commands come from COMMANDS, imported on first use (then kept)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("context_settings", {}).setdefault("auto_envvar_prefix", "FLASK")  # as FlaskGroup
        super().__init__(*args, **kwargs)
        self._loaded: dict[str, click.Command] = {}

    def make_context(self, info_name, args, parent=None, **extra):
        os.environ["FLASK_RUN_FROM_CLI"] = "true"  # as FlaskGroup: an `app.run()` outside a main guard stays idle
        if "obj" not in extra and "obj" not in self.context_settings:
            extra["obj"] = Launch()
        return super().make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMANDS) | set(self.commands))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.commands:
            return self.commands[name]
        lazy = COMMANDS.get(name)
        if lazy is None:
            from finder.cli.app import plugin_command

            return plugin_command(ctx, name)
        if lazy.app != "none":
            from finder.cli.app import use_script_info

            use_script_info(ctx)
        if name not in self._loaded:
            self._loaded[name] = _load(lazy)
        return self._loaded[name]

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from COMMANDS' help lines, shortened the way click shortens them, importing nothing."""
        names = [name for name in self.list_commands(ctx) if name in COMMANDS or not self.commands[name].hidden]
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            lazy = COMMANDS.get(name)
            command = self.commands.get(name) or click.Command(
                name, help=lazy.help, short_help=lazy.help if lazy.short else None
            )
            rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _load(lazy: Lazy) -> click.Command:
    import importlib

    module_name, _, attribute = lazy.target.partition(":")
    command = getattr(importlib.import_module(module_name), attribute)
    if lazy.app == "context":
        from finder.cli.app import in_app_context

        in_app_context(command)
    return command


def _load_env_files(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """FlaskGroup's -e/--env-file: that file, over `.env` and `.flaskenv`; the environment wins over all."""
    defaults = getattr(ctx.obj, "load_dotenv_defaults", True)
    if value is None and not defaults:
        return value
    import dotenv

    data: dict[str, str | None] = {}
    for name in (".flaskenv", ".env") if defaults else ():
        if found := dotenv.find_dotenv(name, usecwd=True):
            data |= dotenv.dotenv_values(found, encoding="utf-8")
    if value is not None and os.path.isfile(value):
        data |= dotenv.dotenv_values(value, encoding="utf-8")
    for key, setting in data.items():
        if key not in os.environ and setting is not None:
            os.environ[key] = setting
    return value


def _set_app(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        ctx.obj.app_import_path = value
    return value


def _set_debug(ctx: click.Context, param: click.Parameter, value: bool) -> bool | None:
    if ctx.get_parameter_source(param.name) in (
        click.core.ParameterSource.DEFAULT,
        click.core.ParameterSource.DEFAULT_MAP,
    ):
        return None
    os.environ["FLASK_DEBUG"] = "1" if value else "0"  # read by the app as it is created
    return value


def _show_versions(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    import platform
    from importlib.metadata import version

    click.echo(
        f"Python {platform.python_version()}\nFlask {version('flask')}\nWerkzeug {version('werkzeug')}", color=ctx.color
    )
    ctx.exit()


ROOT_OPTIONS = [  # FlaskGroup's options and help, in its order (--env-file is read first)
    click.Option(
        ["-e", "--env-file"],
        type=click.Path(exists=True, dir_okay=False),
        is_eager=True,
        expose_value=False,
        callback=_load_env_files,
        help="Load environment variables from this file, taking precedence over those set by '.env' and "
        "'.flaskenv'. Variables set directly in the environment take highest precedence. "
        "python-dotenv must be installed.",
    ),
    click.Option(
        ["-A", "--app"],
        metavar="IMPORT",
        is_eager=True,
        expose_value=False,
        callback=_set_app,
        help="The Flask application or factory function to load, in the form 'module:name'. Module can be "
        "a dotted import or file path. Name is not required if it is 'app', 'application', "
        "'create_app', or 'make_app', and can be 'name(args)' to pass arguments.",
    ),
    click.Option(["--debug/--no-debug"], expose_value=False, callback=_set_debug, help="Set debug mode."),
    click.Option(
        ["--version"],
        is_flag=True,
        is_eager=True,
        expose_value=False,
        callback=_show_versions,
        help="Show the Flask version.",
    ),
]


@click.group(cls=FinderGroup, params=ROOT_OPTIONS, help="Kindred: find clubs, volunteering and meetups.")
def main():
    """Kindred's command line."""
