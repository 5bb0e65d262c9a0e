"""Hints read from free text and raw fields: audience, access, meeting URLs, cancelled status, map points."""

from __future__ import annotations

import math
import re
from urllib.parse import urlsplit

from scrapers.text import safe_url


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
    "zoom.us",
    "meet.google.com",
    "teams.microsoft.com",
    "teams.live.com",
    "whereby.com",
    "webex.com",
    "meet.jit.si",
    "jitsi",
    "bigbluebutton",
    "bbb.",
    "youtube.com",
    "youtu.be",
    "twitch.tv",
    "owncast",
    "discord.gg",
    "discord.com",
    "gotomeeting.com",
    "gotomeet.me",
    "skype.com",
    "vimeo.com",
    "meet.",
    "visio.",
    "stream.",
    "live.",
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
