"""Refusals that say what the file is (issue 19): a body that is no listing source exits non-zero with one
line naming it, whichever adapter detection (or --format) picked; a known format that is simply empty still
exits 0 with a problem line."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from flask import Flask

from finder.cli.parse import parse_command
from finder.config import Config

AS2 = "https://www.w3.org/ns/activitystreams"
CASES = [
    (
        {"@context": AS2, "type": "OrderedCollection", "orderedItems": [{"type": "Place", "name": "Hall"}]},
        None,
        "not a listing source: ActivityStreams Place objects, no Event",
    ),
    (
        {"@context": AS2, "type": "Person", "name": "Ann"},
        None,
        "not a listing source: an ActivityStreams Person, no Event",
    ),
    (
        {"@context": "https://schema.org", "name": "x", "startDate": "2030-01-01"},
        None,
        "not a listing source: JSON-LD without a @type (keys: @context, name, startDate)",
    ),
    (
        '<html><head><script type="application/ld+json">{"@context": "https://schema.org", "@type": "BreadcrumbList"}'
        "</script></head></html>",
        None,
        "not a listing source: schema.org BreadcrumbList, no Event or Organization",
    ),
    (
        "<html><head><title>Our club</title></head><body>Hi</body></html>",
        "schemaorg",
        "not a listing source: an HTML page without structured event data",
    ),
]


@pytest.fixture
def run():
    app = Flask("refusals-test")
    app.config["FINDER"] = Config(TIMEZONE="UTC", EXPANSION_DAYS=90, TESTING=True)

    def invoke(*args):
        with app.app_context():
            return CliRunner().invoke(parse_command, [str(a) for a in args], catch_exceptions=False)

    return invoke


@pytest.mark.parametrize(("body", "format_name", "line"), CASES)
def test_a_non_source_is_named_in_one_line(run, tmp_path, body, format_name, line):
    path = tmp_path / "input"
    path.write_text(body if isinstance(body, str) else json.dumps(body), encoding="utf-8")
    result = run(path, "--json", *(["--format", format_name] if format_name else []))
    assert result.exit_code != 0
    lines = [text for text in result.output.splitlines() if text.strip()]
    assert len(lines) == 1 and line in lines[0] and "Traceback" not in result.output


def test_an_empty_collection_is_an_empty_feed_not_a_refusal(run, tmp_path):
    path = tmp_path / "outbox.json"
    path.write_text(json.dumps({"@context": AS2, "type": "OrderedCollection", "orderedItems": []}))
    result = run(path, "--json")
    assert result.exit_code == 0 and result.stdout.strip() == ""
    assert "problem: an ActivityStreams collection with no items" in result.stderr
