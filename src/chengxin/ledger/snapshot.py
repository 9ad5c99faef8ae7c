"""A read-only session on one consistent snapshot of the database, for long reads such as
`chengxin ledger verify`: appends committed meanwhile are not seen half-way, and on SQLite the
reader does not hold the write lock for the whole run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool


@contextmanager
def read_snapshot(url: str) -> Iterator[Session]:
    """A read-only session on one consistent snapshot of the database at `url`.

    PostgreSQL: a REPEATABLE READ, READ ONLY transaction. SQLite: a deferred transaction (a WAL
    read snapshot) on a connection of its own. The usual engine begins every transaction with
    BEGIN IMMEDIATE, which would keep writers waiting for as long as the verification runs."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, poolclass=NullPool)
        event.listen(engine, "connect", _sqlite_reader)
        event.listen(engine, "begin", _sqlite_deferred_begin)
    else:
        engine = create_engine(parsed, poolclass=NullPool).execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True
        )
    try:
        with Session(engine) as session, session.begin():
            yield session
    finally:
        engine.dispose()


def _sqlite_reader(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy's begin event issues the BEGIN
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def _sqlite_deferred_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN")
