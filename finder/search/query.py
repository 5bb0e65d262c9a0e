"""`SearchQuery`: the /api/v1/search parameters, parsed and checked (`QueryError` names a bad one)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from finder.geo import km_to_miles, miles_to_km, parse_coordinates, valid_coordinates
from scrapers.listing import KINDS

WHENS = ("any", "today", "weekend", "week", "month")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TIMES = ("morning", "afternoon", "evening")
AUDIENCES = ("kids", "teens", "seniors", "families", "groups")
ACCESS = ("wheelchair", "sign_language")
ONLINE = ("include", "only", "exclude")
SORTS = ("best", "nearest", "soonest")
DEFAULT_RADIUS_KM = 25.0
MAX_RADIUS_KM = 500.0
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
MAX_PAGE = 1000
MAX_TERMS = 8
MAX_PARAM_CHARS = 300  # no parameter needs more (q is capped here too, where at 200)
# Dates searched for: a window ends the day after `to` and starts at local midnight, which must stay a
# datetime in every zone (9999-12-31 + 1 day, or 0001-01-01 east of UTC, overflow).
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2999, 12, 31)
AUDIENCE_ALIASES = {
    "55+": "seniors",
    "older": "seniors",
    "family": "families",
    "kid": "kids",
    "teen": "teens",
    "children": "kids",
}
# The /api/v1/search parameters (DESIGN.md contracts), the one list: what a search asks, then paging.
QUERY_PARAMS = (
    "where",
    "lat",
    "lon",
    "radius_km",
    "radius_mi",
    "interests",
    "q",
    "kind",
    "when",
    "from",
    "to",
    "days",
    "time",
    "recurring",
    "free",
    "newcomer",
    "audience",
    "access",
    "online",
    "sort",
)
PARAMS = (*QUERY_PARAMS, "page", "per_page")


class QueryError(ValueError):
    """A bad search parameter: `param` names it, `message` says what is wrong."""

    def __init__(self, param: str, message: str):
        super().__init__(f"{param}: {message}")
        self.param = param
        self.message = message


class PlaceError(ValueError):
    """Place text that names no known place, or several equally likely ones."""

    def __init__(self, message: str, suggestions: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.suggestions = suggestions or []


@dataclass(frozen=True)
class SearchQuery:
    where: str = ""
    lat: float | None = None
    lon: float | None = None
    radius_km: float = DEFAULT_RADIUS_KM
    unit: str = "km"
    interests: tuple[str, ...] = ()
    q: str = ""
    kinds: tuple[str, ...] = ()
    when: str = "any"
    date_from: date | None = None
    date_to: date | None = None
    days: tuple[str, ...] = ()
    times: tuple[str, ...] = ()
    recurring: bool = False
    free: bool = False
    newcomer: bool = False
    audience: tuple[str, ...] = ()
    access: tuple[str, ...] = ()
    online: str = "include"
    sort: str = "best"
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def has_point(self) -> bool:
        return self.lat is not None and self.lon is not None

    def with_point(self, lat: float, lon: float) -> SearchQuery:
        return replace(self, lat=lat, lon=lon)

    def to_args(self) -> dict[str, str]:
        """The query as URL parameters (defaults left out), for links, feeds and saved searches."""
        args = {
            "where": self.where,
            "q": self.q,
            "interests": ",".join(self.interests),
            "kind": ",".join(self.kinds),
            "days": ",".join(self.days),
            "time": ",".join(self.times),
            "audience": ",".join(self.audience),
            "access": ",".join(self.access),
        }
        if self.has_point:
            args.update(lat=repr(self.lat), lon=repr(self.lon))  # exact: the query comes back equal
        if self.radius_km != DEFAULT_RADIUS_KM or self.unit == "mi":
            radius = km_to_miles(self.radius_km) if self.unit == "mi" else self.radius_km
            args["radius_mi" if self.unit == "mi" else "radius_km"] = f"{radius:g}"
        if self.date_from or self.date_to:
            args.update({"from": str(self.date_from or ""), "to": str(self.date_to or "")})
        elif self.when != "any":
            args["when"] = self.when
        for name in ("recurring", "free", "newcomer"):
            if getattr(self, name):
                args[name] = "true"
        if self.online != "include":
            args["online"] = self.online
        if self.sort != "best":
            args["sort"] = self.sort
        if self.page != 1:
            args["page"] = str(self.page)
        if self.per_page != DEFAULT_PER_PAGE:
            args["per_page"] = str(self.per_page)
        return {k: v for k, v in args.items() if v}

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> SearchQuery:
        """Parse URL parameters; raises QueryError(param, message) for the first bad one."""
        given = dict(args.items())  # a MultiDict's first values; its .get raises and catches a KeyError per absent name
        get = lambda name: (given.get(name) or "").strip()  # noqa: E731
        for name in PARAMS:
            if len(get(name)) > MAX_PARAM_CHARS:
                raise QueryError(name, f"too long (at most {MAX_PARAM_CHARS} characters)")
        lat, lon = _number(get("lat"), "lat"), _number(get("lon"), "lon")
        if (lat is None) != (lon is None):
            raise QueryError("lat" if lat is None else "lon", "give both lat and lon")
        if lat is not None and not valid_coordinates(lat, lon):
            raise QueryError("lat" if abs(lat) > 90 else "lon", "out of range (|lat| <= 90, |lon| <= 180)")
        where = get("where")
        if len(where) > 200:
            raise QueryError("where", "too long (at most 200 characters)")
        if lat is None and where:
            try:
                point = parse_coordinates(where)
            except ValueError as error:
                raise QueryError("where", str(error)) from None
            if point is not None:
                lat, lon, where = point.lat, point.lon, ""
        radius_km, unit = _radius(get("radius_km"), get("radius_mi"))
        date_from, date_to = _date(get("from"), "from"), _date(get("to"), "to")
        if date_from and date_to and date_to < date_from:
            raise QueryError("to", "must not be before from")
        q = get("q")
        if len(q) > 300:
            raise QueryError("q", "too long (at most 300 characters)")
        return cls(
            where=where,
            lat=lat,
            lon=lon,
            radius_km=radius_km,
            unit=unit,
            interests=tuple(i.strip() for i in get("interests").split(",") if i.strip())[:MAX_TERMS],
            q=q,
            kinds=_choices(get("kind"), "kind", KINDS),
            when=_choice(get("when"), "when", WHENS, "any"),
            date_from=date_from,
            date_to=date_to,
            days=_choices(get("days"), "days", DAYS, prefix=3),
            times=_choices(get("time"), "time", TIMES),
            recurring=_flag(get("recurring"), "recurring"),
            free=_flag(get("free"), "free"),
            newcomer=_flag(get("newcomer"), "newcomer"),
            audience=_choices(get("audience"), "audience", AUDIENCES, AUDIENCE_ALIASES),
            access=_choices(get("access").replace("sign-language", "sign_language"), "access", ACCESS),
            online=_choice(get("online"), "online", ONLINE, "include"),
            sort=_choice(get("sort"), "sort", SORTS, "best"),
            page=_integer(get("page"), "page", 1, MAX_PAGE, 1),
            per_page=_integer(get("per_page"), "per_page", 1, MAX_PER_PAGE, DEFAULT_PER_PAGE),
        )


def _number(raw: str, param: str) -> float | None:
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise QueryError(param, f"not a number: {raw[:40]!r}") from None
    if not math.isfinite(value):
        raise QueryError(param, "must be a finite number")
    return value


def _radius(km: str, mi: str) -> tuple[float, str]:
    if km and mi:
        raise QueryError("radius_mi", "give radius_km or radius_mi, not both")
    param, raw = ("radius_mi", mi) if mi else ("radius_km", km)
    value = _number(raw, param)
    if value is None:
        return DEFAULT_RADIUS_KM, "mi" if mi else "km"
    value_km = miles_to_km(value) if mi else value
    if not 0 < value_km <= MAX_RADIUS_KM:
        raise QueryError(param, f"must be above 0 and at most {MAX_RADIUS_KM:g} km")
    return value_km, "mi" if mi else "km"


def _date(raw: str, param: str) -> date | None:
    if not raw:
        return None
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise QueryError(param, f"not a date (YYYY-MM-DD): {raw[:40]!r}") from None
    if not MIN_DATE <= value <= MAX_DATE:
        raise QueryError(param, f"must be between {MIN_DATE} and {MAX_DATE}")
    return value


def _flag(raw: str, param: str) -> bool:
    lowered = raw.lower()
    if lowered in ("", "false", "0", "no", "off"):
        return False
    if lowered in ("true", "1", "yes", "on"):
        return True
    raise QueryError(param, "must be true or false")


def _integer(raw: str, param: str, low: int, high: int, default: int) -> int:
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()):  # str.isdigit() also passes "²" and "⑤", which int() refuses
        raise QueryError(param, f"not a whole number: {raw[:40]!r}")
    value = int(raw)
    if not low <= value <= high:
        raise QueryError(param, f"must be between {low} and {high}")
    return value


def _choice(raw: str, param: str, allowed: tuple[str, ...], default: str) -> str:
    value = raw.lower() or default
    if value not in allowed:
        raise QueryError(param, f"unknown value {raw[:40]!r} (one of {', '.join(allowed)})")
    return value


def _choices(raw: str, param: str, allowed: tuple[str, ...], aliases: dict | None = None, prefix: int = 0) -> tuple:
    found = []
    for item in (p.strip().lower() for p in raw.split(",")):
        if not item:
            continue
        value = (aliases or {}).get(item, item[:prefix] if prefix else item)
        if value not in allowed:
            raise QueryError(param, f"unknown value {item[:40]!r} (one of {', '.join(allowed)})")
        if value not in found:
            found.append(value)
    return tuple(found)
