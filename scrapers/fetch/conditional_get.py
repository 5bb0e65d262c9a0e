"""Conditional GET: the ETag/Last-Modified saved per URL in the `FetchStore` and the If-* headers from them."""

from __future__ import annotations

from scrapers.fetch.parts import VALIDATOR_TTL_S, FetchStore
from scrapers.fetch.transport import Response


def validators(store: FetchStore, url: str) -> dict:
    """If-None-Match / If-Modified-Since headers from what `url` last answered; {} when nothing saved."""
    saved = store.get(f"url:{url}") or {}
    headers = {}
    if saved.get("etag"):
        headers["If-None-Match"] = saved["etag"]
    if saved.get("last_modified"):
        headers["If-Modified-Since"] = saved["last_modified"]
    return headers


def remember_validators(store: FetchStore, response: Response) -> None:
    """Save the ETag and Last-Modified of a 2xx answer for the next conditional GET of its URL."""
    etag, modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
    if etag or modified:
        store.put(f"url:{response.url}", {"etag": etag, "last_modified": modified}, VALIDATOR_TTL_S)
