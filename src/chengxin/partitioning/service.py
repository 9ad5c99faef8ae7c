"""`partition_tables`: hash-partition the per-person tables of an empty PostgreSQL node by subject
key, in one transaction (PostgreSQL's DDL is transactional: it happens whole or not at all).
`partition_state` tells how a database's per-person tables are laid out."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from chengxin import migrate
from chengxin.db import database_trouble
from chengxin.errors import Conflict, InvalidInput
from chengxin.partitioning.plan import (
    PER_PERSON,
    ForeignKeyFact,
    IndexFact,
    TableFacts,
    check_partitions,
    plan_partitioning,
)


@dataclass(frozen=True)
class PartitionReport:
    tables: tuple[str, ...]
    partitions: int
    dropped: tuple[ForeignKeyFact, ...]


_INDEXES = text("""
SELECT i.relname, ix.indisunique, c.contype, pg_get_indexdef(ix.indexrelid),
       ARRAY(SELECT a.attname FROM unnest(ix.indkey) WITH ORDINALITY AS k(attnum, n)
             JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum
             ORDER BY k.n)::text[] AS columns,
       ix.indnatts, ix.indexprs IS NOT NULL OR ix.indpred IS NOT NULL
FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid
LEFT JOIN pg_constraint c ON c.conindid = ix.indexrelid AND c.conrelid = ix.indrelid
WHERE ix.indrelid = CAST(:table AS regclass) ORDER BY i.relname
""")
_FOREIGN_KEYS = text("""
SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), confrelid::regclass::text
FROM pg_constraint WHERE contype = 'f' AND connamespace = current_schema()::regnamespace
ORDER BY 1, 2
""")


def partition_state(conn: Connection) -> dict[str, int]:
    """Each per-person table and its number of partitions (0: not partitioned)."""
    rows = conn.execute(text("""
        SELECT c.relname, count(i.inhrelid) FROM pg_class c
        LEFT JOIN pg_inherits i ON i.inhparent = c.oid
        WHERE c.relname = ANY(:names) AND c.relnamespace = current_schema()::regnamespace
        GROUP BY c.relname
    """), {"names": list(PER_PERSON)})  # fmt: skip
    return {name: int(count) for name, count in rows}


def _facts(conn: Connection, table: str, keys: list[ForeignKeyFact]) -> TableFacts:
    indexes = []
    for name, unique, contype, definition, columns, natts, partial in conn.execute(
        _INDEXES, {"table": table}
    ):
        if (unique and partial) or len(columns) != natts:
            # Not met in the shipped schema; a future migration adding one must extend the plan.
            raise Conflict(f"index {name} is unique and partial or has expressions",
                           field="schema", rule="partitionable")  # fmt: skip
        indexes.append(IndexFact(name, tuple(columns), definition, unique, contype))
    return TableFacts(table, tuple(indexes), tuple(k for k in keys if k.table == table))


def partition_tables(engine: Engine, partitions: int) -> PartitionReport:
    """Partition `records` and `record_versions` into `partitions` hash partitions each. Only on
    PostgreSQL, at the newest revision, before any record is stored, and only once."""
    check_partitions(partitions)
    if engine.dialect.name != "postgresql":
        raise InvalidInput("partitioning needs PostgreSQL; SQLite keeps one table",
                           field="database_url", rule="postgresql")  # fmt: skip
    if migrate.current_revision(engine) != migrate.head_revision(engine):
        raise Conflict("run `chengxin db upgrade` first", field="database", rule="migrated")
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL lock_timeout = '5s'"))
        if any(partition_state(conn).values()):
            raise Conflict("the per-person tables are already partitioned",
                           field="database", rule="once")  # fmt: skip
        for table in PER_PERSON:
            conn.execute(text(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))
            filled = text(f"SELECT EXISTS (SELECT 1 FROM {table})")  # noqa: S608  (our own names)
            if conn.execute(filled).scalar_one():
                raise Conflict(f"{table} holds rows: partition a new node before it stores "
                               f"records", field="database", rule="empty")  # fmt: skip
        keys = [ForeignKeyFact(*row) for row in conn.execute(_FOREIGN_KEYS)]
        tables = tuple(_facts(conn, table, keys) for table in PER_PERSON)
        others = tuple(k for k in keys if k.table not in PER_PERSON)
        plan = plan_partitioning(tables, others, partitions)
        for statement in plan.statements:
            try:
                conn.execute(text(statement))
            except DBAPIError as exc:  # e.g. a table of a partition's name exists already
                if database_trouble(exc) is not None:
                    raise
                cause = (str(exc.orig).strip().splitlines() or ["?"])[0][:200]
                raise Conflict(f"nothing was changed: {cause}", field="database",
                               rule="partitionable") from exc  # fmt: skip
    return PartitionReport(PER_PERSON, partitions, plan.dropped)
