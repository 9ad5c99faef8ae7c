"""records: a partial index for the expiry job (shown, own records by their last display day)

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-26

Without it the daily expiry job reads the whole records table once per chunk of 500 (21 s a
chunk at 65,000,000 records, 72 ms with it; docs/performance.md "Scale"). On a large
PostgreSQL node, create it beforehand without blocking ingestion, and this step then skips it:
`CREATE INDEX CONCURRENTLY ix_records_expiry_due ON records (display_latest_end, id)
WHERE status = 'active' AND publicised IS true AND origin IS NULL`.

Before merging, think about locks on PostgreSQL: adding a NOT NULL column without a default,
adding an index without CONCURRENTLY, or changing a type on a large per-person table takes an
ACCESS EXCLUSIVE lock. Set `SET lock_timeout = '5s'` in such a step and split long work.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_records_expiry_due"
SHOWN = "status = 'active' AND publicised IS true AND origin IS NULL"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SET LOCAL lock_timeout = '5s'")
        op.execute(f"CREATE INDEX IF NOT EXISTS {NAME} ON records (display_latest_end, id) "
                   f"WHERE {SHOWN}")  # fmt: skip
        return
    shown = "status = 'active' AND publicised = 1 AND origin IS NULL"  # SQLite's booleans
    op.create_index(NAME, "records", ["display_latest_end", "id"], sqlite_where=sa.text(shown))


def downgrade() -> None:
    op.drop_index(NAME, table_name="records")
