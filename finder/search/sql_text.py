"""The text part of a search's SQL: word, tag and cell conditions for FTS5 (SQLite) and tsvector (PostgreSQL)."""

# ruff: noqa: S608  -- statements are assembled from fixed fragments; every value is a bound parameter

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from finder.geo.math import bounding_box
from finder.index import FTS_TABLES, cell_name, tag_token

if TYPE_CHECKING:
    from finder.search.sql import Plan

MAX_CELLS = 400


def text_conditions(plan: Plan, params: dict, postgres: bool, branch: str, cells: list[str] | None) -> str:
    """' AND ...' text and interest conditions of one branch, answered by the text index, where words
    and tag tokens meet the cell tokens around the place (so only nearby postings are combined)."""
    for i, slug in enumerate(plan.tags):
        params[f"tag{i}"] = f"|{slug}|"  # for the score's interest overlap
    interests = bool(plan.tags or plan.interest_words)
    tokens = [tag_token(slug) for slug in plan.tags]
    if postgres:
        found = ""
        if plan.terms:
            found += " AND " + _ts_match(f"q_{branch}", plan.terms, [], "AND", cells, params)
        if interests:  # online, the placeless token only keeps stop words alone from matching nothing: tags never are
            own_cells = None if branch == "online" and tokens else cells
            found += " AND " + _ts_match(f"iw_{branch}", plan.interest_words, tokens, "OR", own_cells, params)
        return found
    # SQLite near a place without words: test the row's tags, cheaper than OR-ed postings; with words the
    # tag tokens join the words' match, so fewer rows are read
    by_row = branch == "near" and interests and not plan.terms
    parts = [_fts_words(plan.terms, [], "AND")] if plan.terms else []
    if interests and not by_row:
        parts.append(_fts_words(plan.interest_words, tokens, "OR"))
    found = " AND " + _fts_match(f"q_{branch}", parts, cells, FTS_BY_BRANCH[branch], params) if parts else ""
    if by_row:
        options = [f"instr(g.tags, :tag{i}) > 0" for i in range(len(plan.tags))]
        if plan.interest_words:
            options.append(
                _fts_match(
                    f"iw_{branch}", [_fts_words(plan.interest_words, [], "OR")], cells, FTS_BY_BRANCH[branch], params
                )
            )
        found += " AND (" + " OR ".join(options) + ")"
    return found


# FTS5 tables a branch reads: listings with a place near one, listings without one online, both without a place.
FTS_BY_BRANCH = {"near": FTS_TABLES[:1], "online": FTS_TABLES[1:], "all": FTS_TABLES}


def _fts_words(words: list[str], tokens: list[str], joiner: str) -> str:
    """An FTS5 expression: quoted words (stemmed by the table) and exact tokens joined by AND/OR."""
    return "(" + f" {joiner} ".join([f'"{w}"' for w in words] + tokens) + ")"


def _fts_match(name: str, parts: list[str], cells: list[str] | None, tables: tuple[str, ...], params: dict) -> str:
    """`g.id IN` the rows of `tables` matching every part, and-ed with any of the cells."""
    expression = " AND ".join(parts)
    if cells:
        expression += " AND (" + " OR ".join(cells) + ")"
    params[name] = expression
    return "g.id IN (" + " UNION ALL ".join(f"SELECT rowid FROM {t} WHERE {t} MATCH :{name}" for t in tables) + ")"


def _ts_match(
    name: str, words: list[str], tokens: list[str], joiner: str, cells: list[str] | None, params: dict
) -> str:
    """A tsquery condition: words (english stemming) joined by &/|, or-ed with exact tokens, and-ed with any cell."""
    parts = []
    if words:
        params[name] = (" & " if joiner == "AND" else " | ").join(words)
        parts.append(f"to_tsquery('english', :{name})")
    if tokens:
        params[name + "_tokens"] = " | ".join(tokens)
        parts.append(f"to_tsquery('simple', :{name}_tokens)")
    query = "(" + " || ".join(parts) + ")"
    if cells:
        params[name + "_cells"] = " | ".join(cells)
        query = f"({query} && to_tsquery('simple', :{name}_cells))"
    return f"g.tsv @@ {query}"


def cells_around(lat: float, lon: float, radius_km: float) -> list[str] | None:
    """Tokens of the 1° cells covering the search box, or None when there would be too many."""
    box = bounding_box(lat, lon, radius_km)
    lat_cells = range(math.floor(box.min_lat), math.floor(min(box.max_lat, 89.999)) + 1)
    if box.min_lon <= box.max_lon:
        lon_cells = list(range(math.floor(box.min_lon), math.floor(min(box.max_lon, 179.999)) + 1))
    else:
        lon_cells = list(range(math.floor(box.min_lon), 180)) + list(range(-180, math.floor(box.max_lon) + 1))
    if len(lat_cells) * len(lon_cells) > MAX_CELLS:
        return None
    return [cell_name(a, b) for a in lat_cells for b in lon_cells]
