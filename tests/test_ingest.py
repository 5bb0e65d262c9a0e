"""The importer: identity, upsert counts, merging across sources, liveness, changes, organisations."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text

from finder.ingest.importer import ingest
from finder.ingest.liveness import liveness_of
from finder.models import Listing, ListingChange, ListingSource, Occurrence, Organization, Source, Tag
from scrapers.listing import Listing as Item
from scrapers.listing import Occurrence as ItemOccurrence
from scrapers.listing import Organizer, Venue

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
PARIS = ZoneInfo("Europe/Paris")


def make_source(session, slug="city-calendar", **values) -> Source:
    source = Source(slug=slug, adapter="ics", url=f"https://{slug}.example/feed.ics", **values)
    session.add(source)
    session.flush()
    return source


def item(key="e1", title="Board games night", start=datetime(2026, 3, 10, 19, 0, tzinfo=PARIS), **values) -> Item:
    values.setdefault("venue", Venue(name="Le Café Ludique", street="12 rue Oberkampf", locality="Paris", country="FR"))
    values.setdefault("organizer", Organizer(name="Paris Players", url="https://players.example/"))
    values.setdefault("lat", 48.8650)
    values.setdefault("lon", 2.3700)
    values.setdefault("timezone", "Europe/Paris")
    return Item(title=title, start=start, end=start + timedelta(hours=3), source_key=key, **values)


def batch():
    return [
        item("e1"),
        item("e2", "Knitting circle: all welcome", datetime(2026, 3, 11, 14, 0, tzinfo=PARIS), categories=["CRAFTS"]),
        item("e3", "Sunday hike in Fontainebleau", datetime(2026, 3, 15, 9, 0, tzinfo=PARIS), lat=48.40, lon=2.70),
    ]


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_same_batch_twice_is_all_unchanged(session):
    source = make_source(session)
    first = ingest(session, source, batch(), now=NOW)
    session.commit()
    assert (first.inserted, first.updated, first.unchanged, first.invalid) == (3, 0, 0, 0)
    second = ingest(session, source, batch(), now=NOW)
    session.commit()
    assert (second.inserted, second.updated, second.unchanged, second.gone) == (0, 0, 3, 0)
    assert count(session, Listing) == 3 and count(session, ListingSource) == 3
    assert count(session, ListingChange) == 0


def test_fields_occurrences_tags_and_scores_are_stored(session):
    source = make_source(session, tags=["social"], timezone="Europe/Paris", country="FR")
    ingest(session, source, batch(), now=NOW)
    session.commit()
    knitting = session.scalar(select(Listing).where(Listing.title.startswith("Knitting")))
    assert knitting.start == datetime(2026, 3, 11, 13, 0, tzinfo=UTC)
    assert knitting.first_day == "2026-03-11"
    assert knitting.match_title == "knitting circle all welcome"
    assert knitting.next_start == knitting.start
    assert [o.start for o in knitting.occurrences] == [knitting.start]
    assert {t.slug for t in knitting.tags} == {"crafts", "social"}
    assert knitting.newcomer_friendly is True
    assert 0 < knitting.connection_score <= 1
    assert knitting.geo_precision == "source" and knitting.country == "FR"
    games = session.scalar(select(Listing).where(Listing.title == "Board games night"))
    assert "games" in {t.slug for t in games.tags}
    assert count(session, Tag) >= 40


def test_search_index_rows_follow_the_listings(session):
    source = make_source(session)
    ingest(session, source, batch(), now=NOW)
    session.commit()
    assert session.execute(text("SELECT count(*) FROM listing_geo")).scalar() == 3


def test_invalid_items_are_counted_and_reported_never_raised(session):
    source = make_source(session)
    bad = [Item(title="", source_key="x"), item("e9", lat=95.0, lon=2.0), item("ok")]
    report = ingest(session, source, bad, now=NOW)
    assert report.invalid == 2 and report.inserted == 1
    assert any("missing title" in p for p in report.problems)
    assert any("out of range" in p for p in report.problems)


def test_keys_fall_back_to_url_then_title_and_start(session):
    source = make_source(session)
    by_url = item("", url="https://city.example/events/42")
    bare = item("", "Choir practice", url="")
    for _ in range(2):
        ingest(session, source, [by_url, bare], now=NOW)
    keys = sorted(session.scalars(select(ListingSource.source_key)))
    assert keys[0] == "city-calendar:choir practice:2026-03-10T19:00:00+01:00"
    assert keys[1] == "https://city.example/events/42"
    assert count(session, Listing) == 2


def test_changes_people_care_about_are_recorded(session):
    source = make_source(session)
    ingest(session, source, [item("e1")], now=NOW)
    moved = datetime(2026, 3, 10, 20, 0, tzinfo=PARIS)
    changed = item("e1", "CANCELLED: Board games night", moved, venue=Venue(name="Bar Le Dé", locality="Paris"))
    report = ingest(session, source, [changed], now=NOW)
    session.commit()
    assert report.updated == 1
    listing = session.scalar(select(Listing))
    assert listing.status == "cancelled"
    rows = {c.field: (c.old, c.new) for c in listing.changes}
    assert rows["status"] == ("scheduled", "cancelled")
    assert rows["start"] == ("2026-03-10T18:00:00+00:00", "2026-03-10T19:00:00+00:00")
    assert rows["venue"] == ("Le Café Ludique, 12 rue Oberkampf, Paris", "Bar Le Dé, Paris")
    assert [o.start for o in listing.occurrences] == [moved.astimezone(UTC)]


def test_postponed_in_description_marks_status(session):
    source = make_source(session)
    ingest(session, source, [item("e1", description="Postponed until further notice. Sorry!")], now=NOW)
    assert session.scalar(select(Listing.status)) == "postponed"


def test_next_start_skips_past_and_cancelled_occurrences(session):
    source = make_source(session)
    start = datetime(2026, 2, 23, 18, 0, tzinfo=PARIS)
    weekly = [start + timedelta(weeks=n) for n in range(4)]  # Feb 23, Mar 2, Mar 9, Mar 16
    occurrences = [ItemOccurrence(s, s + timedelta(hours=2)) for s in weekly]
    occurrences[2].status = "cancelled"
    series = item("w", "Weekly run club", start, recurrence="FREQ=WEEKLY", occurrences=occurrences)
    now = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)
    ingest(session, source, [series], now=now)
    listing = session.scalar(select(Listing))
    assert listing.next_start == weekly[3].astimezone(UTC)
    assert [o.status for o in listing.occurrences] == ["scheduled", "scheduled", "cancelled", "scheduled"]
    assert listing.connection_score > 0.3


def test_all_day_dates_are_local_midnight(session):
    source = make_source(session, timezone="America/New_York")
    fair = Item(title="Volunteer fair", start=date(2026, 4, 4), end=date(2026, 4, 5), all_day=True, source_key="f")
    ingest(session, source, [fair], now=NOW)
    listing = session.scalar(select(Listing))
    assert listing.start == datetime(2026, 4, 4, 4, 0, tzinfo=UTC)
    assert listing.first_day == "2026-04-04" and listing.all_day
    assert listing.occurrences[0].all_day


def test_duplicates_across_sources_merge_into_one_listing(session):
    ics = make_source(session, "ics-feed")
    page = make_source(session, "club-page")
    ingest(session, ics, [item("uid-1")], now=NOW)
    near = item(
        "https://club.example/games",
        "The Board Games Night!",
        datetime(2026, 3, 10, 19, 15, tzinfo=PARIS),
        lat=48.8655,
        lon=2.3705,
        organizer=Organizer(name="Someone else"),
        description="Bring a friend.",
        image_url="https://club.example/dice.png",
    )
    report = ingest(session, page, [near], now=NOW)
    session.commit()
    assert (report.inserted, report.merged) == (0, 1)
    listing = session.scalar(select(Listing))
    assert count(session, Listing) == 1
    assert sorted(link.source.slug for link in listing.sources) == ["club-page", "ics-feed"]
    assert listing.title == "Board games night"  # the first source's fields stay
    assert listing.image_url == "https://club.example/dice.png"  # blanks are filled
    again = ingest(session, page, [near], now=NOW)
    assert again.unchanged == 1 and count(session, Listing) == 1


def test_each_item_of_a_batch_is_matched_against_its_own_window(session):
    ics, page = make_source(session, "ics-feed"), make_source(session, "club-page")
    ingest(session, ics, [item("uid-1")], now=NOW)
    others = [
        item(f"other-{i}", f"Choir practice {i}", datetime(2026, 4, 1 + i, 18, 0, tzinfo=PARIS)) for i in range(3)
    ]
    same = item("https://club.example/games", "The Board Games Night!", datetime(2026, 3, 10, 19, 15, tzinfo=PARIS))
    report = ingest(session, page, [others[0], same, *others[1:]], now=NOW)
    assert (report.inserted, report.merged) == (3, 1)
    assert count(session, Listing) == 4


def test_same_organiser_merges_without_coordinates(session):
    first, second = make_source(session, "a"), make_source(session, "b")
    ingest(session, first, [item("1", lat=None, lon=None, venue=Venue())], now=NOW)
    ingest(
        session, second, [item("2", "Board games night", lat=None, lon=None, venue=Venue(name="elsewhere"))], now=NOW
    )
    assert count(session, Listing) == 1


@pytest.mark.parametrize(
    "change",
    [
        dict(start=datetime(2026, 3, 10, 20, 0, tzinfo=PARIS)),  # 60 minutes later
        dict(start=datetime(2026, 3, 11, 19, 0, tzinfo=PARIS)),  # another day
        dict(title="Poetry reading"),  # another title
        dict(lat=48.8700, lon=2.3800, organizer=Organizer(name="Other"), venue=Venue(name="Other")),  # 900 m away
    ],
)
def test_different_happenings_stay_apart(session, change):
    first, second = make_source(session, "a"), make_source(session, "b")
    ingest(session, first, [item("1")], now=NOW)
    values = dict(key="2") | change
    ingest(session, second, [item(**values)], now=NOW)
    assert count(session, Listing) == 2


def test_two_items_of_one_source_never_merge(session):
    source = make_source(session)
    ingest(session, source, [item("table-1"), item("table-2")], now=NOW)
    assert count(session, Listing) == 2


def test_liveness_unverified_then_hidden_then_active_again(session):
    source = make_source(session)
    ingest(session, source, batch(), now=NOW, hide_after_misses=2)
    without = [b for b in batch() if b.source_key != "e3"]
    report = ingest(session, source, without, now=NOW, hide_after_misses=2)
    hike = session.scalar(select(Listing).where(Listing.title.startswith("Sunday")))
    link = hike.sources[0]
    assert report.gone == 1 and hike.liveness == "unverified" and link.missed_runs == 1
    ingest(session, source, without, now=NOW, hide_after_misses=2)
    assert hike.liveness == "hidden" and link.missed_runs == 2
    assert session.execute(text("SELECT count(*) FROM listing_geo")).scalar() == 2
    back = ingest(session, source, batch(), now=NOW, hide_after_misses=2)
    assert hike.liveness == "active" and link.missed_runs == 0 and back.unchanged == 3
    assert session.execute(text("SELECT count(*) FROM listing_geo")).scalar() == 3


def test_every_run_records_when_each_listing_was_last_seen(session):
    """Seen links and listings are written in bulk: the database and the session's objects agree."""
    source = make_source(session)
    ingest(session, source, batch(), now=NOW)
    session.commit()
    without = [b for b in batch() if b.source_key != "e3"]
    ingest(session, source, without, now=NOW + timedelta(days=1))
    session.commit()
    later = NOW + timedelta(days=2)
    report = ingest(session, source, [item("e1", description="Now with snacks"), *batch()[1:]], now=later)
    assert (report.updated, report.unchanged) == (1, 2)
    session.commit()
    assert session.execute(select(ListingSource.last_seen, ListingSource.missed_runs)).all() == [(later, 0)] * 3
    assert set(session.scalars(select(Listing.last_seen))) == {later}
    assert {(link.last_seen, link.missed_runs) for link in session.scalars(select(ListingSource))} == {(later, 0)}
    assert session.scalar(select(Listing.description).where(Listing.title == "Board games night")) == "Now with snacks"


