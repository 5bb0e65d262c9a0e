"""Reading `data/tags.toml` into a `Vocabulary`; every malformed entry raises `VocabularyError` naming it.

Per tag: `label`, `facet`, `synonyms`, optional `keywords`, and per language `label_<language>`,
`synonyms_<language>`, `keywords_<language>`. A tag that narrows its English `keywords` narrows each
translated language's too, so the tagger never falls back to a language's broad synonyms there.
`[flag.<name>]` tables list phrases (in the same per-language keys) that ask for a search flag.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path

from finder.tags import FACETS, SEARCH_FLAGS, TagDef, Vocabulary, VocabularyError, normalize

_PER_LANGUAGE = re.compile(r"(label|synonyms|keywords)_([a-z]{2})")


@lru_cache(maxsize=8)
def read_vocabulary(path: str) -> Vocabulary:
    """The vocabulary in the file at `path`, read once per path."""
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
    flags = {name: _flag(name, entry, path) for name, entry in (raw.get("flag") or {}).items()}
    return Vocabulary(tags, crosswalk, flags)


def _strings(value, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise VocabularyError(f"{where} must be a list of non-empty strings")
    return tuple(value)


def _translations(entry: dict, where: str) -> dict[str, dict[str, tuple[str, ...]]]:
    """{"synonyms": {"de": (...)}, "keywords": {...}} from the `<name>_<language>` keys of `entry`."""
    found: dict[str, dict[str, tuple[str, ...]]] = {"synonyms": {}, "keywords": {}}
    for key, value in entry.items():
        matched = _PER_LANGUAGE.fullmatch(key)
        if matched and matched[1] != "label":
            found[matched[1]][matched[2]] = _strings(value, f"{where}: {key}")
    return found


def _tag(slug: str, entry: dict, path: str) -> TagDef:
    where = f"{path}: tag {slug!r}"
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug):
        raise VocabularyError(f"{where}: slugs are lowercase words joined by '-'")
    if entry.get("facet") not in FACETS:
        raise VocabularyError(f"{where}: facet must be one of {FACETS}")
    if not isinstance(entry.get("label"), str) or not entry["label"]:
        raise VocabularyError(f"{where}: label missing")
    synonyms = _strings(entry.get("synonyms", []), f"{where}: synonyms")
    keywords = _strings(entry.get("keywords", []), f"{where}: keywords") if "keywords" in entry else ()
    labels = tuple((key.removeprefix("label_"), value) for key, value in entry.items() if key.startswith("label_"))
    if not all(isinstance(value, str) and value for _, value in labels):
        raise VocabularyError(f"{where}: translated labels must be non-empty strings")
    translated = _translations(entry, where)
    if keywords:
        for language in {language for language, _ in labels} | set(translated["synonyms"]):
            if language not in translated["keywords"]:
                raise VocabularyError(
                    f"{where}: keywords narrow the English tagger, so keywords_{language} "
                    "must narrow the same language's too"
                )
    return TagDef(
        slug,
        entry["label"],
        entry["facet"],
        synonyms,
        keywords,
        labels,
        tuple(translated["synonyms"].items()),
        tuple(translated["keywords"].items()),
    )


def _flag(name: str, entry: dict, path: str) -> list[tuple[str, str]]:
    """(language, phrase) pairs of `[flag.<name>]`."""
    where = f"{path}: flag {name!r}"
    if name not in SEARCH_FLAGS:
        raise VocabularyError(f"{where}: not a search flag (one of {SEARCH_FLAGS})")
    phrases = [("en", phrase) for phrase in _strings(entry.get("synonyms", []), f"{where}: synonyms")]
    for language, words in _translations(entry, where)["synonyms"].items():
        phrases += [(language, phrase) for phrase in words]
    if not phrases:
        raise VocabularyError(f"{where}: synonyms missing")
    return phrases
