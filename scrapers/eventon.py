"""Details EventOn puts only in the HTML `content` of its AJAX feed (url, description, place, image)."""

from __future__ import annotations

from scrapers.text import clean_text, safe_url


def eventon_details(markup: str, base_url: str = "") -> dict[str, dict]:
    """Per `event_id` (as a string): url, description (HTML), location, image, status found in `markup`."""
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
        details.setdefault(event_id, found)
    return details
