"""agencies: credit agencies, agreements, exports (R-5.5)

Revision ID: 0018
Revises: 0017
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

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agencies",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=True),
        sa.Column("added_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agencies")),
        sa.UniqueConstraint("code", name=op.f("uq_agencies_code")),
    )
    op.create_table(
        "agency_agreements",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("items", sa.Text(), nullable=False),
        sa.Column("purposes", sa.Text(), nullable=False),
        sa.Column("frequency", sa.String(length=16), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("legal_basis", sa.String(length=500), nullable=False),
        sa.Column("created_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("ended_at", chengxin.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_agency_agreements_agency_id_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_agreements")),
    )
    with op.batch_alter_table("agency_agreements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agency_agreements_agency_id"), ["agency_id"], unique=False
        )

    op.create_table(
        "agency_exports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("agreement_id", sa.Uuid(), nullable=False),
        sa.Column("agency_code", sa.String(length=32), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agency_agreements.id"],
            name=op.f("fk_agency_exports_agreement_id_agency_agreements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_exports")),
        sa.UniqueConstraint("agency_code", "sequence", name=op.f("uq_agency_exports_agency_code")),
    )
    with op.batch_alter_table("agency_exports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agency_exports_agreement_id"), ["agreement_id"], unique=False
        )

    op.create_table(
        "agency_sent",
        sa.Column("agreement_id", sa.Uuid(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("export_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agency_agreements.id"],
            name=op.f("fk_agency_sent_agreement_id_agency_agreements"),
        ),
        sa.ForeignKeyConstraint(
            ["export_id"],
            ["agency_exports.id"],
            name=op.f("fk_agency_sent_export_id_agency_exports"),
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_agency_sent_record_id_records")
        ),
        sa.PrimaryKeyConstraint("agreement_id", "record_id", name=op.f("pk_agency_sent")),
    )


def downgrade() -> None:
    op.drop_table("agency_sent")
    with op.batch_alter_table("agency_exports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agency_exports_agreement_id"))

    op.drop_table("agency_exports")
    with op.batch_alter_table("agency_agreements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agency_agreements_agency_id"))

    op.drop_table("agency_agreements")
    op.drop_table("agencies")
