"""House rules that keep the codebase honest: adapters have tests and fixtures; scrapers know no database; each
area of `finder/` imports only the areas below it (the layers in ../shared/DESIGN.md); no import cycle."""

from __future__ import annotations

import ast
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from scrapers import ADAPTER_MODULES, load_adapters

ROOT = Path(__file__).resolve().parent.parent
CONTRACT_ADAPTERS = {
    "ics",
    "schemaorg",
    "tec",
    "gancio",
    "mobilizon",
    "activitypub",
    "socrata",
    "overpass",
    "hsds",
    "rss",
    "footprint",
    "gcal",
    "fullcalendar",
    "openactive",
    "json",
    "csv",
}

# Pure modules: settings, vocabulary, the scorer, the one RRULE reader, identity rules, geo math. They import the
# standard library, parsing libraries, `scrapers` and each other only: no database, no web framework.
PURE = {
    "finder.lazy",
    "finder.config",
    "finder.tags",
    "finder.tags_file",
    "finder.ranking",
    "finder.reasons",
    "finder.schedules",
    "finder.identity",
    "finder.ongoing",
    "finder.ratelimit_store",
    "finder.geo.math",
    "finder.geo.postcode_shapes",
    "finder.web.feeds_series",
}
# Each area's layer: an area imports only areas of a lower layer (or itself, or an edge listed in SIDEWAYS).
LAYERS = {
    "db": 1,
    "models": 1,
    "geo": 2,
    "catalog": 2,
    "index": 2,
    "ingest": 3,
    "search": 3,
    "mail": 4,
    "alerts": 4,
    "trust": 4,
    "web": 5,
    "jobs": 5,
    "demo": 5,
    "cli": 6,
    "commands": 6,
    "doctor": 6,
    "scaffold": 6,
    "__main__": 6,
    "finder": 6,
}
TOP = 6  # the command line and the package root: everything, thinly
SIDEWAYS = {
    ("alerts", "mail"),
    ("trust", "mail"),  # digests, confirmations and claims are sent as mail
    ("web", "jobs"),  # /status reads the job table
    ("jobs", "web"),  # the digest jobs render with the site's templates, in each subscriber's language
    ("db", "models"),  # the migration runner and the schema check compare the database with the models
}
# Known edges that break the layering, each with its reason. Keep this short.
EXCEPTIONS = {
    # Migration 0002 creates the search index's objects; at head the runner refills an emptied index.
    ("finder.db.migrate", "finder.index"),
    ("finder.db.migrate", "finder.index.schema"),
    ("finder.db.migrate", "finder.index.writes"),
}
FRAMEWORK = {"flask", "flask_babel", "flask_limiter", "flask_wtf", "jinja2", "spectree"}
FRAMEWORK_AREAS = {"web", "jobs", "cli", "commands", "finder"}  # jobs run inside the app (config, engine, templates)
DATABASE = {"sqlalchemy", "alembic", "psycopg", "sqlite3"}


def test_every_contract_adapter_is_registered():
    assert set(load_adapters()) == CONTRACT_ADAPTERS


@pytest.mark.parametrize("name", [module.split(".")[0] for module in ADAPTER_MODULES])
def test_every_adapter_has_a_test_and_a_fixture(name):
    assert (ROOT / "tests" / f"test_{name}.py").is_file(), f"tests/test_{name}.py is missing"
    fixtures = ROOT / "tests" / "fixtures" / name
    assert fixtures.is_dir() and any(fixtures.iterdir()), f"tests/fixtures/{name}/ holds no fixture"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def finder_modules() -> dict[str, Path]:
    return {module_name(path): path for path in (ROOT / "finder").rglob("*.py") if "static" not in path.parts}


def imports(path: Path, top_level_only: bool = False) -> set[str]:
    """Dotted names a module imports (`from finder import x` counts as `finder.x` when x is a module)."""
    tree = ast.parse(path.read_text(), str(path))
    nodes = tree.body if top_level_only else ast.walk(tree)
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in finder_modules()}
    return found


def area(module: str) -> str:
    parts = module.split(".")
    return "finder" if len(parts) == 1 else parts[1]


def layer_breaks() -> list[str]:
    found = []
    for name, path in finder_modules().items():
        if name in PURE:
            continue
        for target in imports(path):
            if not target.startswith("finder.") or target not in finder_modules() or target in PURE:
                continue
            source_area, target_area = area(name), area(target)
            if source_area == target_area or (source_area, target_area) in SIDEWAYS or (name, target) in EXCEPTIONS:
                continue
            if LAYERS[target_area] >= LAYERS[source_area] and LAYERS[source_area] < TOP:
                found.append(f"{name} -> {target}")
    return sorted(found)


