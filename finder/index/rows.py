"""The search index: one row per searchable listing in `listing_geo` (+ FTS5 tables on SQLite).

SQLite: `listing_geo` is a `WITHOUT ROWID` table keyed `(lat_band, lon, id)` (0.1° latitude bands),
so a radius query reads a few short key ranges; `listing_fts` is an FTS5 table keyed by listing id
(porter stemming). PostgreSQL: `listing_geo` is a plain table with a btree on `(lat_band, lon)` and a
`tsvector` column (english stemming) with a GIN index. Listings without coordinates sit in band
NO_PLACE_BAND (with `lon` 0), and their text is indexed apart (`listing_fts_online` on SQLite, a
partial GIN index on PostgreSQL): every search with a place also reads them, and their postings are
then a few per cent of a word's. Each row also carries its unit-sphere vector (x, y, z) for cheap exact distances, and
its text carries a 1° cell token (`cell_name`), so a text search near a place intersects the word's
postings with the few cells around it instead of reading every listing with that word.
On SQLite the placeless rows are also kept, narrow, in `listing_geo_online` (rowid = listing id, only the
columns a filter or the score reads): the online branch of a search near a place scans or seeks that small
table instead of the wide rows of `listing_geo`.

`refresh(session, listing_ids)` rewrites the rows of those listings (hidden or cancelled listings
are removed); callers own the commit. `compact` follows a bulk load; `create_objects` / `clear` serve
migrations and tests.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from operator import itemgetter
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, bindparam, select, text
from sqlalchemy.orm import Session

from finder.db.engine import ID_CHUNK
from finder.geo.math import fold
from finder.models import Listing, ListingTag, Occurrence, Tag
from finder.ongoing import open_ended
from finder.schedules import DAY_CODES, rule_weekdays
from finder.tags import load_vocabulary

NO_PLACE_BAND = -10_000
ONLINE_CELL = "geonline"  # the text token of listings without a place
BAND_DEGREES = 0.1
INDEXED = tuple(getattr(Listing, name) for name in (
    "id", "kind", "title", "description", "lat", "lon", "online", "timezone", "recurrence", "recurrence_text",
    "start", "end", "all_day", "next_start", "connection_score", "free", "for_kids", "for_teens", "for_seniors", "for_families",
    "for_groups", "wheelchair", "sign_language", "newcomer_friendly"))

FLAG_BITS = {
    "free": 1, "kids": 2, "teens": 4, "seniors": 8, "families": 16, "groups": 32,
    "wheelchair": 64, "sign_language": 128, "newcomer": 256, "online": 512, "recurring": 1024,
    "ongoing": 2048,  # open-ended (finder.ongoing): available from its start date on, any day, any time
}
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TIME_BITS = {"morning": 1, "afternoon": 2, "evening": 4}
ALL_DAYS = (1 << len(DAY_NAMES)) - 1
ALL_TIMES = sum(TIME_BITS.values())
GEO_COLUMNS = ("lat_band", "lon", "id", "lat", "x", "y", "z", "kind", "flags", "days_mask", "times_mask", "next_epoch",
               "end_epoch", "connection", "tags", "title_norm")
_GEO_VALUES = itemgetter(*GEO_COLUMNS)
SQLITE_INSERT = f"INSERT INTO listing_geo ({', '.join(GEO_COLUMNS)}) VALUES ({', '.join('?' * len(GEO_COLUMNS))})"  # noqa: S608 (fixed names)
# PostgreSQL: rows are streamed by COPY into a temporary staging table, then moved into `listing_geo` by one
# INSERT ... SELECT that builds each row's tsvector on the server: a statement per row (executemany) cost
# the importer a round trip and a parameter conversion per listing.
POSTGRES_STAGING = """CREATE TEMPORARY TABLE IF NOT EXISTS listing_geo_staging (
    lat_band integer, lon float8, id bigint, lat float8, x float8, y float8, z float8, kind text, flags integer,
    days_mask integer, times_mask integer, next_epoch float8, end_epoch float8, connection float8, tags text,
    title_norm text, title text, labels text, body text, cell text) ON COMMIT DELETE ROWS"""
POSTGRES_COPY = f"COPY listing_geo_staging ({', '.join(GEO_COLUMNS)}, title, labels, body, cell) FROM STDIN"
POSTGRES_MOVE = f"""INSERT INTO listing_geo ({', '.join(GEO_COLUMNS)}, tsv)
    SELECT {', '.join(GEO_COLUMNS)}, setweight(to_tsvector('english', title), 'A')
        || setweight(to_tsvector('english', labels), 'B') || setweight(to_tsvector('english', left(body, 20000)), 'C')
        || to_tsvector('simple', cell) FROM listing_geo_staging"""  # noqa: S608 (fixed names)

# Placeless rows again, narrow (SQLite): what the online branch of a search reads (finder.search.sql).
ONLINE_COLUMNS = ("id", "end_epoch", "next_epoch", "connection", "flags", "kind", "days_mask", "times_mask", "tags",
                  "title_norm")
ONLINE_DDL = """CREATE TABLE IF NOT EXISTS listing_geo_online (
        id INTEGER PRIMARY KEY, end_epoch REAL, next_epoch REAL, connection REAL NOT NULL, flags INTEGER NOT NULL,
        kind TEXT NOT NULL, days_mask INTEGER NOT NULL, times_mask INTEGER NOT NULL, tags TEXT NOT NULL,
        title_norm TEXT NOT NULL)"""
_ONLINE_VALUES = itemgetter(*ONLINE_COLUMNS)
ONLINE_INSERT = f"INSERT INTO listing_geo_online ({', '.join(ONLINE_COLUMNS)}) VALUES ({', '.join('?' * len(ONLINE_COLUMNS))})"  # noqa: S608 (fixed names)
ONLINE_FILL = (f"INSERT INTO listing_geo_online ({', '.join(ONLINE_COLUMNS)}) "  # noqa: S608 (fixed names)
               f"SELECT {', '.join(ONLINE_COLUMNS)} FROM listing_geo WHERE lat_band = {NO_PLACE_BAND}")
SQLITE_DDL = (
    """CREATE TABLE IF NOT EXISTS listing_geo (
        lat_band INTEGER NOT NULL, lon REAL NOT NULL, id INTEGER NOT NULL, lat REAL, x REAL, y REAL, z REAL,
        kind TEXT NOT NULL, flags INTEGER NOT NULL, days_mask INTEGER NOT NULL, times_mask INTEGER NOT NULL,
        next_epoch REAL, end_epoch REAL, connection REAL NOT NULL, tags TEXT NOT NULL, title_norm TEXT NOT NULL,
        PRIMARY KEY (lat_band, lon, id)) WITHOUT ROWID""",
    "CREATE UNIQUE INDEX IF NOT EXISTS listing_geo_id ON listing_geo (id)",
    "CREATE TABLE IF NOT EXISTS search_meta (id INTEGER PRIMARY KEY, generation INTEGER NOT NULL)",
    "INSERT OR IGNORE INTO search_meta (id, generation) VALUES (1, 0)",
    ONLINE_DDL,
    """CREATE VIRTUAL TABLE IF NOT EXISTS listing_fts USING fts5(
        title, body, tags, cell, tokenize = 'porter unicode61 remove_diacritics 2')""",
    """CREATE VIRTUAL TABLE IF NOT EXISTS listing_fts_online USING fts5(
        title, body, tags, cell, tokenize = 'porter unicode61 remove_diacritics 2')""",
)
FTS_TABLES = ("listing_fts", "listing_fts_online")  # listings with a place, listings without one
SQLITE_ROW_TABLES = ("listing_geo", "listing_geo_online")
POSTGRES_DDL = (
    """CREATE TABLE IF NOT EXISTS listing_geo (
        id bigint PRIMARY KEY, lat_band integer NOT NULL, lon float8 NOT NULL, lat float8, x float8, y float8, z float8,
        kind text NOT NULL, flags integer NOT NULL, days_mask integer NOT NULL, times_mask integer NOT NULL,
        next_epoch float8, end_epoch float8, connection float8 NOT NULL, tags text NOT NULL,
        title_norm text NOT NULL, tsv tsvector NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS listing_geo_band_lon ON listing_geo (lat_band, lon)",
    "CREATE INDEX IF NOT EXISTS listing_geo_tsv ON listing_geo USING gin (tsv)",
    f"CREATE INDEX IF NOT EXISTS listing_geo_online_tsv ON listing_geo USING gin (tsv) WHERE lat_band = {NO_PLACE_BAND}",
    "CREATE TABLE IF NOT EXISTS search_meta (id integer PRIMARY KEY, generation bigint NOT NULL)",
    "INSERT INTO search_meta (id, generation) VALUES (1, 0) ON CONFLICT DO NOTHING",
)


