"""The source catalogue: loading, validation with clear errors, the local overlay, mirroring into Source."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from finder.catalog.sources import CatalogError, load_catalog, resolve_file_url, sync_sources
from finder.config import ROOT
from finder.models import Source

GOOD = """
[[source]]
slug = "city-hall"
adapter = "ics"
url = "https://city.example/calendar.ics"
every = "6h"
kind = "event"
tags = ["community"]
timezone = "Europe/Paris"
locality = "Paris"
country = "FR"
licence = "CC-BY-4.0"
attribution = "City of Paris"

[[source]]
slug = "nyc-volunteer"
adapter = "socrata"
url = "https://data.example/resource/abcd-1234.json"
enabled = false
[source.mapping]
title = "title"
start = "start_date_date"
"""


def write(tmp_path, text, name="sources.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_the_shipped_catalogue_is_valid():
    specs = load_catalog(ROOT / "data" / "sources.toml", overlay=False)
    real = [s for s in specs if s.url.startswith("https://")]
    assert len(real) >= 4 and not any(s.enabled for s in real)
    assert {"ics", "mobilizon", "overpass", "socrata"} <= {s.adapter for s in real}
    socrata = next(s for s in specs if s.adapter == "socrata")
    assert "n4ac-3636" in socrata.url and socrata.mapping["title"] == "title"


def test_loads_fields_and_defaults(tmp_path):
    first, second = load_catalog(write(tmp_path, GOOD))
    assert (first.slug, first.every_s, first.enabled, first.tags, first.country) == (
        "city-hall",
        21600,
        True,
        ["community"],
        "FR",
    )
    assert (second.every, second.enabled, second.kind, second.mapping["start"]) == (
        "1d",
        False,
        None,
        "start_date_date",
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('every = "2 weeks"', "every must be like 30m, 6h or 1d"),
        ('kind = "party"', "kind must be one of"),
        ('timezone = "Mars/Olympus"', "unknown timezone 'Mars/Olympus'"),
        ('country = "France"', "country must be a two-letter"),
        ('tags = ["knitting-nonsense"]', "unknown tags"),
        ('colour = "blue"', "unknown field 'colour'"),
        ("enabled = 1", "enabled must be a bool"),
    ],
)
def test_each_bad_field_gets_a_clear_error(tmp_path, line, message):
    text = f'[[source]]\nslug = "bad"\nadapter = "ics"\nurl = "https://x.example/"\n{line}\n'
    with pytest.raises(CatalogError, match="source 1 \\('bad'\\)") as caught:
        load_catalog(write(tmp_path, text))
    assert message in str(caught.value)


def test_all_problems_are_reported_together(tmp_path):
    text = '[[source]]\nslug = "Bad Slug"\nadapter = "carrier-pigeon"\nurl = "ftp://x"\n[[source]]\nadapter = "ics"\n'
    with pytest.raises(CatalogError) as caught:
        load_catalog(write(tmp_path, text))
    message = str(caught.value)
    for part in (
        "slug must be lowercase",
        "unknown adapter 'carrier-pigeon'",
        "url must be",
        "missing slug",
        "missing url",
    ):
        assert part in message


def test_duplicate_slugs_and_broken_toml(tmp_path):
    twice = GOOD + '\n[[source]]\nslug = "city-hall"\nadapter = "ics"\nurl = "https://y.example/"\n'
    with pytest.raises(CatalogError, match="slug used twice"):
        load_catalog(write(tmp_path, twice))
    with pytest.raises(CatalogError, match="not valid TOML"):
        load_catalog(write(tmp_path, "[[source]\nslug="))
    with pytest.raises(CatalogError, match="cannot read"):
        load_catalog(tmp_path / "missing.toml")


def test_local_overlay_overrides_by_slug_and_adds(tmp_path):
    path = write(tmp_path, GOOD)
    write(
        tmp_path,
        '[[source]]\nslug = "nyc-volunteer"\nenabled = true\n'
        '[[source]]\nslug = "mine"\nadapter = "ics"\nurl = "https://mine.example/a.ics"\n',
        "sources.local.toml",
    )
    specs = {s.slug: s for s in load_catalog(path)}
    assert specs["nyc-volunteer"].enabled is True and specs["nyc-volunteer"].adapter == "socrata"
    assert "mine" in specs
    assert "mine" not in {s.slug for s in load_catalog(path, overlay=False)}


def test_relative_file_urls_resolve_under_the_project():
    assert resolve_file_url("file:data/demo/club.ics") == (ROOT / "data/demo/club.ics").as_uri()
    assert resolve_file_url("file://data/demo/club.ics") == (ROOT / "data/demo/club.ics").as_uri()
    assert resolve_file_url("file:///srv/x.ics") == "file:///srv/x.ics"
    assert resolve_file_url("https://a.example/x") == "https://a.example/x"


def test_sync_mirrors_specs_into_sources(session, tmp_path):
    specs = load_catalog(write(tmp_path, GOOD))
    sync_sources(session, specs)
    session.commit()
    rows = {s.slug: s for s in session.scalars(select(Source))}
    assert rows["city-hall"].timezone == "Europe/Paris" and rows["city-hall"].tags == ["community"]
    assert rows["nyc-volunteer"].mapping == {"title": "title", "start": "start_date_date"}
    specs[0].url = "https://city.example/v2.ics"
    sync_sources(session, specs[:1])
    session.commit()
    rows = {s.slug: s for s in session.scalars(select(Source))}
    assert rows["city-hall"].url == "https://city.example/v2.ics"
    assert rows["nyc-volunteer"].enabled is False  # dropped from the catalogue: disabled, kept
    assert len(rows) == 2
