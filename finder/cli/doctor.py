"""Checks `finder doctor` runs: settings, database, gazetteer, SMTP and the source catalogue."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from finder.config import Config


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


def check_settings(config: Config) -> Check:
    problems = config.check()
    if not problems and config.BASE_URL.startswith("https://") and not config.SMTP_URL:
        problems = ["FINDER_SMTP_URL is empty: emails only land in the outbox folder"]
    return Check("settings", not problems, "; ".join(problems) or "ok")


def check_database(engine: Engine, url: str = "") -> Check:
    """Connects, and the schema matches the code (revision and tables: finder.db.schema_check)."""
    from finder.db import current_revision, schema_problems

    try:
        with engine.connect() as connection:
            problems = schema_problems(connection)
            current = current_revision(connection)
    except SQLAlchemyError as error:
        return Check("database", False, f"cannot connect: {type(error).__name__}: {str(error)[:200]}")
    if problems:
        return Check("database", False, "; ".join(problems))
    return Check("database", True, f"{engine.dialect.name}, schema at {current}")


def check_ratelimit(config: Config) -> Check:
    """The rate-limit store answers (a dead one is survivable: limits fall back to memory)."""
    from finder.ratelimit_store import store_answers

    if not config.RATELIMIT_ENABLED:
        return Check("ratelimit", True, "off (FINDER_RATELIMIT_ENABLED=false)")
    ok, detail = store_answers(config.RATELIMIT_STORAGE_URI)
    return Check("ratelimit", ok, detail)


def check_gazetteer(config: Config) -> Check:
    from finder.geo import get_resolver

    path = config.path(config.GAZETTEER_PATH)
    if not path.is_file():
        return Check("gazetteer", False, f"missing at {path}: run `finder gazetteer build` (or `make run`)")
    resolver = get_resolver(config)
    place = resolver.resolve("London") if resolver else None
    if place is None:
        return Check("gazetteer", False, f"{path} does not resolve 'London': rebuild it")
    return Check("gazetteer", True, f"{path} ({path.stat().st_size / 1e6:.1f} MB)")


def check_smtp(config: Config, timeout_s: float = 5.0) -> Check:
    if not config.SMTP_URL:
        return Check("smtp", True, f"no FINDER_SMTP_URL: emails are written to {config.OUTBOX_DIR}/")
    from finder.mail import SmtpSettings

    try:
        settings = SmtpSettings.from_url(config.SMTP_URL)
        client_class = smtplib.SMTP_SSL if settings.security == "ssl" else smtplib.SMTP
        kwargs = {"context": ssl.create_default_context()} if settings.security == "ssl" else {}
        with client_class(settings.host, settings.port, timeout=timeout_s, **kwargs) as client:
            code, _ = client.noop()
    except (ValueError, OSError, smtplib.SMTPException) as error:
        return Check("smtp", False, f"{config.SMTP_URL.split('@')[-1]}: {error}")
    return Check("smtp", code == 250, f"{settings.host}:{settings.port} answered {code}")


def check_catalog(config: Config) -> Check:
    from finder.catalog import CatalogError, load_catalog

    try:
        specs = load_catalog(config.path(config.SOURCES_FILE))
    except (CatalogError, OSError) as error:
        return Check("catalogue", False, str(error)[:500])
    enabled = sum(1 for spec in specs if spec.enabled)
    return Check("catalogue", True, f"{len(specs)} sources, {enabled} enabled ({config.SOURCES_FILE})")
