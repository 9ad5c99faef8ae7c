"""tip-offs

Revision ID: 0013
Revises: 0012
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

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tipoffs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tracking_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "health_safety",
                "market_order",
                "evading_obligations",
                "national_defence",
                "key_supervision",
                "other",
                name="tipoff_category",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("subject_enc", sa.LargeBinary(), nullable=False),
        sa.Column("text_enc", sa.LargeBinary(), nullable=False),
        sa.Column("contact_enc", sa.LargeBinary(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "received",
                "accepted",
                "rejected",
                "referred",
                "closed",
                name="tipoff_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("referred_source_id", sa.Uuid(), nullable=True),
        sa.Column("filed_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", chengxin.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["referred_source_id"],
            ["sources.id"],
            name=op.f("fk_tipoffs_referred_source_id_sources"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tipoffs")),
        sa.UniqueConstraint("tracking_hash", name=op.f("uq_tipoffs_tracking_hash")),
    )
    with op.batch_alter_table("tipoffs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tipoffs_region_code"), ["region_code"], unique=False)
        batch_op.create_index("ix_tipoffs_state_filed", ["state", "filed_at"], unique=False)

    op.create_table(
        "tipoff_files",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tipoff_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_enc", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tipoff_id"], ["tipoffs.id"], name=op.f("fk_tipoff_files_tipoff_id_tipoffs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tipoff_files")),
    )
    with op.batch_alter_table("tipoff_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tipoff_files_tipoff_id"), ["tipoff_id"], unique=False)

    op.create_table(
        "tipoff_steps",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tipoff_id", sa.Uuid(), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("from_state", sa.String(length=32), nullable=True),
        sa.Column("to_state", sa.String(length=32), nullable=False),
        sa.Column("source_id", sa.Uuid(), nullable=True),
        sa.Column("reason_enc", sa.LargeBinary(), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ledger_index", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_tipoff_steps_source_id_sources")
        ),
        sa.ForeignKeyConstraint(
            ["tipoff_id"], ["tipoffs.id"], name=op.f("fk_tipoff_steps_tipoff_id_tipoffs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tipoff_steps")),
    )
    with op.batch_alter_table("tipoff_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tipoff_steps_tipoff_id"), ["tipoff_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tipoff_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tipoff_steps_tipoff_id"))

    op.drop_table("tipoff_steps")
    with op.batch_alter_table("tipoff_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tipoff_files_tipoff_id"))

    op.drop_table("tipoff_files")
    with op.batch_alter_table("tipoffs", schema=None) as batch_op:
        batch_op.drop_index("ix_tipoffs_state_filed")
        batch_op.drop_index(batch_op.f("ix_tipoffs_region_code"))

    op.drop_table("tipoffs")
