"""Which cards may show a picture, and the image origins the page's Content-Security-Policy must allow.

A card shows the source's image only when the address is http(s) and the listing's sources allow it: at
least one states a licence and none forbids republishing (`republish = false` keeps a listing to its
title and a link, pictures included). The picture is linked, never copied; the page asks the browser for
it without a referrer (templates/_card.html), so the image host never learns what was searched.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from finder.catalog import page_sources
from scrapers.text import safe_url

MAX_URL_CHARS = 2000  # a longer "image" address is not one we pass on
HOST = re.compile(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?")  # host[:port] as a CSP source may name it (IDNs come as punycode)


def card_images(session: Session, listings: list) -> dict[int, str]:
    """listing id -> image URL for the listings on one page whose sources allow a picture (one query)."""
    candidates = {listing.id: _image(listing.image_url) for listing in listings}
    candidates = {listing_id: url for listing_id, url in candidates.items() if url}
    if not candidates:
        return {}
    _, terms = page_sources(session, list(candidates))
    return {
        listing_id: url
        for listing_id, url in candidates.items()
        if terms[listing_id]["licence"] and not terms[listing_id]["links_only"]
    }


def image_origins(urls) -> list[str]:
    """The distinct scheme://host[:port] of `urls`, in order, for the page's img-src."""
    origins = []
    for url in urls:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in origins:
            origins.append(origin)
    return origins


def _image(url: str | None) -> str:
    url = safe_url(url or "")
    if not url or len(url) > MAX_URL_CHARS:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        return ""
    if not HOST.fullmatch(parts.netloc) or any(c in url for c in " '\",;\\"):  # nothing that could end a CSP source
        return ""
    return url