def test_partial_batches_neither_count_nor_reset_misses(session):
    source = make_source(session)
    ingest(session, source, batch(), now=NOW)
    report = ingest(session, source, batch()[:1], now=NOW, complete=False)
    assert report.gone == 0
    assert session.scalar(select(func.max(ListingSource.missed_runs))) == 0


def test_merged_listing_stays_active_while_any_source_lists_it(session):
    ics, page = make_source(session, "ics-feed"), make_source(session, "club-page")
    ingest(session, ics, [item("uid-1")], now=NOW)
    ingest(session, page, [item("page-1")], now=NOW)
    for _ in range(3):
        ingest(session, ics, [], now=NOW, hide_after_misses=2)
    listing = session.scalar(select(Listing))
    assert listing.liveness == "active"
    assert sorted(link.missed_runs for link in listing.sources) == [0, 3]
    ingest(session, page, [], now=NOW, hide_after_misses=2)
    assert listing.liveness == "unverified"


def test_liveness_rule_table():
    class L:
        def __init__(self, missed):
            self.missed_runs = missed

    assert liveness_of([L(0), L(5)], 2) == "active"
    assert liveness_of([L(1)], 2) == "unverified"
    assert liveness_of([L(2), L(3)], 2) == "hidden"
    assert liveness_of([L(1), L(4)], 2) == "unverified"


