"""exchange outbox

Revision ID: 0016
Revises: 0015
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

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "exchange_outbox",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("peer_id", sa.Uuid(), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("created_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("message_count", sa.Integer(), nullable=False),
        sa.Column("messages_sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("body_enc", sa.LargeBinary(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", chengxin.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("sent_at", chengxin.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["peer_id"], ["peer_nodes.id"], name=op.f("fk_exchange_outbox_peer_id_peer_nodes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_outbox")),
        sa.UniqueConstraint("peer_id", "sequence", name=op.f("uq_exchange_outbox_peer_id")),
    )
    op.create_table(
        "exchange_outbox_items",
        sa.Column("item_kind", sa.String(length=16), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("package_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["package_id"],
            ["exchange_outbox.id"],
            name=op.f("fk_exchange_outbox_items_package_id_exchange_outbox"),
        ),
        sa.PrimaryKeyConstraint("item_kind", "item_id", name=op.f("pk_exchange_outbox_items")),
    )
    with op.batch_alter_table("exchange_outbox_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exchange_outbox_items_package_id"), ["package_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("exchange_outbox_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exchange_outbox_items_package_id"))

    op.drop_table("exchange_outbox_items")
    op.drop_table("exchange_outbox")
