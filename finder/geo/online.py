"""Opt-in online geocoding through geopy (FINDER_GEOCODER), for user queries the gazetteer cannot answer.

Never for bulk listing batches: `geocode_listing` stays offline. Every answer, and every miss, is
cached in `geocode_cache` (hits never wait). Misses go through ONE rate limit shared by all
processes: the `geocode_rate` row holds the next allowed start and each request reserves a slot
with a compare-and-swap update. The cache and the rate row are written in their own short
transactions on `engine`, because other processes must see them at once.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from geopy.exc import GeopyError
from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from finder.geo.gazetteer import Place
from finder.geo.math import fold
from finder.geo.resolver import check_place_text
from finder.models import GeocodeCache, GeocodeRate

log = logging.getLogger(__name__)

HIT_TTL = timedelta(days=30)
MISS_TTL = timedelta(days=1)
PUBLIC_NOMINATIM = "nominatim.openstreetmap.org"
PUBLIC_NOMINATIM_MIN_DELAY_S = 1.0  # its usage policy: at most one request per second, whatever the setting
ATTRIBUTIONS = {
    "nominatim": "Search results © OpenStreetMap contributors (ODbL), via Nominatim",
    "photon": "Search results © OpenStreetMap contributors (ODbL), via Photon",
}
NOMINATIM_PRECISION = {
    "house": "point",
    "building": "point",
    "amenity": "point",
    "road": "point",
    "postcode": "postcode",
    "city": "locality",
    "town": "locality",
    "village": "locality",
    "hamlet": "locality",
    "suburb": "locality",
    "municipality": "locality",
    "neighbourhood": "locality",
    "county": "region",
    "state": "region",
    "region": "region",
    "country": "country",
}


def attribution_for(provider: str) -> str:
    """The credit line a page must show beside results from `provider`."""
    return ATTRIBUTIONS.get(provider, f"Search results from {provider}")


class OnlineGeocoder:
    """A geopy provider behind the shared cache and rate limit; `clock`/`sleep` are injectable for tests."""

    def __init__(self, config, engine: Engine, *, clock=time.time, sleep=time.sleep, provider=None):
        self.provider = config.GEOCODER.strip().lower()
        self.engine = engine
        self.clock, self.sleep = clock, sleep
        host = urlsplit(config.GEOCODER_URL).netloc or (PUBLIC_NOMINATIM if self.provider == "nominatim" else "")
        self.min_delay_s = max(
            config.GEOCODER_MIN_DELAY_S, PUBLIC_NOMINATIM_MIN_DELAY_S if host == PUBLIC_NOMINATIM else 0.0
        )
        self.geocoder = provider or _geopy_provider(config, self.provider)

    @property
    def attribution(self) -> str:
        return attribution_for(self.provider)

    def geocode(self, text: str, country_hint: str | None = None) -> Place | None:
        """The provider's best answer for `text` (cached), or None for a miss or when the provider fails."""
        cc = (country_hint or "").upper()[:2]
        key = f"{self.provider}|{cc}|{fold(text)}"[:300]
        now = datetime.fromtimestamp(self.clock(), UTC)
        with self.engine.connect() as connection:
            row = connection.execute(select(GeocodeCache).where(GeocodeCache.key == key)).first()
        if row is not None and row.expires_at > now:
            return _place(row) if row.found else None
        self.wait_for_slot()
        try:
            location = self._ask(text, cc)
        except (
            GeopyError,
            ValueError,
            KeyError,
            TypeError,
            OSError,
        ) as error:  # a provider failure never crashes a page
            log.warning("online geocoder %s failed for %r: %s", self.provider, text, error)
            return None
        self._store(key, text, location, now)
        with self.engine.connect() as connection:
            row = connection.execute(select(GeocodeCache).where(GeocodeCache.key == key)).first()
        return _place(row) if row.found else None

    def _ask(self, text: str, cc: str):
        if self.provider == "nominatim":
            return self.geocoder.geocode(text, exactly_one=True, addressdetails=True, country_codes=cc.lower() or None)
        return self.geocoder.geocode(text, exactly_one=True)

    def wait_for_slot(self) -> float:
        """Reserve the next free request slot shared by all processes; sleep until it starts. Returns the slot."""
        while True:
            now = self.clock()
            changed, slot = 0, now
            with self.engine.begin() as connection:
                current = connection.execute(
                    select(GeocodeRate.next_at).where(GeocodeRate.provider == self.provider)
                ).scalar()
                if current is not None:
                    slot = max(now, current)
                    changed = connection.execute(
                        update(GeocodeRate)
                        .where(GeocodeRate.provider == self.provider, GeocodeRate.next_at == current)
                        .values(next_at=slot + self.min_delay_s)
                    ).rowcount
            if current is None:
                try:
                    with self.engine.begin() as connection:
                        connection.execute(
                            insert(GeocodeRate).values(provider=self.provider, next_at=now + self.min_delay_s)
                        )
                    return now
                except IntegrityError:
                    continue  # another process created the row first; reserve after it
            if changed == 1:
                if slot > now:
                    self.sleep(slot - now)
                return slot

    def _store(self, key: str, text: str, location, now: datetime) -> None:
        values = dict(
            provider=self.provider,
            query=text[:1000],
            fetched_at=now,
            found=location is not None,
            expires_at=now + (HIT_TTL if location is not None else MISS_TTL),
        )
        if location is not None:
            raw = location.raw if isinstance(getattr(location, "raw", None), dict) else {}
            kind = raw.get("addresstype") or raw.get("type") or ""
            values.update(
                name=location.address or text,
                lat=float(location.latitude),
                lon=float(location.longitude),
                precision=NOMINATIM_PRECISION.get(kind, "point"),
                country=str((raw.get("address") or {}).get("country_code", "")).upper()[:2],
            )
        with self.engine.begin() as connection:
            exists = connection.execute(select(GeocodeCache.key).where(GeocodeCache.key == key)).first()
            if exists:
                connection.execute(update(GeocodeCache).where(GeocodeCache.key == key).values(**values))
            else:
                connection.execute(insert(GeocodeCache).values(key=key, **values))


