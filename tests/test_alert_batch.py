"""The batch alert matcher agrees with run_search on which new listings match, and build_due uses it safely."""

from __future__ import annotations

import logging
import random
from datetime import timedelta

import pytest
import time_machine
from flask import render_template

from finder.alerts import digest_due, digest_message, digests
from finder.alerts import subscriptions as alerts
from finder.alerts.delivery import digest_settings
from finder.alerts.matching import AlertMatcher, make_matcher
from finder.geo.resolver import Resolver
from finder.models import Alert, AlertSent, OutboxMessage
from finder.search import SearchQuery, run_search
from tests.search_helpers import LONDON, NOW, add_listing, km_north

LAT, LON = LONDON
SINCE = NOW - timedelta(days=1)
SLUGS = ["gardening", "games", "running", "crafts", "book-clubs", "outdoors-hiking", "music", "tech", "seniors"]
WORDS = ["garden", "chess", "walk", "pottery", "choir", "coding", "welcome", "beginners", "river", "the"]
KINDS = ["club", "volunteer", "event", "service", "online"]


def place_listings(session, seed: int = 7, count: int = 140) -> None:
    """Listings old and new around London, far away, online, placeless and across the antimeridian."""
    rng = random.Random(seed)
    centres = [(LAT, LON, 40.0), (55.9533, -3.1883, 20.0), (-17.0, 179.97, 30.0), (-17.0, -179.97, 30.0)]
    for i in range(count):
        lat0, lon0, spread_km = centres[0] if i % 3 else rng.choice(centres)
        lat, lon = km_north(lat0, lon0, rng.uniform(-spread_km, spread_km))
        lon = lon0 + rng.uniform(-0.3, 0.3) if abs(lon0) < 179 else lon0
        online, placeless = rng.random() < 0.12, rng.random() < 0.04
        first_seen = NOW - timedelta(hours=rng.choice([2, 5, 20, 30, 70]), minutes=rng.randrange(60))
        starts = [
            NOW + timedelta(days=rng.randrange(-3, 40), hours=rng.randrange(24))
            for _ in range(rng.choice([0, 1, 1, 3]))
        ]
        add_listing(
            session,
            f"{rng.choice(WORDS).title()} {rng.choice(['club', 'evening', 'crew'])} {i}",
            lat=None if online or placeless else lat,
            lon=None if online or placeless else lon,
            kind="online" if online and rng.random() < 0.5 else rng.choice(KINDS[:4]),
            online=online,
            tags=rng.sample(SLUGS, rng.randrange(3)),
            description=" ".join(rng.sample(WORDS, 3)),
            starts=starts,
            rrule="FREQ=WEEKLY" if starts and rng.random() < 0.3 else None,
            free=rng.choice([True, False, None]),
            for_seniors=rng.random() < 0.2,
            for_families=rng.random() < 0.2,
            wheelchair=rng.random() < 0.3,
            newcomer_friendly=rng.random() < 0.3,
            first_seen=first_seen,
            last_seen=first_seen,
        )
    session.commit()


HAND_PICKED = [
    {"lat": LAT, "lon": LON},
    {"lat": LAT, "lon": LON, "radius_km": "5"},
    {"lat": LAT, "lon": LON, "radius_mi": "30", "sort": "soonest"},
    {"lat": LAT, "lon": LON, "interests": "gardening, chess"},
    {"lat": LAT, "lon": LON, "interests": "pottery, coding clubs"},
    {"lat": LAT, "lon": LON, "q": "garden welcome"},
    {"lat": LAT, "lon": LON, "q": "the"},  # stop words only: search keeps the word (PostgreSQL then ignores it)
    {"q": "the"},
    {"lat": LAT, "lon": LON, "kind": "event,volunteer", "free": "true"},
    {"lat": LAT, "lon": LON, "newcomer": "true", "audience": "seniors,families"},
    {"lat": LAT, "lon": LON, "access": "wheelchair", "recurring": "true"},
    {"lat": LAT, "lon": LON, "online": "only"},
    {"lat": LAT, "lon": LON, "online": "exclude", "days": "sat,sun", "time": "evening"},
    {"lat": LAT, "lon": LON, "when": "week"},
    {"lat": LAT, "lon": LON, "when": "weekend", "sort": "soonest"},
    {"lat": LAT, "lon": LON, "from": "2026-12-01", "to": "2026-12-10"},
    {"lat": "55.9533", "lon": "-3.1883", "radius_km": "500"},
    {"lat": "-17.0", "lon": "-179.99", "radius_km": "60"},  # across the antimeridian
    {"lat": "89.9", "lon": "0", "radius_km": "50"},  # the box spans every longitude
    {},
    {"kind": "club", "interests": "games"},
    {"online": "exclude", "when": "month"},
]


