"""schema.org nodes out of a page: lenient JSON-LD, microdata and RDFa, all as JSON-LD-shaped dicts.

Every node comes back as a plain dict with a short `@type` ("MusicEvent", not the IRI) and
schema.org property names as keys, whichever syntax it was written in.
"""

from __future__ import annotations

import json
import re

import jstyleson

SCHEMA_PREFIXES = ("http://schema.org/", "https://schema.org/", "schema:", "http://www.schema.org/")
_WRAPPERS = re.compile(r"^\s*(?:<!--|<!\[CDATA\[|//\s*<!\[CDATA\[)|(?:-->|\]\]>|//\s*\]\]>)\s*$")
MAX_DEPTH = 12


def short_type(value) -> str:
    """'MusicEvent' from 'http://schema.org/MusicEvent', 'schema:MusicEvent' or 'MusicEvent'."""
    text = str(value or "").strip()
    for prefix in SCHEMA_PREFIXES:
        if text.startswith(prefix):
            return text[len(prefix) :]
    return text


def types_of(node: dict) -> list[str]:
    """The short schema.org types of a node (JSON-LD `@type` may be a string or a list)."""
    raw = node.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return [short_type(v) for v in values if isinstance(v, str) and v]


def lenient_json(text: str):
    """JSON from an ld+json block: strict first, then without JS comments and trailing commas.

    Control characters inside strings are accepted. Returns None for an empty block; raises ValueError
    with the decoder's message when nothing reads.
    """
    text = _WRAPPERS.sub("", text.strip()).strip()
    if not text:
        return None
    try:
        return _decode(text)
    except RecursionError as error:  # past the decoder's own depth limit (~1,000 levels): no listing nests so
        raise ValueError("JSON nested too deeply") from error


def _decode(text: str):
    try:
        return json.loads(text, strict=False)
    except ValueError as first:
        try:
            return json.loads(jstyleson.dispose(text), strict=False)
        except ValueError:
            pass
        try:
            value, _ = json.JSONDecoder(strict=False).raw_decode(text)
            return value
        except ValueError:
            raise first from None


def jsonld_nodes(data) -> list[dict]:
    """Top-level nodes of a JSON-LD value: arrays flattened, `@graph` opened, ListItem.item unwrapped, and
    typed nodes found inside untyped wrappers at any depth (typed nodes' own values are walked by the caller)."""
    found: list[dict] = []

    def walk(value, depth: int) -> None:
        if depth > MAX_DEPTH:
            return
        if isinstance(value, list):
            for item in value:
                walk(item, depth + 1)
            return
        if not isinstance(value, dict):
            return
        if "@graph" in value:
            walk(value["@graph"], depth + 1)
        if value.get("@type"):
            found.append(value)
        elif "@graph" not in value:  # an untyped wrapper ({"data": {"events": [...]}}): its values may be nodes
            for item in value.values():
                walk(item, depth + 1)
            return
        kinds = types_of(value)
        if "ItemList" in kinds:
            walk(value.get("itemListElement"), depth + 1)
        if "ListItem" in kinds and isinstance(value.get("item"), dict):
            walk(value["item"], depth + 1)

    walk(data, 0)
    return found


def from_microdata(item, depth: int = 0):
    """An extruct microdata item ({"type", "properties"}) as a JSON-LD-shaped dict; values pass through."""
    if isinstance(item, list):
        return [from_microdata(v, depth + 1) for v in item]
    if not isinstance(item, dict) or depth > MAX_DEPTH or "properties" not in item:
        return item
    raw_type = item.get("type")
    types = raw_type if isinstance(raw_type, list) else [raw_type]
    node = {"@type": [short_type(t) for t in types if t] or ""}
    if item.get("id"):
        node["@id"] = item["id"]
    for key, value in (item.get("properties") or {}).items():
        node[key] = from_microdata(value, depth + 1)
    return node


def from_rdfa(expanded: list) -> list[dict]:
    """schema.org-typed nodes of extruct's expanded RDFa output, references to other nodes resolved."""
    by_id = {n.get("@id"): n for n in expanded if isinstance(n, dict) and n.get("@id")}

    def value_of(entry, depth: int):
        if not isinstance(entry, dict):
            return entry
        if "@value" in entry:
            return entry["@value"]
        ref = entry.get("@id")
        target = by_id.get(ref)
        if target is not None and depth < MAX_DEPTH and any(_schema(t) for t in target.get("@type", [])):
            return convert(target, depth + 1)
        return ref

    def convert(node: dict, depth: int) -> dict:
        out: dict = {"@type": [short_type(t) for t in node.get("@type", []) if _schema(t)]}
        if node.get("@id") and not str(node["@id"]).startswith("_:"):
            out["@id"] = node["@id"]
        for key, values in node.items():
            if key.startswith("@") or not _schema(key):
                continue
            converted = [value_of(v, depth) for v in (values if isinstance(values, list) else [values])]
            out[short_type(key)] = converted[0] if len(converted) == 1 else converted
        return out

    referenced = {
        v.get("@id")
        for n in by_id.values()
        for key, values in n.items()
        if not key.startswith("@") and isinstance(values, list)
        for v in values
        if isinstance(v, dict)
    }
    return [
        convert(node, 0)
        for node in expanded
        if isinstance(node, dict)
        and any(_schema(t) for t in node.get("@type", []))
        and node.get("@id") not in referenced
    ]


def _schema(iri) -> bool:
    return isinstance(iri, str) and iri.startswith(SCHEMA_PREFIXES[:2] + SCHEMA_PREFIXES[3:])
