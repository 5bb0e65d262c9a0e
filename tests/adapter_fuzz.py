"""Shared robustness check for JSON adapters: any JSON shaped like the format parses or raises ParseError."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scrapers.base import Context, ParseError

CORPUS_FOLDERS = ("gancio-json", "activitypub-events", "socrata", "overpass", "hsds")
SCALARS = st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=True) | st.text(max_size=12)
DATES = st.sampled_from(["2026-01-05T10:00:00Z", "January 20 2026", "1767290400", "10:00", "", "x;y", "4.8;45.7"])


def json_values(keys: list[str]):
    """Nested JSON whose object keys come mostly from the format's own vocabulary."""
    key = st.sampled_from(keys) | st.text(max_size=6)
    return st.recursive(
        SCALARS | DATES,
        lambda children: st.lists(children, max_size=4) | st.dictionaries(key, children, max_size=6),
        max_leaves=30,
    )


def check_never_crashes(adapter_cls, keys: list[str], url: str = "https://example.org/api/x?$limit=2"):
    """Run the adapter (parse, next_url, sniff) on generated JSON, CSV and bytes; only lists or ParseError
    may come out."""

    csv_text = st.lists(st.lists(st.sampled_from(keys) | st.text(max_size=8), min_size=1, max_size=5), max_size=4)
    bodies = (
        json_values(keys).map(lambda value: json.dumps(value).encode())
        | st.binary(max_size=200)
        | csv_text.map(lambda rows: "\n".join(",".join(row) for row in rows).encode("utf-8", "surrogatepass"))
    )

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(bodies)
    def run(body):
        context = Context(window_start=datetime(2026, 1, 1, tzinfo=UTC), window_end=datetime(2026, 3, 1, tzinfo=UTC))
        try:
            listings = adapter_cls().parse(body, url, context)
        except ParseError:
            listings = []
        assert isinstance(listings, list)
        adapter_cls().next_url(body, url)
        adapter_cls.sniff(body, url)

    run()


def corpus_files(corpus: Path) -> list[Path]:
    return [path for folder in CORPUS_FOLDERS for path in sorted((corpus / folder).iterdir())]


def check_corpus_never_crashes(adapter_cls, corpus: Path) -> None:
    """Every corpus file of the federated/open-data folders gives a list or a ParseError with a reason."""
    for path in corpus_files(corpus):
        try:
            result = adapter_cls().parse(path.read_bytes(), "", Context(window_start=datetime(2026, 1, 1, tzinfo=UTC)))
        except ParseError as error:
            assert str(error), path.name
            continue
        assert isinstance(result, list), path.name
