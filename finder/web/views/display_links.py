"""Source markup and links on a page: sanitised HTML, safe outbound links, paragraphs, the "similar" search."""

from __future__ import annotations

import nh3
from markupsafe import Markup

from scrapers.text import ALLOWED_TAGS, absolute_links_only, safe_url

SOURCE_LINK_REL = "nofollow noopener ugc"


def similar_query(listing) -> str:
    """The query string of a search for listings like this one (its kind, first interests and place), for
    "Email me similar"."""
    from urllib.parse import urlencode

    args = {"kind": listing.kind}
    slugs = [tag.slug for tag in listing.tags][:3]
    if slugs:
        args["interests"] = ",".join(slugs)
    if listing.online:
        args["online"] = "only"
    elif listing.locality:
        args["where"] = listing.locality
    elif listing.lat is not None and listing.lon is not None:
        args["lat"], args["lon"] = f"{listing.lat:.3f}", f"{listing.lon:.3f}"
    return urlencode(args)


def sanitized(markup: str) -> Markup:
    """Source HTML through nh3's allow-list again at render time (defence in depth)."""
    cleaned = nh3.clean(
        markup or "",
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel=SOURCE_LINK_REL,
        attribute_filter=absolute_links_only,
    )
    return Markup(cleaned)


def outbound(url: str | None) -> str:
    """A source-given link when it is http(s), else '' (templates then show no link)."""
    return safe_url(url or "")


def paragraphs(text: str) -> list[str]:
    """Plain text split into paragraphs at blank lines."""
    return [part.strip() for part in (text or "").split("\n\n") if part.strip()]
