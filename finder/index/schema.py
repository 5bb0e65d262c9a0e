"""The search index's tables: their DDL per dialect, create / drop / clear / compact, and the change counter.

SQLite: `listing_geo` is a `WITHOUT ROWID` table keyed `(lat_band, lon, id)` (0.1° latitude bands),
so a radius query reads a few short key ranges; `listing_fts` is an FTS5 table keyed by listing id
(porter stemming). PostgreSQL: `listing_geo` is a plain table with a btree on `(lat_band, lon)` and a
`tsvector` column (english stemming) with a GIN index. Listings without coordinates sit in band
NO_PLACE_BAND (with `lon` 0), and their text is indexed apart (`listing_fts_online` on SQLite, a
partial GIN index on PostgreSQL): every search with a place also reads them, and their postings are
then a few per cent of a word's.
On SQLite the placeless rows are also kept, narrow, in `listing_geo_online` (rowid = listing id, only the
columns a filter or the score reads): the online branch of a search near a place scans or seeks that small
table instead of the wide rows of `listing_geo`. `compact` follows a bulk load; `create_objects` / `clear`
serve migrations and tests.
"""

from __future__ import annotations

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from finder.index.rows import FLAG_BITS, NO_PLACE_BAND

GEO_COLUMNS = (
    "lat_band",
    "lon",
    "id",
    "lat",
    "x",
    "y",
    "z",
    "kind",
    "flags",
    "days_mask",
    "times_mask",
    "next_epoch",
    "end_epoch",
    "connection",
    "tags",
    "title_norm",
)

# Placeless rows again, narrow (SQLite): what the online branch of a search reads (finder.search.sql).
ONLINE_COLUMNS = (
    "id",
    "end_epoch",
    "next_epoch",
    "connection",
    "flags",
    "kind",
    "days_mask",
    "times_mask",
    "tags",
    "title_norm",
)
ONLINE_DDL = """CREATE TABLE IF NOT EXISTS listing_geo_online (
        id INTEGER PRIMARY KEY, end_epoch REAL, next_epoch REAL, connection REAL NOT NULL, flags INTEGER NOT NULL,
        kind TEXT NOT NULL, days_mask INTEGER NOT NULL, times_mask INTEGER NOT NULL, tags TEXT NOT NULL,
        title_norm TEXT NOT NULL)"""
