"""Details EventOn puts only in the HTML of its event cards (AJAX `content` or a listing page): url, description,
place, image, and the UTC instants of its calendar link beside the card's bare local `startDate`."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from dateutil import parser as date_parser

from scrapers.page_zones import utc_value
from scrapers.text import clean_text, safe_url


def eventon_details(markup: str, base_url: str = "") -> dict[str, dict]:
    """Per `event_id` (as a string): url, description (HTML), location, image, status found in `markup`, and
    `local_start` (naive) with `utc_start` when the card states both (scrapers/page_zones.py)."""
    if not markup.strip():
        return {}
    from bs4 import BeautifulSoup  # ~0.2 s to import: only for an EventOn feed, not whenever adapters load

    soup = BeautifulSoup(markup, "html.parser")
    details = {}
    for card in soup.select("[data-event_id]"):
        event_id = str(card.get("data-event_id"))
        found: dict = {}
        link = card.select_one("[itemprop=url]") or card.select_one("a.evcal_list_a[href]")
        if link is not None:
            found["url"] = safe_url(link.get("href"), base_url)
        body = card.select_one(".eventon_desc_in")
        if body is not None:
            found["description"] = body.decode_contents()
        name = card.select_one(".evo_location_name")
        address = card.select_one(".evo_location_address")
        place = ", ".join(
            t for t in (clean_text(name and name.get_text()), clean_text(address and address.get_text())) if t
        )
        if place:
            found["location"] = place
        image = card.select_one("meta[itemprop=image]")
        if image is not None:
            found["image"] = safe_url(image.get("content"), base_url)
        status = card.select_one("meta[itemprop=eventStatus]")
        if status is not None and "cancel" in str(status.get("content", "")).lower():
            found["status"] = "cancelled"
        found.update(_instants(card))
        details.setdefault(event_id, found)
    return details


def _instants(card) -> dict:
    """The card's bare local start and the UTC instant its calendar link (`sunix`) gives for it."""
    meta = card.select_one("[itemprop=startDate]")
    link = card.select_one("a[href*=sunix]")
    if meta is None or link is None:
        return {}
    instant = utc_value((parse_qs(urlsplit(str(link.get("href"))).query).get("sunix") or [""])[0])
    try:
        local = date_parser.parse(str(meta.get("content") or ""))
    except (ValueError, OverflowError):
        return {}
    if instant is None or local.tzinfo is not None:
        return {}
    return {"local_start": local, "utc_start": instant}
