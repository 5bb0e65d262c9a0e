"""Repair every schema an earlier `main` produced, by inspection, so it equals today's.

Migration 0001 was regenerated after databases had been built from it: a database made at 5819ee0
lacks 13 tables (administrators, alerts, claims, reports ... added by a184fae); one made before
1452047 lacks `listings.merge_group`, before e435dfc `listings.exdates`; the listings and occurrences
indexes changed on the way (1452047, ed929e8); and before b7b93ab the search index had no separate
text table (SQLite) / partial GIN index (PostgreSQL) for online listings. Each of those databases
reports revision 0002 or 0003 all the same. This revision looks at what is there and adds (or drops)
only what differs, so it is a no-op on a database built from today's files and safe to re-run.

When anything was repaired, the search index is emptied (its rows may have the older layout, e.g.
online listings' text in the wrong table); `finder db upgrade` refills an empty index from the listings.

The table definitions below are copies of 0001's as of 0003, frozen here: later model changes come in
their own revisions.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 09:00:00
"""

import logging

import sqlalchemy as sa
from alembic import op

import finder.models.base

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

MERGE_PREFIX = 4  # finder.identity.MERGE_PREFIX when merge_group was introduced
# Indexes of today's schema: name -> (table, columns); and indexes that earlier schemas had and today's has not.
WANTED_INDEXES = {
    "ix_listings_first_seen": ("listings", ["first_seen"]),
    "ix_listings_merge": ("listings", ["merge_group", "start", "match_title"]),
}
OBSOLETE_INDEXES = {
    "ix_listings_match": "listings",
    "ix_listings_liveness_next": "listings",
    "ix_listings_start": "listings",
    "ix_occurrences_start": "occurrences",
}


def upgrade() -> None:
    bind = op.get_bind()
    repaired = []
    tables = set(sa.inspect(bind).get_table_names())
    for name, create in MISSING_TABLES.items():
        if name not in tables:
            create()
            repaired.append(f"table {name}")
    repaired += _listing_columns(bind)
    repaired += _indexes(bind)
    repaired += _search_index_objects(bind)
    if repaired:
        _empty_search_index(bind)
        log.info("0004 repaired an earlier schema: %s; search index emptied for a rebuild", ", ".join(repaired))


def downgrade() -> None:
    """Nothing to undo: what this revision adds belongs to revisions 0001-0003."""


def _listing_columns(bind) -> list[str]:
    columns = {c["name"] for c in sa.inspect(bind).get_columns("listings")}
    done = []
    if "merge_group" not in columns:
        op.add_column("listings", sa.Column("merge_group", sa.String(length=20), nullable=False, server_default=""))
        op.execute(
            "UPDATE listings SET merge_group = CASE WHEN first_day = '' OR match_title = '' THEN '' "
            f"ELSE first_day || '|' || substr(match_title, 1, {MERGE_PREFIX}) END"
        )
        done.append("listings.merge_group")
    if "exdates" not in columns:
        op.add_column("listings", sa.Column("exdates", sa.JSON(), nullable=False, server_default="[]"))
        done.append("listings.exdates")
    if bind.dialect.name == "postgresql":  # today's columns have no server default (SQLite cannot drop one in place)
        for name in ("merge_group", "exdates"):
            if f"listings.{name}" in done:
                op.alter_column("listings", name, server_default=None)
    return done


def _indexes(bind) -> list[str]:
    inspector = sa.inspect(bind)
    present = {}
    for table in {t for t, _ in WANTED_INDEXES.values()} | set(OBSOLETE_INDEXES.values()):
        for index in inspector.get_indexes(table):
            present[index["name"]] = index["column_names"]
    done = []
    for name, table in OBSOLETE_INDEXES.items():
        if name in present:
            op.drop_index(name, table_name=table)
            done.append(f"dropped {name}")
    for name, (table, columns) in WANTED_INDEXES.items():
        if present.get(name) == columns:
            continue
        if name in present:
            op.drop_index(name, table_name=table)
        op.create_index(name, table, columns, unique=False)
        done.append(f"index {name}")
    return done


def _search_index_objects(bind) -> list[str]:
    """The online listings' own text table (SQLite) / partial GIN index (PostgreSQL), as 0002 makes today."""
    if bind.dialect.name == "postgresql":
        if "listing_geo_online_tsv" in {i["name"] for i in sa.inspect(bind).get_indexes("listing_geo")}:
            return []
        op.execute("CREATE INDEX IF NOT EXISTS listing_geo_online_tsv ON listing_geo USING gin (tsv) "
                   "WHERE lat_band = -10000")  # finder.index.rows.NO_PLACE_BAND
        return ["index listing_geo_online_tsv"]
    if "listing_fts_online" in set(sa.inspect(bind).get_table_names()):
        return []
    op.execute("CREATE VIRTUAL TABLE IF NOT EXISTS listing_fts_online USING fts5("
               "title, body, tags, cell, tokenize = 'porter unicode61 remove_diacritics 2')")
    return ["table listing_fts_online"]


def _empty_search_index(bind) -> None:
    tables = ["listing_geo"] + (["listing_fts", "listing_fts_online"] if bind.dialect.name == "sqlite" else [])
    for table in tables:
        op.execute(f"DELETE FROM {table}")  # noqa: S608 (fixed names)


