"""Database plumbing: the declarative base, engines for SQLite and PostgreSQL, transactions.

SQLite runs in WAL mode with foreign keys on; PostgreSQL goes through psycopg 3. The same models
serve both. Constraint names follow one convention so that Alembic migrations are stable.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, Enum, MetaData, TypeDecorator, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes on both databases (SQLite would otherwise hand back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self,
        value: dt.datetime | None,
        dialect: Any,  # noqa: ARG002  (SQLAlchemy's signature)
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(
        self,
        value: dt.datetime | None,
        dialect: Any,  # noqa: ARG002  (SQLAlchemy's signature)
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def str_enum(cls: type[StrEnum], name: str) -> Enum:
    """A StrEnum column stored as its values in a VARCHAR with a CHECK (portable, no PG ENUM)."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


def new_id() -> uuid.UUID:
    return uuid.uuid4()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # 64 MiB of page cache per connection (the default is 2 MiB): random-keyed index inserts of
    # a large batch otherwise read and write the same pages again and again.
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


_READS = "chengxin_reads"  # execution option of the engine behind read_session_factory


def _sqlite_begin(connection: Any) -> None:
    # BEGIN IMMEDIATE takes the write lock at the start, so two writers queue (busy_timeout)
    # instead of the later one failing with "database is locked" when it first writes after
    # reading an older snapshot. A read session begins deferred: in WAL mode it reads its
    # snapshot beside a writer, instead of queueing behind a long ingestion batch.
    reads = connection.get_execution_options().get(_READS, False)
    connection.exec_driver_sql("BEGIN" if reads else "BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite files get their folder created and the WAL pragmas."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


class DatabaseTrouble(StrEnum):
    """A database failure the operator, not the code, must deal with (docs/operations.md)."""

    STORAGE_FULL = "storage-full"  # nothing more can be written until space is freed
    UNAVAILABLE = "database-unavailable"  # unreachable, or cannot answer now: try again


_SQLITE_FULL = 13  # SQLITE_FULL: "database or disk is full" (also PRAGMA max_page_count)
_PG_DISK_FULL = "53100"  # SQLSTATE disk_full


def database_trouble(exc: BaseException) -> DatabaseTrouble | None:
    """Which operator-side failure `exc` is, or None (a bug or bad data: an internal error).
    OperationalError is the DB-API's class for failures outside the program's control: a lost
    or refused connection, a database that is locked, shut down or out of space."""
    if isinstance(exc, sa_exc.TimeoutError):  # no pooled connection became free in time
        return DatabaseTrouble.UNAVAILABLE
    if not isinstance(exc, sa_exc.DBAPIError):
        return None
    code = getattr(exc.orig, "sqlite_errorcode", None)
    if (isinstance(code, int) and code & 0xFF == _SQLITE_FULL) or (
        getattr(exc.orig, "sqlstate", None) == _PG_DISK_FULL
    ):
        return DatabaseTrouble.STORAGE_FULL
    if exc.connection_invalidated or isinstance(exc, sa_exc.OperationalError):
        return DatabaseTrouble.UNAVAILABLE
    return None


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for units of work that write (`with sessions() as s, s.begin(): ...`)."""
    return sessionmaker(engine, expire_on_commit=False)


def read_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that only read: they never wait for a writer's lock on SQLite, and PostgreSQL
    runs them READ ONLY, so a write slipped into one fails loudly instead of being lost when
    the session closes without a commit."""
    options: dict[str, Any] = {_READS: True}
    if engine.dialect.name == "postgresql":
        options["postgresql_readonly"] = True
    return sessionmaker(engine.execution_options(**options), expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back everything on any error."""
    with factory() as session, session.begin():
        yield session


def all_models_metadata() -> MetaData:
    """The metadata with every domain's tables imported (for Alembic and checks)."""
    # Imported here, not at the top: the model modules import this one.
    import chengxin.access.models  # noqa: PLC0415
    import chengxin.agencies.models  # noqa: PLC0415
    import chengxin.collection.models  # noqa: PLC0415
    import chengxin.commitments.models  # noqa: PLC0415
    import chengxin.consents.models  # noqa: PLC0415
    import chengxin.disputes.models  # noqa: PLC0415
    import chengxin.exchange.models  # noqa: PLC0415
    import chengxin.figures.models  # noqa: PLC0415
    import chengxin.identity.models  # noqa: PLC0415
    import chengxin.ledger.models  # noqa: PLC0415
    import chengxin.lists.models  # noqa: PLC0415
    import chengxin.measures.models  # noqa: PLC0415
    import chengxin.notifications.models  # noqa: PLC0415
    import chengxin.queries.models  # noqa: PLC0415
    import chengxin.records.models  # noqa: PLC0415
    import chengxin.reloads.models  # noqa: PLC0415
    import chengxin.reports.models  # noqa: PLC0415
    import chengxin.requesters.models  # noqa: PLC0415
    import chengxin.scoring.models  # noqa: PLC0415
    import chengxin.tipoffs.models  # noqa: PLC0415
    import chengxin.typicalcases.models  # noqa: F401, PLC0415

    return Base.metadata


def conflict_insert(session: Session, model: Any) -> postgresql.Insert | sqlite.Insert:
    """An `INSERT` into `model` in the session's dialect, which can say `ON CONFLICT` (both
    dialects can; SQLAlchemy's generic insert cannot)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)