def random_queries(count: int, seed: int = 11) -> list[dict[str, str]]:
    rng = random.Random(seed)
    queries = []
    for _ in range(count):
        lat, lon = km_north(LAT, LON, rng.uniform(-30, 30))
        args = {
            "lat": f"{lat:.5f}",
            "lon": f"{lon + rng.uniform(-0.2, 0.2):.5f}",
            "radius_km": str(rng.choice([3, 10, 25, 60])),
        }
        options = {
            "interests": lambda: ", ".join(rng.sample(SLUGS + ["pottery", "choir"], rng.randrange(1, 3))),
            "q": lambda: " ".join(rng.sample(WORDS[:-1], rng.randrange(1, 3))),
            "kind": lambda: ",".join(rng.sample(KINDS, rng.randrange(1, 3))),
            "free": lambda: "true",
            "newcomer": lambda: "true",
            "online": lambda: rng.choice(["only", "exclude"]),
            "days": lambda: rng.choice(["mon,tue", "sat", "wed,thu,fri"]),
            "time": lambda: rng.choice(["morning", "evening"]),
            "when": lambda: rng.choice(["week", "month", "today"]),
            "sort": lambda: "soonest",
        }
        for name in rng.sample(sorted(options), rng.randrange(0, 3)):
            args[name] = options[name]()
        queries.append(args)
    return queries


def searched(session, args: dict, since, resolver=None) -> list[int]:
    """What run_search finds for `args`, new since `since`, in its order (every page)."""
    found, page_number = [], 1
    while True:
        query = SearchQuery.from_args(
            {**{k: str(v) for k, v in args.items()}, "per_page": "100", "page": str(page_number)}
        )
        page = run_search(session, query, resolver, now=NOW)
        found += [r.listing.id for r in page.results if r.listing.first_seen > since]
        if page_number * 100 >= page.total:
            return found
        page_number += 1


def test_batch_matcher_agrees_with_search(session):
    place_listings(session)
    queries = HAND_PICKED + random_queries(60)
    sinces = [SINCE if i % 4 else NOW - timedelta(hours=10) for i in range(len(queries))]
    prepared = make_matcher(None).prepare(
        session, list(zip(range(len(queries)), queries, sinces, strict=True)), now=NOW
    )
    assert prepared.problems == {}
    matched = 0
    for key, (args, since) in enumerate(zip(queries, sinces, strict=True)):
        expected = searched(session, args, since)
        assert [listing.id for listing in prepared.matches(key, limit=1000)] == expected, args
        assert [listing.id for listing in prepared.matches(key, limit=2)] == expected[:2], args  # walks big groups
        matched += bool(expected)
    assert matched >= len(queries) // 2  # the sample is not trivially empty


def test_limit_exclusions_and_place_names(session, gazetteer_path):
    place_listings(session, seed=3, count=40)
    resolver = Resolver(gazetteer_path)
    queries = [{"where": "London", "radius_km": "30"}, {"where": "Atlantis Xyzzy"}, {"radius_km": "lots"}]
    prepared = make_matcher(resolver).prepare(session, [(i, q, SINCE) for i, q in enumerate(queries)], now=NOW)
    assert set(prepared.problems) == {1, 2}
    expected = searched(session, queries[0], SINCE, resolver)
    assert len(expected) >= 4
    assert [listing.id for listing in prepared.matches(0, limit=3)] == expected[:3]
    assert [listing.id for listing in prepared.matches(0, exclude_ids={expected[0]}, limit=3)] == expected[1:4]
    assert prepared.matches(1) == [] and prepared.matches(2) == []


def test_single_alert_call_is_a_digest_matcher(session):
    fresh = add_listing(session, "Chess evening", lat=LAT, lon=LON, first_seen=NOW, last_seen=NOW)
    add_listing(session, "Old chess club", lat=LAT, lon=LON, first_seen=SINCE - timedelta(days=2))
    session.commit()
    found = make_matcher(None)(session, {"lat": str(LAT), "lon": str(LON), "q": "chess"}, SINCE, set(), 11, now=NOW)
    assert [listing.id for listing in found] == [fresh.id]


def test_build_one_matches_at_the_given_now_not_the_wall_clock(app, session):
    """A digest built for `now` while the wall clock reads 60 days later finds what was new and upcoming at `now`."""
    soon = add_listing(
        session, "Chess evening", lat=LAT, lon=LON, starts=[NOW + timedelta(days=2)], first_seen=NOW, last_seen=NOW
    )
    alert = _alert(session, {"lat": str(LAT), "lon": str(LON), "when": "week"})
    session.commit()
    settings = digest_settings(app.config["FINDER"])
    period = alerts.current_period("daily", NOW, settings.timezone, 0, settings.digest_weekday)
    with app.app_context(), time_machine.travel(NOW + timedelta(days=60), tick=False):
        assert digests.build_one(session, alert, period, settings, make_matcher(None), render_template, NOW)
    session.commit()
    assert [row.listing_id for row in session.query(AlertSent).filter_by(alert_id=alert.id)] == [soon.id]


