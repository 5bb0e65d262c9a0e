"""The ranking sum in SQL: `ranking.score()` over `listing_geo g`, per dialect."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from finder.search.sql import Plan


def _instr(postgres: bool) -> str:
    return "strpos" if postgres else "instr"


def score_sql(
    plan: Plan, params: dict, postgres: bool, closeness: str, *, relevance_ceiling: bool = False, interest: str = ""
) -> str:
    """ranking.score() in SQL over `listing_geo g`: the same components, the same order of operations.

    `relevance_ceiling`: the text relevance at its most (1 with title terms), so the sum bounds every row's score
    from above while reading no title (the online branch's floor with words: `sql_online_words`, `sql_online_tsv`);
    `interest`: the interest overlap as given (an upper bound of it, reading no tags: `sql_online_tags`)."""
    instr = _instr(postgres)
    if interest:
        interest = f"({interest})"
    elif plan.tags:
        params["inv_tags"] = 1.0 / len(plan.tags)
        hits = " + ".join(
            f"(CASE WHEN {instr}(g.tags, :tag{i}) > 0 THEN 1.0 ELSE 0.0 END)" for i in range(len(plan.tags))
        )
        interest = f"(({hits}) * :inv_tags)"
    else:
        interest = "0.0"
    relevance_terms = list(dict.fromkeys(plan.title_terms))
    if relevance_terms and relevance_ceiling:
        relevance = "1.0"
    elif relevance_terms:
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
