"""Digest parts filled into shells: each digest's templates rendered (and its CSS inlined) once per shape, not once
per subscriber.

Why: a regular digest differs from the next one of the same language only in a few values (the alert's name, its
search, its two links, its cards), yet rendering its three templates and inlining the CSS of its HTML cost most of
building it. A shell is the same templates rendered once per shape (language, number of cards, more or not, named
or not) with marker text in place of those values; each digest is then the shell with its values put back, escaped
as the rendered and inlined HTML would have them (see `html_text`, `html_attribute`), and each card is inlined once
per language, in the shell's place for cards. The real templates stay the one definition: a shape's shell is used
only when it gives exactly what the templates give, for the first alert of that shape and for a probe alert whose
name and search need escaping; otherwise that shape, and any digest with values the HTML parser would change
(control characters), keeps the template path. Welcome digests and digests with changes always take it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from types import SimpleNamespace
from urllib.parse import quote_from_bytes

from markupsafe import Markup

from finder.mail import inline_css

log = logging.getLogger(__name__)
MARK = "q8Zk"  # marker text: letters no template or setting contains, unchanged by escaping and URL quoting
SLOT = re.compile(MARK + r"(NAME|QUERY|MANAGE|UNSUBSCRIBE|CARD\d+)z")
# Characters the HTML parser keeps as they are (no carriage returns, NULs, other controls or non-characters)
KEPT = re.compile(r"[^\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]*")
CARD_START, CARD_END = MARK + "CardStartz", MARK + "CardEndz"
PROBE = SimpleNamespace(name="Probe <b> & \"quoted\" 'x'\xa0“y”", query={"q": 'a&b "c" <d>', "where": "Zürich"})


def html_text(value: str) -> str:
    """`value` as the inliner writes text: &, <, > and no-break spaces escaped."""
    return value.replace("&", "&amp;").replace("\xa0", "&nbsp;").replace("<", "&lt;").replace(">", "&gt;")


def html_attribute(value: str) -> str:
    """`value` as the inliner writes an attribute value: &, " and no-break spaces escaped."""
    return value.replace("&", "&amp;").replace("\xa0", "&nbsp;").replace('"', "&quot;")


@dataclass
class _Shell:
    """Each part split at its slots: literal text at even positions, slot names at odd ones."""

    subject: list[str]
    text: list[str]
    html: list[str]
    frame: tuple[str, str]  # the HTML before inlining, around the first card


