"""The one way views run a search: query-string → `SearchQuery` → `run_search` → an outcome to render."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from finder.geo import get_resolver
from finder.search import PARAMS, PlaceError, QueryError, SearchQuery, run_search
from finder.web.extensions import get_session, place_resolver
from scrapers.listing import KINDS

RADII_KM = (2, 5, 10, 25, 50, 100)
# The kinds (scrapers.listing.KINDS) in the visitor's words: the search form, filter chips and badges.
KIND_CHOICES = dict(
    zip(
        KINDS,
        (_l("Club or group"), _l("Volunteering"), _l("Meetup or event"), _l("Online"), _l("Community support")),
        strict=True,
    )
)
WHEN_CHOICES = {
    "any": _l("Any time"),
    "today": _l("Today"),
    "weekend": _l("This weekend"),
    "week": _l("This week"),
    "month": _l("This month"),
}
SORTS = {"best": _l("Best match"), "nearest": _l("Nearest"), "soonest": _l("Soonest")}
FEED_LIMIT = 500
DEFAULTS = {"when": "any", "online": "include", "sort": "best", "page": "1"}


@dataclass
class Outcome:
    """What the results page needs: the page of results, or why there is none."""

    args: dict[str, str]
    page: object | None = None
    error: str = ""
    error_param: str = ""
    place_not_found: bool = False
    suggestions: list = field(default_factory=list)


def search_args(args: MultiDict) -> dict[str, str]:
    """Known search parameters as the search reads them: repeated keys joined by commas, blanks and defaults dropped."""
    out: dict[str, str] = {}
    for key in (key for key in args if key in PARAMS):  # anything else in a query string is ignored
        values = [value.strip() for value in args.getlist(key) if value and value.strip()]
        if values:
            out[key] = ",".join(values)
    return {key: value for key, value in out.items() if DEFAULTS.get(key) != value}


def has_search(args: dict[str, str]) -> bool:
    """True when the visitor asked for something (not just a sort or a page)."""
    return bool(set(args) - {"page", "per_page", "sort"})


def resolver():
    """The place resolver: the gazetteer (None when not installed), then the online geocoder when one is set."""
    return place_resolver()


def perform(args: dict[str, str], *, per_page: int | None = None, page_number: int | None = None) -> Outcome:
    """Run the search the arguments describe; bad input and unknown places become messages."""
    outcome = Outcome(args=args)
    query_args = dict(args)
    if per_page is not None:
        query_args["per_page"] = str(min(per_page, 100))
    if page_number is not None:
        query_args["page"] = str(page_number)
    try:
        query = SearchQuery.from_args(query_args)
        outcome.page = run_search(get_session(), query, resolver(), tz_name=current_app.config["FINDER"].TIMEZONE)
        if outcome.page.place and query.has_point and not query.where:
            outcome.page.place["name"] = point_name(query.lat, query.lon)
    except QueryError as error:
        outcome.error, outcome.error_param = error.message, error.param
    except PlaceError as error:
        outcome.error = error.message
        outcome.place_not_found = True
        outcome.suggestions = list(error.suggestions)
    return outcome


def point_name(lat: float, lon: float) -> str:
    """How a searched point ("use my location") reads on the page: the nearest town in the gazetteer
    ("Mitte, Berlin"), else "your location"; never raw coordinates."""
    places = get_resolver(current_app.config["FINDER"])  # the gazetteer: never an online lookup for this
    found = places.nearest(lat, lon) if places is not None else None
    return ", ".join(found.name.split(", ")[:2]) if found else _("your location")


def all_results(args: dict[str, str]) -> tuple[Outcome, list]:
    """Every result of a search (for feeds), page after page up to FEED_LIMIT, soonest first."""
    args = {key: value for key, value in args.items() if key not in ("page", "per_page")}
    args.setdefault("sort", "soonest")
    first = perform(args, per_page=100, page_number=1)
    if first.page is None:
        return first, []
    results = list(first.page.results)
    number = 1
    while len(results) < min(first.page.total, FEED_LIMIT):
        number += 1
        more = perform(args, per_page=100, page_number=number)
        if more.page is None or not more.page.results:
            break
        results.extend(more.page.results)
    return first, results[:FEED_LIMIT]


def with_args(args: dict[str, str], **changes) -> str:
    """The query string of `args` with `changes` applied (None removes a key); page resets unless given."""
    merged = {key: value for key, value in args.items() if key != "page"}
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = str(value)
    return urlencode(merged)


def suggestion_args(args: dict[str, str], suggestion: str) -> str:
    """Query string for one "did you mean" place label such as 'Springfield, Illinois, US'."""
    return with_args(args, where=suggestion, lat=None, lon=None)


def back_to_search(referrer: str | None, host: str) -> str:
    """The query string of the search a visitor came from (our own /search page in `referrer`), only its
    known search parameters kept; '' when they did not come from a search."""
    if not referrer:
        return ""
    parts = urlsplit(referrer)
    if parts.netloc != host or parts.path != "/search":
        return ""
    return urlencode(search_args(MultiDict(parse_qs(parts.query))))
