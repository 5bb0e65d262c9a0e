"""What /healthz reports: the database answers and its schema matches the code (else 503), the rate-limit
store and the gazetteer (when either is missing the site still serves, "degraded")."""

from __future__ import annotations

import threading

from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

_CHECKED = threading.Lock()


def probe(app: Flask, session: Session) -> tuple[dict, int]:
    """(JSON body, HTTP status) for /healthz."""
    try:
        session.execute(text("SELECT 1"))
        schema = schema_state(app, session)
    except SQLAlchemyError as error:
        return {"status": "error", "database": type(error).__name__}, 503
    body = {"database": "ok", "schema": schema, "ratelimit": ratelimit_state(app), "gazetteer": gazetteer_state(app)}
    if schema != "ok":
        return {"status": "error", **body}, 503
    degraded = body["ratelimit"].startswith("down") or body["gazetteer"] != "ok"
    return {"status": "degraded" if degraded else "ok", **body}, 200


def schema_state(app: Flask, session: Session) -> str:
    """'ok' or the first problem; the full comparison runs once per process and revision, then only the
    revision is read (one small query)."""
    from finder.db import current_revision, schema_problems

    connection = session.connection()
    revision = current_revision(connection)
    if revision is not None and app.extensions.get("schema_ok_at") == revision:
        return "ok"
    with _CHECKED:
        problems = schema_problems(connection)
    if problems:
        return problems[0]
    app.extensions["schema_ok_at"] = revision
    return "ok"


def ratelimit_state(app: Flask) -> str:
    """'memory', '<kind> ok', 'down: ...' (limits then counted in memory) or 'off'."""
    from finder.ratelimit_store import kind
    from finder.web.extensions import limiter

    config = app.config["FINDER"]
    if not config.RATELIMIT_ENABLED:
        return "off"
    store = kind(config.RATELIMIT_STORAGE_URI)
    if store == "memory":
        return "memory"
    try:
        answered = limiter.storage.check()
    except Exception as error:  # the store's client raises its own types; any means "down"
        return f"down: {store} ({type(error).__name__}), limits counted in memory"
    return f"{store} ok" if answered else f"down: {store} does not answer, limits counted in memory"


def gazetteer_state(app: Flask) -> str:
    from finder.geo import get_resolver

    return "ok" if get_resolver(app.config["FINDER"]) is not None else "missing: run `finder gazetteer build`"
