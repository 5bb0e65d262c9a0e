"""The database: engine and sessions, SQLite WAL upkeep, bulk writes, migrations.

Other areas import these names from the package itself; the modules load on first use."""

from finder.lazy import lazy_exports

__all__, __getattr__ = lazy_exports(
    __name__,
    {
        "bulk": ["copy_rows", "insert_rows", "reserve_ids"],
        "engine": ["ID_CHUNK", "chunked", "chunks_of", "make_engine", "make_sessionmaker", "one_of"],
        "migrate": ["upgrade"],
        "retry": ["with_retries"],
        "schema_check": ["current_revision", "schema_problems"],
        "upsert": ["insert_or_ignore"],
    },
)
