"""The interest vocabulary (`data/tags.toml`): canonical tags, the source-category crosswalk,
a keyword tagger for listings without categories, and free-word interests for search.

Matching is on whole words, case- and accent-insensitive; a trailing plural "s"/"es" is allowed, and typed
German words take German endings instead ("Chöre", "Spiele", "Wanderungen"). Where phrases overlap, the longest
wins ("food bank" is hunger, not food). Labels and synonyms in every language (`label_es`, `synonyms_de`, ...)
lead to the same canonical slugs, so a query in one language finds listings written in another.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from finder.config import SHIPPED

DEFAULT_PATH = SHIPPED / "data" / "tags.toml"
FACETS = ("cause", "activity")
STOPWORDS = frozenset(
    "a an and or the to of in on at for with by from i me my we our you want like love would some any "
    "people near around about into get do".split()
    # Spanish and German
    + "y o el la los las un una unos unas de del con para por en al mi mis "
    "und oder der die das den dem des ein eine einen einem im am zum zur mit fur bei beim ich mein meine".split()
)
# Endings a typed word may add to a phrase of its language: the plural "s"/"es", and in German plurals and
# verb forms (Chor -> Chöre, Spiel -> Spiele, Wanderung -> Wanderungen, Buch -> Bücher) but never "es"
# ("Chores" is English). The tagger reads listings with the plural only, so German keywords list their forms
# and no German ending turns an English word into one ("chore").
TYPED_ENDINGS = {"de": ("s", "e", "en", "n", "er")}
TAGGER_ENDINGS = {"de": ("s",)}
PLURAL_ENDINGS = ("s", "es")
# What joins the parts of a label ("Draußen & Wandern", "Aire libre y senderismo"): each part alone matches too.
_LABEL_JOINS = re.compile(r"\s*&\s*|\s+(?:and|y|und)\s+")
_WILDCARD = " *"  # a flag phrase ending so takes one more word ("new to *": "new to Portland")
_ARTICLES = "the|a|an|der|die|das|la|el|los|las"
FLAG_PREFIX = "flag:"  # phrases that ask for a search flag sit in the word matcher under this prefix
SEARCH_FLAGS = ("newcomer",)  # the search's boolean filters a typed phrase may ask for (`[flag.<name>]`)


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
    synonyms_in: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (language, synonyms) from `synonyms_<language>`
    keywords_in: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (language, keywords) from `keywords_<language>`

    def typed_phrases(self) -> list[tuple[str, str]]:
        """(language, phrase) pairs people may type for this tag: slug, labels and their parts, synonyms."""
        found = [("en", self.slug.replace("-", " "))]
        for language, label in (("en", self.label), *self.labels):
            found += [(language, label)] + [(language, part) for part in _LABEL_JOINS.split(label)]
        for language, words in (("en", self.synonyms), *self.synonyms_in):
            found += [(language, word) for word in words]
        return found

    def tagger_phrases(self) -> list[tuple[str, str]]:
        """(language, phrase) pairs the keyword tagger looks for in listing text: `keywords_<language>`, or
        else that language's label and synonyms (English: `keywords`, or else label and synonyms)."""
        found = [("en", phrase) for phrase in self.keywords or (self.label, *self.synonyms)]
        labels, synonyms, keywords = dict(self.labels), dict(self.synonyms_in), dict(self.keywords_in)
        for language in dict.fromkeys([*labels, *synonyms, *keywords]):
            own = keywords.get(language)
            if own is None:
                own = ([labels[language]] if language in labels else []) + list(synonyms.get(language, ()))
            found += [(language, phrase) for phrase in own]
        return found


@dataclass(frozen=True)
class Interests:
    """Free words read: canonical `slugs`, search `flags` they ask for ("newcomer"), `leftovers` for text search."""

    slugs: list[str]
    flags: list[str]
    leftovers: list[str]


_NON_WORD = re.compile(r"[\W_]+")


def normalize(text: str) -> str:
    """Casefolded, accent-free words separated by single spaces (punctuation dropped)."""
    text = text or ""
    if not text.isascii():  # ASCII is its own NFKD form, without combining marks
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", text.casefold()).strip()


class _Matcher:
    """Many phrases (normalised forms), each naming one or more slugs, found word by word: at each word the
    longest phrase starting there wins, and a match resumes after it. A word that starts no phrase costs one
    set lookup, so a long description is read in microseconds."""

    def __init__(self, phrases: dict[str, set[str]]):
        self.slugs = {p: frozenset(s) for p, s in phrases.items() if p}
        self._prefixes = set()  # every phrase's leading words: "club", "club de", "club de lectura"
        for phrase in self.slugs:
            words = phrase.split(" ")
            self._prefixes.update(" ".join(words[:n]) for n in range(1, len(words) + 1))

    def find(self, normalized: str) -> list[tuple[int, int, frozenset[str]]]:
        """(start, end, slugs) of each phrase in `normalized` (words separated by single spaces)."""
        words = normalized.split(" ") if normalized else []
        found, i, start, prefixes = [], 0, 0, self._prefixes
        while i < len(words):
            key, j, longest = words[i], i, None
            while key in prefixes:
                if key in self.slugs:
                    longest = (j, key)
                j += 1
                if j == len(words):
                    break
                key += " " + words[j]
            if longest is None:
                start += len(words[i]) + 1
                i += 1
                continue
            j, key = longest
            found.append((start, start + len(key), self.slugs[key]))
            start += len(key) + 1
            i = j + 1
        return found