def create_objects(connection: Connection) -> None:
    """Create the index tables for this connection's dialect (idempotent)."""
    for statement in POSTGRES_DDL if connection.dialect.name == "postgresql" else SQLITE_DDL:
        connection.execute(text(statement))


def drop_objects(connection: Connection) -> None:
    names = ("search_meta", "listing_geo") + (() if connection.dialect.name == "postgresql"
                                              else ("listing_geo_online", *FTS_TABLES))
    for name in names:
        connection.execute(text(f"DROP TABLE IF EXISTS {name}"))


def clear(connection: Connection) -> None:
    """Empty the index tables (tests)."""
    bump(connection)
    connection.execute(text("DELETE FROM listing_geo"))
    if connection.dialect.name != "postgresql":
        for table in ("listing_geo_online", *FTS_TABLES):
            connection.execute(text(f"DELETE FROM {table}"))  # noqa: S608 -- fixed names


def refresh(session: Session, listing_ids: Iterable[int]) -> int:
    """Bring the index rows of these listings in step with the listings table; returns rows written."""
    ids = sorted({int(i) for i in listing_ids})
    written = 0
    connection = session.connection()
    if ids:
        bump(connection)
    for offset in range(0, len(ids), ID_CHUNK):
        chunk = ids[offset:offset + ID_CHUNK]
        delete_rows(connection, chunk)
        listings = session.execute(
            select(*INDEXED).where(Listing.id.in_(chunk), Listing.liveness != "hidden", Listing.status != "cancelled")
        ).all()
        tags, occurrences = _children(session, [item.id for item in listings])
        rows = [index_row(item, [slug for slug, _ in tags.get(item.id, ())], occurrences.get(item.id, []))
                for item in listings]
        fts = [(item.id, item.title, item.description,
                " ".join(label_text(slug, label) for slug, label in tags.get(item.id, ()))) for item in listings]
        written += write_rows(connection, rows, fts)
    return written


