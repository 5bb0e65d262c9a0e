"""SQL for a search, per dialect: spatial prefilter, filters, the ranking sum, one page of ids.

Candidates come from `listing_geo` (0.1° latitude bands × a longitude range), are refined by the
straight-line distance between unit-sphere vectors (exact, and within 1 m of the great-circle
distance at 100 km, for a fifth of haversine's cost) and scored in SQL with `ranking.WEIGHTS` passed
as float parameters, so the order equals `ranking.score()` order. Text: FTS5 on SQLite, tsvector on
PostgreSQL. The text conditions are `finder.search.sql_text`, the ranking sum
`finder.search.sql_score`, the statement and answer caches `finder.search.sql_cache`, the online branch's score
floor (it spares scoring most placeless rows) `finder.search.sql_online` (with interests on SQLite
`finder.search.sql_online_tags`); the near branch by place over a wide circle ranks the rows within reach of a
ring's best, `finder.search.sql_near_ring`; on SQLite the near branch with words reads from the rarer side, the
words' matches or the rows around the point, `finder.search.sql_near_words`.
"""

# ruff: noqa: S608  -- statements are assembled from fixed fragments; every value is a bound parameter

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from finder import index, ranking
from finder.index import FLAG_BITS, NO_PLACE_BAND, ONLINE_CELL
from finder.search import (
    sql_near_ring,
    sql_near_words,
    sql_online,
    sql_online_soonest,
    sql_online_tags,
    sql_online_tags_postgres,
    sql_online_tsv,
    sql_online_words,
)
from finder.search.filters import Near, sql_conditions
from finder.search.sql_cache import ONLINE_CACHE, compiled_statement, frozen_params, remember_online, rows_of
from finder.search.sql_score import score_sql
from finder.search.sql_text import cells_around, text_conditions

GENERATION_COLUMN = ", (SELECT generation FROM search_meta WHERE id = 1) AS generation"
ONLINE_TABLE, ONLINE_FTS = sql_online_words.TABLE, sql_online_words.FTS
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
            key = (str(session.get_bind().url), generation, statement.text, frozen_params(params))
        rows = ONLINE_CACHE.get(key) if key else None
        if rows is None:
            rows = rows_of(session, statement, params, dialect)
            if key:
                remember_online(key, rows)
            elif rows and len(rows[0]) > 5:  # the near branch read the generation too: one round trip less
                generation = int(rows[0][5])
        merged.extend(rows)
        total += int(rows[0][4]) if rows else 0
    merged.sort(key=_ORDER_KEYS[plan.sort])
    return [(r[0], r[1], r[3]) for r in merged[plan.offset : plan.offset + plan.limit]], total


