"""Run-time changes to the catalogue go to the overlay `sources.local.toml` beside `sources.toml`
(approved suggestions, blocked sources); the shipped file is never edited by the running site.

`write_entry(catalog_path, entry)` adds or updates one `[[source]]` table by slug (atomically), and
`sync_one(session, catalog_path, slug)` mirrors that source into the `Source` table.
"""

from __future__ import annotations

import os
import stat
import tempfile
import tomllib
from pathlib import Path

import tomlkit
from sqlalchemy import select
from sqlalchemy.orm import Session
from tomlkit.exceptions import TOMLKitError

from finder.catalog.sources import FIELDS, CatalogError, load_catalog, overlay_path
from finder.models import Source

HEADER = "# Local catalogue additions written by Kindred (approved suggestions, blocked sources).\n"
NEW_FILE_MODE = 0o644  # an overlay Kindred creates; an existing one keeps its own mode


def read_entries(catalog_path: Path) -> list[dict]:
    path = overlay_path(Path(catalog_path))
    if not path.exists():
        return []
    return [dict(s) for s in tomllib.loads(path.read_text(encoding="utf-8")).get("source", [])]


def write_entry(catalog_path: Path, entry: dict) -> Path:
    """Merge `entry` into the overlay's table with the same slug (or append it); checks the whole
    catalogue still loads before replacing the file. The operator's comments, layout and the file's mode
    are kept (tomlkit edits the document in place). Raises CatalogError when it would not load."""
    catalog_path = Path(catalog_path)
    path = overlay_path(catalog_path)
    existing = path.read_text(encoding="utf-8") if path.exists() else HEADER
    try:
        document = tomlkit.parse(existing)
    except TOMLKitError as error:
        raise CatalogError(f"{path}: {error}") from None
    _merge(document, entry)
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else NEW_FILE_MODE
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".sources-", suffix=".toml")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(tomlkit.dumps(document))
        os.chmod(temp, mode)
        _check(catalog_path, Path(temp))
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
    return path


def _merge(document: tomlkit.TOMLDocument, entry: dict) -> None:
    """Set `entry`'s fields on the [[source]] table with its slug, or append a new table."""
    values = {key: _item(value) for key, value in entry.items() if key in FIELDS and value is not None}
    if "source" not in document:
        document.append("source", tomlkit.aot())
    tables = document["source"]
    for table in tables:
        if table.get("slug") == entry["slug"]:
            for key, value in values.items():
                table[key] = value
            return
    table = tomlkit.table()
    for key, value in values.items():
        table[key] = value
    tables.append(table)


def _check(catalog_path: Path, candidate: Path) -> None:
    """Load the shipped catalogue with the candidate overlay in place of the real one (in a scratch folder)."""
    base = catalog_path.read_text(encoding="utf-8") if catalog_path.exists() else ""
    with tempfile.TemporaryDirectory(prefix="kindred-catalog-") as scratch:
        probe = Path(scratch) / catalog_path.name
        probe.write_text(base, encoding="utf-8")
        overlay_path(probe).write_text(candidate.read_text(encoding="utf-8"), encoding="utf-8")
        load_catalog(probe)


def sync_one(session: Session, catalog_path: Path, slug: str) -> Source:
    """The `Source` row for `slug` made equal to the catalogue (with overlay); the caller commits."""
    spec = next((s for s in load_catalog(catalog_path) if s.slug == slug), None)
    if spec is None:
        raise CatalogError(f"no source {slug!r} in the catalogue")
    row = session.scalar(select(Source).where(Source.slug == slug))
    if row is None:
        row = Source(slug=slug)
        session.add(row)
    for name in FIELDS:
        if name != "slug":
            setattr(row, name, getattr(spec, name))
    row.name = spec.name or spec.slug
    session.flush()
    return row


def _item(value):
    """Tables given as dicts (a source's `mapping`) stay inline, on the source's own line."""
    if isinstance(value, dict):
        table = tomlkit.inline_table()
        table.update({key: _item(inner) for key, inner in value.items()})
        return table
    return value
