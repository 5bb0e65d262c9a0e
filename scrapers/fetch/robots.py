"""Politeness: robots.txt per RFC 9309 (parsed by protego, cached at most 24 hours) and the per-host
ledger of when we last asked and when a host told us to come back.

robots.txt 2xx: the rules apply. 4xx (except 429): no rules, everything allowed. 429, 5xx or unreachable:
everything disallowed; such a verdict is kept in memory only (ten minutes) so the next run asks again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from protego import Protego

from scrapers.fetch.parts import FetchError

ROBOTS_TTL_S = 24 * 3600
ROBOTS_FAILURE_TTL_S = 600
ROBOTS_MAX_BYTES = 500 * 1024
HOST_TTL_S = 3600  # how long a host's last-request time is kept after its back-off ends
RULES, ALLOW_ALL, DISALLOW_ALL = "rules", "allow_all", "disallow_all"


def origin_of(url: str) -> str:
    """`scheme://host[:port]` of `url`, lower-cased."""
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def host_key(url: str) -> str:
    """`host:port` of `url` (port defaulted by scheme), the key of the per-host ledger."""
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError:
        raise FetchError(f"invalid port in {url}") from None
    return f"{(parts.hostname or '').lower()}:{port}"


def robots_url(url: str) -> str:
    return origin_of(url) + "/robots.txt"


def product_token(user_agent: str) -> str:
    """'KindredBot' from 'KindredBot/0.1 (+https://...)': the name robots.txt groups match against."""
    words = user_agent.strip().split()
    return words[0].split("/", 1)[0] if words else "*"


@dataclass
class RobotsRules:
    """One host's robots.txt verdict; `reason` says where it came from."""

    mode: str
    fetched_at: float
    text: str = ""
    reason: str = ""
    temporary: bool = False
    _parser: Protego | None = field(default=None, repr=False, compare=False)

    @property
    def parser(self) -> Protego:
        if self._parser is None:
            self._parser = Protego.parse(self.text)
        return self._parser

    def allows(self, url: str, user_agent: str) -> bool:
        if urlsplit(url).path == "/robots.txt" or self.mode == ALLOW_ALL:
            return True
        if self.mode == DISALLOW_ALL:
            return False
        return self.parser.can_fetch(url, product_token(user_agent))

    def delay_s(self, user_agent: str) -> float | None:
        """Seconds between requests the host asks for (Crawl-delay, else Request-rate), or None."""
        if self.mode != RULES:
            return None
        token = product_token(user_agent)
        delay = self.parser.crawl_delay(token)
        if delay is not None:
            return float(delay)
        rate = self.parser.request_rate(token)
        if rate is not None and rate.requests > 0:
            return rate.seconds / rate.requests
        return None

    def ttl_s(self) -> float:
        return ROBOTS_FAILURE_TTL_S if self.temporary else ROBOTS_TTL_S

    def to_value(self) -> dict:
        return {"mode": self.mode, "fetched_at": self.fetched_at, "text": self.text, "reason": self.reason}

    @classmethod
    def from_value(cls, value: dict) -> RobotsRules | None:
        try:
            mode = value["mode"]
            fetched_at = float(value["fetched_at"])
        except (KeyError, TypeError, ValueError):
            return None
        if mode not in (RULES, ALLOW_ALL, DISALLOW_ALL):
            return None
        return cls(mode, fetched_at, str(value.get("text", "")), str(value.get("reason", "")))


def rules_for_response(status: int, body: bytes, now: float) -> RobotsRules:
    """The verdict for a robots.txt answer with final `status` (redirects already followed)."""
    if 200 <= status < 300:
        text = body[:ROBOTS_MAX_BYTES].decode("utf-8", errors="replace").lstrip("\ufeff")
        return RobotsRules(RULES, now, text, f"robots.txt rules ({len(body)} bytes)")
    if status == 429 or status >= 500:
        return RobotsRules(
            DISALLOW_ALL, now, reason=f"robots.txt answered {status}: treated as disallow all", temporary=True
        )
    return RobotsRules(ALLOW_ALL, now, reason=f"robots.txt answered {status}: no rules, all allowed")


def rules_unreachable(detail: str, now: float) -> RobotsRules:
    return RobotsRules(
        DISALLOW_ALL, now, reason=f"robots.txt unreachable ({detail}): treated as disallow all", temporary=True
    )


class RobotsCache:
    """Verdicts per origin: in memory, and in the fetch store for those that are not temporary."""

    def __init__(self, store, clock):
        self._store = store
        self._clock = clock
        self._memory: dict[str, RobotsRules] = {}

    def get(self, origin: str) -> RobotsRules | None:
        now = self._clock()
        rules = self._memory.get(origin)
        if rules is None:
            value = self._store.get(f"robots:{origin}")
            rules = RobotsRules.from_value(value) if value else None
        if rules is None or not (rules.fetched_at <= now < rules.fetched_at + rules.ttl_s()):
            return None
        self._memory[origin] = rules
        return rules

    def put(self, origin: str, rules: RobotsRules) -> None:
        self._memory[origin] = rules
        if not rules.temporary:
            self._store.put(f"robots:{origin}", rules.to_value(), rules.ttl_s())


class HostLedger:
    """Per host ("name:port"): our last request and any back-off, kept in memory and in the fetch store."""

    def __init__(self, store, clock):
        self._store = store
        self._clock = clock
        self._states: dict[str, dict] = {}

    def _state(self, host: str) -> dict:
        if host not in self._states:
            self._states[host] = dict(self._store.get(f"host:{host}") or {})
        return self._states[host]

    def _save(self, host: str) -> None:
        state = self._state(host)
        ttl_s = max(float(state.get("retry_at") or 0) - self._clock(), 0.0) + HOST_TTL_S
        self._store.put(f"host:{host}", dict(state), ttl_s)

    def blocked(self, host: str) -> tuple[float, str, int | None] | None:
        """(retry_at epoch s, reason, HTTP status) while the host's back-off lasts, else None."""
        state = self._state(host)
        retry_at = state.get("retry_at")
        if retry_at and self._clock() < float(retry_at):
            return float(retry_at), str(state.get("reason", "")), state.get("status")
        return None

    def back_off(self, host: str, retry_at: float, reason: str, status: int | None) -> None:
        self._state(host).update(retry_at=retry_at, reason=reason, status=status)
        self._save(host)

    def wait_s(self, host: str, delay_s: float) -> float:
        """Seconds until a request to `host` keeps `delay_s` after our last one (0 when it may go now)."""
        last = self._state(host).get("last_request_at")
        if last is None or delay_s <= 0:
            return 0.0
        now = self._clock()
        return max(0.0, min(float(last), now) + delay_s - now)

    def mark_request(self, host: str) -> None:
        self._state(host)["last_request_at"] = self._clock()
        self._save(host)
