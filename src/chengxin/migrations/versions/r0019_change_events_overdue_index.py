"""change events: an index for the overdue check (not acknowledged by the due day, R-4.4)

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-26

Before merging, think about locks on PostgreSQL: adding a NOT NULL column without a default,
adding an index without CONCURRENTLY, or changing a type on a large per-person table takes an
ACCESS EXCLUSIVE lock. Set `SET lock_timeout = '5s'` in such a step and split long work.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SET LOCAL lock_timeout = '5s'")  # change_events is small; never wait long
    with op.batch_alter_table("change_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_change_events_unacked_due", ["acknowledged_at", "due_on"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("change_events", schema=None) as batch_op:
        batch_op.drop_index("ix_change_events_unacked_due")
