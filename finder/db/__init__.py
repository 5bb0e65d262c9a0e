"""The database: engine and sessions, SQLite WAL upkeep, bulk writes, migrations."""
