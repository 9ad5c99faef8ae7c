"""Issue 10 (scale): the plan that hash-partitions the per-person tables by subject key — pure,
from catalog facts: keys gain the subject, keys pointing at the partitioned tables go, the rest
is rebuilt as it was."""

from __future__ import annotations

import pytest

from chengxin.errors import InvalidInput
from chengxin.partitioning.plan import (
    ForeignKeyFact,
    IndexFact,
    TableFacts,
    check_partitions,
    partition_name,
    plan_partitioning,
)

RECORDS = TableFacts(
    "records",
    (
        IndexFact("pk_records", ("id",), "", unique=True, constraint="p"),
        IndexFact("uq_records_natural", ("source_record_id", "subject_id"), "", unique=True,
                  constraint="u"),
        IndexFact("uq_records_other", ("content_hash",), "", unique=True),
        IndexFact("ix_records_updated_at", ("updated_at",),
                  "CREATE INDEX ix_records_updated_at ON public.records USING btree (updated_at)"),
    ),
    (
        ForeignKeyFact("records", "fk_records_subject_id_subjects",
                       "FOREIGN KEY (subject_id) REFERENCES subjects(id)", "subjects"),
    ),
)  # fmt: skip
VERSIONS = TableFacts(
    "record_versions",
    (IndexFact("pk_record_versions", ("id",), "", unique=True, constraint="p"),),
    (
        ForeignKeyFact("record_versions", "fk_record_versions_record_id_records",
                       "FOREIGN KEY (record_id) REFERENCES records(id)", "records"),
    ),
)  # fmt: skip
OBJECTIONS = ForeignKeyFact("objections", "fk_objections_record_id_records",
                            "FOREIGN KEY (record_id) REFERENCES records(id)", "records")  # fmt: skip
ACCOUNTS = ForeignKeyFact("accounts", "fk_accounts_subject_id_subjects",
                          "FOREIGN KEY (subject_id) REFERENCES subjects(id)", "subjects")  # fmt: skip


def _plan(count: int = 4) -> list[str]:
    return list(plan_partitioning((RECORDS, VERSIONS), (OBJECTIONS, ACCOUNTS), count).statements)


def test_unique_keys_gain_the_subject_key_and_plain_indexes_come_back_as_they_were() -> None:
    statements = _plan()
    assert (
        "ALTER TABLE records ADD CONSTRAINT pk_records PRIMARY KEY (id, subject_id)" in statements
    )
    assert (
        "ALTER TABLE records ADD CONSTRAINT uq_records_natural "
        "UNIQUE (source_record_id, subject_id)"
    ) in statements  # already had it: unchanged
    assert ("CREATE UNIQUE INDEX uq_records_other ON records (content_hash, subject_id)"
            in statements)  # fmt: skip
    assert RECORDS.indexes[3].definition in statements


def test_keys_pointing_at_a_partitioned_table_are_dropped_first_and_not_rebuilt() -> None:
    plan = plan_partitioning((RECORDS, VERSIONS), (OBJECTIONS, ACCOUNTS), 4)
    assert {k.name for k in plan.dropped} == {
        "fk_objections_record_id_records", "fk_record_versions_record_id_records",
    }  # fmt: skip
    statements = list(plan.statements)
    assert statements[:2] == [
        "ALTER TABLE objections DROP CONSTRAINT fk_objections_record_id_records",
        "ALTER TABLE record_versions DROP CONSTRAINT fk_record_versions_record_id_records",
    ]
    assert not any("ADD CONSTRAINT fk_record_versions_record_id_records" in s for s in statements)
    assert not any("accounts" in s for s in statements)  # keys on other tables stay
    assert ("ALTER TABLE records ADD CONSTRAINT fk_records_subject_id_subjects "
            "FOREIGN KEY (subject_id) REFERENCES subjects(id)") in statements  # fmt: skip


def test_each_table_is_rebuilt_as_hash_partitions_of_itself() -> None:
    statements = _plan(16)
    at = statements.index("ALTER TABLE records RENAME TO records__unpartitioned")
    assert statements[at + 1] == (
        "CREATE TABLE records (LIKE records__unpartitioned INCLUDING DEFAULTS INCLUDING "
        "CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY HASH (subject_id)"
    )
    parts = [s for s in statements if s.startswith("CREATE TABLE records_p")]
    assert parts[0] == ("CREATE TABLE records_p00 PARTITION OF records "
                        "FOR VALUES WITH (MODULUS 16, REMAINDER 0)")  # fmt: skip
    assert len(parts) == 16
    assert parts[-1].startswith("CREATE TABLE records_p15 ")
    assert statements.index("DROP TABLE records__unpartitioned") > at + 16


@pytest.mark.parametrize(("table", "remainder", "count", "name"), [
    ("records", 0, 2, "records_p0"), ("records", 9, 10, "records_p9"),
    ("record_versions", 7, 11, "record_versions_p07"), ("records", 1023, 1024, "records_p1023"),
])  # fmt: skip
def test_partition_names_sort_in_order(table: str, remainder: int, count: int, name: str) -> None:
    assert partition_name(table, remainder, count) == name


@pytest.mark.parametrize("count", [-1, 0, 1, 1025, 10**12])
def test_a_count_out_of_range_is_refused_naming_the_field(count: int) -> None:
    with pytest.raises(InvalidInput) as refused:
        plan_partitioning((RECORDS,), (), count)
    assert (refused.value.field, refused.value.rule) == ("partitions", "range")
    assert str(refused.value) == "partitions: must be between 2 and 1024"


@pytest.mark.parametrize("count", [2, 32, 1024])
def test_counts_in_range_are_taken(count: int) -> None:
    assert check_partitions(count) == count
