"""List entries (名单) and their step history. The designating source's reasons and the person's
statement are sealed: they may name the person. Nothing is overwritten: a listing changes state by
conditional updates, and every step is a row of its own with its ledger entry."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, UTCDateTime, new_id, str_enum
from chengxin.identity.models import OrgRole
from chengxin.lists.rules import ListingState, ListKind, RemovalReason
from chengxin.sealed import sealed_columns


class ListEntry(Base):
    """One subject on one list. An organisation's entry reaches each of its legal representatives
    and responsible persons as an entry of their own (`org_entry_id`, §6.2 落实到人)."""

    __tablename__ = "list_entries"
    __table_args__ = (Index("ix_list_entries_type_state", "list_type", "state"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    list_type: Mapped[str] = mapped_column(String(64))
    type_effective_from: Mapped[dt.date] = mapped_column(Date)  # the type's version applied
    list_kind: Mapped[ListKind] = mapped_column(str_enum(ListKind, "list_kind"))
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"), index=True)
    state: Mapped[ListingState] = mapped_column(str_enum(ListingState, "listing_state"))
    version: Mapped[int] = mapped_column(Integer)  # bumped by every step (conditional updates)
    via_organisation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("subjects.id"), index=True
    )
    org_entry_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("list_entries.id"), index=True
    )
    org_role: Mapped[OrgRole | None] = mapped_column(str_enum(OrgRole, "listing_org_role"))
    source_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sources.id"), index=True)
    document_number: Mapped[str] = mapped_column(String(100))  # 列入决定书 / 告知书 number
    decision_date: Mapped[dt.date] = mapped_column(Date)
    conduct_date: Mapped[dt.date] = mapped_column(Date)  # whose roles reach (§6.2)
    reasons_enc: Mapped[bytes] = mapped_column(LargeBinary)  # sealed
    proposed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    proposed_by: Mapped[str] = mapped_column(String(100))
    noticed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    answer_deadline: Mapped[dt.date | None] = mapped_column(Date, index=True)
    answer_deadline_provisional: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    effective_from: Mapped[dt.date | None] = mapped_column(Date)
    term_end: Mapped[dt.date | None] = mapped_column(Date, index=True)  # last day in effect
    removed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    removal_reason: Mapped[RemovalReason | None] = mapped_column(
        str_enum(RemovalReason, "removal_reason")
    )


class ListStep(Base):
    """One step of a listing: who did what, when, why. Never changed."""

    __tablename__ = "list_steps"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("list_entries.id"), index=True)
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"))  # distribution key
    event: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    reason_enc: Mapped[bytes | None] = mapped_column(LargeBinary)  # sealed: may name the person
    document_number: Mapped[str | None] = mapped_column(String(100))
    conditions: Mapped[str | None] = mapped_column(String(200))  # early removal: attested ones
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ledger_index: Mapped[int] = mapped_column(Integer)


sealed_columns(ListEntry, "reasons_enc")
sealed_columns(ListStep, "reason_enc")
