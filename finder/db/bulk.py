"""The importer's bulk write path: many new rows straight to the driver (`executemany` on SQLite,
`COPY` on PostgreSQL).

Values pass through their column type's bind processor, so what is stored is exactly what the ORM
would store; what is skipped is SQLAlchemy's per-row parameter bookkeeping, which costs more than the
insert itself at thousands of rows a second. Ids are reserved up front instead of read back.
"""

from __future__ import annotations

from operator import itemgetter

from sqlalchemy import Connection, Table, func, select

_STATEMENTS: dict[tuple, tuple[str, list]] = {}
COLUMN_TYPES = """SELECT attname, atttypid::int FROM pg_attribute
    WHERE attrelid = %(table)s::regclass AND attnum > 0 AND NOT attisdropped"""
# The sequence looked up once (OFFSET 0 keeps the subquery from being pulled up into the per-row call): as
# nextval(pg_get_serial_sequence(...)) it was looked up and parsed for every id, 3.7 of 4 ms for 1,000 ids.
POSTGRES_RESERVE = """SELECT nextval(s.seq)
    FROM (SELECT pg_get_serial_sequence(%(table)s, 'id')::regclass AS seq OFFSET 0) AS s,
        generate_series(1, %(count)s)"""


def reserve_ids(connection: Connection, table: Table, count: int) -> list[int]:
    """`count` unused primary keys of `table`, for rows the caller inserts in this transaction.

    PostgreSQL takes them from the table's sequence. SQLite (one writer at a time) continues after the
    largest id: the caller must already hold the write lock, i.e. have written in this transaction.
    """
    if count <= 0:
        return []
    if connection.dialect.name == "postgresql":
        rows = connection.exec_driver_sql(POSTGRES_RESERVE, {"table": table.name, "count": count})
        return [int(value) for (value,) in rows]
    largest = connection.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
    return list(range(largest + 1, largest + 1 + count))


def insert_rows(connection: Connection, table: Table, rows: list, names: tuple[str, ...] | None = None) -> None:
    """Insert `rows` in one executemany: dicts with the same keys (column names of `table`), or tuples
    of the columns `names`. Columns the rows leave out get their Python-side default (evaluated once
    for the whole batch)."""
    if not rows:
        return
    if names is None:
        names = tuple(rows[0])
        columns = [list(map(itemgetter(name), rows)) for name in names]
    else:
        columns = [list(column) for column in zip(*rows, strict=True)]
    defaults = _defaults(table, names)
    sql, processors = _statement(connection, table, names + tuple(defaults))
    columns += [[value] * len(rows) for value in defaults.values()]
    for i, process in enumerate(processors):  # column by column: no per-row Python loop
        if process is not None:
            columns[i] = _processed(process, columns[i])
    if connection.dialect.name == "postgresql":  # COPY: one stream instead of a statement per row
        copy_rows(connection, sql, table.name, names + tuple(defaults), zip(*columns, strict=True))
    else:
        connection.exec_driver_sql(sql, list(zip(*columns, strict=True)))


def _processed(process, values: list) -> list:
    """`values` through their bind processor; a column holding one value throughout (a batch's `now`, a flag no
    row sets) is processed once, as a processor gives the same value the same result."""
    first = values[0]
    if all(value is first for value in values):
        return [process(first)] * len(values)
    return list(map(process, values))


def copy_rows(connection: Connection, sql: str, table_name: str, names: tuple[str, ...], rows) -> None:
    """PostgreSQL: `rows` (tuples of the columns `names` of `table_name`) written by the binary COPY `sql`.

    Why binary: psycopg writes a row's values in C once it knows the columns' types, where as text it chose a
    dumper for every datetime and float in Python (~1.5 us a datetime: a new listing with its occurrences holds
    about twenty). The types are the table's own, read from the database once per connection."""
    types = _column_types(connection, table_name, names)
    cursor = connection.connection.dbapi_connection.cursor()
    with cursor, cursor.copy(sql) as copy:
        copy.set_types(types)
        for row in rows:
            copy.write_row(row)


def _column_types(connection: Connection, table_name: str, names: tuple[str, ...]) -> list[int]:
    known = connection.info.setdefault("copy_types", {})
    if table_name not in known:  # the table as the search path finds it (a temporary one first)
        rows = connection.exec_driver_sql(COLUMN_TYPES, {"table": table_name}).fetchall()
        known[table_name] = dict(rows)
    return [known[table_name][name] for name in names]


def _defaults(table: Table, names: tuple[str, ...]) -> dict:
    """The Python-side defaults of the columns not in `names` (autoincrementing keys left to the database)."""
    found = {}
    for column in table.columns:
        if column.name in names or column.default is None or column is table.autoincrement_column:
            continue
        default = column.default
        if not (default.is_scalar or default.is_callable):
            raise ValueError(f"{table.name}.{column.name}: only Python-side defaults are supported here")
        found[column.name] = default.arg(None) if default.is_callable else default.arg
    return found


def _statement(connection: Connection, table: Table, names: tuple[str, ...]) -> tuple[str, list]:
    dialect = connection.dialect
    key = (dialect.name, table.name, names)
    if key not in _STATEMENTS:
        quote = dialect.identifier_preparer.quote
        columns = ", ".join(quote(n) for n in names)
        if dialect.name == "postgresql":
            sql = f"COPY {quote(table.name)} ({columns}) FROM STDIN (FORMAT BINARY)"
        else:
            markers = ", ".join(["?"] * len(names))
            sql = f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({markers})"  # noqa: S608 (names from the metadata)
        types = [table.c[name].type for name in names]
        _STATEMENTS[key] = (sql, [kind.dialect_impl(dialect).bind_processor(dialect) for kind in types])
    return _STATEMENTS[key]
