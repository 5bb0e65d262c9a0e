"""Identity rules the importer relies on: the batch title test agrees with the pairwise one, and the
content hash sees every change a source can make (and nothing else)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.fuzz import ratio

from finder.identity import content_hash, similar_titles
from scrapers.listing import Listing as Item
from scrapers.listing import Occurrence, Organizer, Venue

WORDS = st.sampled_from(["chess", "club", "chess club", "board games", "night", "x", "", "chess clubs of paris", "é"])
TITLES = st.lists(WORDS, max_size=4).map(lambda words: " ".join(words).strip())


def titles_similar(a: str, b: str) -> bool:
    """The rule, stated for one pair."""
    if not a or not b:
        return False
    shorter, longer = sorted((a, b), key=len)
    return a == b or (len(shorter) >= 8 and longer.startswith(shorter)) or ratio(a, b) >= 85


@settings(max_examples=300, deadline=None)
@given(TITLES, st.lists(TITLES, max_size=8))
def test_similar_titles_is_the_pairwise_rule_over_a_list(title, others):
    assert similar_titles(title, others) == [i for i, other in enumerate(others) if titles_similar(other, title)]


def test_similar_titles_keeps_long_prefixes_and_drops_short_ones():
    assert similar_titles("chess club", ["chess club of paris", "chess", "chess clu", "poetry"]) == [0, 2]


PARIS = ZoneInfo("Europe/Paris")
FIRST = datetime(2026, 3, 10, 19, 0, tzinfo=PARIS)


def _item(**changes) -> Item:
    item = Item(
        title="Chess club",
        description="Boards provided.",
        url="https://chess.example/",
        organizer=Organizer(name="Chess friends", url="https://chess.example/"),
        venue=Venue(name="Café", locality="Paris"),
        start=FIRST,
        end=FIRST + timedelta(hours=2),
        timezone="Europe/Paris",
        recurrence="FREQ=WEEKLY",
        occurrences=[Occurrence(FIRST + timedelta(weeks=w), FIRST + timedelta(weeks=w, hours=2)) for w in range(3)],
        extra={"b": 1, "a": [1, 2]},
    )
    for name, value in changes.items():
        setattr(item, name, value)
    return item


def _hash(item: Item, tags=("games",), status="scheduled") -> str:
    return content_hash(item, list(tags), status)


def test_content_hash_is_the_same_for_the_same_listing():
    again = _item(extra={"a": [1, 2], "b": 1})  # the same dict, built in another order
    assert _hash(_item()) == _hash(again) == _hash(copy.deepcopy(again))
    assert _hash(_item(), tags=("games", "social")) == _hash(_item(), tags=("social", "games"))


def test_content_hash_sees_every_change():
    base = _hash(_item())
    moved = _item()
    moved.occurrences[1] = Occurrence(FIRST + timedelta(weeks=1, minutes=30), FIRST + timedelta(weeks=1, hours=2))
    cancelled = _item()
    cancelled.occurrences[2] = Occurrence(cancelled.occurrences[2].start, cancelled.occurrences[2].end, "cancelled")
    changed = [
        _hash(moved),
        _hash(cancelled),
        _hash(_item(occurrences=_item().occurrences[:2])),
        _hash(_item(title="Chess club!")),
        _hash(_item(venue=Venue(name="Café", locality="Lyon"))),
        _hash(_item(organizer=Organizer(name="Chess friends", url="https://other.example/"))),
        _hash(_item(start=FIRST.astimezone(UTC) + timedelta(minutes=1))),
        _hash(_item(free=True)),
        _hash(_item(extra={"b": 2, "a": [1, 2]})),
        _hash(_item(exdates=["20260317T190000"])),
        _hash(_item(), tags=("games", "social")),
        _hash(_item(), status="cancelled"),
    ]
    assert base not in changed and len(set(changed)) == len(changed)


def test_content_hash_takes_any_value_a_source_can_put_in_extra():
    huge = _item(extra={"count": 10**30, 3: {"nested": [1.5, None]}})
    assert _hash(huge) != _hash(_item(extra={"count": 10**30 + 1, 3: {"nested": [1.5, None]}}))
    assert _hash(_item(extra={"when": {1, 2}})) == _hash(_item(extra={"when": {1, 2}}))