def _forms(phrase: str, language: str, endings: dict[str, tuple[str, ...]]) -> list[str]:
    """The normalised phrase and the forms its language's `endings` make of it."""
    base = normalize(phrase)
    return [base] + [base + ending for ending in endings.get(language, PLURAL_ENDINGS) if base]


class Vocabulary:
    def __init__(
        self, tags: list[TagDef], crosswalk: dict[str, list[str]], flags: dict[str, list[tuple[str, str]]] | None = None
    ):
        """`flags`: search flag name -> (language, phrase) pairs that ask for it (see `read_interests`)."""
        self._tags = {t.slug: t for t in tags}
        self._crosswalk = crosswalk  # normalised category name -> slugs
        words: dict[str, set[str]] = {}
        keywords: dict[str, set[str]] = {}
        for tag in tags:
            for language, phrase in tag.typed_phrases():
                for form in _forms(phrase, language, TYPED_ENDINGS):
                    words.setdefault(form, set()).add(tag.slug)
            for language, phrase in tag.tagger_phrases():
                for form in _forms(phrase, language, TAGGER_ENDINGS):
                    keywords.setdefault(form, set()).add(tag.slug)
        wildcards = []
        for name, phrases in (flags or {}).items():
            for language, phrase in phrases:
                if phrase.endswith(_WILDCARD):
                    wildcards.append((normalize(phrase.removesuffix(_WILDCARD)), name))
                    continue
                for form in _forms(phrase, language, TYPED_ENDINGS):
                    words.setdefault(form, set()).add(FLAG_PREFIX + name)
        self._words = _Matcher(words)
        self._keywords = _Matcher(keywords)
        self._wildcards = [
            (re.compile(rf"\b{re.escape(base)}(?: (?:{_ARTICLES}))? \w+"), name)
            for base, name in sorted(wildcards, key=lambda item: -len(item[0]))
            if base
        ]

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

    def labels_of(self, slug: str) -> list[str]:
        """The label of `slug` in every language given (English first); empty when it is not in the vocabulary."""
        tag = self._tags.get(slug)
        return _ordered([tag.label, *(label for _, label in tag.labels)]) if tag else []

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
                mapped = [
                    s
                    for _, _, slugs in self._words.find(normalize(category))
                    for s in sorted(slugs)
                    if not s.startswith(FLAG_PREFIX)
                ]
            found.extend(mapped)
        found.extend(self.keyword_tags(text))
        return _ordered(found)

    def interests(self, text: str) -> tuple[list[str], list[str]]:
        """(slugs matched from free words such as "hiking, help kids read", leftover words for text search)."""
        found = self.read_interests(text)
        return found.slugs, found.leftovers

    def read_interests(self, text: str) -> Interests:
        """Free words read in any language: tag slugs, search flags asked for ("new to Portland", "Neu hier":
        newcomer) and the leftover words. A flag phrase's wildcard word still counts as an interest when the
        vocabulary knows it ("new to hiking": newcomer and hiking)."""
        normalized = normalize(text)
        hits = self._words.find(normalized)
        found = _ordered(s for _, _, slugs in hits for s in sorted(slugs))
        covered = [(start, end) for start, end, _ in hits]
        flags = [s.removeprefix(FLAG_PREFIX) for s in found if s.startswith(FLAG_PREFIX)]
        for pattern, name in self._wildcards:
            for match in pattern.finditer(normalized):
                covered.append(match.span())
                flags.append(name)
        leftovers, position = [], 0
        for word in normalized.split(" "):
            start = normalized.index(word, position) if word else position
            position = start + len(word)
            inside = any(a <= start < b for a, b in covered)
            if word and not inside and word not in STOPWORDS and word not in leftovers:
                leftovers.append(word)
        return Interests([s for s in found if not s.startswith(FLAG_PREFIX)], _ordered(flags), leftovers)


def _ordered(values) -> list[str]:
    return list(dict.fromkeys(values))


def load_vocabulary(path: str | Path | None = None) -> Vocabulary:
    """The vocabulary in `path` (default `data/tags.toml`), loaded once per path."""
    from finder.tags_file import read_vocabulary  # the file format's reader builds on this module's types

    return read_vocabulary(str(Path(path) if path else DEFAULT_PATH))
