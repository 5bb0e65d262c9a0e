"""The bundled demo: original listings for nine cities, written in the real source formats."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from finder.demo import formats
from finder.demo.build import city_ics
from finder.demo.content import CITIES

DEFAULT_ANCHOR = date(2026, 11, 30)


def build_demo_files(out_dir: Path, anchor: date = DEFAULT_ANCHOR) -> list[Path]:
    """Write every demo source file into `out_dir`; returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    by_slug = {city["slug"]: city for city in CITIES}
    files = {f"{city['slug']}-community.ics": city_ics(city, anchor) for city in CITIES}
    files.update({
        "online-gatherings.ics": formats.online_ics(anchor),
        "online-communities.html": formats.online_page(),
        "toronto-whats-on.html": formats.jsonld_page(by_slug["toronto"], anchor),
        "sydney-whats-on.html": formats.jsonld_page(by_slug["sydney"], anchor),
        "london-volunteer-hub.json": formats.tec_json(by_slug["london"], anchor),
        "berlin-kiez-gancio.json": formats.gancio_json(by_slug["berlin"], anchor),
        "clubs-overpass.json": formats.overpass_json(),
        "services-hsds.json": formats.hsds_json([by_slug["portland"], by_slug["london"], by_slug["toronto"]]),
        "portland-volunteer-socrata.json": formats.socrata_json(by_slug["portland"], anchor),
    })
    written = []
    for name, text in files.items():
        path = out_dir / name
        path.write_text(text, encoding="utf-8", newline="")
        written.append(path)
    return written
