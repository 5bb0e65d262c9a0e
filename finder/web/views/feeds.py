"""Any search as a calendar (`/search.ics`) or an Atom feed (`/search.atom`): every future match, no paging."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, request

from finder import catalog
from finder.web import feeds
from finder.web.extensions import SEARCH_RATE_LIMIT, get_session, limiter
from finder.web.views import searching
from finder.web.views.display_time import local_when
from finder.web.views.display_words import describe_rule, kind_label
from finder.web.views.zones import shown_zone

bp = Blueprint("feeds", __name__)


def _future_listings(now: datetime):
    args = searching.search_args(request.args)
    outcome, results = searching.all_results(args)
    if outcome.page is None:
        return args, outcome, []
    listings = [result.listing for result in results if _is_future(result, now)]
    return args, outcome, listings


def _is_future(result, now: datetime) -> bool:
    """Still to come or ongoing: a next start ahead, or no dates at all (a club, a service)."""
    listing = result.listing
    start = result.next_start or listing.next_start
    if start is None:
        return listing.start is None
    return (listing.end if listing.end and listing.end > start else start) >= now


def _error(outcome) -> Response:
    return Response(f"{outcome.error}\n", status=400 if outcome.error_param else 422, mimetype="text/plain")


def _title(args: dict[str, str]) -> str:
    parts = [args.get("interests", ""), args.get("q", ""), args.get("kind", "")]
    what = ", ".join(p for p in parts if p) or "Everything"
    where = args.get("where") or ("your location" if "lat" in args else "")
    return f"Kindred: {what}" + (f" near {where}" if where else "")


@bp.get("/search.ics")
@limiter.shared_limit(SEARCH_RATE_LIMIT, scope="search")
def search_ics():
    now = datetime.now(UTC)
    args, outcome, listings = _future_listings(now)
    if outcome.page is None:
        return _error(outcome)
    terms = catalog.terms_for(get_session(), [listing.id for listing in listings])
    links_only = frozenset(i for i, value in terms.items() if value["links_only"])
    body = feeds.search_calendar(listings, current_app.config["FINDER"].BASE_URL, _title(args), now, links_only)
    return Response(body, mimetype="text/calendar")


@bp.get("/search.atom")
@limiter.shared_limit(SEARCH_RATE_LIMIT, scope="search")
def search_atom():
    now = datetime.now(UTC)
    args, outcome, listings = _future_listings(now)
    if outcome.page is None:
        return _error(outcome)
    base = current_app.config["FINDER"].BASE_URL
    query = urlencode(args)
    body = feeds.search_atom(
        listings,
        base,
        feed_url=feeds.absolute(base, "/search.atom" + (f"?{query}" if query else "")),
        html_url=feeds.absolute(base, "/search" + (f"?{query}" if query else "")),
        title=_title(args),
        describe=_summary,
    )
    return Response(body, mimetype="application/atom+xml")


def _summary(listing) -> str:
    """One line for feed readers: kind, when, where."""
    when = describe_rule(listing.recurrence, listing.recurrence_text)
    if listing.next_start is not None:
        shown = shown_zone(listing)
        next_text = local_when(listing.next_start, shown.tz, listing.all_day)
        if listing.online and not listing.all_day:
            next_text = f"{next_text} ({shown.label})"
        when = f"{when}; next {next_text}" if when else next_text
    where = "Online" if listing.online else ", ".join(p for p in (listing.venue_name, listing.locality) if p)
    return " · ".join(p for p in (kind_label(listing.kind), when, where) if p)
