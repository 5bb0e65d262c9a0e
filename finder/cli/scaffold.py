"""`finder new-adapter NAME`: a new adapter module, its test and a fixture that fails until filled in."""

from __future__ import annotations

import re
from pathlib import Path

ADAPTER = '''"""{title} adapter: describe the format and where it comes from."""

from __future__ import annotations

from scrapers import register
from scrapers.base import Adapter, Context, ParseError
from scrapers.listing import Listing
from scrapers.text import load_json


@register("{name}")
class {cls}(Adapter):
    """Reads {name} documents into listings."""

    def parse(self, body: bytes, url: str = "", context: Context | None = None) -> list[Listing]:
        context = context or Context(url=url)
        data = load_json(body)
        items = data.get("items") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise ParseError("not a {name} document: no 'items' list")
        return context.each(items, lambda item: self._listing(item, url))

    def _listing(self, item: dict, url: str) -> Listing:
        raise ParseError("{name}: map the item's fields to a Listing here")
'''

TEST = '''"""Tests for the {name} adapter on a small fixture of our own."""

from pathlib import Path

from scrapers.base import Context
from scrapers.{name} import {cls}

FIXTURE = Path(__file__).parent / "fixtures" / "{name}" / "sample.json"


def test_reads_the_sample():
    problems = Context()
    listings = {cls}().parse(FIXTURE.read_bytes(), "https://example.org/feed", problems)
    assert problems.problems == []
    assert [listing.title for listing in listings] == ["Replace me with the sample's first title"]
'''

FIXTURE = '{\n  "items": [{"title": "Fill in a real-looking item for this format"}]\n}\n'


def create_adapter(root: Path, name: str) -> list[Path]:
    """Write the three files; refuses names that exist or are not lowercase identifiers."""
    if not re.fullmatch(r"[a-z][a-z0-9_]{1,30}", name):
        raise ValueError("adapter names are lowercase letters, digits and _, starting with a letter")
    cls = "".join(part.capitalize() for part in name.split("_")) + "Adapter"
    files = {
        root / "scrapers" / f"{name}.py": ADAPTER.format(name=name, cls=cls, title=name.replace("_", " ").title()),
        root / "tests" / f"test_{name}.py": TEST.format(name=name, cls=cls),
        root / "tests" / "fixtures" / name / "sample.json": FIXTURE,
    }
    existing = [str(path) for path in files if path.exists()]
    if existing:
        raise FileExistsError(f"already exists: {', '.join(existing)}")
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return list(files)
