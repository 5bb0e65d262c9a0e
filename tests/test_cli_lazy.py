"""The `finder` command loads a command's module only when it runs, and pure modules never load Flask."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest

from finder.cli import COMMANDS, main

ROOT = Path(__file__).resolve().parent.parent


def _modules_after(code: str) -> set[str]:
    """Module names loaded by a fresh interpreter after running `code` (no pytest, no conftest imports)."""
    script = f"import sys\n{code}\nprint('\\n'.join(sys.modules))"
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    return set(result.stdout.split())


@pytest.mark.parametrize("module", ["finder", "finder.ranking", "finder.cli", "finder.config", "finder.cli.parse"])
def test_importing_pure_modules_and_the_cli_loads_no_flask(module):
    loaded = _modules_after(f"import {module}")
    heavy = {name for name in loaded if name.split(".")[0] in {"flask", "werkzeug", "sqlalchemy", "alembic"}}
    assert not heavy, f"import {module} loaded {sorted(heavy)[:5]}"


def test_help_lists_the_commands_without_importing_them():
    loaded = _modules_after("from finder.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass")
    commands = {name for name in loaded if name.startswith("finder.cli.")}
    assert not commands and "flask" not in loaded, sorted(commands)


def test_from_finder_import_create_app_still_works():
    from finder import MAX_REQUEST_BYTES, create_app
    from finder.web.app import create_app as factory

    assert create_app is factory and MAX_REQUEST_BYTES == 256 * 1024
    with pytest.raises(ImportError):
        from finder import no_such_name  # noqa: F401


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_listed_help_line_is_the_command_s_own(name):
    """The table's help text shortens exactly as the real command's does, at any terminal width."""
    real = main.get_command(click.Context(main), name)
    lazy = COMMANDS[name]
    stand_in = click.Command(name, help=lazy.help, short_help=lazy.help if lazy.short else None)
    assert real is not None
    for limit in (20, 45, 59, 120, 400):
        assert stand_in.get_short_help_str(limit) == real.get_short_help_str(limit), limit


def test_parse_runs_without_flask():
    fixture = ROOT / "tests" / "fixtures" / "ics" / "timezones.ics"
    loaded = _modules_after(
        "from finder.cli import main\n"
        f"try:\n    main(['parse', {str(fixture)!r}, '--since', '2025-01-01', '--json'])\n"
        "except SystemExit as end:\n    assert not end.code, end.code"
    )
    heavy = {name for name in loaded if name.split(".")[0] in {"flask", "werkzeug", "sqlalchemy", "alembic"}}
    assert not heavy and "finder.cli.parse" in loaded, sorted(heavy)[:5]
