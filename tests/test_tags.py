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


@pytest.mark.parametrize(
    ("text", "slugs"),
    [
        ("Wandern", ["outdoors-hiking"]),
        ("Wanderungen", ["outdoors-hiking"]),  # German plural of a synonym
        ("Chor", ["music"]),
        ("Chöre", ["music"]),  # umlaut plural: folded, then a German ending
        ("CHÖRE", ["music"]),
        ("Spiele", ["games"]),  # the German chip label itself
        ("Brettspiele", ["games"]),
        ("Bücher", ["book-clubs"]),
        ("Draußen", ["outdoors-hiking"]),  # one part of the label "Draußen & Wandern"
        ("coro", ["music"]),
        ("coros", ["music"]),
        ("senderismo", ["outdoors-hiking"]),
        ("música", ["music"]),
        ("musica", ["music"]),
        ("Música y baile", ["music", "dance"]),
        ("juegos de mesa", ["games"]),
        ("artes marciales", ["sports-fitness"]),  # the longer phrase wins over "artes"
        ("Kindern beim Lesen helfen", ["children-youth", "education-literacy"]),  # the German placeholder
        (
            "senderismo, coro, ayudar a niños a leer",
            ["outdoors-hiking", "music", "children-youth", "education-literacy"],
        ),  # the Spanish placeholder
    ],
)
def test_spanish_and_german_words_map_to_the_same_slugs_folded_and_plural_tolerant(vocab, text, slugs):
    assert vocab.interests(text) == (slugs, [])


@pytest.mark.parametrize("language", ["en", "es", "de"])
def test_every_chip_label_and_synonym_typed_back_finds_its_own_tag(vocab, language):
    for tag in vocab.all():
        label = vocab.label(tag.slug, language)
        assert vocab.interests(label) == ([*vocab.interests(label)[0]], []) and tag.slug in vocab.interests(label)[0], (
            label
        )
        words = tag.synonyms if language == "en" else dict(tag.synonyms_in)[language]
        assert words, (tag.slug, language)
        for word in words:
            assert tag.slug in vocab.interests(word)[0], (tag.slug, language, word)


def test_keyword_tagger_reads_german_and_spanish_listings(vocab):
    assert vocab.tags_for([], "Nachbarschaftschor: Wir singen zusammen") == ["music"]
    assert vocab.tags_for([], "Spieleabend im Kiez. Brettspiele und neue Leute.") == ["games", "social"]
    assert vocab.tags_for([], "Wanderung im Grunewald") == ["outdoors-hiking"]
    assert vocab.tags_for([], "Taller de escritura creativa y club de lectura") == ["writing", "book-clubs"]
    assert vocab.tags_for(["musik", "chor"], "") == ["music"]  # a German source's own categories
    # German words that are also English words stay out of English text
    assert vocab.tags_for([], "Help seniors with household chores") == ["seniors"]
    assert vocab.tags_for([], "Keine Angst vor dem Singen") == ["music"]  # "Angst" is no mental-health keyword


@pytest.mark.parametrize(
    ("text", "slugs", "flags", "leftovers"),
    [
        ("newcomers", [], ["newcomer"], []),
        ("new to Portland", [], ["newcomer"], []),
        ("new to the area", [], ["newcomer"], []),
        ("new to hiking", ["outdoors-hiking"], ["newcomer"], []),  # the wildcard word still counts
        ("Neu in Berlin, Chor", ["music"], ["newcomer"], []),
        ("recién llegados", [], ["newcomer"], []),
        ("newcomers club", ["social"], [], []),  # the longer phrase is an interest
        ("refugees", ["immigrants-refugees"], [], []),
        ("Geflüchtete", ["immigrants-refugees"], [], []),
    ],
)
def test_newcomer_words_ask_for_the_newcomer_filter_not_the_immigrants_tag(vocab, text, slugs, flags, leftovers):
    read = vocab.read_interests(text)
    assert (read.slugs, read.flags, read.leftovers) == (slugs, flags, leftovers)
    assert vocab.tags_for(["Newcomers"], "") == []  # a category name asks for no tag (and no flag)


def test_a_tag_with_english_keywords_needs_them_in_each_language(tmp_path):
    path = tmp_path / "tags.toml"
    path.write_text(
        '[tag.a]\nlabel = "A"\nlabel_de = "Ä"\nfacet = "cause"\nsynonyms = ["a"]\nkeywords = ["aa"]\n', encoding="utf-8"
    )
    with pytest.raises(VocabularyError, match="keywords_de"):
        load_vocabulary(path)
    path.write_text('[tag.a]\nlabel = "A"\nfacet = "cause"\nsynonyms = ["a"]\nsynonyms_de = "b"\n', encoding="utf-8")
    with pytest.raises(VocabularyError, match="synonyms_de must be a list"):
        load_vocabulary(path)
    path.write_text(
        '[tag.a]\nlabel = "A"\nfacet = "cause"\nsynonyms = ["a"]\n[flag.cheap]\nsynonyms = ["x"]\n', encoding="utf-8"
    )
    with pytest.raises(VocabularyError, match="not a search flag"):
        load_vocabulary(path)