def _alert(session, query, email="a@example.org") -> Alert:
    alert = Alert(
        email=email,
        query=query,
        frequency="daily",
        status="active",
        confirmed_at=SINCE,
        last_digest_at=SINCE,
        created_at=SINCE,
    )
    session.add(alert)
    return alert


def test_build_due_skips_broken_saved_searches_and_builds_once(app, caplog):
    settings = digest_settings(app.config["FINDER"])
    maker = app.extensions["sessionmaker"]
    with app.app_context(), maker() as session:
        add_listing(session, "River walk", lat=LAT, lon=LON, first_seen=NOW - timedelta(hours=1), last_seen=NOW)
        good = _alert(session, {"lat": str(LAT), "lon": str(LON), "q": "walk"})
        _alert(session, {"radius_km": "far"}, "b@example.org")
        _alert(session, {"where": "London"}, "c@example.org")  # no gazetteer here
        _alert(session, ["not", "a", "mapping"], "d@example.org")
        session.commit()
        now = NOW.replace(hour=23)
        with caplog.at_level(logging.WARNING, logger="finder.alerts.matching"):
            report = digests.build_due(session, settings, make_matcher(None), render_template, now)
        assert (report.built, report.empty, report.failed, report.skipped, len(report.errors)) == (1, 0, 3, 0, 3)
        failed = session.query(OutboxMessage).filter_by(status="failed").all()
        assert len(failed) == 3 and all(row.error and not row.message for row in failed), "recorded with the reason"
        assert len([r for r in caplog.records if "no longer runs" in r.getMessage()]) == 3
        assert [row.alert_id for row in session.query(OutboxMessage).filter_by(status="pending")] == [good.id]
        assert session.query(AlertSent).count() == 1
        again = digests.build_due(session, settings, make_matcher(None), render_template, now + timedelta(minutes=5))
        assert (again.built, again.empty, again.failed) == (0, 0, 0), "a failed period is not retried every run"


class RacingMatcher(AlertMatcher):
    """A matcher during whose preparation another builder records one of the due digests."""

    def __init__(self, rival):
        super().__init__(None)
        self.rival = rival

    def prepare(self, session, requests, **kwargs):
        prepared = super().prepare(session, requests, **kwargs)
        self.rival()
        return prepared


def test_a_batch_that_meets_another_builder_redoes_one_by_one(app):
    settings = digest_settings(app.config["FINDER"])
    maker = app.extensions["sessionmaker"]
    now = NOW.replace(hour=23)
    with app.app_context(), maker() as session:
        add_listing(session, "River walk", lat=LAT, lon=LON, first_seen=NOW - timedelta(hours=1), last_seen=NOW)
        racers = [_alert(session, {"lat": str(LAT), "lon": str(LON)}, f"p{i}@example.org") for i in range(4)]
        session.commit()
        ids = [alert.id for alert in racers]

    def rival():
        with maker() as other:
            alert, period = next(pair for pair in digest_due.due_alerts(other, settings, now) if pair[0].id == ids[2])
            assert digests.build_one(other, alert, period, settings, make_matcher(None), render_template, now)
            other.commit()

    with app.app_context(), maker() as session:
        report = digests.build_due(session, settings, RacingMatcher(rival), render_template, now)
        assert (report.built, report.skipped) == (3, 1)
        assert sorted(row.alert_id for row in session.query(OutboxMessage)) == sorted(ids)
        assert session.query(AlertSent).count() == 4


@pytest.mark.parametrize("frequency", ["daily", "weekly"])
def test_due_alerts_leaves_out_periods_already_built(session, frequency):
    settings = digest_message.DigestSettings(
        secret="s", base_url="http://k.test", mail_from="k@k.test", postal_address="", timezone="UTC", digest_hour=8
    )
    now = NOW.replace(hour=23)
    first, second = (Alert(email=f"{n}@example.org", query={}, frequency=frequency, status="active") for n in "ab")
    session.add_all([first, second])
    session.flush()
    period = digest_due.due_alerts(session, settings, now)[0][1]
    session.add(
        OutboxMessage(alert_id=first.id, period=period.key, recipient="a@example.org", message_id="<m@k>", message="")
    )
    session.flush()
    assert [alert.id for alert, _ in digest_due.due_alerts(session, settings, now)] == [second.id]
