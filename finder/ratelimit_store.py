"""Where rate limits are counted (FINDER_RATELIMIT_STORAGE_URI): the store's kind, whether it answers,
and the flask-limiter settings that keep a dead store from failing requests (limits fall back to each
process's memory, with a warning, until it answers again)."""

from __future__ import annotations

import importlib.util
from urllib.parse import urlsplit

STORE_TIMEOUT_S = 0.5  # a Redis that does not answer within this is treated as down for that request
NETWORK_SCHEMES = {"redis", "rediss", "redis+cluster", "redis+sentinel", "memcached", "mongodb", "valkey"}
PACKAGES = {
    "redis": "redis",
    "rediss": "redis",
    "redis+cluster": "redis",
    "redis+sentinel": "redis",
    "valkey": "valkey",
    "memcached": "pymemcache",
    "mongodb": "pymongo",
}


def scheme(uri: str) -> str:
    return urlsplit(uri).scheme.lower()


def kind(uri: str) -> str:
    """'memory' (each process counts its own, forgotten on restart) or the store's scheme, e.g. 'redis'."""
    found = scheme(uri)
    return "memory" if found in ("", "memory") else found.split("+")[0]


def missing_package(uri: str) -> str | None:
    """One line naming the package a store needs when it is not installed, else None."""
    package = PACKAGES.get(scheme(uri))
    if package and importlib.util.find_spec(package) is None:
        extra = " (pip install 'kindred-finder[redis]')" if package == "redis" else ""
        return (
            f"FINDER_RATELIMIT_STORAGE_URI is {scheme(uri)}://... but the {package!r} package is not installed{extra}"
        )
    return None


def limiter_settings(uri: str) -> dict:
    """flask-limiter settings: fall back to memory when the store is down, never fail a request over it."""
    settings = {"RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True, "RATELIMIT_SWALLOW_ERRORS": True}
    if scheme(uri).startswith("redis"):
        settings["RATELIMIT_STORAGE_OPTIONS"] = {
            "socket_connect_timeout": STORE_TIMEOUT_S,
            "socket_timeout": STORE_TIMEOUT_S,
        }
    return settings


def store_answers(uri: str) -> tuple[bool, str]:
    """(ok, detail) from asking the configured store once (memory always answers)."""
    if kind(uri) == "memory":
        return True, "memory (each worker counts its own)"
    problem = missing_package(uri)
    if problem:
        return False, problem
    from limits.storage import storage_from_string

    where = urlsplit(uri).hostname or "?"
    try:
        options = limiter_settings(uri).get("RATELIMIT_STORAGE_OPTIONS", {})
        answered = storage_from_string(uri, **options).check()
    except Exception as error:  # the storage libraries raise their own types; any of them means "down"
        return False, f"{kind(uri)} at {where} down ({type(error).__name__}): limits counted in memory meanwhile"
    if not answered:
        return False, f"{kind(uri)} at {where} down (no answer): limits counted in memory meanwhile"
    return True, f"{kind(uri)} at {where}"
