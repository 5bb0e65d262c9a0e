"""The fetcher's vocabulary: settings, result, error, the state-store protocol, Retry-After, encodings,
and file:// reads (only below the allowed root).

Import these from `scrapers.fetch.fetcher`, which re-exports them next to the `Fetcher`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit
from urllib.request import url2pathname

from requests.structures import CaseInsensitiveDict

from scrapers.decoding import detect_encoding

DATA_ROOT = Path(__file__).resolve().parent.parent / "data"
DEFAULT_USER_AGENT = "KindredBot/0.1 (+https://github.com/kindred-finder/kindred)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
VALIDATOR_TTL_S = 90 * 24 * 3600
MAX_BACKOFF_S = 7 * 24 * 3600  # a Retry-After further out than this is shortened to it
CHUNK_BYTES = 64 * 1024


class FetchError(Exception):
    """A refused or failed fetch: `reason` (one line), HTTP `status` if any, `retry_at` (aware UTC) if known."""

    def __init__(self, reason: str, status: int | None = None, retry_at: datetime | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_at = retry_at


@dataclass(frozen=True)
class FetchSettings:
    user_agent: str = DEFAULT_USER_AGENT
    min_delay_s: float = 1.0
    timeout_s: float = 20.0  # connect timeout and read timeout (between bytes)
    max_bytes: int = 10_000_000
    allow_private: bool = False
    file_root: Path | tuple[Path, ...] | None = DATA_ROOT  # file:// URLs only below this folder (or these); None = none
    max_redirects: int = 5
    retries: int = 3  # extra attempts after 5xx/429/timeouts
    backoff_s: float = 1.0  # first retry wait without Retry-After; doubles each time
    max_wait_s: float = 60.0  # most this fetch will sleep in total for retries or pacing
    max_duration_s: float = 300.0  # longest one body download may take
    trusted_networks: tuple[str, ...] = ()  # CIDRs allowed even when private (an intranet source)
    ca_bundle: str | None = None  # CA file to verify HTTPS against; None = the default (certifi) bundle

    @classmethod
    def from_config(cls, config, **overrides) -> FetchSettings:
        """Settings from a `finder.config.Config` (the FINDER_* values); `overrides` win."""
        values = dict(
            user_agent=config.USER_AGENT,
            min_delay_s=float(config.FETCH_MIN_DELAY_S),
            timeout_s=float(config.FETCH_TIMEOUT_S),
            max_bytes=int(config.FETCH_MAX_BYTES),
            allow_private=bool(config.FETCH_ALLOW_PRIVATE),
            retries=int(config.FETCH_RETRIES),
            backoff_s=float(config.FETCH_RETRY_BACKOFF_S),
            file_root=config.file_roots if hasattr(config, "file_roots") else DATA_ROOT,
        )
        values.update(overrides)
        return cls(**values)


@dataclass
class FetchResult:
    url: str  # final URL after redirects
    status: int
    body: bytes  # exactly as received (b"" when not_modified)
    headers: CaseInsensitiveDict = field(default_factory=CaseInsensitiveDict)
    not_modified: bool = False
    encoding: str | None = None  # from BOM, header or meta; a codec name that decodes `body`
    redirects: tuple[str, ...] = ()  # URLs that redirected, in order

    def text(self) -> str:
        return self.body.decode(self.encoding or "utf-8", errors="replace")


class FetchStore(Protocol):
    def get(self, key: str) -> dict | None: ...

    def put(self, key: str, value: dict, ttl_s: float | None) -> None: ...


class MemoryFetchStore:
    """A FetchStore that forgets everything when the process ends."""

    def __init__(self, clock: Callable[[], float] = time.time):
        self._clock = clock
        self._items: dict[str, tuple[dict, float | None]] = {}

    def get(self, key: str) -> dict | None:
        value, expires_at = self._items.get(key, (None, None))
        if value is None or (expires_at is not None and self._clock() >= expires_at):
            return None
        return dict(value)

    def put(self, key: str, value: dict, ttl_s: float | None) -> None:
        self._items[key] = (dict(value), None if ttl_s is None else self._clock() + ttl_s)


def retry_after_s(value: str | None, now: float) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or HTTP-date, at most a week), or None when
    absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_BACKOFF_S)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return min(max(0.0, moment.timestamp() - now), MAX_BACKOFF_S)


def read_file_url(url: str, root: Path | tuple[Path, ...] | None, max_bytes: int) -> FetchResult:
    """The file a file:// URL names, when it lies below `root` (or one of several; symlinks resolved);
    FetchError otherwise."""
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise FetchError(f"refused {url}: file URLs with a host are not read")
    if root is None:
        raise FetchError(f"refused {url}: file URLs are turned off")
    try:
        path = Path(url2pathname(parts.path)).resolve()
        roots = [Path(r).resolve() for r in (root if isinstance(root, tuple) else (root,))]
    except (OSError, ValueError) as error:
        raise FetchError(f"refused {url}: {error}") from None
    if not any(path.is_relative_to(r) for r in roots):
        raise FetchError(f"refused {url}: outside the allowed folder {' or '.join(map(str, roots))}")
    try:
        if not path.is_file():
            raise FetchError(f"no such file: {path}")
        if path.stat().st_size > max_bytes:
            raise FetchError(f"{path} is over the {max_bytes}-byte limit")
        body = path.read_bytes()
    except OSError as error:
        raise FetchError(f"cannot read {path}: {error.strerror or error}") from None
    if len(body) > max_bytes:
        raise FetchError(f"{path} is over the {max_bytes}-byte limit")
    headers = CaseInsensitiveDict({"Content-Length": str(len(body))})
    return FetchResult(url, 200, body, headers, False, detect_encoding(body))
