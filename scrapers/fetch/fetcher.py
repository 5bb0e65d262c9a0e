"""The only network code: polite, capped, guarded GETs over HTTP(S), and file:// reads under data/.

`Fetcher(settings, store).fetch(url) -> FetchResult`; every refusal or failure raises `FetchError` with a
one-line reason. Each hop (redirects are followed by hand, at most 5) passes: host back-off, SSRF guard
(the checked address is pinned for the connection), robots.txt, per-host pacing (min delay or
Crawl-delay), then the request with retries on 5xx/429/timeouts. State kept between runs (ETag and
Last-Modified per URL, robots.txt, host back-off and last request) goes through a `FetchStore`;
`finder.ingest.fetch_state.DatabaseFetchStore` keeps it in the database. Not thread-safe: one Fetcher per thread.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from urllib.parse import urldefrag, urljoin, urlsplit

import requests

from scrapers.fetch import conditional_get, guard, robots, transport
from scrapers.fetch.parts import (
    REDIRECT_STATUSES,
    RETRY_STATUSES,
    FetchError,
    FetchResult,
    FetchSettings,
    FetchStore,
    MemoryFetchStore,
    detect_encoding,
    read_file_url,
    retry_after_s,
)

log = logging.getLogger(__name__)

__all__ = ["FetchError", "FetchResult", "FetchSettings", "FetchStore", "Fetcher", "MemoryFetchStore", "detect_encoding"]


def _when(epoch_s: float) -> datetime:
    return datetime.fromtimestamp(epoch_s, UTC)


def _stamp(epoch_s: float) -> str:
    return _when(epoch_s).isoformat(timespec="seconds")


class Fetcher:
    """Fetches one URL at a time, politely; see the module docstring for what each hop goes through."""

    def __init__(
        self,
        settings: FetchSettings | None = None,
        store: FetchStore | None = None,
        *,
        clock=time.time,
        sleep=time.sleep,
        resolver: guard.Resolver = guard.system_resolver,
    ):
        self.settings = settings or FetchSettings()
        self.store = store if store is not None else MemoryFetchStore(clock)
        self._clock, self._sleep, self._resolver = clock, sleep, resolver
        self._robots = robots.RobotsCache(self.store, clock)
        self._hosts = robots.HostLedger(self.store, clock)
        self._session = requests.Session()
        self._session.trust_env = False  # no proxies or .netrc from the environment: the pin must hold
        self._session.headers["User-Agent"] = self.settings.user_agent
        adapter = guard.PinnedAdapter()
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def fetch(self, url: str, *, conditional: bool = True) -> FetchResult:
        """The body at `url`; `conditional=False` ignores saved ETag/Last-Modified. Raises FetchError."""
        url = (url or "").strip()
        try:
            scheme = urlsplit(url).scheme.lower()
        except ValueError as error:
            raise FetchError(f"unreadable URL {url!r}: {error}") from None
        if scheme == "file":
            return read_file_url(url, self.settings.file_root, self.settings.max_bytes)
        if scheme not in ("http", "https"):
            raise FetchError(f"refused {url!r}: only http, https and file URLs are fetched")
        chain: list[str] = []
        current = urldefrag(url)[0]
        while True:
            response = self._get(current, conditional)
            location = response.headers.get("Location")
            if response.status not in REDIRECT_STATUSES or not location:
                break
            target = self._next_hop(current, location, chain)
            chain.append(current)
            current = target
        return self._result(response, tuple(chain))

    def forget(self, url: str) -> None:
        """Drop the saved ETag/Last-Modified of `url`, so its next fetch is a full GET (e.g. after a failed parse)."""
        self.store.put(f"url:{urldefrag(url.strip())[0]}", {}, 0)

    def _next_hop(self, current: str, location: str, chain: list[str]) -> str:
        target = urldefrag(urljoin(current, location.strip()))[0]
        if urlsplit(target).scheme.lower() not in ("http", "https"):
            raise FetchError(f"refused redirect from {current} to {target}: only http(s) redirects are followed")
        if target in chain or target == current:
            raise FetchError("redirect loop: " + " -> ".join([*chain, current, target]))
        if len(chain) >= self.settings.max_redirects:
            raise FetchError(f"more than {self.settings.max_redirects} redirects (started at {[*chain, current][0]})")
        return target

    def _result(self, response: transport.Response, chain: tuple[str, ...]) -> FetchResult:
        if response.status == 304:
            return FetchResult(response.url, 304, b"", response.headers, True, None, chain)
        if not 200 <= response.status < 300:
            raise FetchError(f"HTTP {response.status} {response.reason} from {response.url}".strip(), response.status)
        conditional_get.remember_validators(self.store, response)
        encoding = detect_encoding(response.body, response.headers.get("Content-Type"))
        return FetchResult(response.url, response.status, response.body, response.headers, False, encoding, chain)

    # --- one hop: back-off, guard, robots, pacing, request with retries -------------------------

    def _get(self, url: str, conditional: bool) -> transport.Response:
        host = robots.host_key(url)
        self._check_backoff(host)
        pinned_ips = self._check_address(url)
        self._check_robots(url)
        headers = conditional_get.validators(self.store, url) if conditional else {}
        waited_s, attempt, attempts = 0.0, 0, self.settings.retries + 1
        while True:
            self._wait_turn(host, url)
            hinted_s = None
            try:
                response = transport.send(self._session, self.settings, url, pinned_ips, headers)
            except transport.Transient as error:
                failure, status = str(error), None
            else:
                if response.status not in RETRY_STATUSES:
                    return response
                failure, status = f"HTTP {response.status} {response.reason} from {url}", response.status
                hinted_s = retry_after_s(response.headers.get("Retry-After"), self._clock())
            wait_s = hinted_s if hinted_s is not None else self.settings.backoff_s * 2**attempt
            if hinted_s is not None and (waited_s + hinted_s > self.settings.max_wait_s or attempt == attempts - 1):
                retry_at = self._clock() + hinted_s
                self._hosts.back_off(host, retry_at, failure, status)
                raise FetchError(
                    f"{failure}; asked to retry after {hinted_s:.0f} s: "
                    f"giving up this run, host back at {_stamp(retry_at)}",
                    status,
                    _when(retry_at),
                )
            if attempt == attempts - 1 or waited_s + wait_s > self.settings.max_wait_s:
                raise FetchError(f"{failure} (gave up after {attempt + 1} attempt{'s' if attempt else ''})", status)
            log.info("fetch %s: %s; retrying in %.1f s", url, failure, wait_s)
            if wait_s > 0:
                self._sleep(wait_s)
            waited_s += wait_s
            attempt += 1

    def _check_address(self, url: str) -> tuple[str, ...]:
        parts = urlsplit(url)
        if not parts.hostname:
            raise FetchError(f"refused {url!r}: no host name")
        try:
            port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
            host = parts.hostname if guard.parse_ip_literal(parts.hostname) else parts.hostname.encode("idna").decode()
        except (ValueError, UnicodeError) as error:
            raise FetchError(f"refused {url!r}: {error}") from None
        try:
            return guard.check_host(
                host,
                port,
                resolver=self._resolver,
                allow_private=self.settings.allow_private,
                trusted=self.settings.trusted_networks,
            )
        except guard.AddressRefused as error:
            raise FetchError(str(error)) from None

    # --- robots.txt ------------------------------------------------------------------------------

    def _check_robots(self, url: str) -> None:
        origin = robots.origin_of(url)
        rules = self._robots.get(origin)
        if rules is None:
            rules = self._fetch_robots(url)
            self._robots.put(origin, rules)
        if not rules.allows(url, self.settings.user_agent):
            if rules.mode == robots.RULES:
                raise FetchError(f"robots.txt of {origin} disallows {url}")
            raise FetchError(f"{origin}: {rules.reason}; {url} not fetched")

    def _fetch_robots(self, url: str) -> robots.RobotsRules:
        """Fetch robots.txt once (redirects followed, no retries, no pacing, cut at 500 KiB)."""
        current, now = robots.robots_url(url), self._clock()
        for _hop in range(self.settings.max_redirects + 1):
            try:
                response = transport.send(
                    self._session, self.settings, current, self._check_address(current), {}, robots.ROBOTS_MAX_BYTES
                )
            except (transport.Transient, FetchError) as error:
                return robots.rules_unreachable(str(error), now)
            location = response.headers.get("Location")
            if response.status not in REDIRECT_STATUSES or not location:
                return robots.rules_for_response(response.status, response.body, now)
            current = urldefrag(urljoin(current, location.strip()))[0]
            if urlsplit(current).scheme.lower() not in ("http", "https"):
                return robots.rules_unreachable(f"redirected to {current}", now)
        return robots.RobotsRules(
            robots.ALLOW_ALL, now, reason="robots.txt redirected too often: no rules, all allowed"
        )

    # --- per-host back-off and pacing ------------------------------------------------------------

    def _check_backoff(self, host: str) -> None:
        blocked = self._hosts.blocked(host)
        if blocked:
            retry_at, reason, status = blocked
            raise FetchError(
                f"{host} asked us to come back at {_stamp(retry_at)}; not tried ({reason})", status, _when(retry_at)
            )

    def _wait_turn(self, host: str, url: str) -> None:
        """Sleep until the host's delay (min delay or Crawl-delay) has passed since our last request to it."""
        delay_s = self.settings.min_delay_s
        rules = self._robots.get(robots.origin_of(url))
        crawl_delay_s = rules.delay_s(self.settings.user_agent) if rules else None
        if crawl_delay_s:
            delay_s = max(delay_s, crawl_delay_s)
        wait_s = self._hosts.wait_s(host, delay_s)
        if wait_s > self.settings.max_wait_s:
            next_s = self._clock() + wait_s
            raise FetchError(
                f"{host} asks for {delay_s:g} s between requests; next request allowed at {_stamp(next_s)}",
                retry_at=_when(next_s),
            )
        if wait_s > 0:
            self._sleep(wait_s)
        self._hosts.mark_request(host)
