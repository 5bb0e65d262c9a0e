"""Small text, time and URL helpers every adapter shares."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import nh3
from bs4 import BeautifulSoup
from dateutil import parser as date_parser

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
    ).strip()


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


def zone(name: str | None) -> ZoneInfo | None:
    """The IANA zone called `name`, or None when unknown."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def aware(value: datetime, tz_name: str | None = None) -> datetime:
    """`value` with a zone: kept if it has one, else `tz_name`, else UTC."""
    if value.tzinfo is not None:
        return value
    return value.replace(tzinfo=zone(tz_name) or UTC)


def parse_when(value, tz_name: str | None = None) -> datetime | None:
    """A lenient date-time parse ('2024-05-01T18:00', 'February 24 2011', epoch seconds); aware or None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return aware(value, tz_name)
    if isinstance(value, date):
        return aware(datetime(value.year, value.month, value.day), tz_name)
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.strip().isdigit() and len(value.strip()) >= 9):
        try:
            return datetime.fromtimestamp(float(value), UTC)
        except (OverflowError, OSError, ValueError):
            return None
    try:
        parsed = date_parser.parse(str(value).strip())
    except (ValueError, OverflowError, TypeError):
        return None
    return aware(parsed, tz_name)


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
