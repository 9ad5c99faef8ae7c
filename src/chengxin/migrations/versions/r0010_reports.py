"""issued credit reports

Revision ID: 0010
Revises: 0009
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

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "issued_reports",
        sa.Column("code", sa.String(length=19), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("query_id", sa.Uuid(), nullable=False),
        sa.Column("audience", sa.String(length=100), nullable=False),
        sa.Column("issued_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["query_id"],
            ["query_register.id"],
            name=op.f("fk_issued_reports_query_id_query_register"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_issued_reports_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_issued_reports")),
    )
    with op.batch_alter_table("issued_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_issued_reports_subject_id"), ["subject_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("issued_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_issued_reports_subject_id"))
    op.drop_table("issued_reports")
