"""Identity rules, pure: stable keys, normalised titles, organisation keys, content hashes and the
cross-source duplicate test. `finder.ingest.importer` is the only caller that acts on them."""

from __future__ import annotations

import dataclasses
import hashlib
import pprint
import re
import sys
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from urllib.parse import urlsplit

import orjson
from rapidfuzz.fuzz import ratio
from rapidfuzz.process import extract

from finder.geo.math import haversine_km
from finder.tags import normalize
from scrapers.hints import status_from_text as title_status
from scrapers.times import zone

MAX_KEY = 500
ORG_KEY_NAME = 200  # + "|" + ORG_KEY_DOMAIN = the 300 characters of Organization.key
ORG_KEY_DOMAIN = 99
MERGE_START_WINDOW = timedelta(minutes=30)
MERGE_DISTANCE_KM = 0.150
TITLE_SIMILARITY = 0.85
MERGE_PREFIX = 4  # titles that differ in their first letters are never similar enough to merge
PRECISE = ("source", "point")  # coordinate precisions good enough for the 150 m venue test
_STATUS_WORDS = re.compile(r"^\W*(cancel+ed|postponed|rescheduled)\b\W*", re.IGNORECASE)
_FILLER = re.compile(r"\b(the|a|an)\b")


def stable_key(source_slug: str, listing) -> str:
    """The source's own id, else the URL, else slug + normalised title + start."""
    key = (listing.source_key or "").strip() or (listing.url or "").strip()
    if not key:
        key = f"{source_slug}:{match_title(listing.title)}:{_iso(listing.start)}"
    if len(key) > MAX_KEY:
        key = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    return key


def match_title(title: str) -> str:
    """A title reduced for comparison: no status prefix, case, accents, punctuation or articles."""
    text = _STATUS_WORDS.sub("", title or "")
    return " ".join(_FILLER.sub(" ", normalize(text)).split())[:300]


def merge_group(first_day: str, title: str) -> str:
    """What a listing shares with every listing it may merge with: its local day and the first letters
    of its match title ('' when it cannot merge: no day or no title)."""
    if not first_day or not title:
        return ""
    return f"{first_day}|{title[:MERGE_PREFIX]}"


def status_from_text(status: str, title: str, description: str) -> str:
    """'cancelled'/'postponed' when the title carries a status marker ("CANCELLED:", "[Cancelled]", see
    `scrapers.hints.status_from_text`) or the description starts with the word; a word elsewhere in a title
    ("Never Cancelled Choir") is no status."""
    if status != "scheduled":
        return status
    marked = title_status(title or "")
    if marked:
        return marked
    found = _STATUS_WORDS.match((description or "")[:120])
    if not found or found.group(1).lower() == "rescheduled":
        return status
    return "postponed" if found.group(1).lower() == "postponed" else "cancelled"


def similar_titles(title: str, others: list[str]) -> list[int]:
    """The positions in `others` of the titles similar to `title`: equal, one a long prefix (8 letters
    or more) of the other, or an edit similarity (indel ratio) of at least 85%. The ratios are taken in
    one pass in C (the importer asks this of every item against a dozen stored titles)."""
    if not title:
        return []
    found = {
        index
        for _text, _score, index in extract(
            title, others, scorer=ratio, limit=None, score_cutoff=TITLE_SIMILARITY * 100
        )
    }
    long_title = len(title) >= 8
    found.update(
        i
        for i, other in enumerate(others)  # one a long prefix of the other
        if (long_title and other.startswith(title)) or (len(other) >= 8 and title.startswith(other))
    )
    return sorted(i for i in found if others[i])


@lru_cache(maxsize=4096)
def organization_key(name: str, url: str) -> str:
    """Normalised organiser name + website domain (without www.): "code for boston|codeforboston.org".

    At most ORG_KEY_NAME + 1 + ORG_KEY_DOMAIN (300) characters, always with its "|": a longer part keeps
    its start and ends in a hash of the whole, so two long names stay two organisations."""
    return f"{_bounded(normalize(name), ORG_KEY_NAME)}|{_bounded(domain(url), ORG_KEY_DOMAIN)}"


def _bounded(part: str, limit: int) -> str:
    """`part`, or when longer than `limit`, its start + "~" + 16 hex digits of its SHA-256 (`limit` long)."""
    if len(part) <= limit:
        return part
    return part[: limit - 17] + "~" + hashlib.sha256(part.encode()).hexdigest()[:16]


def domain(url: str) -> str:
    try:
        host = urlsplit(url or "").hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def as_utc(value: datetime | date | None, tz_name: str | None) -> datetime | None:
    """A stored UTC instant: aware datetimes converted, dates taken as local midnight in `tz_name`."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime(value.year, value.month, value.day, tzinfo=zone(tz_name) or UTC).astimezone(UTC)


def local_day(value: datetime | date | None, tz_name: str | None) -> str:
    """YYYY-MM-DD of the start where the event happens."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        tz = zone(tz_name)
        return (value.astimezone(tz) if tz else value).date().isoformat()
    return value.isoformat()


def content_hash(listing, tags: list[str], status: str) -> str:
    """A digest of everything a source said about a listing (plus derived tags and status).

    orjson writes the dataclass in its declared field order, datetimes with their offsets and `extra`
    with sorted keys, several times faster than the standard library (a weekly series brings a dozen
    zoned datetimes). A value it refuses (an integer beyond 64 bits in `extra`) takes the slow, total way.
    """
    payload = (listing, sorted(tags), status)
    try:
        data = orjson.dumps(payload, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=str)
    except TypeError:  # orjson.JSONEncodeError; pprint sorts any dict and writes any value
        data = pprint.pformat((dataclasses.asdict(listing), *payload[1:]), width=sys.maxsize).encode()
    return hashlib.sha256(data).hexdigest()


def same_event(candidate, start_utc: datetime | None, lat, lon, precision, org_key: str, venue_key: str) -> bool:
    """Whether a stored listing (candidate) is the same happening: start within 30 minutes and
    venues within 150 m, or the same organiser, or the same named venue."""
    if start_utc is None or candidate.start is None or abs(candidate.start - start_utc) > MERGE_START_WINDOW:
        return False
    if (
        lat is not None
        and candidate.lat is not None
        and precision in PRECISE
        and candidate.geo_precision in PRECISE
        and haversine_km(lat, lon, candidate.lat, candidate.lon) <= MERGE_DISTANCE_KM
    ):
        return True
    candidate_org = organization_key(candidate.organizer_name, "").rstrip("|")
    if org_key and org_key.split("|")[0] and org_key.split("|")[0] == candidate_org:
        return True
    return bool(venue_key) and venue_key == venue_identity(candidate.venue_name, candidate.street, candidate.locality)


def venue_identity(name: str, street: str, locality: str) -> str:
    """Normalised venue name + street + locality; '' without a venue name or street."""
    if not (name or street):
        return ""
    return "|".join(normalize(v) for v in (name, street, locality))


def _iso(value) -> str:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value) if value is not None else ""
