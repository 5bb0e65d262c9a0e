"""The source catalogue: `data/sources.toml` (plus `sources.local.toml` beside it) -> `Source` rows.

Every entry is validated; all problems are reported together in one `CatalogError`.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from finder.config import SHIPPED, data_dir, locate
from finder.db import insert_or_ignore
from finder.models import Source
from finder.tags import load_vocabulary
from scrapers import ADAPTERS
from scrapers.listing import KINDS
from scrapers.times import zone

ADAPTER_NAMES = (
    "ics", "schemaorg", "tec", "gancio", "mobilizon", "activitypub", "socrata",
    "overpass", "hsds", "rss", "footprint", "gcal", "fullcalendar", "openactive", "json", "csv",
)  # fmt: skip
EVERY = re.compile(r"^(\d+)([mhd])$")
SLUG = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
REQUIRED = ("slug", "adapter", "url")


class CatalogError(ValueError):
    """The catalogue has invalid entries (the message lists each one)."""


@dataclass
class SourceSpec:
    slug: str
    adapter: str
    url: str
    every: str = "1d"
    enabled: bool = True
    name: str = ""
    kind: str | None = None
    tags: list[str] = field(default_factory=list)
    timezone: str | None = None
    locality: str = ""
    region: str = ""
    country: str = ""
    licence: str = ""
    attribution: str = ""
    republish: bool = True
    mapping: dict = field(default_factory=dict)

    @property
    def every_s(self) -> int:
        """The cadence in seconds."""
        number, unit = EVERY.match(self.every).groups()
        return int(number) * {"m": 60, "h": 3600, "d": 86400}[unit]


FIELDS = {f.name: f for f in fields(SourceSpec)}
TYPES = {"enabled": bool, "republish": bool, "tags": list, "mapping": dict}


def overlay_path(path: Path) -> Path:
    """`sources.local.toml` beside `sources.toml`: local additions and overrides by slug. For the shipped
    catalogue, the overlay is in the data folder (FINDER_DATA_DIR; never inside an installed package)."""
    name = f"{path.stem}.local{path.suffix}"
    if path.parent.resolve() == (SHIPPED / "data").resolve():
        return data_dir() / name
    return path.with_name(name)


def load_catalog(path: str | Path, *, overlay: bool = True) -> list[SourceSpec]:
    """Every source in `path` (and its local overlay when present), validated."""
    path = Path(path)
    entries = _entries(path)
    local = overlay_path(path)
    if overlay and local.exists():
        by_slug = {e.get("slug"): e for e in entries}
        for extra in _entries(local):
            base = by_slug.get(extra.get("slug"))
            if base is None:
                entries.append(extra)
            else:
                base.update(extra)
    errors, specs, seen = [], [], set()
    for index, entry in enumerate(entries, start=1):
        label = f"source {index} ({entry.get('slug', '?')!r})"
        problems = validate(entry)
        if entry.get("slug") in seen:
            problems.append("slug used twice")
        seen.add(entry.get("slug"))
        if problems:
            errors.extend(f"{path.name}: {label}: {p}" for p in problems)
            continue
        specs.append(_spec(entry))
    if errors:
        raise CatalogError("\n".join(errors))
    return specs


def _entries(path: Path) -> list[dict]:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CatalogError(f"{path}: cannot read: {error.strerror or error}") from error
    except tomllib.TOMLDecodeError as error:
        raise CatalogError(f"{path}: not valid TOML: {error}") from error
    sources = raw.get("source", [])
    if not isinstance(sources, list) or not all(isinstance(s, dict) for s in sources):
        raise CatalogError(f"{path}: sources must be an array of tables, [[source]]")
    return [dict(s) for s in sources]


def validate(entry: dict) -> list[str]:
    """What is wrong with one catalogue entry; empty when it is valid."""
    problems = [f"missing {name}" for name in REQUIRED if not entry.get(name)]
    problems += [f"unknown field {name!r}" for name in entry if name not in FIELDS]
    for name, kind in TYPES.items():
        if name in entry and not isinstance(entry[name], kind):
            problems.append(f"{name} must be a {kind.__name__}")
    strings = [n for n in entry if n in FIELDS and n not in TYPES]
    problems += [f"{n} must be a string" for n in strings if entry[n] is not None and not isinstance(entry[n], str)]
    if problems:
        return problems
    if not SLUG.match(entry["slug"]):
        problems.append("slug must be lowercase letters, digits and '-'")
    if entry["adapter"] not in ADAPTER_NAMES and entry["adapter"] not in ADAPTERS:
        problems.append(f"unknown adapter {entry['adapter']!r} (known: {', '.join(ADAPTER_NAMES)})")
    scheme = urlsplit(entry["url"]).scheme
    if scheme not in ("http", "https", "file"):
        problems.append("url must be http(s):// or file://")
    if "every" in entry and not EVERY.match(entry["every"]):
        problems.append(f"every must be like 30m, 6h or 1d, not {entry['every']!r}")
    if entry.get("kind") and entry["kind"] not in KINDS:
        problems.append(f"kind must be one of {', '.join(KINDS)}")
    if entry.get("timezone") and zone(entry["timezone"]) is None:
        problems.append(f"unknown timezone {entry['timezone']!r} (use an IANA name like Europe/Paris)")
    if entry.get("country") and not re.fullmatch(r"[A-Z]{2}", entry["country"]):
        problems.append("country must be a two-letter ISO code in capitals")
    vocabulary = load_vocabulary()
    unknown = [t for t in entry.get("tags", []) if not isinstance(t, str) or t not in vocabulary]
    if unknown:
        problems.append(f"unknown tags {unknown} (see data/tags.toml)")
    return problems


def _spec(entry: dict) -> SourceSpec:
    values = dict(entry)
    values["url"] = resolve_file_url(values["url"])
    return SourceSpec(**values)


def resolve_file_url(url: str) -> str:
    """A `file:` URL with a relative path (file:data/demo/x.ics) made absolute (finder.config.locate)."""
    parts = urlsplit(url)
    if parts.scheme != "file":
        return url
    relative = (parts.netloc + parts.path) if parts.netloc not in ("", "localhost") else parts.path
    path = Path(relative)
    if not path.is_absolute():
        path = locate(path)
    return path.resolve().as_uri()


def sync_sources(session: Session, specs: list[SourceSpec]) -> list[Source]:
    """Mirror `specs` into the `Source` table by slug; sources no longer listed are disabled, not
    deleted (their listings and runs stay). Returns the synced rows; the caller commits."""
    existing = {s.slug: s for s in session.scalars(select(Source))}
    missing = [spec for spec in specs if spec.slug not in existing]
    if missing:  # another process may be adding the same rows right now: insert what is absent, then read
        session.execute(
            insert_or_ignore(
                session.get_bind().dialect.name, Source, [_new_row(spec) for spec in missing], conflict=["slug"]
            )
        )
        slugs = [spec.slug for spec in missing]
        existing.update((s.slug, s) for s in session.scalars(select(Source).where(Source.slug.in_(slugs))))
    synced = []
    for spec in specs:
        row = existing.pop(spec.slug)
        for name in FIELDS:
            if name != "slug":
                value = getattr(spec, name)
                if getattr(row, name) != value:
                    setattr(row, name, value)
        row.name = spec.name or spec.slug
        synced.append(row)
    for orphan in existing.values():
        orphan.enabled = False
    session.flush()
    return synced


def _new_row(spec: SourceSpec) -> dict:
    values = {name: getattr(spec, name) for name in FIELDS}
    values["name"] = spec.name or spec.slug
    return values
