"""Hash partitioning of the per-person tables by subject key (PostgreSQL): the statements, from
facts read off the database's catalog. Pure: no database here, so the plan is tested alone.

PostgreSQL demands that every unique key of a partitioned table contain the partition key, and
that a foreign key point at such a key. So the primary key `(id)` becomes `(id, subject_id)`, a
unique key without `subject_id` gains it (the same rows stay unique: a record and all its
versions belong to one subject), and the foreign keys that other tables hold on these tables'
`id` are dropped — those tables do not carry the subject. The `subject_id` of the per-person
tables is the same distribution column Citus uses (docs/federation.md)."""

from __future__ import annotations

from dataclasses import dataclass

from chengxin.errors import InvalidInput

KEY = "subject_id"
# The tables that hold many rows per person and make up nearly all of a node's data.
PER_PERSON = ("records", "record_versions")
MIN_PARTITIONS = 2
MAX_PARTITIONS = 1024


@dataclass(frozen=True)
class IndexFact:
    name: str
    columns: tuple[str, ...]
    definition: str  # pg_get_indexdef: re-run as it is for a plain index
    unique: bool = False
    constraint: str | None = None  # "p" primary key, "u" unique constraint, None a bare index


@dataclass(frozen=True)
class ForeignKeyFact:
    table: str  # the table holding the key
    name: str
    definition: str  # pg_get_constraintdef: "FOREIGN KEY (x) REFERENCES y(id)"
    references: str  # the table it points at


@dataclass(frozen=True)
class TableFacts:
    name: str
    indexes: tuple[IndexFact, ...]
    foreign_keys: tuple[ForeignKeyFact, ...]  # held by this table


@dataclass(frozen=True)
class Plan:
    statements: tuple[str, ...]
    dropped: tuple[ForeignKeyFact, ...]  # keys on the partitioned tables that other tables held


def check_partitions(count: int) -> int:
    if not MIN_PARTITIONS <= count <= MAX_PARTITIONS:
        raise InvalidInput(
            f"must be between {MIN_PARTITIONS} and {MAX_PARTITIONS}",
            field="partitions",
            rule="range",
        )
    return count


def partition_name(table: str, remainder: int, count: int) -> str:
    return f"{table}_p{remainder:0{len(str(count - 1))}d}"


def _keyed(columns: tuple[str, ...]) -> str:
    full = columns if KEY in columns else (*columns, KEY)
    return ", ".join(full)


def _rebuild(table: TableFacts, count: int, keep: list[ForeignKeyFact]) -> list[str]:
    old = f"{table.name}__unpartitioned"
    out = [
        f"ALTER TABLE {table.name} RENAME TO {old}",
        # NOT NULL, defaults and CHECK constraints (named ck_…) come along; keys are rebuilt.
        f"CREATE TABLE {table.name} (LIKE {old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
        f"INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY HASH ({KEY})",
    ]
    out += [
        f"CREATE TABLE {partition_name(table.name, r, count)} PARTITION OF {table.name} "
        f"FOR VALUES WITH (MODULUS {count}, REMAINDER {r})"
        for r in range(count)
    ]
    out.append(f"DROP TABLE {old}")
    for index in table.indexes:
        if index.constraint == "p":
            out.append(f"ALTER TABLE {table.name} ADD CONSTRAINT {index.name} "
                       f"PRIMARY KEY ({_keyed(index.columns)})")  # fmt: skip
        elif index.constraint == "u":
            out.append(f"ALTER TABLE {table.name} ADD CONSTRAINT {index.name} "
                       f"UNIQUE ({_keyed(index.columns)})")  # fmt: skip
        elif index.unique:
            out.append(f"CREATE UNIQUE INDEX {index.name} ON {table.name} "
                       f"({_keyed(index.columns)})")  # fmt: skip
        else:
            out.append(index.definition)
    out += [f"ALTER TABLE {table.name} ADD CONSTRAINT {fk.name} {fk.definition}" for fk in keep]
    return out


def plan_partitioning(
    tables: tuple[TableFacts, ...], others: tuple[ForeignKeyFact, ...], count: int
) -> Plan:
    """Statements that turn `tables` (empty) into `count` hash partitions each. `others`: the
    foreign keys that the rest of the schema holds; those pointing at `tables` are dropped."""
    check_partitions(count)
    names = {t.name for t in tables}
    held = [fk for t in tables for fk in t.foreign_keys]
    dropped = tuple(fk for fk in (*others, *held) if fk.references in names)
    statements = [f"ALTER TABLE {fk.table} DROP CONSTRAINT {fk.name}" for fk in dropped]
    for table in tables:
        keep = [fk for fk in table.foreign_keys if fk.references not in names]
        statements += _rebuild(table, count, keep)
    return Plan(tuple(statements), dropped)
