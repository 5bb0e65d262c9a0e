"""Listing cards for digests, rendered once per language in a build and reused by every digest that shows them.

A card depends on the listing, the language and the site's address, never on the subscriber, so a build of
100,000 digests over a day's few thousand new listings renders each card a handful of times instead of once
per digest (a card's dates, schedule and labels cost most of a digest's rendering time).
"""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup

PARTS = {"html": "email/card.html", "txt": "email/card.txt"}


class Cards:
    """A renderer (`render(template, **context) -> str`) that also memoises cards; see `bind`."""

    def __init__(self, render: Callable[..., str], base_url: str):
        self.render = render
        self.base_url = base_url.rstrip("/")
        self.memo: dict[tuple[str, str, int], str] = {}
        self.shells: dict[int, object] = {}  # digest shells by id of the settings they render with (digest_message)

    @classmethod
    def around(cls, render: Callable[..., str], base_url: str) -> Cards:
        """`render` itself when it already memoises cards, else a new Cards around it."""
        return render if isinstance(render, Cards) else cls(render, base_url)

    def __call__(self, template: str, **context) -> str:
        return self.render(template, **context)

    def bind(self, alert) -> Callable[[object, str], str]:
        """`card(listing, part)` for templates rendering `alert`'s digest: part "html" (markup) or "txt"."""
        locale = getattr(alert, "locale", None) or ""

        def card(listing, part: str) -> str:
            key = (locale, part, listing.id)
            if key not in self.memo:
                text = self.render(PARTS[part], alert=alert, listing=listing, base_url=self.base_url)
                self.memo[key] = Markup(text) if part == "html" else text  # noqa: S704 (our own template's output)
            return self.memo[key]

        return card
