"""The database bound to the app: one engine, a session per request."""

from __future__ import annotations

import logging

from flask import Flask, current_app, g
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from sqlalchemy.orm import Session

from finder.db import make_engine, make_sessionmaker

# Rate limits live in memory or Redis only (no IP addresses are stored in the database).
limiter = Limiter(key_func=get_remote_address, default_limits=[])
SEARCH_RATE_LIMIT = "120/minute"  # per client address, on the search page and /api/v1/search


def init_limiter(app: Flask) -> None:
    """Limits in the configured store; when it is down they fall back to memory (finder.ratelimit_store)."""
    from finder.ratelimit_store import limiter_settings
    from finder.web.limits_window import register_strategy

    config = app.config["FINDER"]
    app.config["RATELIMIT_STORAGE_URI"] = config.RATELIMIT_STORAGE_URI
    app.config["RATELIMIT_ENABLED"] = config.RATELIMIT_ENABLED
    app.config["RATELIMIT_HEADERS_ENABLED"] = True  # clients read them; answered without a store call
    app.config["RATELIMIT_STRATEGY"] = register_strategy()
    app.config.update(limiter_settings(config.RATELIMIT_STORAGE_URI))
    limiter.init_app(app)


def init_database(app: Flask) -> None:
    config = app.config["FINDER"]
    engine = make_engine(config.database_url)
    app.extensions["engine"] = engine
    app.extensions["sessionmaker"] = make_sessionmaker(engine)
    app.teardown_appcontext(_close_session)


def init_geocoder(app: Flask) -> None:
    """The online geocoder when FINDER_GEOCODER names a geopy provider; none (the gazetteer alone) by default.

    Raises ValueError for a provider geopy does not know, so a typo stops the app at start, not on a search."""
    config = app.config["FINDER"]
    app.extensions["online_geocoder"] = None
    if config.GEOCODER.strip().lower() not in ("", "offline"):
        from finder.geo import get_online_geocoder

        app.extensions["online_geocoder"] = get_online_geocoder(config, app.extensions["engine"])


def place_resolver(app: Flask | None = None):
    """What a search (or an alert's saved search) looks `where=` up with: the gazetteer, then the online geocoder
    when one is set (its cache answers again what a visitor's search already asked)."""
    from finder.geo import get_resolver

    app = app or current_app
    gazetteer = get_resolver(app.config["FINDER"])
    online = app.extensions.get("online_geocoder")
    if online is None:
        return gazetteer
    from finder.geo import PlaceResolver

    return PlaceResolver(gazetteer, online)


def get_session() -> Session:
    """The request's session (created on first use, closed at teardown)."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["sessionmaker"]()
    return g.db_session


def _close_session(_exc) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def warn_if_limits_per_worker(app: Flask) -> None:
    """In production, say at start-up when rate limits live in each process's memory: with N workers every
    limit is N times looser (set FINDER_RATELIMIT_STORAGE_URI to a shared store such as Redis)."""
    config = app.config["FINDER"]
    production = not (config.DEBUG or config.TESTING)
    if production and config.RATELIMIT_ENABLED and config.RATELIMIT_STORAGE_URI.startswith("memory://"):
        logging.getLogger(__name__).warning(
            "rate limits are kept in memory (FINDER_RATELIMIT_STORAGE_URI=%s): each worker process counts on its "
            "own, so every limit multiplies by the number of workers; set it to a shared store such as "
            "redis://127.0.0.1:6379",
            config.RATELIMIT_STORAGE_URI,
        )
