"""Reading place text: the ways "Portland, OR", "Cambridge MA", "Paris 75001" or "SW1A 1AA" can be split.

Pure functions (no gazetteer): `interpretations()` lists readings best first; the resolver tries
each against the gazetteer and keeps the first that matches.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from finder.geo.build_postcodes import normalize_postcode
from finder.geo.math import fold

_POSTCODE = re.compile(r"^[A-Za-z0-9]{2,8}(?:[ -][A-Za-z0-9]{1,4})?$")
_LEAD_WORDS = re.compile(r"^(?:near|in|around|at)\s+", re.IGNORECASE)
_GB_UNIT = re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?)(\d[A-Z]{2})$")
_CA_UNIT = re.compile(r"^([A-Z]\d[A-Z])(\d[A-Z]\d)$")
_GB_SHORT_DISTRICT = re.compile(r"^[A-Z]\d$")  # the shortest UK outward codes: London's N1, E1, W1; M1, B1, G1
MAX_QUALIFIER_TOKENS = 3
# Words spelled both ways in place names; the other spelling is tried when the first finds nothing.
ABBREVIATIONS = {
    "st": "saint",
    "saint": "st",
    "ste": "sainte",
    "sainte": "ste",
    "mt": "mount",
    "mount": "mt",
    "ft": "fort",
    "fort": "ft",
    "pt": "port",
    "sankt": "st",
    "san": "s",
    "n": "north",
    "s": "south",
}


class PlaceQueryError(ValueError):
    """Place text that cannot be a place: empty, too long, meaningless, or coordinates out of range."""


class Reading(NamedTuple):
    name: str  # a place name, or "" for a bare postcode
    qualifiers: tuple[str, ...]  # region or country words, each must match ("OR", "UK", "France")
    postcode: str  # "" when none
    partial: bool = False  # the name is a later comma part ("Town Hall, Cambridge MA"): a town, not a country


def looks_like_postcode(text: str) -> bool:
    """True for "10001", "SW1A 1AA", "M5V 2T6", "100-0001", "1012 AB", "N1"; False for words and long numbers."""
    text = text.strip()
    compact = normalize_postcode(text)
    if _GB_SHORT_DISTRICT.match(compact) and len(text) == 2:
        return True
    if not _POSTCODE.match(text) or not any(ch.isdigit() for ch in text):
        return False
    return 3 <= len(compact) <= 10 and not (compact.isdigit() and len(compact) > 9)


def postcode_keys(text: str) -> list[str]:
    """Lookup keys for a postcode, most precise first: full code, then outward code / FSA / 5-digit ZIP."""
    full = normalize_postcode(text)
    keys = [full]
    first = normalize_postcode(re.split(r"[ -]", text.strip(), maxsplit=1)[0])
    for candidate in (first, _short_form(full)):
        if candidate and candidate not in keys and len(candidate) >= 2:
            keys.append(candidate)
    return keys


def _short_form(code: str) -> str:
    if match := _GB_UNIT.match(code):
        return match.group(1)
    if match := _CA_UNIT.match(code):
        return match.group(1)
    if code.isdigit() and len(code) == 9:
        return code[:5]
    return ""


def name_keys(name: str) -> list[str]:
    """The folded name, then spelling variants to try when it finds nothing: "St Ives" -> "saint ives"."""
    key = fold(name)
    if not key:
        return []
    words = key.split()
    keys = [key]
    for index, word in enumerate(words):
        if word in ABBREVIATIONS:
            keys.append(" ".join([*words[:index], ABBREVIATIONS[word], *words[index + 1 :]]))
    if words[0] == "the" and len(words) > 1:
        keys.append(" ".join(words[1:]))
    return keys


def interpretations(text: str) -> list[Reading]:
    """Readings of `text`, best first, without duplicates."""
    text = _LEAD_WORDS.sub("", text.strip()).strip()
    readings: list[Reading] = []
    if looks_like_postcode(text):
        readings.append(Reading("", (), text))
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if len(parts) > 1:
        readings.append(Reading(text, (), ""))
        for index, part in enumerate(parts):
            rest = parts[index + 1 :]
            if rest:
                readings.extend(_with_qualifiers(part, rest, partial=index > 0))
            else:
                readings.extend(_single(part, partial=True))
    else:
        readings.extend(_single(text, partial=False))
    for reading in list(readings):
        if reading.name and reading.postcode:
            readings.append(Reading("", reading.qualifiers, reading.postcode, reading.partial))
            readings.append(Reading(reading.name, reading.qualifiers, "", reading.partial))
    return list(dict.fromkeys(readings))


def _single(text: str, partial: bool) -> list[Reading]:
    """Readings of comma-free text: all of it as a name, then trailing or leading words as qualifier/postcode."""
    readings = [Reading(text, (), "", partial)]
    tokens = text.split()
    for count in range(1, min(MAX_QUALIFIER_TOKENS, len(tokens) - 1) + 1):
        head, tail = " ".join(tokens[:-count]), " ".join(tokens[-count:])
        if looks_like_postcode(tail):
            readings.append(Reading(head, (), tail, partial))
        else:
            readings.append(Reading(head, (tail,), "", partial))
        lead, rest = " ".join(tokens[:count]), " ".join(tokens[count:])
        if looks_like_postcode(lead):
            readings.append(Reading(rest, (), lead, partial))
    return readings


def _with_qualifiers(head: str, rest: list[str], partial: bool) -> list[Reading]:
    """Readings of comma parts: `head` is the name (or a postcode), `rest` are qualifiers, one may hold a postcode."""
    postcode = ""
    qualifiers = []
    for part in rest:
        words, code = _split_postcode(part)
        if code and not postcode:
            postcode = code
        if words:
            qualifiers.append(words)
    head_words, head_code = _split_postcode(head)
    if head_code and not postcode:
        return [Reading(head_words, tuple(qualifiers), head_code, partial)]
    return [Reading(head, tuple(qualifiers), postcode, partial)]


def _split_postcode(part: str) -> tuple[str, str]:
    """("OR", "97201") from "OR 97201"; ("", "75001") from "75001"; (part, "") when no postcode is in it."""
    if looks_like_postcode(part):
        return "", part
    tokens = part.split()
    for count in (2, 1):
        if len(tokens) > count:
            if looks_like_postcode(" ".join(tokens[-count:])):
                return " ".join(tokens[:-count]), " ".join(tokens[-count:])
            if looks_like_postcode(" ".join(tokens[:count])):
                return " ".join(tokens[count:]), " ".join(tokens[:count])
    return part, ""
