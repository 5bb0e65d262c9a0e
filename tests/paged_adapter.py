"""A tiny paged format for the run tests: JSON {"items": [[key, title, iso]], "next": path}.

In a module of its own (scrapers and the standard library only) because parsing runs in a worker
process, which imports the adapter's module: a test module would bring the whole test suite along."""

from __future__ import annotations

import json
from datetime import datetime

from scrapers.base import Adapter, ParseError
from scrapers.listing import Listing as Item


class PagedAdapter(Adapter):
    name = "test-paged"

    def parse(self, body, url="", context=None):
        data = json.loads(body)
        if data.get("explode"):
            raise RuntimeError("adapter bug")
        if "items" not in data:
            raise ParseError("no items")
        return [Item(title=t, start=datetime.fromisoformat(s), source_key=k) for k, t, s in data["items"]]

    def next_url(self, body, url):
        following = json.loads(body).get("next")
        return url.rsplit("/", 1)[0] + "/" + following if following else None
