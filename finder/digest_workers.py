"""Building and sending digests in several worker processes, each over its own disjoint range of alert ids.

The outbox row is unique per (alert, period), so two builders can never record the same digest twice; ranges
only keep the workers from tripping over each other. Each worker opens its own app (engine, templates) and
sends its own digests over one SMTP connection (`finder.mail.Sender`).
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from finder.config import Config
from finder.digests import BuildReport
from finder.models import Alert
from finder.outbox import SendReport


def id_ranges(session: Session, workers: int) -> list[tuple[int, int]]:
    """Up to `workers` inclusive (low, high) ranges of alert ids, disjoint, covering every alert, about equal
    in number of alerts."""
    total = session.scalar(select(func.count(Alert.id))) or 0
    if total == 0:
        return []
    workers = max(1, min(workers, total))
    cuts = [session.scalar(select(Alert.id).order_by(Alert.id).offset(total * n // workers).limit(1))
            for n in range(workers)]
    highest = session.scalar(select(func.max(Alert.id)))
    return [(low, (cuts[n + 1] - 1) if n + 1 < len(cuts) else highest) for n, low in enumerate(cuts)]


def run_in_workers(config: Config, workers: int, now: datetime) -> tuple[BuildReport, SendReport]:
    """Build what is due at `now` and send it, in `workers` processes over disjoint id ranges; summed reports."""
    from finder import create_app

    app = create_app(config)
    with app.extensions["sessionmaker"]() as session:
        ranges = id_ranges(session, workers)
    app.extensions["engine"].dispose()
    built, sent = BuildReport(), SendReport()
    if not ranges:
        return built, sent
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited connections or locks
    with ProcessPoolExecutor(len(ranges), mp_context=context) as pool:
        for part_built, part_sent in pool.map(_work, [(config, ids, now) for ids in ranges]):
            for name in ("built", "empty", "skipped", "failed"):
                setattr(built, name, getattr(built, name) + getattr(part_built, name))
            built.errors += part_built.errors
            for name in ("sent", "retry", "failed", "connections"):
                setattr(sent, name, getattr(sent, name) + getattr(part_sent, name))
    return built, sent


def _work(job: tuple[Config, tuple[int, int], datetime]) -> tuple[BuildReport, SendReport]:
    from finder import create_app
    from finder.alert_match import make_matcher
    from finder.geocode import get_resolver
    from finder.mailing import run_digests

    config, ids, now = job
    app = create_app(config)
    try:
        with app.app_context(), app.extensions["sessionmaker"]() as session:
            built, sent = run_digests(session, config, make_matcher(get_resolver(config)), now=now, ids=ids)
            session.commit()
    finally:
        app.extensions["engine"].dispose()
    return built, sent