def purge_expired(engine: Engine, now: datetime | None = None) -> int:
    """Delete cache rows past their expiry (for a maintenance job); returns how many went."""
    now = now or datetime.now(UTC)
    with engine.begin() as connection:
        return connection.execute(delete(GeocodeCache).where(GeocodeCache.expires_at <= now)).rowcount


def _place(row) -> Place:
    return Place(
        row.name, row.lat, row.lon, row.precision or "point", row.country, [], attribution=attribution_for(row.provider)
    )


def _geopy_provider(config, name: str):
    from geopy.exc import GeocoderNotFound
    from geopy.geocoders import get_geocoder_for_service

    try:
        provider_class = get_geocoder_for_service(name)
    except GeocoderNotFound:
        raise ValueError(f"FINDER_GEOCODER: unknown geopy provider {name!r}") from None
    options = {"user_agent": config.USER_AGENT, "timeout": config.FETCH_TIMEOUT_S}
    if config.GEOCODER_URL:
        parts = urlsplit(config.GEOCODER_URL)
        options.update(scheme=parts.scheme or "https", domain=(parts.netloc + parts.path).rstrip("/"))
    return provider_class(**options)


def get_online_geocoder(config, engine: Engine) -> OnlineGeocoder | None:
    """The configured online geocoder, or None when FINDER_GEOCODER is "offline" (the default)."""
    if not config.GEOCODER or config.GEOCODER.strip().lower() == "offline":
        return None
    return OnlineGeocoder(config, engine)


class PlaceResolver:
    """What search looks `where=` up with when FINDER_GEOCODER names a provider: the gazetteer first, the online
    geocoder (cached, rate-limited) when the gazetteer has no answer or is not installed. Resolves like a `Resolver`.
    """

    def __init__(self, gazetteer, online: OnlineGeocoder):
        self.gazetteer, self.online = gazetteer, online

    @property
    def attribution(self) -> str:
        return self.gazetteer.attribution if self.gazetteer is not None else self.online.attribution

    def resolve(self, text: str, country_hint: str | None = None) -> Place | None:
        place, _attribution = resolve_place(self.gazetteer, self.online, text, country_hint)
        return place


def resolve_place(resolver, online: OnlineGeocoder | None, text: str, country_hint: str | None = None):
    """Gazetteer first; the online geocoder only when the gazetteer has no answer. Returns (place, attribution).

    Raises PlaceQueryError for text that cannot be a place (empty, too long, meaningless).
    """
    text = check_place_text(text)
    place = resolver.resolve(text, country_hint) if resolver is not None else None
    if place is not None:
        return place, resolver.attribution
    if online is None:
        return None, ""
    found = online.geocode(text, country_hint)
    return found, online.attribution if found else ""
