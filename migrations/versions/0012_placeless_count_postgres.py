"""search index: search_meta.placeless on PostgreSQL, the placeless rows of listing_geo, kept by statement triggers

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 01:30:00

PostgreSQL only. The online branch of a search without words counted every placeless row passing its filters (an
index-only scan of ~40,000 entries at 1M listings: ~5 ms of each first search of a filter set); with only the
default filters it now takes this count less the failing rows of the 0011 indexes (finder/search/sql_online.py).
The triggers keep the count in the writing transaction; the last statement counts the rows already there, once,
after the triggers exist (creating them locks out writers until the migration's transaction ends).
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


# As finder.index.schema makes them today, written out so that this revision keeps meaning what it meant.
POSTGRES = (
    "ALTER TABLE search_meta ADD COLUMN IF NOT EXISTS placeless bigint",
    """CREATE OR REPLACE FUNCTION listing_geo_count_placeless() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        change bigint := 0;
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            EXECUTE format('UPDATE %I.search_meta SET placeless = 0 WHERE id = 1', TG_TABLE_SCHEMA);
            RETURN NULL;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            SELECT change + count(*) INTO change FROM added WHERE lat_band = -10000;
        END IF;
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
            SELECT change - count(*) INTO change FROM removed WHERE lat_band = -10000;
        END IF;
        IF change <> 0 THEN
            EXECUTE format('UPDATE %I.search_meta SET placeless = placeless + $1 WHERE id = 1', TG_TABLE_SCHEMA)
                USING change;
        END IF;
        RETURN NULL;
    END $$""",
    "CREATE OR REPLACE TRIGGER listing_geo_placeless_insert AFTER INSERT ON listing_geo "
    "REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION listing_geo_count_placeless()",
    "CREATE OR REPLACE TRIGGER listing_geo_placeless_delete AFTER DELETE ON listing_geo "
    "REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION listing_geo_count_placeless()",
    "CREATE OR REPLACE TRIGGER listing_geo_placeless_update AFTER UPDATE ON listing_geo "
    "REFERENCING OLD TABLE AS removed NEW TABLE AS added FOR EACH STATEMENT "
    "EXECUTE FUNCTION listing_geo_count_placeless()",
    "CREATE OR REPLACE TRIGGER listing_geo_placeless_truncate AFTER TRUNCATE ON listing_geo "
    "FOR EACH STATEMENT EXECUTE FUNCTION listing_geo_count_placeless()",
    "UPDATE search_meta SET placeless = (SELECT count(*) FROM listing_geo WHERE lat_band = -10000) "
    "WHERE id = 1 AND placeless IS NULL",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for event in ("insert", "delete", "update", "truncate"):
            op.execute(f"DROP TRIGGER IF EXISTS listing_geo_placeless_{event} ON listing_geo")
        op.execute("DROP FUNCTION IF EXISTS listing_geo_count_placeless()")
        op.execute("ALTER TABLE search_meta DROP COLUMN IF EXISTS placeless")