def test_organisations_have_one_identity_across_sources(session):
    first, second = make_source(session, "a"), make_source(session, "b")
    ingest(session, first, [item("1", organizer=Organizer(name="Les Amis du Jeu"))], now=NOW)
    other = item("2", "Chess club", organizer=Organizer(name="LES AMIS DU JEU", url="https://www.amisdujeu.example/"))
    ingest(session, second, [other], now=NOW)
    orgs = session.scalars(select(Organization)).all()
    assert len(orgs) == 1
    assert orgs[0].key == "les amis du jeu|amisdujeu.example"
    assert count(session, Listing) == 2
    assert {listing.organization_id for listing in session.scalars(select(Listing))} == {orgs[0].id}


def test_new_organisations_of_one_batch_match_one_by_one_creation(session):
    """The batch's new organisations are created together (OrgCache.create_new) with what creating them one
    by one gave: a name with its website once, however spelled; the same name first without a website,
    then with one, becomes one organisation that gains the website; two websites, two organisations."""
    source = make_source(session)
    same = Organizer(name="Les Amis du Jeu", url="https://www.amisdujeu.example/")
    spelled = Organizer(name="LES AMIS DU JEU", url="https://amisdujeu.example/")
    bare, sited = Organizer(name="Chess Club"), Organizer(name="Chess Club", url="https://chess.example/")
    first, second = (
        Organizer(name="Run Club", url="https://run-a.example/"),
        Organizer(name="Run Club", url="https://run-b.example/"),
    )
    ingest(
        session,
        source,
        [
            item(str(i), f"Event {i}", datetime(2026, 3, 10 + i, 19, 0, tzinfo=PARIS), organizer=organizer)
            for i, organizer in enumerate((same, spelled, bare, sited, first, second))
        ],
        now=NOW,
    )
    orgs = {org.key: org for org in session.scalars(select(Organization))}
    assert set(orgs) == {
        "les amis du jeu|amisdujeu.example",
        "chess club|chess.example",
        "run club|run-a.example",
        "run club|run-b.example",
    }
    assert orgs["les amis du jeu|amisdujeu.example"].name == "Les Amis du Jeu"  # the first spelling met
    by_title = {listing.title: listing.organization_id for listing in session.scalars(select(Listing))}
    assert by_title["Event 0"] == by_title["Event 1"] == orgs["les amis du jeu|amisdujeu.example"].id
    assert by_title["Event 2"] == by_title["Event 3"] == orgs["chess club|chess.example"].id
    assert by_title["Event 4"] != by_title["Event 5"]


