"""The interest vocabulary: tags, crosswalk, keyword tagger and free-word interests."""

from __future__ import annotations

import pytest

from finder.tags import FACETS, VocabularyError, load_vocabulary, normalize


@pytest.fixture(scope="module")
def vocab():
    return load_vocabulary()


def test_vocabulary_has_two_facets_and_about_forty_tags(vocab):
    tags = vocab.all()
    assert 35 <= len(tags) <= 60
    assert {t.facet for t in tags} == set(FACETS)
    for slug in ("animals", "hunger", "lgbtq", "veterans", "outdoors-hiking", "book-clubs", "tech", "languages"):
        assert slug in vocab
    assert all(t.label and t.synonyms for t in tags)
    assert vocab.label("lgbtq") == "LGBTQ+" and vocab.label("no-such-tag") == "no-such-tag"


def test_loading_is_cached(vocab):
    assert load_vocabulary() is vocab


def test_normalize_drops_case_accents_and_punctuation():
    assert normalize("  Café-Théâtre: ÉTÉ!! ") == "cafe theatre ete"


@pytest.mark.parametrize(
    ("text", "slugs", "leftovers"),
    [
        ("hiking", ["outdoors-hiking"], []),
        ("Chess", ["games"], []),
        ("help kids read", ["children-youth", "education-literacy"], []),
        ("hiking, chess and quantum physics", ["outdoors-hiking", "games", "science"], ["quantum"]),
        ("food bank", ["hunger"], []),
        ("cooking", ["food-cooking"], []),
        ("Böök clubs", ["book-clubs"], []),
        ("dogs", ["animals"], []),
        ("LGBTQ+ choir", ["lgbtq", "music"], []),
        ("origami", [], ["origami"]),
        ("", [], []),
    ],
)
def test_interests_map_free_words_to_slugs(vocab, text, slugs, leftovers):
    assert vocab.interests(text) == (slugs, leftovers)


@pytest.mark.parametrize(
    ("category", "slugs"),
    [
        ("BOOK_CLUBS", ["book-clubs"]),  # Mobilizon
        ("OUTDOORS_ADVENTURE", ["outdoors-hiking"]),
        ("Pets & Animals", ["animals"]),  # Meetup
        ("Travel & Outdoor", ["outdoors-hiking"]),  # Meetup and Eventbrite
        ("Food & Drink", ["food-cooking"]),  # Eventbrite
        ("Homeless & Housing", ["homeless-housing"]),  # VolunteerMatch
        ("veterans & military families", ["veterans"]),
        ("Hiking", ["outdoors-hiking"]),  # no crosswalk entry: synonyms
        ("Hobbies & Passions", []),  # known, deliberately unmapped
        ("Meeting, John", []),
    ],
)
def test_crosswalk_maps_source_categories(vocab, category, slugs):
    assert vocab.tags_for([category], "") == slugs


def test_keyword_tagger_reads_titles_on_word_boundaries(vocab):
    assert vocab.tags_for([], "Weekly Hack Night: Python coding") == ["tech"]
    assert vocab.tags_for([], "Community garden cleanup") == ["gardening", "environment"]
    assert vocab.tags_for([], "Starting a business? Restart your career") == ["employment"]
    assert vocab.tags_for([], "The restaurant is in walking distance") == []
    assert vocab.tags_for([], "SALSA DANCING for beginners") == ["dance"]


def test_categories_and_text_combine_without_duplicates(vocab):
    assert vocab.tags_for(["GAMES", "Games"], "Chess and board games") == ["games"]


def test_crosswalk_to_unknown_tag_is_an_error(tmp_path):
    path = tmp_path / "tags.toml"
    path.write_text('[tag.a]\nlabel = "A"\nfacet = "cause"\nsynonyms = ["a"]\n[crosswalk.x]\n"B" = ["b"]\n')
    with pytest.raises(VocabularyError, match="unknown tags"):
        load_vocabulary(path)


def test_bad_facet_is_an_error(tmp_path):
    path = tmp_path / "tags.toml"
    path.write_text('[tag.a]\nlabel = "A"\nfacet = "mood"\n')
    with pytest.raises(VocabularyError, match="facet"):
        load_vocabulary(path)
