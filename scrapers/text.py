"""Text cleaning, HTML sanitising, safe URLs and JSON reading that every adapter shares."""

from __future__ import annotations

import html
import json
import re
from urllib.parse import urljoin, urlsplit

import nh3

from scrapers.decoding import decode_body

ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "strong", "em", "b", "i", "a", "blockquote", "h3", "h4", "h5"}
_SPACE = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_TAG = re.compile(r"<[a-zA-Z/!][^>]*>")


def clean_text(value) -> str:
    """Collapse runs of spaces, trim, keep paragraph breaks; '' for None."""
    if value is None:
        return ""
    text = str(value).replace("\u00a0", " ").replace("\r\n", "\n").replace("\r", "\n")
    text = _SPACE.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()


def looks_like_html(value: str) -> bool:
    return bool(value and _TAG.search(value))


def html_to_text(markup: str) -> str:
    """Readable plain text of an HTML fragment (entities decoded, block breaks kept)."""
    if not markup:
        return ""
    if not looks_like_html(markup):
        return clean_text(html.unescape(markup))
    from bs4 import BeautifulSoup  # ~0.2 s to import: only once some text is HTML

    soup = BeautifulSoup(markup, "html.parser")
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for block in soup.find_all(["p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr"]):
        block.insert_after("\n")
    for dead in soup.find_all(["script", "style"]):
        dead.decompose()
    return clean_text(soup.get_text())


def sanitize_html(markup: str) -> str:
    """HTML from a source reduced to a safe allow-list; links get rel=nofollow noopener ugc."""
    if not markup or not looks_like_html(markup):
        return ""
    return nh3.clean(
        markup,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener ugc",
        attribute_filter=absolute_links_only,
    ).strip()


def absolute_links_only(element: str, attribute: str, value: str) -> str | None:
    """nh3 attribute filter: a link keeps its href only when that is an absolute http(s) or mailto URL
    (a relative one would point into our own site)."""
    if element == "a" and attribute == "href":
        return value if safe_url(value) or value.strip().lower().startswith("mailto:") else None
    return value


def description_pair(value) -> tuple[str, str]:
    """(plain text, sanitised HTML or '') from a description that may hold markup."""
    raw = "" if value is None else str(value)
    if looks_like_html(raw):
        return html_to_text(raw), sanitize_html(raw)
    return clean_text(html.unescape(raw)), ""


def safe_url(value, base: str = "") -> str:
    """An absolute http(s) URL, resolved against `base`; '' for anything else (javascript:, data:, ...)."""
    if not value or not isinstance(value, str):
        return ""
    value = value.strip()
    try:
        absolute = urljoin(base, value) if base else value
        parts = urlsplit(absolute)
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return absolute


def split_categories(values) -> list[str]:
    """Category strings cleaned and de-duplicated, order kept."""
    seen, out = set(), []
    for value in values or []:
        text = clean_text(html.unescape(str(value)))
        key = text.casefold()
        if text and key not in seen:
            seen.add(key)
            out.append(text)
    return out


def load_json(body: bytes):
    """The JSON value in `body` (any encoding); raises ValueError when it is not JSON."""
    try:
        return json.loads(decode_body(body))
    except RecursionError as error:
        raise ValueError("JSON nested too deeply") from error


def json_object(body: bytes) -> dict:
    """The JSON object in `body`, or {} when the body is no JSON or holds another value (how pagers read a
    page: one they cannot read has no next page)."""
    try:
        data = load_json(body)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
