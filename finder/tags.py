"""The interest vocabulary (`data/tags.toml`): canonical tags, the source-category crosswalk,
a keyword tagger for listings without categories, and free-word interests for search.

Matching is on whole words, case- and accent-insensitive; a trailing plural "s"/"es" is allowed.
Where phrases overlap, the longest wins ("food bank" is hunger, not food).
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from finder.config import SHIPPED

DEFAULT_PATH = SHIPPED / "data" / "tags.toml"
FACETS = ("cause", "activity")
STOPWORDS = frozenset(
    "a an and or the to of in on at for with by from i me my we our you want like love would some any "
    "people near around about into get do".split()
)


class VocabularyError(ValueError):
    """The vocabulary file is malformed (message names the entry)."""


@dataclass(frozen=True)
class TagDef:
    slug: str
    label: str
    facet: str
    synonyms: tuple[str, ...]
    keywords: tuple[str, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()  # (language, label) pairs from `label_<language>` keys

_NON_WORD = re.compile(r"[\W_]+")


def normalize(text: str) -> str:
    """Casefolded, accent-free words separated by single spaces (punctuation dropped)."""
    text = text or ""
    if not text.isascii():  # ASCII is its own NFKD form, without combining marks
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", text.casefold()).strip()


class _Matcher:
    """One regex over many phrases; each phrase names one or more slugs."""

    def __init__(self, phrases: dict[str, set[str]]):
        self.slugs = {p: frozenset(s) for p, s in phrases.items() if p}
        body = _trie_pattern(self.slugs) if self.slugs else r"(?!x)x"
        self.pattern = re.compile(rf"\b({body})(?:es|s)?\b")

    def find(self, normalized: str) -> list[tuple[int, int, frozenset[str]]]:
        return [(m.start(), m.end(), self.slugs[m.group(1)]) for m in self.pattern.finditer(normalized)]


def _trie_pattern(phrases) -> str:
    """One regular expression matching any of `phrases`, written as a trie so the engine follows one
    branch per letter instead of trying every phrase in turn. Optional tails are greedy, so at a given
    position the longest phrase that fits wins, as with a longest-first alternation."""
    trie: dict = {}
    for phrase in phrases:
        node = trie
        for letter in phrase:
            node = node.setdefault(letter, {})
        node[""] = {}

    def branch(node: dict) -> str:
        tails = [re.escape(letter) + branch(child) for letter, child in sorted(node.items()) if letter]
        if not tails:
            return ""
        body = tails[0] if len(tails) == 1 else "(?:" + "|".join(tails) + ")"
        return f"(?:{body})?" if "" in node else body

    return branch(trie)


class Vocabulary:
    def __init__(self, tags: list[TagDef], crosswalk: dict[str, list[str]]):
        self._tags = {t.slug: t for t in tags}
        self._crosswalk = crosswalk  # normalised category name -> slugs
        words: dict[str, set[str]] = {}
        keywords: dict[str, set[str]] = {}
        for tag in tags:
            for phrase in (tag.slug.replace("-", " "), tag.label, *tag.synonyms):
                words.setdefault(normalize(phrase), set()).add(tag.slug)
            for phrase in tag.keywords or (tag.label, *tag.synonyms):
                keywords.setdefault(normalize(phrase), set()).add(tag.slug)
        self._words = _Matcher(words)
        self._keywords = _Matcher(keywords)

    def all(self) -> list[TagDef]:
        return list(self._tags.values())

    def __contains__(self, slug: str) -> bool:
        return slug in self._tags

    def label(self, slug: str, language: str | None = None) -> str:
        """The label of `slug` in `language` ("es", "de"; English by default, and where no translation is
        given); the slug itself when it is not in the vocabulary."""
        tag = self._tags.get(slug)
        if tag is None:
            return slug
        return dict(tag.labels).get((language or "").split("_")[0].lower(), tag.label)

    def facet(self, slug: str) -> str | None:
        tag = self._tags.get(slug)
        return tag.facet if tag else None

    def crosswalk(self, category: str) -> list[str] | None:
        """Slugs for a source category name, or None when no crosswalk knows it."""
        found = self._crosswalk.get(normalize(category))
        return None if found is None else list(found)

    def keyword_tags(self, text: str) -> list[str]:
        """Slugs whose keywords occur in `text`."""
        return _ordered(slug for _, _, slugs in self._keywords.find(normalize(text)) for slug in slugs)

    def tags_for(self, categories: list[str], text: str) -> list[str]:
        """Canonical slugs: the crosswalk for known categories, synonyms for other category
        names, and the keyword tagger over `text` (title and description)."""
        found: list[str] = []
        for category in categories or []:
            mapped = self.crosswalk(category)
            if mapped is None:
                mapped = [s for _, _, slugs in self._words.find(normalize(category)) for s in sorted(slugs)]
            found.extend(mapped)
        found.extend(self.keyword_tags(text))
        return _ordered(found)

    def interests(self, text: str) -> tuple[list[str], list[str]]:
        """(slugs matched from free words such as "hiking, help kids read", leftover words for text search)."""
        normalized = normalize(text)
        hits = self._words.find(normalized)
        slugs = _ordered(s for _, _, found in hits for s in sorted(found))
        covered = [(start, end) for start, end, _ in hits]
        leftovers, position = [], 0
        for word in normalized.split(" "):
            start = normalized.index(word, position) if word else position
            position = start + len(word)
            inside = any(a <= start < b for a, b in covered)
            if word and not inside and word not in STOPWORDS and word not in leftovers:
                leftovers.append(word)
        return slugs, leftovers


def _ordered(values) -> list[str]:
    return list(dict.fromkeys(values))


@lru_cache(maxsize=8)
def _load(path: str) -> Vocabulary:
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise VocabularyError(f"{path}: {error}") from error
    tags = [_tag(slug, entry, path) for slug, entry in (raw.get("tag") or {}).items()]
    known = {t.slug for t in tags}
    crosswalk: dict[str, list[str]] = {}
    for system, table in (raw.get("crosswalk") or {}).items():
        for name, slugs in table.items():
            unknown = [s for s in slugs if s not in known] if isinstance(slugs, list) else [slugs]
            if unknown:
                raise VocabularyError(f"{path}: crosswalk.{system} {name!r} names unknown tags {unknown}")
            merged = crosswalk.setdefault(normalize(name), [])
            merged.extend(s for s in slugs if s not in merged)
    return Vocabulary(tags, crosswalk)


def _tag(slug: str, entry: dict, path: str) -> TagDef:
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug):
        raise VocabularyError(f"{path}: tag {slug!r}: slugs are lowercase words joined by '-'")
    if entry.get("facet") not in FACETS:
        raise VocabularyError(f"{path}: tag {slug!r}: facet must be one of {FACETS}")
    if not isinstance(entry.get("label"), str) or not entry["label"]:
        raise VocabularyError(f"{path}: tag {slug!r}: label missing")
    lists = {}
    for name in ("synonyms", "keywords"):
        value = entry.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise VocabularyError(f"{path}: tag {slug!r}: {name} must be a list of strings")
        lists[name] = tuple(value)
    labels = tuple((key.removeprefix("label_"), value) for key, value in entry.items() if key.startswith("label_"))
    if not all(isinstance(value, str) and value for _, value in labels):
        raise VocabularyError(f"{path}: tag {slug!r}: translated labels must be non-empty strings")
    return TagDef(slug, entry["label"], entry["facet"], lists["synonyms"], lists["keywords"], labels)


def load_vocabulary(path: str | Path | None = None) -> Vocabulary:
    """The vocabulary in `path` (default `data/tags.toml`), loaded once per path."""
    return _load(str(Path(path) if path else DEFAULT_PATH))