def test_every_area_imports_only_areas_below_it():
    assert not (
        set(area(m) for m in finder_modules())
        - set(LAYERS)
        - {
            "ranking",
            "reasons",
            "config",
            "tags",
            "tags_file",
            "schedules",
            "identity",
            "ongoing",
            "lazy",
            "ratelimit_store",
        }
    )
    assert layer_breaks() == []


@pytest.mark.parametrize("module", sorted(PURE))
def test_pure_modules_import_no_database_no_framework_and_only_pure_finder(module):
    found = imports(finder_modules()[module])
    roots = {name.split(".")[0] for name in found}
    assert not roots & (DATABASE | FRAMEWORK | {"werkzeug"}), roots & (DATABASE | FRAMEWORK | {"werkzeug"})
    impure = {n for n in found if n.startswith("finder.") and n in finder_modules() and n not in PURE}
    assert not impure, impure


PUBLIC_PACKAGES = {"db", "geo", "catalog", "index", "ingest", "search", "mail", "alerts", "trust", "web", "jobs"}


def test_other_areas_import_only_a_package_s_public_names():
    """`from finder.search import run_search`, never `from finder.search.run import ...` from outside search/; and
    only names the package's `__init__` lists in `__all__`."""
    import importlib

    found = []
    for name, path in finder_modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.ImportFrom) and node.level == 0 and node.module):
                continue
            parts = node.module.split(".")
            if parts[0] != "finder" or len(parts) < 2 or parts[1] not in PUBLIC_PACKAGES or parts[1] == area(name):
                continue
            if len(parts) > 2:
                if ".".join(parts[:3]) not in PURE:  # a pure module may be imported as itself
                    found.append(f"{name}: from {node.module} import ...")
                continue
            public = set(importlib.import_module(node.module).__all__)
            found += [f"{name}: {node.module}.{a.name} is not public" for a in node.names if a.name not in public]
    assert found == []


@pytest.mark.parametrize("package", sorted(PUBLIC_PACKAGES))
def test_no_public_name_is_also_a_module_of_its_package(package):
    """`from finder.jobs import source_health` must mean one thing, whichever modules happen to be loaded."""
    import importlib
    import pkgutil

    module = importlib.import_module(f"finder.{package}")
    assert set(module.__all__) & {info.name for info in pkgutil.iter_modules(module.__path__)} == set()


def test_only_the_web_jobs_and_cli_import_the_web_framework():
    offenders = {
        name: sorted({n.split(".")[0] for n in imports(path)} & FRAMEWORK)
        for name, path in finder_modules().items()
        if area(name) not in FRAMEWORK_AREAS
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_no_import_cycle_between_modules():
    graph = {
        name: {t for t in imports(path, top_level_only=True) if t in finder_modules() and t != name}
        for name, path in finder_modules().items()
    }
    # A package's own __init__ is imported first by its submodules; that edge is not a cycle of ours.
    for name in graph:
        graph[name] = {t for t in graph[name] if not name.startswith(t + ".")}
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(
                    " -> ".join(trail[trail.index(nxt) :] + [node, nxt]) if nxt in trail else f"{node} -> {nxt}"
                )
            elif nxt not in state:
                visit(nxt, trail + [node])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [])
    assert cycles == []


def test_every_module_reads_in_one_sitting():
    """No module of finder/ or scrapers/ over 300 lines."""
    paths = [*finder_modules().values(), *(ROOT / "scrapers").rglob("*.py")]
    long = {str(p.relative_to(ROOT)): n for p in paths if (n := len(p.read_text().splitlines())) > 300}
    assert long == {}


@pytest.mark.parametrize("path", sorted((ROOT / "scrapers").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_scrapers_never_import_the_app_or_a_database(path):
    roots = {name.split(".")[0] for name in imports(path)}
    forbidden = {"finder"} | DATABASE | FRAMEWORK
    assert not (roots & forbidden), f"{path.name} imports {roots & forbidden}"


def test_importing_the_scorer_loads_no_web_framework_and_no_database():
    code = "import sys, finder.ranking, finder.geo.math; print(sorted(m for m in sys.modules if m.split('.')[0] in "
    code += "{'flask', 'sqlalchemy', 'alembic', 'jinja2', 'werkzeug'}))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_pages_reach_the_api_errors_not_the_api():
    modules = imports(ROOT / "finder" / "web" / "views" / "pages.py")
    assert "finder.web.api" not in modules and "finder.web.api_errors" in modules


@pytest.mark.parametrize("module", ["ingest/importer.py", "ingest/batch.py", "ingest/upsert.py", "ingest/runs.py"])
def test_the_importer_never_reads_the_environment(module):
    assert "from_env" not in (ROOT / "finder" / module).read_text()
