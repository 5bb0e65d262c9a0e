"""SQL for a search, per dialect: spatial prefilter, filters, the ranking sum, one page of ids.

Candidates come from `listing_geo` (0.1° latitude bands × a longitude range), are refined by the
straight-line distance between unit-sphere vectors (exact, and within 1 m of the great-circle
distance at 100 km, for a fifth of haversine's cost) and scored in SQL with `ranking.WEIGHTS` passed as float parameters, so the
order equals `ranking.score()` order. Text: FTS5 on SQLite, tsvector on PostgreSQL.
"""

# ruff: noqa: S608  -- statements are assembled from fixed fragments; every value is a bound parameter

from __future__ import annotations

import math
import re
from collections import OrderedDict
from dataclasses import dataclass, field

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from finder import index, ranking
from finder.geo import bounding_box
from finder.index import FLAG_BITS, FTS_TABLES, NO_PLACE_BAND, ONLINE_CELL, cell_name, tag_token
from finder.models.base import UTCDateTime
from finder.search.filters import Near, sql_conditions

_FLOAT_LITERAL = re.compile(r"(?<![\w.:])(\d+\.\d+)(?![\w.])")
MAX_CELLS = 400
_PARAM = re.compile(r"(?<![:\w]):(\w+)")
GENERATION_COLUMN = ", (SELECT generation FROM search_meta WHERE id = 1) AS generation"
ONLINE_TABLE = "listing_geo_online"  # SQLite's narrow copy of the placeless rows (finder.index.schema)
ONLINE_FTS = FTS_TABLES[1]  # their text
GEO_COLUMNS = "g.id, g.lat, g.lon, g.kind, g.flags, g.next_epoch, g.connection, g.tags, g.title_norm"


@dataclass
class Plan:
    """What the SQL needs, already resolved: point, filters as bit masks, terms, window, page."""

    now_epoch: float
    lat: float | None = None
    lon: float | None = None
    radius_km: float = 25.0
    kinds: tuple[str, ...] = ()
    must_flags: int = 0
    any_flags: int = 0
    days_mask: int = 0
    times_mask: int = 0
    online: str = "include"
    tags: list[str] = field(default_factory=list)
    interest_words: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    title_terms: list[str] = field(default_factory=list)  # stems looked for at word starts in titles
    window: tuple | None = None  # (from, to) aware datetimes
    sort: str = "best"
    limit: int = 20
    offset: int = 0


def execute(session: Session, plan: Plan) -> tuple[list[tuple[int, float | None, float]], int]:
    """[(listing id, distance_km or None, score)] of the page, and the total number of matches.

    Each branch answers its best `offset + limit` rows and its count; the page is cut from their
    merge in the same order as SQL. The online branch does not depend on the place, so its answer
    is kept for the same filters, minute and index generation (see `index_schema.generation`).
    """
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_read_settings(session)
    merged, total = [], 0
    generation = None
    for name, statement, params in build(plan, dialect):
        key = None
        if name == "online":
            generation = index.generation(session) if generation is None else generation
            key = (str(session.get_bind().url), generation, statement.text, _frozen(params))
        rows = _ONLINE_CACHE.get(key) if key else None
        if rows is None:
            rows = [tuple(r) for r in session.execute(statement, params).all()]
            if key:
                _remember(key, rows)
            elif rows and len(rows[0]) > 5:  # the near branch read the generation too: one round trip less
                generation = int(rows[0][5])
        merged.extend(rows)
        total += int(rows[0][4]) if rows else 0
    merged.sort(key=_ORDER_KEYS[plan.sort])
    return [(r[0], r[1], r[3]) for r in merged[plan.offset : plan.offset + plan.limit]], total


# Rows without a place: SQLite seeks their whole key (lon is 0); PostgreSQL gets the band as a literal, so it
# may use the partial text index of placeless rows (a test of lon would mislead its row estimate).
_PLACELESS = {False: f"g.lat_band = {NO_PLACE_BAND} AND g.lon = 0.0", True: f"g.lat_band = {NO_PLACE_BAND}"}


def _frozen(params: dict) -> tuple:
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))


_ONLINE_CACHE: OrderedDict = OrderedDict()
ONLINE_CACHE_SIZE = 512


def forget_online_answers() -> None:
    """Drop the remembered online-branch answers (benchmarks; the index generation handles changes)."""
    _ONLINE_CACHE.clear()


def _remember(key, rows) -> None:
    _ONLINE_CACHE[key] = rows
    while len(_ONLINE_CACHE) > ONLINE_CACHE_SIZE:
        _ONLINE_CACHE.popitem(last=False)


