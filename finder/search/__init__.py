"""Search: `SearchQuery.from_args` (the /api/v1/search parameters) and `run_search` (a ranked page).

Parsing lives in `finder/search/query.py`, the run in `finder/search/run.py`, the SQL in
`finder/search/sql.py`, the formula in `finder/ranking.py`, the reasons in `finder/reasons.py`.
"""

from finder.search.query import PARAMS, QUERY_PARAMS, PlaceError, QueryError, SearchQuery
from finder.search.run import SearchPage, SearchResult, run_search

__all__ = ["PARAMS", "QUERY_PARAMS", "PlaceError", "QueryError", "SearchPage", "SearchQuery", "SearchResult",
           "run_search"]
