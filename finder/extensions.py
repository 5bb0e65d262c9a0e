"""The database bound to the app: one engine, a session per request."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from finder.db import make_engine, make_sessionmaker


def init_database(app: Flask) -> None:
    config = app.config["FINDER"]
    engine = make_engine(config.database_url)
    app.extensions["engine"] = engine
    app.extensions["sessionmaker"] = make_sessionmaker(engine)
    app.teardown_appcontext(_close_session)


def get_session() -> Session:
    """The request's session (created on first use, closed at teardown)."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["sessionmaker"]()
    return g.db_session


def _close_session(_exc) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
