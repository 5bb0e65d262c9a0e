"""URL converters registered on the app before any route: `<int:...>` bounded to the ids a table can hold."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

# PostgreSQL INTEGER (and so every id column) stops here; a larger number in a URL names nothing, and
# passed to the database it fails (SQLite: OverflowError past 2**63, PostgreSQL: out of range): a 404.
MAX_ID = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` that matches 0..MAX_ID only (a larger number is no route: 404)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def init_routing(app: Flask) -> None:
    """Replace the `int` converter; call before registering blueprints (rules bind converters when added)."""
    app.url_map.converters["int"] = BoundedIntConverter
