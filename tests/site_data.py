"""A small, realistic set of listings for the site tests and the browser tests (ORM rows + search index)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from finder import ranking
from finder.index import writes as index_writes
from finder.models import Listing, ListingSource, Occurrence, Organization, ScrapeRun, Source, Tag
from finder.tags import load_vocabulary

LONDON = (51.5074, -0.1278)
PARIS = (48.8566, 2.3522)
HOSTILE = "<script>alert('x')</script>\"'><img src=x onerror=alert(1)>"


def north(point: tuple[float, float], km: float) -> tuple[float, float]:
    return point[0] + km / 111.195, point[1]


def tag(session, slug: str, label: str | None = None) -> Tag:
    row = session.scalar(select(Tag).where(Tag.slug == slug))
    if row is None:
        vocabulary = load_vocabulary()
        row = Tag(slug=slug, label=label or vocabulary.label(slug), facet=vocabulary.facet(slug) or "activity")
        session.add(row)
    return row


def add(session, title: str, *, point=None, tags=(), starts=(), rrule=None, sources=(), cancelled_at=(), **fields):
    """One visible listing with occurrences (2 h each), provenance and index rows."""
    now = datetime.now(UTC)
    fields.setdefault("timezone", "Europe/London")
    listing = Listing(title=title, kind=fields.pop("kind", "club"), recurrence=rrule, **fields)
    if point is not None:
        listing.lat, listing.lon = point
    with session.no_autoflush:
        listing.tags = [tag(session, slug) for slug in tags]
    for start in starts:
        status = "cancelled" if start in cancelled_at else "scheduled"
        listing.occurrences.append(Occurrence(start=start, end=start + timedelta(hours=2), status=status))
    if starts:
        listing.start = min(starts)
        listing.end = listing.start + timedelta(hours=2)
        upcoming = [s for s in starts if s >= now and s not in cancelled_at]
        listing.next_start = min(upcoming) if upcoming else None
    listing.connection_score = ranking.connection_potential(
        recurring=ranking.recurrence_kind(rrule, listing.recurrence_text or ""),
        in_person=not listing.online,
        newcomer=bool(listing.newcomer_friendly),
        small_group=None,
    )
    for number, (source, url) in enumerate(sources):
        listing.sources.append(
            ListingSource(
                source=source,
                source_key=f"{title}-{number}",
                source_url=url,
                last_seen=now - timedelta(days=number + 1),
            )
        )
    listing.last_seen = now - timedelta(days=1)
    session.add(listing)
    session.flush()
    index_writes.refresh(session, [listing.id])
    return listing


def weekly(first: datetime, count: int = 4) -> list[datetime]:
    return [first + timedelta(weeks=n) for n in range(count)]


def next_weekday(weekday: int, hour: int) -> datetime:
    """The next given weekday (0 = Monday) at `hour` UTC, at least a day ahead."""
    today = datetime.now(UTC).replace(hour=hour, minute=0, second=0, microsecond=0)
    days = (weekday - today.weekday()) % 7 or 7
    return today + timedelta(days=days)


def seed_app(app) -> dict[str, int]:
    """Seed the app's database with the demo neighbourhood (committed); its ids by short name."""
    with app.app_context(), app.extensions["sessionmaker"]() as session:
        ids = seed(session)
        session.commit()
    return ids


