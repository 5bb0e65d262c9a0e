"""Which adapter reads a body: every registered adapter's `sniff`, in a fixed order of specificity.

`detect(body, url)` returns the adapter name, or raises ParseError("not a listing source: ...")
with a one-line reason for error pages, specifications and formats no adapter knows.
"""

from __future__ import annotations

import html
import json
import logging
import re

from scrapers import load_adapters
from scrapers.base import ParseError
from scrapers.text import clean_text, decode_body, load_json

log = logging.getLogger(__name__)

# Specific formats first; the broad ones (any HTML with markup, any feed, any array) last.
ORDER = (
    "ics", "gcal", "openactive", "tec", "gancio", "mobilizon", "activitypub", "overpass", "hsds", "footprint",
    "socrata", "csv", "fullcalendar", "rss", "schemaorg",
)  # fmt: skip
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_H1 = re.compile(rb"<h1[^>]*>(.*?)</h1>", re.IGNORECASE | re.DOTALL)
_ERROR_WORDS = re.compile(r"\b(error|not found|forbidden|denied|unavailable|bad request|\d{3})\b", re.IGNORECASE)


def candidates() -> list[str]:
    """Registered adapter names in sniffing order."""
    names = list(load_adapters())
    known = [n for n in ORDER if n in names]
    return [n for n in names if n not in ORDER and n != "schemaorg"] + known


def detect(body: bytes, url: str = "") -> str:
    """The name of the adapter that recognises `body`; ParseError with a reason when none does."""
    if not body or not body.strip():
        raise ParseError("not a listing source: empty body")
    adapters = load_adapters()
    for name in candidates():
        try:
            if adapters[name].sniff(body, url):
                return name
        except (ValueError, TypeError, AttributeError, KeyError, IndexError, UnicodeError) as error:
            log.debug("sniff of %s failed: %s", name, error)
    raise ParseError(f"not a listing source: {describe(body)}")


def describe(body: bytes) -> str:
    """A short description of what an unreadable body is (an error page, a spec, some JSON...)."""
    head = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:200_000]
    lowered = head[:2048].lower()
    if lowered.startswith((b"<!doctype html", b"<html")) or b"<html" in lowered or b"<body" in lowered:
        return _describe_html(head)
    if head[:1] in (b"{", b"["):
        return _describe_json(head)
    if head[:1] == b"<":
        root = re.match(rb"<(?:\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*<?([A-Za-z_][\w:.-]*)", head, re.DOTALL)
        return f"XML of unknown shape (root <{root.group(1).decode(errors='replace') if root else '?'}>)"
    first = clean_text(decode_body(head[:60])).split("\n")[0]
    return f"unknown format (starts with {first!r})"


def _describe_html(head: bytes) -> str:
    title = _TITLE.search(head) or _H1.search(head)
    text = clean_text(html.unescape(re.sub(r"<[^>]+>", " ", decode_body(title.group(1))))) if title else ""
    if text and _ERROR_WORDS.search(text):
        return f"an HTML error page ({text[:80]!r})"
    shown = f" ({text[:80]!r})" if text else ""
    return f"an HTML page without structured event data{shown}"


def _describe_json(head: bytes) -> str:
    try:
        data = load_json(head)
    except ValueError as error:
        return "JSON nested too deeply" if "too deeply" in str(error) else "malformed JSON"
    if isinstance(data, dict):
        if "openapi" in data or "swagger" in data:
            return "an OpenAPI specification, not a list of listings"
        if "$schema" in data and ("properties" in data or "definitions" in data):
            return "a JSON Schema, not a list of listings"
        if "error" in data or "errors" in data:
            message = data.get("error") or data.get("errors")
            return f"a JSON error response ({json.dumps(message)[:80]})"
        return f"JSON of unknown shape (keys: {', '.join(list(data)[:6])})"
    if isinstance(data, list):
        return "an empty JSON array" if not data else "a JSON array of unknown items"
    return "a bare JSON value"