def _children(session: Session, ids: list[int]) -> tuple[dict[int, list], dict[int, list]]:
    """(slug, label) of the tags (by slug) and (start, end, status, all_day) of the occurrences, by listing id."""
    tags: dict[int, list] = {}
    occurrences: dict[int, list] = {}
    if not ids:
        return tags, occurrences
    query = (select(ListingTag.listing_id, Tag.slug, Tag.label).join(Tag, Tag.id == ListingTag.tag_id)
             .where(ListingTag.listing_id.in_(ids)).order_by(ListingTag.listing_id, Tag.slug))
    for listing_id, slug, label in session.execute(query):
        tags.setdefault(listing_id, []).append((slug, label))
    query = (select(Occurrence.listing_id, Occurrence.start, Occurrence.end, Occurrence.status, Occurrence.all_day)
             .where(Occurrence.listing_id.in_(ids)).order_by(Occurrence.listing_id, Occurrence.start))
    for listing_id, *occurrence in session.execute(query):
        occurrences.setdefault(listing_id, []).append(tuple(occurrence))
    return tags, occurrences


def compact(connection: Connection) -> None:
    """After a bulk load: merge each FTS5 table into one segment (a word's postings are then read, and
    skipped through, in one piece) and refresh the planner's statistics."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("ANALYZE listing_geo"))
        return
    for table in FTS_TABLES:
        connection.execute(text(f"INSERT INTO {table} ({table}) VALUES ('optimize')"))  # noqa: S608 -- fixed names
    connection.execute(text("ANALYZE"))


def bump(connection: Connection) -> None:
    """Mark the index changed: answers remembered for an older generation are no longer used."""
    connection.execute(text("UPDATE search_meta SET generation = generation + 1 WHERE id = 1"))


def generation(session: Session) -> int:
    """The index's change counter (bumped by every refresh)."""
    return int(session.execute(text("SELECT generation FROM search_meta WHERE id = 1")).scalar() or 0)


