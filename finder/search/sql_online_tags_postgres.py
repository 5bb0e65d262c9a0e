"""PostgreSQL: the online branch with interests, its best rows without scoring every placeless row that has a tag.

Why: a tag matches 2-15 % of the placeless rows (800-6,200 of 40,000 at 1M listings, two tags up to 8,000), and the
first search of a filter set with interests (before its answer is remembered, `sql_cache`) read every match from the
table (a bitmap heap scan, a visit per match) to score it: 5-8 ms, the slowest part of a search with interests.
As on SQLite (`sql_online_tags`), a floor from real rows, then only the rows that can reach it, here read from the rank
index alone (`listing_geo_online_rank_tags`: by connection, soonest first, with every filter column and the tags,
migration 0017), so no row of the table is visited but those having every tag:
- the seed: the first `branch_limit` rows of the rank index having a tag (an index-only walk, stopped when found:
  ~branch_limit / share entries), with, for several tags, the rows having every tag (few; the text index's AND);
- the floor: the worst of the best `branch_limit` seed scores (none with fewer seed rows: every match is scored);
- the rows having a tag but not every tag have interest at most (tags - 1) / tags (one tag: 1), so their score with
  that interest and the others at their most bounds it: in each connection level only the rows whose timeliness can
  reach the floor are read (`sql_online_levels.postgres_level_rows`, as by place alone), and only rows whose bound
  reaches it are scored (their exact score, from the index's tags);
- the count: the tag tokens' placeless rows from `listing_geo_online_lexemes` (migration 0015; two tags: each one's,
  less those having both), less the matching rows that are over or not online (the 0011 indexes).
Used for one or two tags, only the default filters, first pages, and tags holding at least `MIN_SHARE` of the
placeless rows (rarer: the walk for the seed reads too many entries for their matches, and scoring them is cheap).
Same rows, order and total as scoring every match; the bounds keep a 1e-9 margin for rounding.
Reading the whole range of connections that can reach the floor instead: one range of the index, less to plan, but
at 1M listings ~16,000 index entries read for ~100 rows. The levels' statement took longer to plan, so it waited for
generic plans (`sql_cache.PLAN_ONCE`): planned once per connection, the bench's first searches with interests at 1M
listings (one pass each way, taking turns per search) came out p50 9.21 -> 7.86 ms, mean 10.19 -> 9.01.
"""

# ruff: noqa: S608  -- statements are assembled from fixed fragments; every value is a bound parameter

from __future__ import annotations

from typing import TYPE_CHECKING

from finder import ranking
from finder.index import NO_PLACE_BAND, tag_token
from finder.search import sql_online_levels, sql_online_tsv, sql_online_words
from finder.search.sql_cache import PLAN_ONCE
from finder.search.sql_online_tags import has_tags
from finder.search.sql_score import score_sql

if TYPE_CHECKING:
    from finder.search.sql import Plan

# From this share of the placeless rows on, the tags' matches are floored (online branch alone at 1M listings, EXPLAIN
# ANALYZE execution, floored vs every match scored: "Animals" 15 % 0.8 vs 10.4 ms, "Animals, Health" 20 % 1.0 vs 12.7,
# "Food & cooking, Women" 5.2 % 3.5 vs 4.3, "Health" 4.9 % 2.5 vs 3.7, "Food & cooking" 2.2 % 2.6 vs 1.35)
MIN_SHARE = 0.04
MAX_TAGS = 2  # the count by lexemes: each tag's rows, less those having both
MAX_BRANCH_LIMIT = 100  # deeper pages: a lower floor reaches most rows; every match is scored
_MARGIN = sql_online_levels.MARGIN


def applies(plan: Plan) -> bool:
    """Interests alone (`sql_online.prunable` leaves out words), one or two tags, default filters, first pages."""
    return (
        bool(plan.tags)
        and len(plan.tags) <= MAX_TAGS
        and ranking.W_CONNECTION > 0
        and sql_online_words.subtractable(plan)
        and plan.offset + plan.limit <= MAX_BRANCH_LIMIT
    )