# Python twins of ORDERS, over rows (id, distance_km, next_epoch, score, total).
_ORDER_KEYS = {
    "best": lambda r: (-r[3], r[0]),
    "nearest": lambda r: (r[1] is None, r[1] or 0.0, -r[3], r[0]),
    "soonest": lambda r: (r[2] is None, r[2] or 0.0, -r[3], r[0]),
}


# Mapped pages count in a worker's resident memory; at 1M listings (a 0.7 GB file) a 256 MB map brought
# workers near 300 MB for no speed over 64 MB (the OS page cache serves the rest).
SQLITE_MMAP_BYTES = 64 * 1024 * 1024
SQLITE_CACHE_KIB = 32 * 1024


def _sqlite_read_settings(session: Session) -> None:
    """Memory-map the file and widen the page cache, once per connection (the index is read-mostly)."""
    connection = session.connection()
    if not connection.info.get("search_settings"):
        connection.exec_driver_sql(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
        connection.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        connection.info["search_settings"] = True


ORDERS = {
    "best": "score DESC, id",
    "nearest": "distance_km IS NULL, distance_km, score DESC, id",
    "soonest": "next_epoch IS NULL, next_epoch, score DESC, id",
}


def build(plan: Plan, dialect: str) -> list[tuple[str, object, dict]]:
    """(branch name, statement, parameters) per branch: listings near the point, and online listings.

    Each picks its best `offset + limit` rows with ORDER BY ... LIMIT (a bounded sort, nothing
    materialised) and counts its matches; rows are (id, distance_km, next_epoch, score, total), and
    the near branch's rows end with the index generation when an online branch follows.
    """
    postgres = dialect == "postgresql"
    params: dict = {
        "now": plan.now_epoch,
        "limit": plan.limit,
        "offset": plan.offset,
        "branch_limit": plan.offset + plan.limit,
        **ranking.WEIGHTS,
    }
    common = " AND ".join(_filters(plan, params))
    branches = []  # (name, columns, where)
    null_distance = "CAST(NULL AS DOUBLE PRECISION)"
    if plan.lat is not None:
        params["radius_km"] = plan.radius_km
        if plan.online != "only":
            spatial, dist = _spatial(plan, params)
            text_match = _text(plan, params, postgres, "near", cells_around(plan.lat, plan.lon, plan.radius_km))
            closeness = f"(1.0 / (1.0 + {dist} / :distance_scale_km))"
            # cheap tests first; on SQLite the text or tag test before the filters, as it drops most rows of the
            # range (PostgreSQL orders its tests by cost itself)
            tests = f"{common}{text_match}" if postgres else f"{text_match.removeprefix(' AND ')} AND {common}"
            branches.append(
                (
                    "near",
                    f"g.id, {dist} AS distance_km, g.next_epoch, "
                    f"{_score_sql(plan, params, postgres, closeness)} AS score",
                    f"{spatial} AND {tests.removeprefix(' AND ')} AND {dist} <= :radius_km",
                )
            )
        if plan.online != "exclude":
            params["online_bit"] = FLAG_BITS["online"]
            # PostgreSQL: and-ed with the placeless token, so stop words alone are ignored there as near a place
            text_match = _text(plan, params, postgres, "online", [ONLINE_CELL] if postgres else None)
            score = _score_sql(plan, params, postgres, ":online_distance")
            if postgres:
                where = f"{_PLACELESS[postgres]} AND (g.flags & :online_bit) != 0 AND {common}{text_match}"
            else:  # its own narrow table holds only placeless rows; words and tags join their text table's matches
                where = f"(g.flags & :online_bit) != 0 AND {common}"
                if text_match:
                    where = f"{ONLINE_FTS} MATCH :q_online AND {where}"
            branches.append(("online", f"g.id, {null_distance} AS distance_km, g.next_epoch, {score} AS score", where))
    else:
        text_match = _text(plan, params, postgres, "all", None)
        branches.append(
            (
                "all",
                f"g.id, {null_distance} AS distance_km, g.next_epoch, "
                f"{_score_sql(plan, params, postgres, '0.0')} AS score",
                f"{common}{text_match}",
            )
        )
    order = ORDERS[plan.sort]
    statements = []
    for name, columns, where in branches:
        # the near branch also answers the index generation, which keys the online branch's remembered answers
        extra = GENERATION_COLUMN if name == "near" and len(branches) > 1 else ""
        if name == "online" and not postgres:
            # placeless rows in their narrow table: the count and the best rows in two passes over it, each cheaper
            # than scoring every row into a materialised set (fewer columns to decode, nothing written)
            source = (
                f"{ONLINE_FTS} JOIN {ONLINE_TABLE} g ON g.id = {ONLINE_FTS}.rowid"
                if f"{ONLINE_FTS} MATCH" in where
                else f"{ONLINE_TABLE} g"
            )
            sql = (
                f"SELECT {columns}, (SELECT count(*) FROM {source} WHERE {where}) AS total "
                f"FROM {source} WHERE {where} ORDER BY {order} LIMIT :branch_limit"
            )
        else:
            sql = (
                f"WITH x AS MATERIALIZED (SELECT {columns} FROM listing_geo g WHERE {where}) "
                f"SELECT id, distance_km, next_epoch, score, (SELECT count(*) FROM x) AS total{extra} "
                f"FROM x ORDER BY {order} LIMIT :branch_limit"
            )
        statement, names = _statement(
            sql, postgres, tuple(sorted(k for k, v in params.items() if isinstance(v, list | tuple)))
        )
        statements.append((name, statement, {key: params[key] for key in names if key in params}))
    return statements


_STATEMENTS: OrderedDict = OrderedDict()
STATEMENT_CACHE_SIZE = 1024


def _statement(sql: str, postgres: bool, lists: tuple[str, ...]) -> tuple[object, tuple[str, ...]]:
    """The text() statement of assembled SQL and its parameter names, built once per distinct SQL."""
    key = (sql, postgres, lists)
    found = _STATEMENTS.get(key)
    if found is not None:
        _STATEMENTS.move_to_end(key)
        return found
    if postgres:
        sql = _FLOAT_LITERAL.sub(r"\1::float8", sql)  # float8 arithmetic, never numeric
    names = tuple(dict.fromkeys(_PARAM.findall(sql)))
    statement = text(sql)
    for key_name in names:
        if key_name in lists:
            statement = statement.bindparams(bindparam(key_name, expanding=True))
        elif key_name.startswith("win_"):
            statement = statement.bindparams(bindparam(key_name, type_=UTCDateTime()))
    found = (statement, names)
    _STATEMENTS[key] = found
    while len(_STATEMENTS) > STATEMENT_CACHE_SIZE:
        _STATEMENTS.popitem(last=False)
    return found


def _filters(plan: Plan, params: dict) -> list[str]:
    """Every filter's condition, from the one definition search and alerts share (`finder.search.filters`)."""
    return sql_conditions(plan, params)


def _text(plan: Plan, params: dict, postgres: bool, branch: str, cells: list[str] | None) -> str:
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


def _instr(postgres: bool) -> str:
    return "strpos" if postgres else "instr"


def _spatial(plan: Plan, params: dict) -> tuple[str, str]:
    return Near.of(plan).sql(params)  # the place filter, shared with alerts (`finder.search.filters`)


def _score_sql(plan: Plan, params: dict, postgres: bool, closeness: str) -> str:
    """ranking.score() in SQL over `listing_geo g`: the same components, the same order of operations."""
    instr = _instr(postgres)
    if plan.tags:
        params["inv_tags"] = 1.0 / len(plan.tags)
        hits = " + ".join(
            f"(CASE WHEN {instr}(g.tags, :tag{i}) > 0 THEN 1.0 ELSE 0.0 END)" for i in range(len(plan.tags))
        )
        interest = f"(({hits}) * :inv_tags)"
    else:
        interest = "0.0"
    relevance_terms = list(dict.fromkeys(plan.title_terms))
    if relevance_terms:
        params["inv_terms"] = 1.0 / len(relevance_terms)
        for i, term in enumerate(relevance_terms):
            params[f"rt{i}"] = " " + term
        hits = " + ".join(
            f"(CASE WHEN {instr}(g.title_norm, :rt{i}) > 0 THEN 1.0 ELSE 0.0 END)" for i in range(len(relevance_terms))
        )
        relevance = f"(({hits}) * :inv_terms)"
    else:
        relevance = "0.0"
    greatest = "greatest" if postgres else "max"
    timeliness = (
        f"(CASE WHEN g.next_epoch IS NULL THEN :undated_timeliness ELSE 1.0 / (1.0 + "
        f"({greatest}(g.next_epoch - :now, 0.0) / 3600.0) / :soon_scale_h) END)"
    )
    return (
        f"(:w_distance * {closeness} + :w_interest * {interest} + :w_text * {relevance} "
        f"+ :w_time * {timeliness} + :w_connection * g.connection)"
    )
