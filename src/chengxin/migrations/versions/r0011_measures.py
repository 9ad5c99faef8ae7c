"""measures checks and feedback, national push queue

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26

Before merging, think about locks on PostgreSQL: adding a NOT NULL column without a default,
adding an index without CONCURRENTLY, or changing a type on a large per-person table takes an
ACCESS EXCLUSIVE lock. Set `SET lock_timeout = '5s'` in such a step and split long work.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import chengxin.db

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "checks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("requester_id", sa.Uuid(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("scenario", sa.String(length=40), nullable=False),
        sa.Column("query_id", sa.Uuid(), nullable=False),
        sa.Column("measures", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["query_id"], ["query_register.id"], name=op.f("fk_checks_query_id_query_register")
        ),
        sa.ForeignKeyConstraint(
            ["requester_id"], ["requesters.id"], name=op.f("fk_checks_requester_id_requesters")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_checks_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checks")),
    )
    with op.batch_alter_table("checks", schema=None) as batch_op:
        batch_op.create_index("ix_checks_requester_at", ["requester_id", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_checks_subject_id"), ["subject_id"], unique=False)

    op.create_table(
        "check_feedback",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("check_id", sa.Uuid(), nullable=False),
        sa.Column("measure_code", sa.String(length=64), nullable=False),
        sa.Column("requester_id", sa.Uuid(), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "applied",
                "skipped",
                "overridden",
                name="feedback_outcome",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("reason_enc", sa.LargeBinary(), nullable=True),
        sa.Column("document_number", sa.String(length=100), nullable=True),
        sa.Column("at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["check_id"], ["checks.id"], name=op.f("fk_check_feedback_check_id_checks")
        ),
        sa.ForeignKeyConstraint(
            ["requester_id"],
            ["requesters.id"],
            name=op.f("fk_check_feedback_requester_id_requesters"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_feedback")),
        sa.UniqueConstraint("check_id", "measure_code", name="uq_check_feedback"),
    )
    with op.batch_alter_table("check_feedback", schema=None) as batch_op:
        batch_op.create_index(
            "ix_check_feedback_measure", ["measure_code", "requester_id"], unique=False
        )

    op.create_table(
        "check_results",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("check_id", sa.Uuid(), nullable=False),
        sa.Column("measure_code", sa.String(length=64), nullable=False),
        sa.Column("measure_version", sa.Date(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "reward",
                "punishment",
                name="measure_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "effect",
            sa.Enum(
                "prohibit",
                "restrict",
                "heightened_scrutiny",
                "priority",
                "green_channel",
                "documents_to_follow",
                "fewer_inspections",
                "deposit_waiver",
                name="measure_effect",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["check_id"], ["checks.id"], name=op.f("fk_check_results_check_id_checks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_results")),
        sa.UniqueConstraint("check_id", "measure_code", name="uq_check_results"),
    )
    with op.batch_alter_table("check_results", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_check_results_measure_code"), ["measure_code"], unique=False
        )

    op.create_table(
        "national_push",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("criterion", sa.String(length=64), nullable=False),
        sa.Column("queued_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", chengxin.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_national_push_record_id_records")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_national_push")),
        sa.UniqueConstraint("record_id", name=op.f("uq_national_push_record_id")),
    )
    with op.batch_alter_table("national_push", schema=None) as batch_op:
        batch_op.create_index("ix_national_push_unsent", ["sent_at", "queued_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("national_push", schema=None) as batch_op:
        batch_op.drop_index("ix_national_push_unsent")

    op.drop_table("national_push")
    with op.batch_alter_table("check_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_check_results_measure_code"))

    op.drop_table("check_results")
    with op.batch_alter_table("check_feedback", schema=None) as batch_op:
        batch_op.drop_index("ix_check_feedback_measure")

    op.drop_table("check_feedback")
    with op.batch_alter_table("checks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checks_subject_id"))
        batch_op.drop_index("ix_checks_requester_at")

    op.drop_table("checks")
