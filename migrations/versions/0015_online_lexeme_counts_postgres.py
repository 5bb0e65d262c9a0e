"""search index: listing_geo_online_lexemes on PostgreSQL, how many placeless rows hold each lexeme, kept by triggers

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 06:00:00

PostgreSQL only. The online branch of a first search with one word counted the word's placeless matches from the text
index, which visits each match in the table (a bitmap heap scan: "club" matches 21,000 of the 40,000 placeless rows at
1M listings, ~6 ms); it now reads the word's row of this table (finder/search/sql_online_tsv.py). Statement triggers
keep it in the writing transaction, as 0012's keep the placeless count; the last statement counts the rows already
there, once, after the triggers exist (creating them locks out writers until the migration's transaction ends).
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


# As finder.index.schema makes them today, written out so that this revision keeps meaning what it meant.
POSTGRES = (
    "CREATE TABLE IF NOT EXISTS listing_geo_online_lexemes (lexeme text PRIMARY KEY, rows bigint NOT NULL)",
    """CREATE OR REPLACE FUNCTION listing_geo_count_lexemes() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        added_rows text := 'SELECT unnest(tsvector_to_array(tsv)) AS lexeme, 1 AS change FROM added '
            'WHERE lat_band = -10000';
        removed_rows text := 'SELECT unnest(tsvector_to_array(tsv)) AS lexeme, -1 AS change FROM removed '
            'WHERE lat_band = -10000';
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
    END $$""",
    "CREATE OR REPLACE TRIGGER listing_geo_words_insert AFTER INSERT ON listing_geo "
    "REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION listing_geo_count_lexemes()",
    "CREATE OR REPLACE TRIGGER listing_geo_words_delete AFTER DELETE ON listing_geo "
    "REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION listing_geo_count_lexemes()",
    "CREATE OR REPLACE TRIGGER listing_geo_words_update AFTER UPDATE ON listing_geo "
    "REFERENCING OLD TABLE AS removed NEW TABLE AS added FOR EACH STATEMENT "
    "EXECUTE FUNCTION listing_geo_count_lexemes()",
    "CREATE OR REPLACE TRIGGER listing_geo_words_truncate AFTER TRUNCATE ON listing_geo "
    "FOR EACH STATEMENT EXECUTE FUNCTION listing_geo_count_lexemes()",
    "INSERT INTO listing_geo_online_lexemes (lexeme, rows) "
    "SELECT lexeme, count(*) FROM listing_geo, unnest(tsvector_to_array(tsv)) AS lexeme "
    "WHERE lat_band = -10000 AND NOT EXISTS (SELECT 1 FROM listing_geo_online_lexemes) GROUP BY lexeme",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for event in ("insert", "delete", "update", "truncate"):
            op.execute(f"DROP TRIGGER IF EXISTS listing_geo_words_{event} ON listing_geo")
        op.execute("DROP FUNCTION IF EXISTS listing_geo_count_lexemes()")
        op.execute("DROP TABLE IF EXISTS listing_geo_online_lexemes")
