"""Search: `SearchQuery.from_args` (the /api/v1/search parameters) and `run_search` (a ranked page).

Parsing lives in `finder/search/query.py`, the run in `finder/search/run.py`, the SQL in
`finder/search/sql.py`, the formula in `finder/ranking.py`, the reasons in `finder/reasons.py`.

Other areas import these names from the package itself; the modules load on first use."""

from finder.lazy import lazy_exports

__all__, __getattr__ = lazy_exports(
    __name__,
    {
        "filters": ["FILTERS", "Near", "TextKey", "text_keys"],
        "query": ["PARAMS", "PlaceError", "QUERY_PARAMS", "QueryError", "SearchQuery"],
        "run": ["SearchPage", "SearchResult", "make_plan", "next_start", "resolve_place", "run_search"],
        "sql": ["Plan"],
    },
)
