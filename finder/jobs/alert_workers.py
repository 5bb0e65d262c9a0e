"""Building and sending digests in several worker processes, each over its own disjoint range of alert ids.

The outbox row is unique per (alert, period), so two builders can never record the same digest twice; ranges
only keep the workers from tripping over each other. Each worker opens its own app (engine, templates) and
sends its own digests over one SMTP connection (`finder.mail.send.Sender`).
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from finder.alerts import BuildReport
from finder.config import Config
from finder.mail import SendReport
from finder.models import Alert


def id_ranges(session: Session, workers: int) -> list[tuple[int, int]]:
    """Up to `workers` inclusive (low, high) ranges of alert ids, disjoint, covering every alert, about equal
    in number of alerts."""
    total = session.scalar(select(func.count(Alert.id))) or 0
    if total == 0:
        return []
    workers = max(1, min(workers, total))
    cuts = [
        session.scalar(select(Alert.id).order_by(Alert.id).offset(total * n // workers).limit(1))
        for n in range(workers)
    ]
    highest = session.scalar(select(func.max(Alert.id)))
    return [(low, (cuts[n + 1] - 1) if n + 1 < len(cuts) else highest) for n, low in enumerate(cuts)]


def run_in_workers(
    config: Config, workers: int, now: datetime, *, build: bool = True, send: bool = True, send_limit: int | None = 500
) -> tuple[BuildReport, SendReport]:
    """Build what is due at `now` and/or send the outbox (at most `send_limit` per worker, None for all), in
    `workers` processes over disjoint id ranges; the summed reports."""
    from finder import create_app

    app = create_app(config)
    with app.extensions["sessionmaker"]() as session:
        ranges = id_ranges(session, workers)
    app.extensions["engine"].dispose()
    built, sent = BuildReport(), SendReport()
    if not ranges:
        return built, sent
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited connections or locks
    jobs = [_Job(config, ids, now, build, send, send_limit) for ids in ranges]
    with ProcessPoolExecutor(len(ranges), mp_context=context) as pool:
        for part_built, part_sent in pool.map(_work, jobs):
            for name in ("built", "empty", "skipped", "failed"):
                setattr(built, name, getattr(built, name) + getattr(part_built, name))
            built.errors += part_built.errors
            for name, seconds in part_built.seconds.items():  # summed over workers: CPU-like, not wall time
                built.seconds[name] = built.seconds.get(name, 0.0) + seconds
            for name in ("sent", "retry", "failed", "connections"):
                setattr(sent, name, getattr(sent, name) + getattr(part_sent, name))
    return built, sent


@dataclass(frozen=True)
class _Job:
    config: Config
    ids: tuple[int, int]
    now: datetime
    build: bool
    send: bool
    send_limit: int | None


def _work(job: _Job) -> tuple[BuildReport, SendReport]:
    from finder import alerts, create_app, mail
    from finder.alerts import digest_settings, make_matcher, outbox_dir
    from finder.web import place_resolver, render_in_alert_locale

    config = job.config
    app = create_app(config)
    built, sent = BuildReport(), SendReport()
    try:
        with app.app_context(), app.extensions["sessionmaker"]() as session:
            if job.build:
                built = alerts.build_due(
                    session,
                    digest_settings(config),
                    make_matcher(place_resolver(app)),
                    render_in_alert_locale,
                    job.now,
                    job.ids,
                )
                session.commit()
            if job.send:
                sent = mail.send_pending(
                    session,
                    smtp_url=config.SMTP_URL,
                    outbox_dir=outbox_dir(config),
                    now=job.now,
                    limit=job.send_limit,
                    alert_ids=job.ids,
                )
                session.commit()
    finally:
        app.extensions["engine"].dispose()
    return built, sent