def seed(session) -> dict[str, int]:
    """The demo neighbourhood: returns ids by short name. The caller commits."""
    now = datetime.now(UTC)
    calendar = Source(
        slug="london-calendar",
        name="London Community Calendar",
        adapter="ics",
        url="https://calendar.example.org/community.ics",
        licence="CC BY 4.0",
        attribution="© London Community Calendar contributors",
        kind="event",
    )
    hub = Source(
        slug="volunteer-hub",
        name="Volunteer Hub",
        adapter="hsds",
        url="https://hub.example.net/api/services",
        licence="ODbL 1.0",
        attribution="Volunteer Hub CIC",
    )
    session.add_all([calendar, hub])
    session.flush()
    session.add(
        ScrapeRun(
            source=calendar,
            started_at=now - timedelta(hours=3),
            finished_at=now - timedelta(hours=3),
            status="ok",
            items=5,
            inserted=5,
        )
    )
    ramblers = Organization(
        key="riverside-ramblers",
        name="Riverside Ramblers",
        url="https://ramblers.example.org/",
        description="A friendly walking group by the river.\n\nAll paces welcome.",
    )
    session.add(ramblers)
    saturdays = weekly(next_weekday(5, 10))
    tuesdays = weekly(next_weekday(1, 18))
    ids = {}
    ids["walk"] = add(
        session,
        "Riverside Walking Group",
        point=north(LONDON, 1),
        tags=["outdoors-hiking"],
        starts=saturdays,
        rrule="FREQ=WEEKLY;BYDAY=SA",
        organization=ramblers,
        organizer_name="Riverside Ramblers",
        organizer_url="https://ramblers.example.org/",
        venue_name="Riverside Café",
        street="1 Embankment",
        locality="London",
        postcode="SE1 7PB",
        country="GB",
        free=True,
        newcomer_friendly=True,
        wheelchair=True,
        description="A gentle two-hour walk along the river, finishing with tea.",
        description_html="<p>A gentle two-hour walk along the river, finishing with <strong>tea</strong>.</p>"
        '<p><a href="https://ramblers.example.org/routes">Our routes</a></p>',
        url="https://ramblers.example.org/walks",
        cost="",
        sources=[(calendar, "https://calendar.example.org/events/walk"), (hub, "https://hub.example.net/walk")],
    ).id
    ids["choir"] = add(
        session,
        "Community Choir",
        kind="event",
        point=north(LONDON, 3),
        tags=["music"],
        starts=tuesdays,
        cancelled_at=[tuesdays[1]],
        rrule="FREQ=WEEKLY;BYDAY=TU",
        venue_name="St Mark's Hall",
        locality="London",
        cost="£3 a session",
        for_seniors=True,
        organizer_name="Hall Singers",
        description="No auditions, no reading music needed.",
        sources=[(calendar, "https://calendar.example.org/choir")],
        image_url="https://images.example.org/choir.svg",
    ).id
    ids["repair"] = add(
        session,
        "Repair Café",
        kind="event",
        point=north(LONDON, 2),
        tags=["crafts"],
        starts=[now + timedelta(days=6)],
        status="cancelled",
        venue_name="Library",
        locality="London",
        sources=[(calendar, "")],
    ).id
    ids["reading"] = add(
        session,
        "Reading Buddies",
        kind="volunteer",
        point=north(LONDON, 4),
        tags=["education-literacy"],
        for_kids=True,
        locality="London",
        description="Help a child enjoy books, one hour a week.",
        image_url="https://images.example.org/reading.svg",
        sources=[(hub, "https://hub.example.net/reading")],
    ).id
    ids["online"] = add(
        session,
        "Online Book Circle",
        kind="online",
        online=True,
        online_url="https://meet.example.org/books",
        tags=["book-clubs"],
        starts=weekly(next_weekday(3, 19)),
        rrule="FREQ=WEEKLY;BYDAY=TH",
        description="We read a short novel a month and talk about it on video.",
        sources=[(calendar, "https://calendar.example.org/books")],
    ).id
    ids["paris"] = add(
        session,
        "Soirée jeux de société",
        kind="event",
        point=PARIS,
        tags=["games"],
        starts=[now + timedelta(days=3)],
        locality="Paris",
        timezone="Europe/Paris",
    ).id
    hidden = add(session, "Gone Away Club", point=north(LONDON, 1), tags=["music"])
    hidden.liveness = "hidden"
    index_writes.refresh(session, [hidden.id])
    ids["hidden"] = hidden.id
    ids["org"] = ramblers.id
    return ids


def seed_hostile(session) -> dict[str, int]:
    """A listing, organisation, source and tag whose every text field is hostile markup."""
    now = datetime.now(UTC)
    source = Source(
        slug="hostile", name=HOSTILE, adapter="ics", url="javascript:alert(1)", licence=HOSTILE, attribution=HOSTILE
    )
    org = Organization(key="hostile", name=HOSTILE, url="javascript:alert(1)", description=HOSTILE)
    session.add_all([source, org])
    session.add(ScrapeRun(source=source, status="ok", finished_at=now, error=HOSTILE))
    listing = add(
        session,
        HOSTILE,
        kind="event",
        point=north(LONDON, 1),
        tags=[],
        starts=[now + timedelta(days=2)],
        description=HOSTILE,
        description_html=f'<p onclick="alert(1)">{HOSTILE}<a href="javascript:alert(1)">x</a></p>',
        organization=org,
        organizer_name=HOSTILE,
        organizer_url="javascript:alert(1)",
        venue_name=HOSTILE,
        street=HOSTILE,
        locality=HOSTILE,
        region=HOSTILE,
        postcode="<b>1</b>",
        cost=HOSTILE,
        online=False,
        url="javascript:alert(1)",
        recurrence_text=HOSTILE,
        timezone="Europe/London",
        image_url='https://images.example.org/a.png" onerror="alert(1)',
        sources=[(source, "javascript:alert(1)"), (source, "data:text/html,<script>alert(1)</script>")],
    )
    listing.tags = [tag(session, "hostile-tag", HOSTILE)]
    session.flush()
    index_writes.refresh(session, [listing.id])
    return {"listing": listing.id, "org": org.id}
