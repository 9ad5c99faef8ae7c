"""federation: copies of other nodes' records, acks

Revision ID: 0017
Revises: 0016
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

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "exchange_acks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("peer_id", sa.Uuid(), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("messages_sha256", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("refused", sa.Text(), nullable=False),
        sa.Column("created_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["peer_id"], ["peer_nodes.id"], name=op.f("fk_exchange_acks_peer_id_peer_nodes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_acks")),
        sa.UniqueConstraint("peer_id", "sequence", name=op.f("uq_exchange_acks_peer_id")),
    )
    with op.batch_alter_table("exchange_inbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("applied_at", chengxin.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("applied", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("refused", sa.Integer(), nullable=True))

    with op.batch_alter_table("exchange_outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("acknowledged_at", chengxin.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("ack_outcome", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("ack_refused", sa.Integer(), nullable=True))

    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("origin", sa.String(length=32), nullable=True))

    # SQLite ignores a VARCHAR's length, and rebuilding `sources` there would break the foreign
    # keys that point at it: only PostgreSQL widens the column.
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("sources", "code", existing_type=sa.VARCHAR(length=32),
                        type_=sa.String(length=65), existing_nullable=False)  # fmt: skip


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("sources", "code", existing_type=sa.String(length=65),
                        type_=sa.VARCHAR(length=32), existing_nullable=False)  # fmt: skip

    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_column("origin")

    with op.batch_alter_table("exchange_outbox", schema=None) as batch_op:
        batch_op.drop_column("ack_refused")
        batch_op.drop_column("ack_outcome")
        batch_op.drop_column("acknowledged_at")

    with op.batch_alter_table("exchange_inbox", schema=None) as batch_op:
        batch_op.drop_column("refused")
        batch_op.drop_column("applied")
        batch_op.drop_column("applied_at")

    op.drop_table("exchange_acks")
