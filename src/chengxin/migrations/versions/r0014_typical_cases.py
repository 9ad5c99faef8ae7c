"""typical cases

Revision ID: 0014
Revises: 0013
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

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "typical_cases",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "honour",
                "warning",
                name="typical_case_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("masked_name", sa.String(length=64), nullable=False),
        sa.Column("title_zh", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("story_zh_enc", sa.LargeBinary(), nullable=False),
        sa.Column("story_en_enc", sa.LargeBinary(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "asked",
                "consented",
                "declined",
                "published",
                "ended",
                name="typical_case_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("asked_by", sa.String(length=100), nullable=False),
        sa.Column("asked_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("consented_at", chengxin.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("consent_ledger_index", sa.Integer(), nullable=True),
        sa.Column("published_at", chengxin.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("shown_until", sa.Date(), nullable=True),
        sa.Column("ended_at", chengxin.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("end_event", sa.String(length=16), nullable=True),
        sa.Column("end_reason_enc", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_typical_cases_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_typical_cases")),
    )
    with op.batch_alter_table("typical_cases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_typical_cases_state_until", ["state", "shown_until"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_typical_cases_subject_id"), ["subject_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("typical_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_typical_cases_subject_id"))
        batch_op.drop_index("ix_typical_cases_state_until")

    op.drop_table("typical_cases")