def pruned_sql(plan: Plan, params: dict, *, columns: str, score: str, filters: str, text: str) -> str:
    """The online branch's statement: rows (id, distance_km, next_epoch, score, total), best `branch_limit`.

    `filters`: the branch's conditions without the tags (over `listing_geo g`, placeless rows); `text`: the tags'
    condition on the text index (any tag token)."""
    every = len(plan.tags) > 1
    tokens = [tag_token(slug) for slug in plan.tags]
    for i, token in enumerate(tokens):
        params[f"tag_token{i}"] = token
    params["tag_ceiling"] = (len(plan.tags) - 1) / len(plan.tags) if every else 1.0
    params["min_share"] = MIN_SHARE
    ceiling = score_sql(plan, params, True, ":online_distance", interest=":tag_ceiling")
    any_tag = has_tags(plan, "OR", postgres=True)
    bounded = f"{any_tag} AND NOT {has_tags(plan, 'AND', postgres=True)}" if every else any_tag
    lexeme_rows = " + ".join(
        f"COALESCE((SELECT l.rows FROM listing_geo_online_lexemes l WHERE l.lexeme = :tag_token{i}), 0)"
        for i in range(len(tokens))
    )
    all_rows = (  # one tag: none apart
        "SELECT NULL::bigint AS id, NULL::float8 AS distance_km, NULL::float8 AS next_epoch, NULL::float8 AS score "
        "WHERE false"
    )
    both = "0"
    if every:
        params["q_every"] = " & ".join(tokens)
        every_text = "g.tsv @@ to_tsquery('simple', :q_every)"
        all_rows = f"SELECT {columns} FROM listing_geo g WHERE {filters} AND {every_text}"
        both = f"(SELECT count(*) FROM listing_geo g WHERE g.lat_band = {NO_PLACE_BAND} AND {every_text})"
    count = sql_online_tsv.subtracted_count(f"({lexeme_rows} - {both})", text)
    seed = (
        f"SELECT id, score FROM (SELECT g.id, {score} AS score FROM listing_geo g WHERE {filters} AND {any_tag} "
        "ORDER BY g.connection DESC, g.next_epoch LIMIT :branch_limit) walked UNION SELECT id, score FROM every_tag"
    )
    floor = (
        "SELECT CASE WHEN count(*) < :branch_limit THEN NULL ELSE min(s.score) END AS v "
        "FROM (SELECT score FROM seed ORDER BY score DESC LIMIT :branch_limit) s"
    )
    # in each connection level only the rows whose timeliness can reach the floor (`sql_online_levels`), and of
    # those only the ones whose ceiling does; with them the rows having every tag
    rows = sql_online_levels.postgres_level_rows(
        columns,
        rest=":w_distance * :online_distance + :w_interest * :tag_ceiling",
        where=f"{filters} AND {ceiling} >= f.v - {_MARGIN} AND {bounded}",
        also="SELECT * FROM every_tag",
    )
    floored = f"SELECT * FROM ({rows}) r ORDER BY score DESC, id LIMIT :branch_limit"
    scored = (  # every match scored, as without a floor (finder.search.sql)
        f"WITH x AS MATERIALIZED (SELECT {columns} FROM listing_geo g WHERE {filters} AND {text}) "
        "SELECT *, (SELECT count(*) FROM x) AS total FROM x ORDER BY score DESC, id LIMIT :branch_limit"
    )
    common = (
        f"({lexeme_rows}) >= :min_share * COALESCE((SELECT placeless FROM search_meta WHERE id = 1), 0) "
        "AND (SELECT v FROM f) IS NOT NULL"
    )
    return (  # planned once per connection (`PLAN_ONCE`): its plan was 2 ms of a first search with interests
        f"{PLAN_ONCE}WITH every_tag AS MATERIALIZED ({all_rows}), seed AS MATERIALIZED ({seed}), "
        f"f AS MATERIALIZED ({floor}) "
        f"SELECT *, {count} AS total FROM ({floored}) floored WHERE {common} "
        f"UNION ALL SELECT * FROM ({scored}) scored WHERE NOT ({common})"
    )