# Rows without a place: SQLite seeks their whole key (lon is 0); PostgreSQL gets the band as a literal, so it
# may use the partial text index of placeless rows (a test of lon would mislead its row estimate).
_PLACELESS = {False: f"g.lat_band = {NO_PLACE_BAND} AND g.lon = 0.0", True: f"g.lat_band = {NO_PLACE_BAND}"}


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
    branches = []  # (name, columns, where, the whole statement when the branch is floored, else None)
    near_words = None  # SQLite with words: (the box's condition, the rest) for `sql_near_words`
    ring = None  # by place alone over a wide circle: the fragments `sql_near_ring` builds on
    null_distance = "CAST(NULL AS DOUBLE PRECISION)"
    if plan.lat is not None:
        params["radius_km"] = plan.radius_km
        if plan.online != "only":
            spatial, dist = _spatial(plan, params)
            text_match = text_conditions(
                plan, params, postgres, "near", cells_around(plan.lat, plan.lon, plan.radius_km)
            )
            closeness = f"(1.0 / (1.0 + {dist} / :distance_scale_km))"
            # cheap tests first; on SQLite the text or tag test before the filters, as it drops most rows of the
            # range (PostgreSQL orders its tests by cost itself)
            tests = f"{common}{text_match}" if postgres else f"{text_match.removeprefix(' AND ')} AND {common}"
            if not postgres and sql_near_words.applies(text_match, params["bands"]):  # the rarer side first
                near_words = (spatial, f"{common} AND {dist} <= :radius_km")
            score = score_sql(plan, params, postgres, closeness)
            columns = f"g.id, {dist} AS distance_km, g.next_epoch, {score} AS score"
            rest = tests.removeprefix(" AND ")
            if sql_near_ring.applies(plan, params):  # the rows within reach of a ring's best
                sql_near_ring.bind(plan, params)
                ring = {"columns": columns, "score": score, "spatial": spatial, "rest": rest, "dist": dist}
            branches.append(("near", columns, f"{spatial} AND {rest} AND {dist} <= :radius_km", None))
        if plan.online != "exclude":
            params["online_bit"] = FLAG_BITS["online"]
            # PostgreSQL: and-ed with the placeless token, so stop words alone are ignored there as near a place
            text_match = text_conditions(plan, params, postgres, "online", [ONLINE_CELL] if postgres else None)
            score = score_sql(plan, params, postgres, ":online_distance")
            if postgres:
                filters = f"{_PLACELESS[postgres]} AND (g.flags & :online_bit) != 0 AND {common}"
                where = f"{filters}{text_match}"
            else:  # its own narrow table holds only placeless rows; words and tags join their text table's matches
                where = f"(g.flags & :online_bit) != 0 AND {common}"
                if text_match:
                    where = f"{ONLINE_FTS} MATCH :q_online AND {where}"
            columns = f"g.id, {null_distance} AS distance_km, g.next_epoch, {score} AS score"
            pruned = None
            floored = sql_online.prunable(plan)  # a score floor spares scoring most rows
            if floored and plan.tags:  # interests: when their tags are common (first pages)
                if sql_online_tags.applies(plan, postgres):
                    pruned = sql_online_tags.pruned_sql(
                        plan, params, columns=columns, score=score, filters=f"(g.flags & :online_bit) != 0 AND {common}"
                    )
                elif postgres and sql_online_tags_postgres.applies(plan):
                    pruned = sql_online_tags_postgres.pruned_sql(
                        plan,
                        params,
                        columns=columns,
                        score=score,
                        filters=filters,
                        text=text_match.removeprefix(" AND "),
                    )
            elif floored and postgres and text_match:  # PostgreSQL with words: when they are common
                if plan.offset + plan.limit <= sql_online_tsv.MAX_BRANCH_LIMIT:
                    params["walk"] = sql_online_tsv.WALK
                    pruned = sql_online_tsv.pruned_sql(
                        plan,
                        columns=columns,
                        score=score,
                        ceiling=score_sql(plan, params, postgres, ":online_distance", relevance_ceiling=True),
                        filters=filters,
                        text=text_match.removeprefix(" AND "),
                    )
            elif floored:
                words = None
                source = "listing_geo g" if postgres else f"{ONLINE_TABLE} g"
                if text_match:
                    source = f"{ONLINE_FTS} JOIN {ONLINE_TABLE} g ON g.id = {ONLINE_FTS}.rowid"
                    params["dense_matches"] = sql_online_words.DENSE_MATCHES
                    params["common_matches"] = sql_online_words.common_matches(plan)
                    ceiling = score_sql(plan, params, postgres, ":online_distance", relevance_ceiling=True)
                    words = (ONLINE_TABLE, f"(g.flags & :online_bit) != 0 AND {common}", ceiling)
                pruned = sql_online.pruned_sql(
                    plan, columns=columns, score=score, source=source, where=where, words=words, postgres=postgres
                )
            if pruned is None and sql_online_soonest.applies(plan):  # by date: the rows up to the page's last start
                pruned = sql_online_soonest.statement(
                    plan,
                    columns=columns,
                    order=ORDERS["soonest"],
                    source="listing_geo g" if postgres else f"{ONLINE_TABLE} g",
                    where=where,
                    postgres=postgres,
                )
            branches.append(("online", columns, where, pruned))
    else:
        text_match = text_conditions(plan, params, postgres, "all", None)
        branches.append(
            (
                "all",
                f"g.id, {null_distance} AS distance_km, g.next_epoch, "
                f"{score_sql(plan, params, postgres, '0.0')} AS score",
                f"{common}{text_match}",
                None,
            )
        )
    order = ORDERS[plan.sort]
    statements = []
    for name, columns, where, pruned in branches:
        # the near branch also answers the index generation, which keys the online branch's remembered answers
        extra = GENERATION_COLUMN if name == "near" and len(branches) > 1 else ""
        if pruned:
            sql = pruned
        elif name == "near" and ring:
            sql = sql_near_ring.statement(postgres=postgres, extra=extra, **ring)
        elif name == "near" and near_words:
            spatial, rest = near_words
            sql = sql_near_words.statement(columns=columns, spatial=spatial, rest=rest, order=order, extra=extra)
        elif name == "online" and not postgres:
            # placeless rows in their narrow table: the count and the best rows in two passes over it, each cheaper
            # than scoring every row into a materialised set (fewer columns to decode, nothing written)
            source = (
                f"{ONLINE_FTS} JOIN {ONLINE_TABLE} g ON g.id = {ONLINE_FTS}.rowid"
                if f"{ONLINE_FTS} MATCH" in where
                else f"{ONLINE_TABLE} g"
            )
            prefix, count = sql_online_words.count_sql(plan, source, where)
            sql = (
                f"{prefix}SELECT {columns}, {count} AS total "
                f"FROM {source} WHERE {where} ORDER BY {order} LIMIT :branch_limit"
            )
        else:
            sql = (
                f"WITH x AS MATERIALIZED (SELECT {columns} FROM listing_geo g WHERE {where}) "
                f"SELECT id, distance_km, next_epoch, score, (SELECT count(*) FROM x) AS total{extra} "
                f"FROM x ORDER BY {order} LIMIT :branch_limit"
            )
        statement, names = compiled_statement(
            sql, postgres, tuple(sorted(k for k, v in params.items() if isinstance(v, list | tuple)))
        )
        statements.append((name, statement, {key: params[key] for key in names if key in params}))
    return statements


def _filters(plan: Plan, params: dict) -> list[str]:
    """Every filter's condition, from the one definition search and alerts share (`finder.search.filters`)."""
    return sql_conditions(plan, params)


def _spatial(plan: Plan, params: dict) -> tuple[str, str]:
    return Near.of(plan).sql(params)  # the place filter, shared with alerts (`finder.search.filters`)
