"""The bundled demo: original listings for nine cities, written in the real source formats.

The dated files are generated, never committed: `finder demo load` writes them into `data/demo/` around
the day it runs (series keep their weekday and started weeks ago; one-off events fall in the weeks
ahead), so the demo is as full on any day as on the day it was written.
"""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path

from finder.config import data_dir
from finder.demo import api_formats, formats
from finder.demo.build import city_ics
from finder.demo.content import CITIES


def demo_dir(folder: Path | None = None) -> Path:
    """Where the catalogue's demo sources (file:data/demo/...) are read from: the data folder's demo/."""
    return (folder or data_dir()) / "demo"


def demo_texts(anchor: date) -> dict[str, str]:
    """Every demo source file's name and text, dated around `anchor`."""
    by_slug = {city["slug"]: city for city in CITIES}
    files = {f"{city['slug']}-community.ics": city_ics(city, anchor) for city in CITIES}
    files.update(
        {
            "online-gatherings.ics": formats.online_ics(anchor),
            "online-communities.html": formats.online_page(),
            "toronto-whats-on.html": formats.jsonld_page(by_slug["toronto"], anchor),
            "sydney-whats-on.html": formats.jsonld_page(by_slug["sydney"], anchor),
            "london-volunteer-hub.json": api_formats.tec_json(by_slug["london"], anchor),
            "berlin-kiez-gancio.json": api_formats.gancio_json(by_slug["berlin"], anchor),
            "clubs-overpass.json": api_formats.overpass_json(),
            "services-hsds.json": api_formats.hsds_json([by_slug["portland"], by_slug["london"], by_slug["toronto"]]),
            "portland-volunteer-socrata.json": api_formats.socrata_json(by_slug["portland"], anchor),
        }
    )
    return files


def build_demo_files(out_dir: Path, anchor: date) -> list[Path]:
    """Write every demo source file into `out_dir`, dated around `anchor`; returns the paths written.

    A file whose text is unchanged is left alone; a changed one is replaced in one step (a scraper
    reading it at that moment sees the old file or the new one, never half of one)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in demo_texts(anchor).items():
        path = out_dir / name
        data = text.encode("utf-8")
        if not path.is_file() or path.read_bytes() != data:
            handle, temporary = tempfile.mkstemp(dir=out_dir, prefix=f".{name}.")
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            os.replace(temporary, path)
        written.append(path)
    return written