def test_a_source_only_touches_its_own_listings(session):
    first, second = make_source(session, "a"), make_source(session, "b")
    ingest(session, first, batch(), now=NOW)
    ingest(session, second, [item("x", "Poetry slam", datetime(2026, 3, 20, 20, 0, tzinfo=PARIS))], now=NOW)
    ingest(session, second, [], now=NOW, hide_after_misses=1)
    by_source = session.execute(select(Listing.liveness, ListingSource.source_id).join(ListingSource)).all()
    assert {(liveness, sid) for liveness, sid in by_source} == {("active", first.id), ("hidden", second.id)}


def test_geocodes_when_the_source_gave_no_coordinates(session, gazetteer_path):
    geocode = pytest.importorskip("finder.geo.resolver")
    from finder.config import Config

    resolver = geocode.get_resolver(Config(GAZETTEER_PATH=str(gazetteer_path)))
    source = make_source(session, locality="Paris", country="FR")
    bare = item("g", lat=None, lon=None, venue=Venue(name="Somewhere", locality="Paris", country="FR"))
    ingest(session, source, [bare], now=NOW, resolver=resolver)
    listing = session.scalar(select(Listing))
    assert listing.lat is not None and listing.geo_precision in ("point", "postcode", "locality")
    assert abs(listing.lat - 48.85) < 0.5


