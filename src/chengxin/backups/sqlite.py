"""SQLite: the online copy (the standard library's backup API) and putting a restored file in
place of the node's database (a file beside it, renamed over it)."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Connection, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from chengxin.backups import inventory
from chengxin.backups.archive import StorageFailed
from chengxin.errors import ConfigError, InvalidInput

BUSY_MS = 10_000


def database_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise ConfigError("must name a SQLite file for a backup or a restore",
                          field="CHENGXIN_DATABASE_URL", rule="sqlite-file")  # fmt: skip
    return Path(database)


@contextlib.contextmanager
def connect(path: Path) -> Iterator[Connection]:
    """A SQLAlchemy connection to the SQLite file `path`, without the node's pragmas (no WAL
    switch): for reading a copy or a target; closed, with its pool, at the end."""
    engine = create_engine(f"sqlite:///{path}", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def copy_online(source: Path, copy: Path) -> None:
    """A consistent copy of the live database: one backup step holds one read transaction, so
    writers go on (WAL) and the copy is the database as of one moment. The copy leaves WAL mode:
    it is one self-contained file."""
    if not source.is_file():
        raise InvalidInput(f"there is no database at {source}: nothing to back up",
                           field="CHENGXIN_DATABASE_URL", rule="exists")  # fmt: skip
    src = sqlite3.connect(source, timeout=BUSY_MS / 1000)
    try:
        dst = sqlite3.connect(copy)
        try:
            src.backup(dst)  # pages=-1: the whole database in one step, one snapshot
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    except sqlite3.Error as exc:  # a full disk, a database that is not one
        raise StorageFailed(f"the copy of {source} failed ({exc})", field="database",
                            rule="copy") from None  # fmt: skip
    finally:
        src.close()


def data_tables(path: Path) -> list[str]:
    """The target's tables holding data; a file that is not a SQLite database counts as data."""
    if not path.exists():
        return []
    try:
        with connect(path) as connection:
            return inventory.data_tables(connection)
    except Exception as exc:  # noqa: BLE001  (whatever it is, it is not an empty chengxin database)
        return [f"{path.name}, which cannot be read as a chengxin database ({type(exc).__name__})"]


def release(target: Path) -> None:
    """Make sure no one has the target open, and fold its write-ahead log into it, so that no
    stale -wal file is ever applied to the file renamed over it."""
    try:
        connection = sqlite3.connect(target, timeout=0)
        try:
            connection.execute("PRAGMA journal_mode=DELETE")
        finally:
            connection.close()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise InvalidInput(
                f"{target} is in use: stop `chengxin serve` and every other chengxin process of "
                "this node before restoring", field="database", rule="in-use",
            ) from None  # fmt: skip
        # Not a database we can open: it is replaced whole (the caller was told --replace).
    except sqlite3.DatabaseError:
        pass  # not a database at all: likewise
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)


def install(restored: Path, target: Path) -> None:
    """Rename the checked, restored file over the node's database, atomically."""
    if target.exists():
        release(target)
    else:
        for suffix in ("-wal", "-shm", "-journal"):  # left by a database no longer there
            Path(f"{target}{suffix}").unlink(missing_ok=True)
    restored.replace(target)
    with contextlib.suppress(OSError):
        fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
