"""Shared fixtures: real key rings, real SQLite files and the real PostgreSQL server."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from chengxin import migrate
from chengxin.db import make_engine
from chengxin.keys import KeyRing, new_key_ring

pytest_plugins = ["tests.platform"]  # the whole-node fixtures `node` and `sqlite_node`

NOW = dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)
PG_ADMIN_URL = os.environ.get(
    "CHENGXIN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture
def now() -> dt.datetime:
    return NOW


@pytest.fixture
def keys() -> KeyRing:
    return new_key_ring(NOW)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating once keeps the suite fast)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()  # closing the last connection checkpoints the WAL into the file
    return path


_pg_templates: list[str] = []  # databases this process made to copy from; dropped at its end


def _admin() -> Engine:
    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")


def pg_url_of(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def create_pg_database(name: str, template: str | None = None) -> str:
    """Create database `name` (a copy of `template`, which nobody may be connected to)."""
    admin = _admin()
    with admin.connect() as conn:
        copy = f' TEMPLATE "{template}"' if template else ""
        conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    admin.dispose()
    return pg_url_of(name)


def drop_pg_database(name: str) -> None:
    admin = _admin()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


_OURS = re.compile(r"chengxin_(?:test|migrated|node)_(\d+)_[0-9a-f]{8}")


def pg_database_name(kind: str) -> str:
    """A new name for a test database of `kind`; it holds the creating process's id, so that a
    later run can tell a database left by a killed run from one a running process still uses."""
    return f"chengxin_{kind}_{os.getpid()}_{uuid.uuid4().hex[:8]}"


def pytest_sessionstart(session: pytest.Session) -> None:
    """Drop the test databases of processes that are gone (a run killed before its end)."""
    if hasattr(session.config, "workerinput"):  # the controlling process does it, once
        return
    admin = _admin()
    try:
        with admin.connect() as conn:
            names = list(conn.scalars(text("SELECT datname FROM pg_database")))
    except OperationalError:  # no PostgreSQL here: nothing of ours to drop
        return
    finally:
        admin.dispose()
    for name in names:
        found = _OURS.fullmatch(name)
        if found and not _alive(int(found.group(1))):
            drop_pg_database(name)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def pg_template(name: str) -> str:
    """Keep database `name` until this process's tests end (see pytest_sessionfinish)."""
    _pg_templates.append(name)
    return name


def migrated_template() -> str:
    """This process's migrated, empty database: copying it is much faster than migrating."""
    for name in _pg_templates:
        if name.startswith("chengxin_migrated_"):
            return name
    name = pg_template(pg_database_name("migrated"))
    engine = make_engine(create_pg_database(name))
    migrate.upgrade(engine)
    engine.dispose()  # a template must have no connections when it is copied
    return name


def pytest_sessionfinish() -> None:
    while _pg_templates:
        drop_pg_database(_pg_templates.pop())


@contextmanager
def fresh_pg_database(template: str | None = None) -> Iterator[str]:
    """A new, migrated PostgreSQL database on the local server (a copy of `template`, by default
    of this process's migrated empty database); dropped afterwards."""
    name = pg_database_name("test")
    url = create_pg_database(name, template or migrated_template())
    try:
        yield url
    finally:
        drop_pg_database(name)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """One migrated PostgreSQL database for the test session (tests roll back inside it)."""
    with fresh_pg_database() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def committing_sessions(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[sessionmaker[Session]]:
    """A session factory whose commits are real (for concurrency tests): a fresh SQLite file, or a
    fresh PostgreSQL database dropped after the test."""
    if request.param == "sqlite":
        path = tmp_path / "chengxin.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        engine = make_engine(f"sqlite:///{path}")
        yield sessionmaker(engine, expire_on_commit=False)
        engine.dispose()
        return
    with fresh_pg_database() as url:
        engine = make_engine(url)
        yield sessionmaker(engine, expire_on_commit=False)
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def sessions(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """A session factory on a real database: a fresh SQLite copy, or PostgreSQL inside one
    transaction rolled back after the test (commits inside become savepoints)."""
    if request.param == "sqlite":
        path = tmp_path / "chengxin.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        engine: Engine = make_engine(f"sqlite:///{path}")
        yield sessionmaker(engine, expire_on_commit=False)
        engine.dispose()
        return
    engine = make_engine(request.getfixturevalue("pg_url"))
    connection = engine.connect()
    outer = connection.begin()
    yield sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    outer.rollback()
    connection.close()
    engine.dispose()
