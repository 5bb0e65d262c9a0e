"""`finder sources discover PLACE`: propose sources near a place, each previewed, into the suggestion queue.

Three kinds, every request through the polite fetcher:
- OpenActive: the data catalogue (FINDER_DISCOVER_OPENACTIVE_CATALOG) -> its sub-catalogues (`hasPart`)
  -> dataset sites (`dataset`) -> each site's `Dataset` JSON-LD -> its `DataDownload` feeds (`contentUrl`);
  the first page of each feed is read and kept when sessions lie within the radius;
- OpenStreetMap: one Overpass query (FINDER_DISCOVER_OVERPASS_URL) for community places in the box
  around the place (`club=*`, community/social centres, libraries, hackerspaces; places of worship
  only with `worship=True`), `out center`;
- Mobilizon: a searchEvents query by the place's geohash on each known instance
  (FINDER_DISCOVER_MOBILIZON_INSTANCES).
Each candidate with listings is queued as a pending `SourceSuggestion` (never into the catalogue);
an administrator approves it as any suggestion (`finder/trust/suggestions.py`).
- Open Referral UK: the directories on the ORUK dashboard (FINDER_DISCOVER_ORUK_DASHBOARD) that name the
  place, or answer a postcode search with services near it (finder/trust/discover_oruk.py: the dashboard does not
  say which area each directory covers).
"""

from __future__ import annotations

import json
import logging
import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import quote, urljoin

from sqlalchemy.orm import Session

from finder.config import Config
from finder.geo import haversine_km
from finder.trust.suggestions import PREVIEW_ITEMS, Preview, queue
from scrapers import load_adapters
from scrapers.base import Context, ParseError
from scrapers.budget import Budget, parse_within
from scrapers.decoding import decode_body
from scrapers.fetch.fetcher import FetchError
from scrapers.text import load_json

log = logging.getLogger(__name__)
MAX_DATASETS = 40  # dataset sites read per discovery (politeness: one page of each feed)
MAX_CATALOGUES = 10
_LD_JSON = re.compile(r"<script[^>]+application/ld\+json[^>]*>(.*?)</script>", re.IGNORECASE | re.DOTALL)
_GEOHASH = "0123456789bcdefghjkmnpqrstuvwxyz"
MOBILIZON_QUERY = (
    '{searchEvents(location:"%s",radius:%d,limit:100){total elements{id uuid url title beginsOn endsOn status '
    "description category tags{title} picture{url} onlineAddress options{isOnline maximumAttendeeCapacity} "
    "physicalAddress{description street locality region postalCode country geom timezone} "
    "organizerActor{name preferredUsername url} attributedTo{name url}}}}"
)


@dataclass
class Candidate:
    kind: str  # openactive, overpass, mobilizon, oruk
    url: str
    adapter: str
    name: str = ""
    items: int = 0
    near: int = 0  # listings within the radius
    samples: list[dict] = field(default_factory=list)

    def note(self, place: str, radius_km: float) -> str:
        return (
            f"discovered for {place}: {self.kind} source {self.name or self.url}; {self.items} listing(s), "
            f"{self.near} within {radius_km:g} km"
        )


def geohash(lat: float, lon: float, length: int = 5) -> str:
    """The standard base-32 geohash of a point."""
    bounds, code, bits, bit, even = [[-90.0, 90.0], [-180.0, 180.0]], [], 0, 0, True
    while len(code) < length:
        low, high = bounds[1] if even else bounds[0]
        middle, value = (low + high) / 2, lon if even else lat
        target = bounds[1] if even else bounds[0]
        if value >= middle:
            bits, target[0] = bits * 2 + 1, middle
        else:
            bits, target[1] = bits * 2, middle
        even, bit = not even, bit + 1
        if bit == 5:
            code.append(_GEOHASH[bits])
            bits = bit = 0
    return "".join(code)


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """(south, west, north, east) around a point."""
    d_lat = radius_km / 111.2
    d_lon = radius_km / (111.2 * max(math.cos(math.radians(lat)), 0.01))
    return round(lat - d_lat, 5), round(lon - d_lon, 5), round(lat + d_lat, 5), round(lon + d_lon, 5)


def overpass_url(base: str, lat: float, lon: float, radius_km: float, worship: bool = False) -> str:
    box = ",".join(str(v) for v in bounding_box(lat, lon, radius_km))
    parts = [
        f'nwr["club"]({box});',
        f'nwr["amenity"~"^(community_centre|social_centre|library)$"]({box});',
        f'nwr["leisure"="hackerspace"]({box});',
    ]
    if worship:
        parts.append(f'nwr["amenity"="place_of_worship"]({box});')
    query = f"[out:json][timeout:90];({''.join(parts)});out center;"
    return f"{base}?data={quote(query, safe='')}"


def mobilizon_url(instance: str, lat: float, lon: float, radius_km: float) -> str:
    query = MOBILIZON_QUERY % (geohash(lat, lon), max(1, round(radius_km)))
    return f"{instance.rstrip('/')}/api?query={quote(query, safe='')}"


