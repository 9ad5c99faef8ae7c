"""A full disk for SQLite, without root or a special file system: a connection set up by
`no_room` may not grow the database file by a single page (SQLite's own limit, PRAGMA
max_page_count), so the first write that needs a new page fails with SQLite's SQLITE_FULL,
"database or disk is full" — the very error a full file system gives.

`python -m tests.faults.full_disk ARGS…` is `chengxin ARGS…` with every connection so set up."""

from __future__ import annotations

import sys
from typing import Any

from sqlalchemy import event
from sqlalchemy.pool import Pool


def no_room(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    pages = int(cursor.execute("PRAGMA page_count").fetchone()[0])
    cursor.execute(f"PRAGMA max_page_count = {pages}")
    cursor.close()


if __name__ == "__main__":
    from chengxin.cli import main

    event.listen(Pool, "connect", no_room)
    sys.exit(main())