def test_occurrences_follow_the_source(session):
    source = make_source(session)
    start = datetime(2026, 3, 2, 18, 0, tzinfo=PARIS)
    weeks = [start + timedelta(weeks=n) for n in range(3)]
    series = item("w", "Weekly choir", start, recurrence="FREQ=WEEKLY", occurrences=[ItemOccurrence(s) for s in weeks])
    ingest(session, source, [series], now=NOW)
    later = item(
        "w", "Weekly choir", start, recurrence="FREQ=WEEKLY", occurrences=[ItemOccurrence(s) for s in weeks[1:]]
    )
    ingest(session, source, [later], now=NOW)
    session.commit()
    assert sorted(session.scalars(select(Occurrence.start))) == [w.astimezone(UTC) for w in weeks[1:]]


def test_retag_applies_a_changed_vocabulary(session, tmp_path):
    from finder.ingest.retagging import retag
    from finder.tags import load_vocabulary

    source = make_source(session, tags=["social"])
    ingest(session, source, batch(), now=NOW)
    session.commit()
    path = tmp_path / "tags.toml"
    path.write_text(
        '[tag.social]\nlabel = "Social"\nfacet = "activity"\nsynonyms = ["meet"]\n'
        '[tag.hiking]\nlabel = "Hiking"\nfacet = "activity"\nsynonyms = ["hike"]\n'
    )
    seen, changed = retag(session, load_vocabulary(path))
    session.commit()
    assert (seen, changed) == (3, 3)
    hike = session.scalar(select(Listing).where(Listing.title.startswith("Sunday")))
    assert [t.slug for t in hike.tags] == ["hiking", "social"]
    assert retag(session, load_vocabulary(path)) == (3, 0)


def test_the_garbage_collector_is_paused_during_an_import_and_restored_after(session, monkeypatch):
    import gc

    import finder.ingest.importer as importer

    source = make_source(session)
    during = []
    real_prepare = importer.prepare
    monkeypatch.setattr(importer, "prepare", lambda *a: during.append(gc.isenabled()) or real_prepare(*a))
    assert gc.isenabled()
    ingest(session, source, batch(), now=NOW)
    assert during == [False, False, False] and gc.isenabled()
    monkeypatch.setattr(importer, "prepare", lambda *a: 1 / 0)  # an import that fails still turns it back on
    with pytest.raises(ZeroDivisionError):
        ingest(session, source, [item("e9", "Chess club")], now=NOW)
    assert gc.isenabled()
    monkeypatch.setattr(importer, "prepare", real_prepare)
    gc.disable()  # a caller that turned it off keeps it off
    try:
        ingest(session, source, batch(), now=NOW)
        assert not gc.isenabled()
    finally:
        gc.enable()
