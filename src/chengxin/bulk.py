"""Fast bulk inserts for ingestion: COPY on PostgreSQL, executemany on SQLite.

Values go through each column type's own bind processor, so what lands in the table is exactly
what the ORM would have written; only the per-row statement overhead is skipped. New rows go
straight into their table: ingestion has already sorted out which rows are new, and a racing
writer's duplicate fails the unique keys and makes the whole batch retry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

import psycopg
from sqlalchemy import Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session


def bulk_insert(
    session: Session, model: type[DeclarativeBase], rows: Sequence[Mapping[str, Any]]
) -> None:
    """Insert `rows`, dicts with the same keys (column names), in the session's transaction."""
    if not rows:
        return
    table = cast("Table", model.__table__)
    connection = session.connection()
    dialect = connection.dialect
    columns = [c for c in table.columns if c.name in rows[0]]
    names = [c.name for c in columns]
    processors: list[Callable[[Any], Any] | None] = [
        c.type._cached_bind_processor(dialect) for c in columns
    ]
    # Column by column: `map` runs each processor at C speed over a whole column.
    values = []
    for name, process in zip(names, processors, strict=True):
        column = [r[name] for r in rows]
        values.append(column if process is None else list(map(process, column)))
    converted = list(zip(*values, strict=True))
    raw = connection.connection.dbapi_connection
    quoted = ", ".join(dialect.identifier_preparer.quote(n) for n in names)
    statement = f"bulk insert into {table.name}"
    try:
        if dialect.name == "postgresql":
            pg = cast("psycopg.Connection[Any]", raw)
            copy_sql = f"COPY {table.name} ({quoted}) FROM STDIN"
            with pg.cursor() as cursor, cursor.copy(copy_sql) as copy:
                for row in converted:
                    copy.write_row(row)
            return
        marks = ", ".join("?" for _ in names)
        cursor = cast("Any", raw).cursor()
        try:
            cursor.executemany(f"INSERT INTO {table.name} ({quoted}) VALUES ({marks})", converted)  # noqa: S608
        finally:
            cursor.close()
    except dialect.loaded_dbapi.Error as exc:
        # Raise what SQLAlchemy would have raised (IntegrityError, OperationalError …), so that
        # callers handle a raw-cursor failure like any other, e.g. retry a batch on a unique key.
        raise DBAPIError.instance(statement, None, exc, dialect.loaded_dbapi.Error) from exc