ONLINE_FILL = (
    f"INSERT INTO listing_geo_online ({', '.join(ONLINE_COLUMNS)}) "  # noqa: S608 (fixed names)
    f"SELECT {', '.join(ONLINE_COLUMNS)} FROM listing_geo WHERE lat_band = {NO_PLACE_BAND}"
)
# The placeless rows by connection, soonest first, with every filter column: the online branch's score floor
# reads its first rows and then one range of it, and counts over it (finder.search.sql_online).
ONLINE_RANK_SQLITE = (
    "CREATE INDEX IF NOT EXISTS listing_geo_online_rank ON listing_geo_online "
    "(connection DESC, next_epoch, end_epoch, flags, kind, days_mask, times_mask)"
)
# PostgreSQL: with the tags too (migration 0017), so the online branch with interests reads them from the index
# (finder.search.sql_online_tags_postgres); it replaced `listing_geo_online_rank`, the same without the tags.
ONLINE_RANK_POSTGRES = (
    "CREATE INDEX IF NOT EXISTS listing_geo_online_rank_tags ON listing_geo (connection DESC, next_epoch) "
    f"INCLUDE (id, end_epoch, flags, kind, days_mask, times_mask, tags) WHERE lat_band = {NO_PLACE_BAND}"
)
# The placeless rows by start, with every filter column: the online branch in the 'soonest' order reads its first
# dated rows and then one range of it (finder.search.sql_online_soonest; migration 0016).
ONLINE_SOON_SQLITE = (
    "CREATE INDEX IF NOT EXISTS listing_geo_online_soon ON listing_geo_online "
    "(next_epoch, end_epoch, flags, kind, days_mask, times_mask, connection)"
)
ONLINE_SOON_POSTGRES = (
    "CREATE INDEX IF NOT EXISTS listing_geo_online_soon ON listing_geo (next_epoch) "
    f"INCLUDE (id, end_epoch, connection, flags, kind, days_mask, times_mask) WHERE lat_band = {NO_PLACE_BAND}"
)
# The placeless rows that fail a search's default filters (over, or without the online flag), each kind by its
# own small index: the online branch with words counts its matches less these (finder.search.sql_online_words).
# Partial, without the NULLs: a whole index on end_epoch was taken by the planner for `end_epoch IS NULL OR
# end_epoch >= :now` over the covering listing_geo_online_rank (a row read per row: 13 -> 35 ms cold, no words).
ONLINE_FAILING_SQLITE = (
    "CREATE INDEX IF NOT EXISTS listing_geo_online_end ON listing_geo_online (end_epoch) WHERE end_epoch IS NOT NULL",
    f"CREATE INDEX IF NOT EXISTS listing_geo_online_offline ON listing_geo_online (end_epoch) "
    f"WHERE (flags & {FLAG_BITS['online']}) = 0",
)
# PostgreSQL: the same two kinds of failing placeless rows, each by a partial index of listing_geo
# (finder.search.sql_online_tsv counts a word's placeless matches less these).
ONLINE_FAILING_POSTGRES = (
    "CREATE INDEX IF NOT EXISTS listing_geo_online_end ON listing_geo (end_epoch) "
    f"WHERE lat_band = {NO_PLACE_BAND} AND end_epoch IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS listing_geo_online_offline ON listing_geo (end_epoch) "
    f"WHERE lat_band = {NO_PLACE_BAND} AND (flags & {FLAG_BITS['online']}) = 0",
)
# PostgreSQL: how many placeless rows listing_geo holds, in search_meta, kept by statement triggers in the writing
# transaction (every path: refresh, COPY-fed INSERTs, DELETE, UPDATE, TRUNCATE). The online branch's count without
# words is this less the few failing rows (finder.search.sql_online): counting the 40,000 placeless rows at 1M
# listings took 5 ms of every first search of a filter set, even from a narrow index. NULL until counted: the last
# statement counts once, after the triggers exist (they lock out writers until the transaction ends). The triggers
# write the search_meta beside the table written, whatever the writer's search_path.
PLACELESS_COUNT_POSTGRES = (
    "ALTER TABLE search_meta ADD COLUMN IF NOT EXISTS placeless bigint",
    f"""CREATE OR REPLACE FUNCTION listing_geo_count_placeless() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        change bigint := 0;
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            EXECUTE format('UPDATE %I.search_meta SET placeless = 0 WHERE id = 1', TG_TABLE_SCHEMA);
            RETURN NULL;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            SELECT change + count(*) INTO change FROM added WHERE lat_band = {NO_PLACE_BAND};
        END IF;
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
            SELECT change - count(*) INTO change FROM removed WHERE lat_band = {NO_PLACE_BAND};
        END IF;
        IF change <> 0 THEN
            EXECUTE format('UPDATE %I.search_meta SET placeless = placeless + $1 WHERE id = 1', TG_TABLE_SCHEMA)
                USING change;
        END IF;
        RETURN NULL;
    END $$""",  # noqa: S608 (fixed names)
    "CREATE OR REPLACE TRIGGER listing_geo_placeless_insert AFTER INSERT ON listing_geo "
    "REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION listing_geo_count_placeless()",
    "CREATE OR REPLACE TRIGGER listing_geo_placeless_delete AFTER DELETE ON listing_geo "
    "REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION listing_geo_count_placeless()",
    "CREATE OR REPLACE TRIGGER listing_geo_placeless_update AFTER UPDATE ON listing_geo "
    "REFERENCING OLD TABLE AS removed NEW TABLE AS added FOR EACH STATEMENT "
    "EXECUTE FUNCTION listing_geo_count_placeless()",
    "CREATE OR REPLACE TRIGGER listing_geo_placeless_truncate AFTER TRUNCATE ON listing_geo "
    "FOR EACH STATEMENT EXECUTE FUNCTION listing_geo_count_placeless()",
    f"UPDATE search_meta SET placeless = (SELECT count(*) FROM listing_geo WHERE lat_band = {NO_PLACE_BAND}) "  # noqa: S608
    "WHERE id = 1 AND placeless IS NULL",
)
# PostgreSQL: how many placeless rows hold each lexeme of listing_geo's vectors (words, tag and cell tokens), kept by
# statement triggers as the placeless count is. The online branch counts a one-word search's placeless matches from it
# (finder.search.sql_online_tsv): counting them from the text index visited every match in the table (a bitmap heap
# scan: "club", 21,000 of the 40,000 placeless rows at 1M listings, ~6 ms of each first search with that word).
# Lexemes no row holds any more stay, at 0. The triggers are named to fire after the placeless count's, whose row of
# search_meta every writer has already locked (`bump`), so writers meet these rows in one order.
ONLINE_LEXEMES_POSTGRES = (
    "CREATE TABLE IF NOT EXISTS listing_geo_online_lexemes (lexeme text PRIMARY KEY, rows bigint NOT NULL)",
    f"""CREATE OR REPLACE FUNCTION listing_geo_count_lexemes() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        added_rows text := 'SELECT unnest(tsvector_to_array(tsv)) AS lexeme, 1 AS change FROM added '
            'WHERE lat_band = {NO_PLACE_BAND}';
        removed_rows text := 'SELECT unnest(tsvector_to_array(tsv)) AS lexeme, -1 AS change FROM removed '
            'WHERE lat_band = {NO_PLACE_BAND}';
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            EXECUTE format('DELETE FROM %I.listing_geo_online_lexemes', TG_TABLE_SCHEMA);
            RETURN NULL;
        END IF;
        EXECUTE format(
            'INSERT INTO %I.listing_geo_online_lexemes AS l (lexeme, rows) '
            'SELECT lexeme, sum(change) FROM (%s) c GROUP BY lexeme HAVING sum(change) <> 0 ORDER BY lexeme '
            'ON CONFLICT (lexeme) DO UPDATE SET rows = l.rows + EXCLUDED.rows',
            TG_TABLE_SCHEMA,
            CASE TG_OP WHEN 'INSERT' THEN added_rows WHEN 'DELETE' THEN removed_rows
                ELSE added_rows || ' UNION ALL ' || removed_rows END);
        RETURN NULL;
    END $$""",  # noqa: S608 (fixed names)
    "CREATE OR REPLACE TRIGGER listing_geo_words_insert AFTER INSERT ON listing_geo "
    "REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION listing_geo_count_lexemes()",
    "CREATE OR REPLACE TRIGGER listing_geo_words_delete AFTER DELETE ON listing_geo "
    "REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION listing_geo_count_lexemes()",
    "CREATE OR REPLACE TRIGGER listing_geo_words_update AFTER UPDATE ON listing_geo "
    "REFERENCING OLD TABLE AS removed NEW TABLE AS added FOR EACH STATEMENT "
    "EXECUTE FUNCTION listing_geo_count_lexemes()",
    "CREATE OR REPLACE TRIGGER listing_geo_words_truncate AFTER TRUNCATE ON listing_geo "
    "FOR EACH STATEMENT EXECUTE FUNCTION listing_geo_count_lexemes()",
    # counted once, when the table is new (it and the triggers are made in one transaction)
    "INSERT INTO listing_geo_online_lexemes (lexeme, rows) "  # noqa: S608 (fixed names)
    "SELECT lexeme, count(*) FROM listing_geo, unnest(tsvector_to_array(tsv)) AS lexeme "
    f"WHERE lat_band = {NO_PLACE_BAND} AND NOT EXISTS (SELECT 1 FROM listing_geo_online_lexemes) GROUP BY lexeme",
)
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
    ONLINE_RANK_SQLITE,
    ONLINE_SOON_SQLITE,
    *ONLINE_FAILING_SQLITE,
    """CREATE VIRTUAL TABLE IF NOT EXISTS listing_fts USING fts5(
        title, body, tags, cell, tokenize = 'porter unicode61 remove_diacritics 2')""",
    """CREATE VIRTUAL TABLE IF NOT EXISTS listing_fts_online USING fts5(
        title, body, tags, cell, tokenize = 'porter unicode61 remove_diacritics 2')""",
)
FTS_TABLES = ("listing_fts", "listing_fts_online")  # listings with a place, listings without one
SQLITE_ROW_TABLES = ("listing_geo", "listing_geo_online")
# The rows around a point, in band and longitude order, holding every column a search by place alone reads (migration
# 0014): its count and best rows come from the index alone (an index-only scan of all-visible pages, as autovacuum
# keeps them), 2x faster for the count of 6,000 rows in a 100 km circle than a visit to the table per row.
BAND_LON_POSTGRES = (
    "CREATE INDEX IF NOT EXISTS listing_geo_band_lon_cover ON listing_geo (lat_band, lon) "
    "INCLUDE (id, x, y, z, end_epoch, next_epoch, connection, flags, kind, days_mask, times_mask)"
)
# Autovacuum analyses a table after 10 % of its rows changed and vacuums it after 20 % were inserted: at 1M listings,
# 100,000 imported listings searched with the old plan sizes and new pages read for every index-only scan (a first
# search with "club": 12.1 ms, 3.9 after ANALYZE, 1.7 after VACUUM). The index is kept current from 1 % (0018).
AUTOVACUUM_POSTGRES = (
    "ALTER TABLE listing_geo SET (autovacuum_analyze_scale_factor = 0.01, autovacuum_vacuum_scale_factor = 0.01, "
    "autovacuum_vacuum_insert_scale_factor = 0.01)"
)
POSTGRES_DDL = (
    """CREATE TABLE IF NOT EXISTS listing_geo (
        id bigint PRIMARY KEY, lat_band integer NOT NULL, lon float8 NOT NULL, lat float8, x float8, y float8, z float8,
        kind text NOT NULL, flags integer NOT NULL, days_mask integer NOT NULL, times_mask integer NOT NULL,
        next_epoch float8, end_epoch float8, connection float8 NOT NULL, tags text NOT NULL,
        title_norm text NOT NULL, tsv tsvector NOT NULL)""",
    AUTOVACUUM_POSTGRES,
    BAND_LON_POSTGRES,
    "CREATE INDEX IF NOT EXISTS listing_geo_tsv ON listing_geo USING gin (tsv)",
    "CREATE INDEX IF NOT EXISTS listing_geo_online_tsv ON listing_geo USING gin (tsv) "
    f"WHERE lat_band = {NO_PLACE_BAND}",
    ONLINE_RANK_POSTGRES,
    ONLINE_SOON_POSTGRES,
    *ONLINE_FAILING_POSTGRES,
    "CREATE TABLE IF NOT EXISTS search_meta (id integer PRIMARY KEY, generation bigint NOT NULL)",
    "INSERT INTO search_meta (id, generation) VALUES (1, 0) ON CONFLICT DO NOTHING",
    *PLACELESS_COUNT_POSTGRES,
    *ONLINE_LEXEMES_POSTGRES,
)


def create_objects(connection: Connection) -> None:
    """Create the index tables for this connection's dialect (idempotent)."""
    for statement in POSTGRES_DDL if connection.dialect.name == "postgresql" else SQLITE_DDL:
        connection.execute(text(statement))


def drop_objects(connection: Connection) -> None:
    names = ("search_meta", "listing_geo") + (
        ("listing_geo_online_lexemes",)
        if connection.dialect.name == "postgresql"
        else ("listing_geo_online", *FTS_TABLES)
    )
    for name in names:
        connection.execute(text(f"DROP TABLE IF EXISTS {name}"))
    if connection.dialect.name == "postgresql":  # its triggers went with listing_geo
        connection.execute(text("DROP FUNCTION IF EXISTS listing_geo_count_placeless()"))
        connection.execute(text("DROP FUNCTION IF EXISTS listing_geo_count_lexemes()"))


def clear(connection: Connection) -> None:
    """Empty the index tables (tests)."""
    bump(connection)
    connection.execute(text("DELETE FROM listing_geo"))
    if connection.dialect.name != "postgresql":
        for table in ("listing_geo_online", *FTS_TABLES):
            connection.execute(text(f"DELETE FROM {table}"))  # noqa: S608 -- fixed names


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
