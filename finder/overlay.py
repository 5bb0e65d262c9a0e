"""Run-time changes to the catalogue go to the overlay `sources.local.toml` beside `sources.toml`
(approved suggestions, blocked sources); the shipped file is never edited by the running site.

`write_entry(catalog_path, entry)` adds or updates one `[[source]]` table by slug (atomically), and
`sync_one(session, catalog_path, slug)` mirrors that source into the `Source` table.
"""

from __future__ import annotations

import json
import os
import tempfile
import tomllib
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from finder.catalog import FIELDS, CatalogError, load_catalog, overlay_path
from finder.models import Source

HEADER = "# Local catalogue additions written by Kindred (approved suggestions, blocked sources).\n"


def read_entries(catalog_path: Path) -> list[dict]:
    path = overlay_path(Path(catalog_path))
    if not path.exists():
        return []
    return [dict(s) for s in tomllib.loads(path.read_text(encoding="utf-8")).get("source", [])]


def write_entry(catalog_path: Path, entry: dict) -> Path:
    """Merge `entry` into the overlay's table with the same slug (or append it); checks the whole
    catalogue still loads before replacing the file. Raises CatalogError when it would not."""
    catalog_path = Path(catalog_path)
    entries = read_entries(catalog_path)
    for existing in entries:
        if existing.get("slug") == entry["slug"]:
            existing.update(entry)
            break
    else:
        entries.append(dict(entry))
    path = overlay_path(catalog_path)
    text = HEADER + "".join(_table(e) for e in entries)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".sources-", suffix=".toml")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        _check(catalog_path, Path(temp))
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
    return path


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


def _table(entry: dict) -> str:
    lines = ["\n[[source]]"]
    for key, value in entry.items():
        if key in FIELDS and value is not None:
            lines.append(f"{key} = {_value(value)}")
    return "\n".join(lines) + "\n"


def _value(value) -> str:
    """A TOML value: JSON's string escapes and arrays are valid TOML for strings, numbers and lists."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(str(k))} = {_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, int | float):
        return json.dumps(value)
    return json.dumps(str(value), ensure_ascii=False)
