"""peer nodes

Revision ID: 0015
Revises: 0014
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

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "peer_nodes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "regional",
                "national",
                name="node_role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("base_url", sa.String(length=300), nullable=False),
        sa.Column("public_key", sa.String(length=44), nullable=False),
        sa.Column("added_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.String(length=100), nullable=False),
        sa.Column("disabled_at", chengxin.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("disabled_by", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peer_nodes")),
        sa.UniqueConstraint("code", name=op.f("uq_peer_nodes_code")),
        sa.UniqueConstraint("public_key", name=op.f("uq_peer_nodes_public_key")),
    )
    op.create_table(
        "peer_nonces",
        sa.Column("node_code", sa.String(length=32), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("expires_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("node_code", "nonce", name=op.f("pk_peer_nonces")),
    )
    with op.batch_alter_table("peer_nonces", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_peer_nonces_expires_at"), ["expires_at"], unique=False)

    op.create_table(
        "exchange_inbox",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("peer_id", sa.Uuid(), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("received_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("messages_sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("body_enc", sa.LargeBinary(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["peer_id"], ["peer_nodes.id"], name=op.f("fk_exchange_inbox_peer_id_peer_nodes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_inbox")),
        sa.UniqueConstraint("peer_id", "sequence", name=op.f("uq_exchange_inbox_peer_id")),
    )


def downgrade() -> None:
    op.drop_table("exchange_inbox")
    with op.batch_alter_table("peer_nonces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_peer_nonces_expires_at"))

    op.drop_table("peer_nonces")
    op.drop_table("peer_nodes")