class Shells:
    """Digest parts for `compose`; built from `parts(alert, shown, more, links, card) -> (subject, text, html)`,
    the template path (html before inlining), and the `cards` memo (`finder.alerts.cards.Cards`)."""

    def __init__(self, parts, cards, settings):
        self.parts = parts
        self.cards = cards
        self.settings = settings  # what `parts` renders with (the site's address, the postal address)
        self.shells: dict[tuple, _Shell | None] = {}
        self.inlined: dict[tuple[str, int], str | None] = {}

    def compose(self, alert, shown: list, more: bool, links: dict[str, str]) -> tuple[str, str, str] | None:
        """(subject, text, inlined html) of `alert`'s digest, or None when it must take the template path."""
        name = alert.name
        if not shown or (name and not KEPT.fullmatch(name)) or not isinstance(alert.query, dict):
            return None
        locale = getattr(alert, "locale", None) or ""
        key = (locale, len(shown), more, bool(name))
        if key not in self.shells:
            try:
                self.shells[key] = self._shell(key, alert, shown, more, links)
            except Exception:  # a shell is only a shortcut: whatever went wrong, the templates' own path remains
                log.exception("digest shell for %s could not be made: that shape takes the template path", key)
                self.shells[key] = None
        shell = self.shells[key]
        return None if shell is None else self._fill(shell, alert, shown, links)

    def _fill(self, shell: _Shell, alert, shown: list, links: dict[str, str]) -> tuple[str, str, str] | None:
        locale = getattr(alert, "locale", None) or ""
        card = self.cards.bind(alert)
        values = {
            "NAME": alert.name or "",
            "QUERY": query_string(alert.query),
            "MANAGE": links["manage_url"],
            "UNSUBSCRIBE": links["unsubscribe_url"],
        }
        text_values = dict(values, **{f"CARD{i}": str(card(listing, "txt")) for i, listing in enumerate(shown)})
        html_values = {f"{slot}@text": html_text(value) for slot, value in values.items()}
        html_values.update({f"{slot}@attribute": html_attribute(value) for slot, value in values.items()})
        for i, listing in enumerate(shown):
            html_values[f"CARD{i}@text"] = self._inlined_card(locale, listing, card, shell.frame)
            if html_values[f"CARD{i}@text"] is None:
                return None
        return (
            _join(shell.subject, text_values).strip(),
            _join(shell.text, text_values),
            _join(shell.html, html_values),
        )

    def _inlined_card(self, locale: str, listing, card, frame: tuple[str, str]) -> str | None:
        """The card's HTML as the inliner writes it in a digest (its ancestors' rules applied), once per language;
        None when its place cannot be told (its text holding our marker letters): its digests take the templates."""
        key = (locale, listing.id)
        if key not in self.inlined:
            page = inline_css(frame[0] + CARD_START + str(card(listing, "html")) + CARD_END + frame[1])
            start, end = page.find(CARD_START), page.find(CARD_END)
            if start < 0 or end < start or page.count(CARD_START) != 1 or page.count(CARD_END) != 1:
                self.inlined[key] = None
            else:
                self.inlined[key] = page[start + len(CARD_START) : end]
        return self.inlined[key]

    def _shell(self, key: tuple, alert, shown: list, more: bool, links: dict[str, str]) -> _Shell | None:
        _, count, _, named = key
        markers = [SimpleNamespace(id=-1 - i, slot=f"{MARK}CARD{i}z") for i in range(count)]
        name = f"{MARK}NAMEz" if named else alert.name
        model = SimpleNamespace(locale=getattr(alert, "locale", None), name=name, query=MARK + "QUERYz")
        slots = {"manage_url": f"{MARK}MANAGEz", "unsubscribe_url": f"{MARK}UNSUBSCRIBEz"}
        subject, text, html = self.parts(model, markers, more, slots, _marker_card)
        first = html.find(markers[0].slot)
        shell = _Shell(
            subject=SLOT.split(subject), text=SLOT.split(text), html=_html_slots(inline_css(html)),
            frame=(html[:first], html[first + len(markers[0].slot) :]),
        )  # fmt: skip
        probe = SimpleNamespace(locale=model.locale, name=PROBE.name if named else alert.name, query=PROBE.query)
        for example in (alert, probe):
            card = self.cards.bind(example)
            subject, text, html = self.parts(example, shown, more, links, card)
            if (subject.strip(), text, inline_css(html)) != self._fill(shell, example, shown, links):
                log.warning("digest shell for %s differs from its templates: that shape takes the template path", key)
                return None
        return shell


def query_string(query: dict) -> str:
    """What the templates' `urlencode` filter makes of a dict (Jinja's `do_urlencode`: UTF-8, nothing safe, + for
    spaces); the shell's check compares the two."""
    return "&".join(f"{_quote(key)}={_quote(value)}" for key, value in query.items())


def _quote(value) -> str:
    return quote_from_bytes(str(value).encode("utf-8"), b"").replace("%20", "+")


def _marker_card(listing, part: str) -> str:
    return Markup(listing.slot) if part == "html" else listing.slot  # noqa: S704 (marker letters only)


def _html_slots(html: str) -> list[str]:
    """The inlined shell split at its slots, each slot named with where it stands: '@attribute' inside a tag
    (the serialised HTML has no '<' or '>' in text, and none in our attribute values), else '@text'."""
    pieces = SLOT.split(html)
    before = ""
    for i in range(1, len(pieces), 2):
        before += pieces[i - 1]
        inside_tag = before.rfind("<") > before.rfind(">")
        pieces[i] = f"{pieces[i]}@{'attribute' if inside_tag else 'text'}"
        before += "x"  # the slot's own text holds neither bracket
    return pieces


def _join(pieces: list[str], values: dict[str, str]) -> str:
    return "".join(values[piece] if i % 2 else piece for i, piece in enumerate(pieces))