class Discovery:
    def __init__(self, config: Config, fetcher, now: datetime, lat: float, lon: float, radius_km: float):
        self.config, self.fetcher, self.now = config, fetcher, now
        self.lat, self.lon, self.radius_km = lat, lon, radius_km
        self.problems: list[str] = []

    def _get(self, url: str) -> bytes | None:
        try:
            return self.fetcher.fetch(url, conditional=False).body
        except FetchError as error:
            self.problems.append(f"{url}: {error}")
            return None

    def preview(self, kind: str, url: str, adapter: str, name: str = "") -> Candidate | None:
        """Fetch `url` once, parse it with `adapter`, count what lies near the place."""
        body = self._get(url)
        if body is None:
            return None
        context = Context(
            url=url, window_start=self.now, window_end=self.now + timedelta(days=self.config.EXPANSION_DAYS)
        )
        budget = Budget(timeout_s=self.config.SUGGEST_PARSE_TIMEOUT_S, max_memory_mb=self.config.PARSE_MAX_MEMORY_MB)
        try:
            listings = parse_within(budget, load_adapters()[adapter], body, url, context).listings
        except ParseError as error:  # OverBudget included
            self.problems.append(f"{url}: {error}")
            return None
        valid = [item for item in listings if not item.problems()]
        near = [
            item
            for item in valid
            if item.lat is not None and haversine_km(self.lat, self.lon, item.lat, item.lon) <= self.radius_km
        ]
        shown = near or valid
        samples = [
            {"title": item.title[:300], "start": item.start.isoformat() if item.start else None, "url": item.url[:2000]}
            for item in shown[:PREVIEW_ITEMS]
        ]
        return Candidate(kind, url, adapter, name, len(valid), len(near), samples)

    # --- OpenActive: catalogue -> dataset sites -> feeds ---------------------------------------

    def openactive(self) -> list[Candidate]:
        sites: list[str] = []
        pending, seen = [self.config.DISCOVER_OPENACTIVE_CATALOG], set()
        while pending and len(seen) < MAX_CATALOGUES:
            url = pending.pop(0)
            if not url or url in seen:
                continue
            seen.add(url)
            catalogue = self._json(url)
            if not isinstance(catalogue, dict):
                continue
            pending += [urljoin(url, part) for part in _strings(catalogue.get("hasPart"))]
            sites += [urljoin(url, site) for site in _strings(catalogue.get("dataset")) if site not in sites]
        found = []
        for site in sites[:MAX_DATASETS]:
            for name, feed in self._feeds(site):
                candidate = self.preview("openactive", feed, "openactive", name)
                if candidate is not None and candidate.near:
                    found.append(candidate)
        return found

    def _json(self, url: str):
        body = self._get(url)
        try:
            return load_json(body) if body is not None else None
        except ValueError:
            self.problems.append(f"{url}: not JSON")
            return None

    def _feeds(self, site: str) -> list[tuple[str, str]]:
        """(name, feed URL) of the DataDownloads in a dataset site's Dataset (HTML with JSON-LD, or JSON-LD)."""
        body = self._get(site)
        if body is None:
            return []
        text = decode_body(body).strip()
        blocks = [text] if text[:1] == "{" else _LD_JSON.findall(text)
        feeds = []
        for block in blocks:
            try:
                data = json.loads(block)
            except ValueError:
                continue
            for node in data if isinstance(data, list) else [data]:
                if not isinstance(node, dict) or "Dataset" not in str(node.get("@type") or node.get("type")):
                    continue
                name = str(node.get("name") or site)
                for download in node.get("distribution") or []:
                    if isinstance(download, dict) and isinstance(download.get("contentUrl"), str):
                        kind = str(download.get("name") or download.get("additionalType") or "")
                        if not re.search(r"facility|slot", kind, re.IGNORECASE):  # bookings, not listings
                            feeds.append((f"{name}: {kind}".strip(": "), urljoin(site, download["contentUrl"])))
        if not feeds:
            self.problems.append(f"{site}: no Dataset with DataDownload feeds")
        return feeds

    # --- OpenStreetMap and Mobilizon -------------------------------------------------------------

    def overpass(self, worship: bool = False) -> list[Candidate]:
        url = overpass_url(self.config.DISCOVER_OVERPASS_URL, self.lat, self.lon, self.radius_km, worship)
        candidate = self.preview("overpass", url, "overpass", "community places (OpenStreetMap)")
        return [candidate] if candidate is not None and candidate.items else []

    def mobilizon(self) -> list[Candidate]:
        found = []
        for instance in [i.strip() for i in self.config.DISCOVER_MOBILIZON_INSTANCES.split(",") if i.strip()]:
            candidate = self.preview(
                "mobilizon",
                mobilizon_url(instance, self.lat, self.lon, self.radius_km),
                "mobilizon",
                f"Mobilizon events on {instance}",
            )
            if candidate is not None and candidate.items:
                found.append(candidate)
        return found


def _strings(value) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [v.strip() for v in values if isinstance(v, str) and v.strip()]


def discover(
    session: Session,
    place_name: str,
    lat: float,
    lon: float,
    radius_km: float,
    config: Config,
    fetcher,
    now: datetime,
    worship: bool = False,
    postcode: str = "",
) -> tuple[list[Candidate], list[str]]:
    """Candidates near (lat, lon), each queued as a pending suggestion; (candidates, problems). Caller commits.
    `postcode` (the place's) lets Open Referral UK directories be asked for services near it."""
    from finder.trust.discover_oruk import oruk_candidates

    run = Discovery(config, fetcher, now, lat, lon, radius_km)
    candidates = run.openactive() + run.overpass(worship) + run.mobilizon() + oruk_candidates(run, place_name, postcode)
    for candidate in candidates:
        queue(
            session,
            Preview(url=candidate.url, adapter=candidate.adapter, items=candidate.items, listings=candidate.samples),
            candidate.note(place_name, radius_km),
            now,
        )
    return candidates, run.problems