def delete_rows(connection: Connection, ids: list[int]) -> None:
    if not ids:
        return
    tables = ("listing_geo",) if connection.dialect.name == "postgresql" else SQLITE_ROW_TABLES
    for table in tables:
        connection.execute(text(f"DELETE FROM {table} WHERE id IN :ids")  # noqa: S608 -- fixed names
                           .bindparams(bindparam("ids", expanding=True)), {"ids": ids})
    if connection.dialect.name != "postgresql":
        for table in FTS_TABLES:
            connection.execute(text(f"DELETE FROM {table} WHERE rowid IN :ids")  # noqa: S608 -- fixed names
                               .bindparams(bindparam("ids", expanding=True)), {"ids": ids})


def write_rows(connection: Connection, rows: list[dict], fts: list[tuple[int, str, str, str]]) -> int:
    """Insert prepared index rows and their text (id, title, body, tag labels)."""
    if not rows:
        return 0
    if connection.dialect.name == "postgresql":
        texts = {i: (title, body, labels) for i, title, body, labels in fts}
        connection.exec_driver_sql(POSTGRES_STAGING)
        cursor = connection.connection.dbapi_connection.cursor()
        with cursor:
            with cursor.copy(POSTGRES_COPY) as copy:
                for row in rows:
                    title, body, labels = texts.get(row["id"], ("", "", ""))
                    copy.write_row((*_GEO_VALUES(row), fold(title), fold(labels), fold(body), place_tokens(row)))
            cursor.execute(POSTGRES_MOVE)
            cursor.execute("DELETE FROM listing_geo_staging")
    else:  # straight to the driver: SQLAlchemy's per-row parameter handling costs more than these inserts
        cells = {row["id"]: place_tokens(row) for row in rows}
        placeless = {row["id"] for row in rows if row["lat"] is None}
        connection.exec_driver_sql(SQLITE_INSERT, list(map(_GEO_VALUES, rows)))
        if placeless:
            connection.exec_driver_sql(ONLINE_INSERT, [_ONLINE_VALUES(row) for row in rows if row["id"] in placeless])
        texts = [(i, title, body, labels, cells.get(i, "")) for i, title, body, labels in fts]
        for table, without_place in zip(FTS_TABLES, (False, True), strict=True):
            chosen = [t for t in texts if (t[0] in placeless) is without_place]
            if chosen:
                connection.exec_driver_sql(f"INSERT INTO {table} (rowid, title, body, tags, cell) "  # noqa: S608
                                           "VALUES (?, ?, ?, ?, ?)", chosen)
    return len(rows)


def index_row(item, tag_slugs: list[str], occurrences: list[tuple]) -> dict:
    """The index row of one listing (an ORM Listing or anything with the same attributes).

    `occurrences`: (start, end, status, all_day) tuples. Online listings are indexed without a place.
    An ongoing listing (finder.ongoing) never ends and counts as available on every day at every time:
    its days and hours are not known, and its start date is when it began, not when it meets.
    """
    has_place = item.lat is not None and item.lon is not None and not item.online
    lat = float(item.lat) if has_place else None
    zone = _zone(item.timezone)
    ongoing = open_ended(kind=item.kind, recurrence=item.recurrence, start=item.start, end=item.end,
                         all_day=item.all_day)
    if ongoing:
        days, times, last = ALL_DAYS, ALL_TIMES, None
    else:
        days, times = schedule_masks(occurrences, zone, item.recurrence)
        ends = [(end or start) for start, end, status, _all_day in occurrences if status == "scheduled"]
        last = max(ends) if ends else (item.end or item.start)
    return {
        "lat_band": lat_band(lat) if has_place else NO_PLACE_BAND,
        "lon": float(item.lon) if has_place else 0.0,
        "id": item.id,
        "lat": lat,
        **dict(zip(("x", "y", "z"), unit_vector(lat, float(item.lon)) if has_place else (None, None, None), strict=True)),
        "kind": item.kind,
        "flags": listing_flags(item) | (FLAG_BITS["ongoing"] if ongoing else 0),
        "days_mask": days,
        "times_mask": times,
        "next_epoch": epoch(item.next_start),
        "end_epoch": epoch(last),
        "connection": float(item.connection_score or 0.0),
        "tags": tags_field(tag_slugs),
        "title_norm": title_norm(item.title),
    }