# The 13 tables a184fae added to 0001 (in foreign-key order), as 0001 creates them today.
def _create_admin_actions() -> None:
    op.create_table('admin_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('target_type', sa.String(length=40), nullable=False),
    sa.Column('target_id', sa.String(length=200), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('created_at', finder.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_actions'))
    )
    with op.batch_alter_table('admin_actions', schema=None) as batch_op:
        batch_op.create_index('ix_admin_actions_created', ['created_at'], unique=False)


def _create_admin_users() -> None:
    op.create_table('admin_users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=False),
    sa.Column('created_at', finder.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', finder.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_users')),
    sa.UniqueConstraint('username', name=op.f('uq_admin_users_username'))
    )


def _create_alerts() -> None:
    op.create_table('alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('query', sa.JSON(), nullable=False),
    sa.Column('frequency', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('paused_until', finder.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('bounces', sa.Integer(), nullable=False),
    sa.Column('created_at', finder.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', finder.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('unsubscribed_at', finder.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_digest_at', finder.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts'))
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index('ix_alerts_email', ['email'], unique=False)
        batch_op.create_index('ix_alerts_status_frequency', ['status', 'frequency'], unique=False)


def _create_geocode_cache() -> None:
    op.create_table('geocode_cache',
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('provider', sa.String(length=40), nullable=False),
    sa.Column('query', sa.Text(), nullable=False),
    sa.Column('found', sa.Boolean(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('precision', sa.String(length=20), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('fetched_at', finder.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', finder.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_geocode_cache'))
    )
    with op.batch_alter_table('geocode_cache', schema=None) as batch_op:
        batch_op.create_index('ix_geocode_cache_expires_at', ['expires_at'], unique=False)


def _create_geocode_rate() -> None:
    op.create_table('geocode_rate',
    sa.Column('provider', sa.String(length=40), nullable=False),
    sa.Column('next_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('provider', name=op.f('pk_geocode_rate'))
    )


def _create_job_runs() -> None:
    op.create_table('job_runs',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('owner', sa.String(length=200), nullable=False),
    sa.Column('last_started', finder.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_finished', finder.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lease_until', finder.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_status', sa.String(length=20), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('runs', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_job_runs'))
    )


def _create_source_suggestions() -> None:
    op.create_table('source_suggestions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('adapter', sa.String(length=40), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('preview', sa.JSON(), nullable=False),
    sa.Column('items', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('created_at', finder.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', finder.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_source_suggestions'))
    )
    with op.batch_alter_table('source_suggestions', schema=None) as batch_op:
        batch_op.create_index('ix_source_suggestions_status', ['status', 'created_at'], unique=False)


def _create_digests() -> None:
    op.create_table('digests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=True),
    sa.Column('period', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('recipient', sa.String(length=320), nullable=False),
    sa.Column('message_id', sa.String(length=200), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', finder.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('created_at', finder.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', finder.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f('fk_digests_alert_id_alerts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digests')),
    sa.UniqueConstraint('alert_id', 'period', name='uq_digests_alert_period'),
    sa.UniqueConstraint('message_id', name=op.f('uq_digests_message_id'))
    )
    with op.batch_alter_table('digests', schema=None) as batch_op:
        batch_op.create_index('ix_digests_status_next', ['status', 'next_attempt_at'], unique=False)


def _create_alert_sent() -> None:
    op.create_table('alert_sent',
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', finder.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f('fk_alert_sent_alert_id_alerts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_alert_sent_listing_id_listings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('alert_id', 'listing_id', name=op.f('pk_alert_sent'))
    )


def _create_claims() -> None:
    op.create_table('claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', finder.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('verified_at', finder.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_claims_listing_id_listings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_claims_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claims'))
    )
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.create_index('ix_claims_status', ['status', 'created_at'], unique=False)


def _create_listing_reports() -> None:
    op.create_table('listing_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', finder.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', finder.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_listing_reports_listing_id_listings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_listing_reports'))
    )
    with op.batch_alter_table('listing_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listing_reports_listing_id'), ['listing_id'], unique=False)
        batch_op.create_index('ix_listing_reports_status', ['status', 'created_at'], unique=False)


def _create_suppressions() -> None:
    op.create_table('suppressions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=True),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('match_title', sa.String(length=300), nullable=False),
    sa.Column('first_day', sa.String(length=10), nullable=False),
    sa.Column('organization_key', sa.String(length=300), nullable=False),
    sa.Column('created_at', finder.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_suppressions_listing_id_listings'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suppressions'))
    )


def _create_listing_overrides() -> None:
    op.create_table('listing_overrides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=True),
    sa.Column('created_at', finder.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_listing_overrides_claim_id_claims'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_listing_overrides_listing_id_listings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_listing_overrides')),
    sa.UniqueConstraint('listing_id', 'field', name='uq_listing_overrides_listing_field')
    )
    with op.batch_alter_table('listing_overrides', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listing_overrides_listing_id'), ['listing_id'], unique=False)


MISSING_TABLES = {
    "admin_actions": _create_admin_actions,
    "admin_users": _create_admin_users,
    "alerts": _create_alerts,
    "geocode_cache": _create_geocode_cache,
    "geocode_rate": _create_geocode_rate,
    "job_runs": _create_job_runs,
    "source_suggestions": _create_source_suggestions,
    "digests": _create_digests,
    "alert_sent": _create_alert_sent,
    "claims": _create_claims,
    "listing_reports": _create_listing_reports,
    "suppressions": _create_suppressions,
    "listing_overrides": _create_listing_overrides,
}
