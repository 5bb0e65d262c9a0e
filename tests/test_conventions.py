"""House rules that keep the codebase honest: adapters have tests and fixtures; scrapers know no database."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from scrapers import ADAPTER_MODULES, load_adapters

ROOT = Path(__file__).resolve().parent.parent
CONTRACT_ADAPTERS = {"ics", "schemaorg", "tec", "gancio", "mobilizon", "activitypub", "socrata", "overpass", "hsds",
                     "rss", "footprint", "gcal", "fullcalendar", "openactive", "json"}


def test_every_contract_adapter_is_registered():
    assert set(load_adapters()) == CONTRACT_ADAPTERS


@pytest.mark.parametrize("name", ADAPTER_MODULES)
def test_every_adapter_has_a_test_and_a_fixture(name):
    assert (ROOT / "tests" / f"test_{name}.py").is_file(), f"tests/test_{name}.py is missing"
    fixtures = ROOT / "tests" / "fixtures" / name
    assert fixtures.is_dir() and any(fixtures.iterdir()), f"tests/fixtures/{name}/ holds no fixture"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("path", sorted((ROOT / "scrapers").glob("*.py")), ids=lambda p: p.name)
def test_scrapers_never_import_the_app_or_a_database(path):
    forbidden = {"finder", "sqlalchemy", "flask", "sqlite3", "psycopg", "alembic"}
    assert not (_imports(path) & forbidden), f"{path.name} imports {_imports(path) & forbidden}"


@pytest.mark.parametrize("module", ["geo.py", "ranking.py"])
def test_geo_and_ranking_are_pure(module):
    allowed_roots = {"math", "dataclasses", "datetime", "re", "unicodedata", "collections", "typing", "__future__",
                     "functools", "itertools", "enum", "statistics", "finder"}
    imported = _imports(ROOT / "finder" / module)
    assert imported <= allowed_roots, imported - allowed_roots


WEB_ONLY = {"flask", "flask_babel", "flask_wtf", "flask_limiter"}


@pytest.mark.parametrize("module", ["mailing.py", "digests.py", "moderation.py", "ingest.py", "runs.py", "ranking.py",
                                    "schedules.py"])
def test_domain_modules_import_no_flask(module):
    assert not (_imports(ROOT / "finder" / module) & WEB_ONLY)


def test_pages_reach_the_api_errors_not_the_api():
    tree = ast.parse((ROOT / "finder" / "views" / "pages.py").read_text())
    modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert "finder.api" not in modules and "finder.api_errors" in modules


@pytest.mark.parametrize("module", ["ingest.py", "runs.py"])
def test_the_importer_never_reads_the_environment(module):
    assert "from_env" not in (ROOT / "finder" / module).read_text()
