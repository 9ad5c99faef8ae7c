"""What a database holds, read the same way on SQLite and PostgreSQL: its tables and their rows,
its schema revision, the ledger's size and root, and whether it holds any data at all."""

from __future__ import annotations

from dataclasses import dataclass

from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect, text
from sqlalchemy.orm import Session

from chengxin.backups.manifest import TABLE_NAME
from chengxin.errors import InvalidInput
from chengxin.ledger import merkle
from chengxin.ledger.service import fetch_nodes, size

# The rows a freshly migrated database has: the schema's revision and the empty ledger's head.
SEEDED = frozenset({"alembic_version", "ledger_head"})


@dataclass(frozen=True)
class Inventory:
    revision: str
    tables: dict[str, int]
    ledger_size: int
    ledger_root: str


def _quoted(connection: Connection, table: str) -> str:
    return connection.dialect.identifier_preparer.quote(table)


def tables(connection: Connection) -> list[str]:
    """The database's tables (PostgreSQL: of the schema on the search path, `public`)."""
    return sorted(inspect(connection).get_table_names())


def count_rows(connection: Connection) -> dict[str, int]:
    counts = {}
    for table in tables(connection):
        query = text(f"SELECT count(*) FROM {_quoted(connection, table)}")  # noqa: S608  (a table name from the catalog, quoted)
        counts[table] = int(connection.execute(query).scalar_one())
    return counts


def revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def take_inventory(connection: Connection) -> Inventory:
    """Everything the manifest says of a database, read in the connection's transaction (one
    snapshot: the caller's SQLite copy, or PostgreSQL's exported snapshot)."""
    current = revision(connection)
    if current is None:
        raise InvalidInput("has no chengxin schema: nothing to back up (run `chengxin db upgrade`)",
                           field="database", rule="schema")  # fmt: skip
    counts = count_rows(connection)
    for table in counts:
        if not TABLE_NAME.fullmatch(table):
            raise InvalidInput(
                f"holds table {table[:70]!r}, not one of chengxin's (lower-case letters, digits "
                "and _): move it out of this database before backing it up",
                field="database", rule="table-name",
            )  # fmt: skip
    entries, root = ledger_root(connection)
    return Inventory(current, counts, entries, root)


def ledger_root(connection: Connection) -> tuple[int, str]:
    """The ledger's size and root hash (hex) as the stored tree gives them."""
    session = Session(bind=connection)
    entries = size(session)
    return entries, merkle.root_hash(entries, lambda needed: fetch_nodes(session, needed)).hex()


def data_tables(connection: Connection) -> list[str]:
    """The tables holding data: any row beyond what the migrations write, or a ledger entry.
    Empty for a new database (no tables) and for a freshly migrated one."""
    found = []
    for table in tables(connection):
        if table in SEEDED:
            continue
        query = text(f"SELECT 1 FROM {_quoted(connection, table)} LIMIT 1")  # noqa: S608  (as above)
        if connection.execute(query).first() is not None:
            found.append(table)
    if "ledger_head" in tables(connection):
        head = connection.execute(text("SELECT max(size) FROM ledger_head")).scalar()
        if head:
            found.append("ledger_head")
    return found


def refuse_non_empty(found: list[str], where: str) -> InvalidInput:
    shown = ", ".join(found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5 else "")
    return InvalidInput(
        f"{where} already holds data (in {shown}); restoring replaces all of it: take a backup "
        "of it first if it matters, then give --replace",
        field="--replace", rule="empty-target",
    )  # fmt: skip