def lat_band(lat: float) -> int:
    return math.floor(lat / BAND_DEGREES)


def unit_vector(lat: float, lon: float) -> tuple[float, float, float]:
    """The point on the unit sphere; straight-line distances between these give ranking distances."""
    phi, lam = math.radians(lat), math.radians(lon)
    return math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi)


def cell_name(lat_cell: int, lon_cell: int) -> str:
    """The text token of a 1° cell (floor of lat and lon), indexed with the words so text search can be local."""
    return f"geo{lat_cell + 90}x{lon_cell % 360}"


def label_text(slug: str, label: str) -> str:
    """What a tag adds to its listings' searchable text: its label in every language of the vocabulary (so
    `q=Spiele` finds what the German chip finds), or the stored `label` of a tag the vocabulary lacks."""
    return " ".join(load_vocabulary().labels_of(slug)) or label


def tag_token(slug: str) -> str:
    """The text token of a tag ("outdoors-hiking" -> "tgoutdoorshiking"), indexed beside the cell token."""
    return "tg" + slug.replace("-", "")


def place_tokens(row: dict) -> str:
    """What the index's `cell` text holds: the cell token and one token per tag."""
    return " ".join([cell_token(row)] + [tag_token(s) for s in row["tags"].strip("|").split("|") if s])


def cell_token(row: dict) -> str:
    if row["lat"] is None:
        return ONLINE_CELL
    return cell_name(math.floor(row["lat"]), math.floor(row["lon"]))


def tags_field(slugs: Iterable[str]) -> str:
    """Slugs as '|a|b|' so one substring test finds a tag in SQL and Python alike."""
    return "|" + "|".join(sorted(set(slugs))) + "|"


def title_norm(title: str) -> str:
    """Folded title words with a leading space, so ' word' finds words starting with `word`."""
    return " " + fold(title or "") + " "


def listing_flags(item) -> int:
    from finder.ranking import recurrence_kind

    flags = {
        "free": item.free is True, "kids": item.for_kids, "teens": item.for_teens, "seniors": item.for_seniors,
        "families": item.for_families, "groups": item.for_groups, "wheelchair": item.wheelchair,
        "sign_language": item.sign_language, "newcomer": item.newcomer_friendly, "online": item.online,
        "recurring": recurrence_kind(item.recurrence, item.recurrence_text or "") is not None,
        "ongoing": False,  # set by index_row, which knows the listing's dates
    }
    return sum(bit for name, bit in FLAG_BITS.items() if flags[name])


def schedule_masks(occurrences: list[tuple], zone: ZoneInfo, rrule: str | None) -> tuple[int, int]:
    """Weekday bits (Mon = 1) and time-of-day bits of the scheduled occurrences, in local time."""
    days = times = 0
    for start, _end, status, all_day in occurrences:
        if status != "scheduled":
            continue
        if all_day or not isinstance(start, datetime):
            day = start.date() if isinstance(start, datetime) else start
            days |= 1 << day.weekday()
            times |= TIME_BITS["morning"] | TIME_BITS["afternoon"]
            continue
        local = start.astimezone(zone)
        days |= 1 << local.weekday()
        times |= time_bit(local.hour)
    if not days and rrule:
        for code in rule_weekdays(rrule):
            days |= 1 << DAY_CODES.index(code)
    return days, times


def time_bit(hour: int) -> int:
    if 5 <= hour < 12:
        return TIME_BITS["morning"]
    if 12 <= hour < 17:
        return TIME_BITS["afternoon"]
    return TIME_BITS["evening"]


def epoch(value: datetime | date | None) -> float | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0), UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (ValueError, KeyError, OSError):
        return ZoneInfo("UTC")
