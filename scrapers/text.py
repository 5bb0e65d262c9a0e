"""Small text, time and URL helpers every adapter shares."""

from __future__ import annotations

import html
import json
import math
import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import nh3
from dateutil import parser as date_parser

from scrapers.bare_times import note_bare
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


def zone(name: str | None) -> ZoneInfo | None:
    """The IANA zone called `name`, or None when unknown."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder name such as 'Europe'
        return None


def aware(value: datetime, tz_name: str | None = None) -> datetime:
    """`value` with a zone: kept if it has one, else `tz_name`, else UTC."""
    if value.tzinfo is not None:
        return value
    tz = zone(tz_name)
    note_bare(tz_name if tz else None)
    return value.replace(tzinfo=tz or UTC)


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
    return aware(fixed_offset(parsed), tz_name)


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


def valid_point(lat, lon) -> tuple[float, float] | None:
    """(lat, lon) as floats from numbers or strings; None when missing, not finite or out of range."""
    try:
        lat_f, lon_f = float(lat), float(lon)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(lat_f) and math.isfinite(lon_f)):
        return None
    if not (-90 <= lat_f <= 90 and -180 <= lon_f <= 180):
        return None
    return lat_f, lon_f


_MEETING_HOSTS = (
    "zoom.us", "meet.google.com", "teams.microsoft.com", "teams.live.com", "whereby.com", "webex.com",
    "meet.jit.si", "jitsi", "bigbluebutton", "bbb.", "youtube.com", "youtu.be", "twitch.tv", "owncast",
    "discord.gg", "discord.com", "gotomeeting.com", "gotomeet.me", "skype.com", "vimeo.com", "meet.",
    "visio.", "stream.", "live.",
)
_MEETING_PATHS = re.compile(r"/(b|rooms?|live|stream|meeting|webinar|videos/watch|j)/", re.IGNORECASE)


def is_meeting_url(value: str) -> bool:
    """Whether a URL looks like a video call or live stream (not a ticket shop or a web page)."""
    url = safe_url(value)
    if not url:
        return False
    parts = urlsplit(url)
    host = parts.netloc.lower()
    if any(marker in host for marker in _MEETING_HOSTS):
        return True
    return bool(_MEETING_PATHS.search(parts.path + "/"))


_AUDIENCE_WORDS = {
    "kids": re.compile(r"\b(children|child|kids|ages? (?:[3-9]|1[0-2])\s*(?:-|to)\s*(?:[4-9]|1[0-2])\b)", re.I),
    "teens": re.compile(r"\b(teens?|teenagers?|youth|young people|adolescents?)\b", re.I),
    "seniors": re.compile(r"\b(seniors?|older adults?|elderly|aged? (?:55|60|65)\s*(?:\+|or over|and over))", re.I),
    "families": re.compile(r"\b(famil(?:y|ies)|parents)\b", re.I),
    "groups": re.compile(r"\b(groups? welcome|group volunteering|teams? welcome)\b", re.I),
}


def audience_hints(text: str, min_age: int | None = None, max_age: int | None = None) -> list[str]:
    """Audience slugs (kids, teens, seniors, families, groups) from eligibility text and an age range."""
    found = [slug for slug, pattern in _AUDIENCE_WORDS.items() if text and pattern.search(text)]
    if max_age is not None and max_age <= 12 and "kids" not in found:
        found.append("kids")
    if max_age is not None and 12 < max_age <= 19 and (min_age or 0) >= 11 and "teens" not in found:
        found.append("teens")
    if min_age is not None and min_age >= 55 and "seniors" not in found:
        found.append("seniors")
    return found


_ACCESS_WORDS = {
    "wheelchair": re.compile(r"\b(wheelchair|step[- ]free|ramp)", re.I),
    "sign_language": re.compile(r"\b(sign language|bsl|asl|auslan|interpret(?:er|ed) for the deaf)\b", re.I),
}


def access_hints(text: str) -> list[str]:
    """Accessibility slugs (wheelchair, sign_language) mentioned in `text`."""
    return [slug for slug, pattern in _ACCESS_WORDS.items() if text and pattern.search(text)]


_OFFSET_NAME = re.compile(r"^(?:UTC|GMT)\s*(?:([+-])\s*(\d{1,2})(?::?(\d{2}))?)?$", re.I)


def offset_zone(name: str | None):
    """A fixed-offset tzinfo for non-Olson names like 'UTC+0', 'UTC-5:30', 'GMT+2'; None otherwise."""
    from datetime import timedelta, timezone

    match = _OFFSET_NAME.match((name or "").strip())
    if not match:
        return None
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours or 0), minutes=int(minutes or 0))
    if delta >= timedelta(hours=15):
        return None
    return timezone(-delta if sign == "-" else delta)


def localize(value: datetime, tz_name: str | None) -> tuple[datetime, str | None]:
    """(`value`, IANA name) when the default zone `tz_name` fits it; (`value`, None) when only an offset is known.

    Naive values are read as wall-clock time in `tz_name` (UTC when unknown); aware values move into
    `tz_name` only when their offset at that instant is the zone's own.
    """
    tz = zone(tz_name)
    if value.tzinfo is None:
        note_bare(tz_name if tz else None)
        return (value.replace(tzinfo=tz), tz_name) if tz else (value.replace(tzinfo=UTC), None)
    if tz is not None and value.astimezone(tz).utcoffset() == value.utcoffset():
        return value.astimezone(tz), tz_name
    return value, None


_ISO_DURATION = re.compile(
    r"^P(?!$)(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?"
    r"(?:T(?=\d)(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$",
    re.I,
)


def iso_duration(value):
    """An ISO 8601 duration ('P6M', 'PT1H30M', 'P1W') as a dateutil relativedelta; None when unreadable."""
    from dateutil.relativedelta import relativedelta

    match = _ISO_DURATION.match(str(value or "").strip())
    if not match:
        return None
    years, months, weeks, days, hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    return relativedelta(
        years=int(years), months=int(months), days=int(weeks * 7 + days),
        hours=int(hours), minutes=int(minutes), seconds=int(seconds),
    ).normalized()


_CANCELLED = re.compile(r"^(cancell?ed|canceled|abgesagt|annul[ée]e?s?|cancelad[oa]|suspended|storniert)$", re.I)
_POSTPONED = re.compile(r"^(postponed|verschoben|report[ée]e?s?|aplazad[oa])$", re.I)
_MARK = r"[^\W\d_]+"  # one word, checked against the two lists above
# A status is read from text only where it is a marker, never from a word anywhere ("Never Cancelled Choir",
# "Not cancelled! Yoga as usual", "one is cancelled" stay scheduled): a leading "CANCELLED:", "[Cancelled]",
# "(Abgesagt)", "Abgesagt – ..." or an all-capitals first word; a trailing "(Cancelled)" or "– CANCELLED".
_LEADING = re.compile(rf"^[\s*#]*(?:[\[(]\s*({_MARK})\s*!?\s*[\])]|({_MARK})\s*(?:[:|/–—!-])|({_MARK})\s*$)")
_LEADING_CAPS = re.compile(rf"^[\s*#]*({_MARK})\b")
_TRAILING = re.compile(rf"(?:[\[(]\s*({_MARK})\s*!?\s*[\])]|\s[|–—-]\s*({_MARK}))[\s!.]*$")


def status_from_text(text: str) -> str | None:
    """'cancelled' or 'postponed' when a title or note carries a status marker; None otherwise."""
    if not text:
        return None
    words = []
    for pattern in (_LEADING, _TRAILING):
        found = pattern.search(text)
        if found:
            words.append(next(g for g in found.groups() if g))
    caps = _LEADING_CAPS.match(text)
    if caps and caps.group(1).isupper() and len(caps.group(1)) > 3:
        words.append(caps.group(1))
    for word in words:
        if _CANCELLED.match(word):
            return "cancelled"
        if _POSTPONED.match(word):
            return "postponed"
    return None


def fixed_offset(value: datetime) -> datetime:
    """`value` with dateutil's tzlocal()/tzoffset replaced by a plain fixed offset (naive stays naive)."""
    from datetime import timezone

    offset = value.utcoffset()
    if offset is None:
        return value
    return value.replace(tzinfo=UTC if not offset else timezone(offset))


def settle(value: datetime, tz_name: str | None) -> tuple[datetime, str | None]:
    """Like `localize`, but UTC instants ('Z', epoch) always move into the source zone `tz_name` when known."""
    tz = zone(tz_name)
    if tz is not None and value.tzinfo is not None and value.utcoffset() == timedelta(0):
        return value.astimezone(tz), tz_name
    return localize(value, tz_name)


def zoned_span(start_value, end_value, tz_name: str | None, default_tz: str | None):
    """(start, end, zone name) of an item whose own zone `tz_name` (when it names one) wins over the source's
    `default_tz`: times are read in that zone and shown in it; without one they settle into the default
    (`settle`). start is None when unreadable; end is None when absent or unreadable."""
    start = parse_when(start_value, tz_name or default_tz)
    if start is None:
        return None, None, tz_name
    end = parse_when(end_value, tz_name or default_tz)
    if tz_name:
        return start.astimezone(zone(tz_name)), end.astimezone(zone(tz_name)) if end else None, tz_name
    start, tz_name = settle(start, default_tz)
    return start, settle(end, tz_name)[0] if end and tz_name else end, tz_name
