"""One GET over the pinned session: the request, its streamed and capped body, and its failures as
`FetchError` (final) or `Transient` (worth a retry)."""

from __future__ import annotations

import time
from contextlib import closing
from dataclasses import dataclass

import requests
from requests.structures import CaseInsensitiveDict
from urllib3.exceptions import ReadTimeoutError

from scrapers.fetch import guard
from scrapers.fetch.parts import CHUNK_BYTES, FetchError, FetchSettings


class Transient(Exception):
    """A failure worth retrying (timeouts, dropped connections)."""


@dataclass
class Response:
    """What one hop answered: status, headers and (for a 2xx) the body."""

    url: str
    status: int
    reason: str
    headers: CaseInsensitiveDict
    body: bytes = b""


def send(
    session: requests.Session,
    settings: FetchSettings,
    url: str,
    pinned_ips: tuple[str, ...],
    headers: dict,
    body_limit: int | None = None,
) -> Response:
    """One GET of `url` over the pinned `session`; the body is read only for a 2xx answer."""
    timeout_s = settings.timeout_s
    try:
        request = session.prepare_request(requests.Request("GET", url, headers=headers))
        # The adapter directly: Session.send would read a redirect's whole body, uncapped.
        response = session.get_adapter(request.url).send(
            request,
            stream=True,
            timeout=(timeout_s, timeout_s),
            verify=settings.ca_bundle or True,
            proxies={},
            pinned_ips=pinned_ips,
        )
    except requests.exceptions.ConnectTimeout:
        raise Transient(f"connect to {url} timed out after {timeout_s:g} s") from None
    except requests.exceptions.ReadTimeout:
        raise Transient(f"read from {url} timed out after {timeout_s:g} s (no answer)") from None
    except requests.exceptions.SSLError as error:
        raise FetchError(f"TLS failure with {url}: {first_line(error)}") from None
    except requests.exceptions.ConnectionError as error:
        raise Transient(f"connection to {url} failed: {first_line(error)}") from None
    except (requests.exceptions.RequestException, guard.AddressRefused) as error:
        raise FetchError(f"request to {url} failed: {first_line(error)}") from None
    with closing(response):
        body = b""
        if 200 <= response.status_code < 300:
            body = read_body(response, url, settings, body_limit)
        return Response(url, response.status_code, response.reason or "", response.headers, body)


def read_body(response, url: str, settings: FetchSettings, truncate_at: int | None) -> bytes:
    """The body, streamed; FetchError beyond max_bytes (or cut at `truncate_at` instead)."""
    limit = settings.max_bytes if truncate_at is None else truncate_at
    declared = response.headers.get("Content-Length", "").strip()
    if truncate_at is None and declared.isdigit() and int(declared) > limit:
        raise FetchError(f"body of {url} is {int(declared)} bytes, over the {limit}-byte limit; not downloaded")
    chunks, total, started = [], 0, time.monotonic()
    try:
        for chunk in response.iter_content(CHUNK_BYTES):
            total += len(chunk)
            if total > limit:
                if truncate_at is not None:
                    chunks.append(chunk[: len(chunk) - (total - limit)])
                    break
                raise FetchError(f"body of {url} is over the {limit}-byte limit; download aborted")
            chunks.append(chunk)
            if time.monotonic() - started > settings.max_duration_s:
                raise FetchError(f"download of {url} took over {settings.max_duration_s:g} s; aborted")
    except requests.exceptions.ConnectionError as error:
        if isinstance(error.args[0] if error.args else None, ReadTimeoutError):
            raise Transient(f"read from {url} timed out after {settings.timeout_s:g} s mid-body") from None
        raise Transient(f"connection to {url} lost mid-body") from None
    except requests.exceptions.ChunkedEncodingError:
        raise Transient(f"body of {url} ended early (shorter than announced, or cut)") from None
    except requests.exceptions.ContentDecodingError as error:
        raise FetchError(f"body of {url} could not be decompressed: {first_line(error)}") from None
    return b"".join(chunks)


def first_line(error: BaseException) -> str:
    """The innermost useful words of a requests/urllib3 error, on one line."""
    inner = error.args[0] if isinstance(error, requests.RequestException) and error.args else error
    inner = getattr(inner, "reason", None) or inner  # urllib3's MaxRetryError wraps the real cause
    text = str(inner).strip() or type(inner).__name__
    if "): " in text and "(host=" in text:
        text = text.split("): ", 1)[1]
    return text.splitlines()[0].rstrip('")')[:300]
