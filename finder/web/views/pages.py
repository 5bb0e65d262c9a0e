"""Home, search results, guidance, sources and about pages (thin: arguments → search → render)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException

from finder.models import Listing, ListingTag, Tag
from finder.web.api_errors import http_error
from finder.web.card_images import card_images, image_origins
from finder.web.extensions import SEARCH_RATE_LIMIT, get_session, limiter
from finder.web.security import allow_images
from finder.web.source_page import sources_page
from finder.web.views import searching
from finder.web.views.display import init_display
from finder.web.views.query_words import describe_query

bp = Blueprint("pages", __name__)


@bp.record_once
def _template_globals(state) -> None:
    init_display(state.app)
    state.app.add_template_global(describe_query, "describe_query")
    state.app.jinja_env.globals.update(
        radii_km=searching.RADII_KM,
        when_choices=searching.WHEN_CHOICES,
        sorts=searching.SORTS,
        with_args=searching.with_args,
    )


POPULAR_INTERESTS = 12


@bp.app_context_processor
def _site_globals() -> dict:
    config = current_app.config["FINDER"]
    return {
        "admin_email": config.ADMIN_EMAIL,
        "map_tile_url": config.MAP_TILE_URL,
        "alerts_available": _alerts_available(),
    }


def _alerts_available() -> bool:
    """Whether the app serves /alerts/new: read from its routes once, not on every render (100,000 digests render
    three templates each)."""
    if "alerts_available" not in current_app.extensions:
        current_app.extensions["alerts_available"] = any(
            rule.rule == "/alerts/new" for rule in current_app.url_map.iter_rules()
        )
    return current_app.extensions["alerts_available"]


@bp.get("/")
def home():
    args = searching.search_args(request.args)
    if searching.has_search(args):
        return redirect(url_for("pages.search", **args))
    session = get_session()
    has_listings = session.scalar(select(Listing.id).where(Listing.liveness != "hidden").limit(1)) is not None
    return render_template("home.html", args={}, interests=popular_interests(session), has_listings=has_listings)


@bp.get("/search")
@limiter.shared_limit(SEARCH_RATE_LIMIT, scope="search")
def search():
    args = searching.search_args(request.args)
    outcome = searching.perform(args) if searching.has_search(args) else searching.Outcome(args=args)
    status = 400 if outcome.error_param else 200
    place_only = {key: value for key, value in args.items() if key in ("where", "lat", "lon", "radius_km", "radius_mi")}
    results = outcome.page.results if outcome.page is not None else []
    images = card_images(get_session(), [result.listing for result in results])
    allow_images(image_origins(images.values()))
    return render_template(
        "search.html",
        args=args,
        outcome=outcome,
        images=images,
        place_only=searching.with_args(place_only),
        suggestion_args=searching.suggestion_args,
    ), status


@bp.get("/guidance")
def guidance():
    return render_template("guidance.html")


@bp.get("/about")
def about():
    return render_template("about.html")


@bp.get("/sources")
def sources():
    return render_template(
        "sources.html", page=sources_page(get_session(), datetime.now(UTC)), country_name=country_name
    )


ERRORS = {
    400: (
        _l("That request did not make sense"),
        _l("Something in the address or the form was not understood. Please try again."),
    ),
    404: (
        _l("Page not found"),
        _l("We could not find that page. The listing may have ended or been removed by its source."),
    ),
    500: (_l("Something went wrong"), _l("Sorry — we hit a problem showing this page. Please try again in a moment.")),
}


@bp.app_errorhandler(400)
@bp.app_errorhandler(404)
@bp.app_errorhandler(500)
def error_page(error: HTTPException):
    """A calm HTML error page; under /api/ the API's JSON error body instead."""
    code = getattr(error, "code", 500) or 500
    if request.path.startswith("/api/"):
        return http_error(error)
    heading, message = ERRORS.get(code, ERRORS[500])
    if isinstance(error, CSRFError):
        heading, message = _("This form has expired"), _("Please go back, reload the page and try again.")
    return render_template("error.html", heading=heading, message=message), code


def popular_interests(session, limit: int = POPULAR_INTERESTS) -> list[Tag]:
    """The tags carried by the most visible listings, most used first."""
    used = func.count(ListingTag.listing_id)
    statement = (
        select(Tag)
        .join(ListingTag, ListingTag.tag_id == Tag.id)
        .join(Listing, Listing.id == ListingTag.listing_id)
        .where(Listing.liveness != "hidden")
        .group_by(Tag.id)
        .order_by(used.desc(), Tag.label)
        .limit(limit)
    )
    return list(session.scalars(statement))


def country_name(code: str) -> str:
    """'United Kingdom' for GB in the visitor's language ('Reino Unido'); the code itself when unknown."""
    locale = get_locale()
    return (locale.territories.get(code) if locale else None) or code
