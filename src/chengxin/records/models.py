"""Records and their versions. `records` holds the current version for cheap reads; every
version, the first included, is a row of `record_versions` that is never changed."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
)
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, UTCDateTime, new_id, str_enum


class RecordStatus(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"  # withdrawn by its source (撤销); kept in history, shown nowhere
    EXPIRED = (
        "expired"  # its display period ended (展示期满); the person and operators still see it
    )
    REPAIRED = "repaired"  # publicity ended by credit repair (信用修复); sharing and use stop


class Change(StrEnum):
    """Why a version exists."""

    CREATED = "created"
    CORRECTED = "corrected"  # by its source, in a batch
    REVOKED = "revoked"  # by its source, in a batch
    OBJECTION_CORRECTED = "objection_corrected"  # an objection's outcome (异议更正)
    OBJECTION_REVOKED = "objection_revoked"  # an objection's outcome (异议撤销)
    EXPIRED = "expired"  # the display period ran out
    REPAIRED = "repaired"  # credit repair approved


# Statuses in which a record is still the person's: shown to them, not to others once ended.
ENDED = frozenset({RecordStatus.EXPIRED, RecordStatus.REPAIRED})


class _RecordState:
    """Columns shared by the current record and each of its versions."""

    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[RecordStatus] = mapped_column(str_enum(RecordStatus, "record_status"))
    content: Mapped[str] = mapped_column(Text)  # canonical JSON of the validated fields
    content_hash: Mapped[str] = mapped_column(String(64))
    item_version: Mapped[dt.date] = mapped_column(Date)  # effective_from of the item version
    document_number: Mapped[str | None] = mapped_column(String(100))
    decision_date: Mapped[dt.date] = mapped_column(Date)
    occurrence_date: Mapped[dt.date] = mapped_column(Date)
    severity: Mapped[str | None] = mapped_column(String(16))
    publicised: Mapped[bool] = mapped_column(Boolean)
    display_start: Mapped[dt.date | None] = mapped_column(Date)
    display_earliest_end: Mapped[dt.date | None] = mapped_column(Date)
    display_latest_end: Mapped[dt.date | None] = mapped_column(Date)
    batch_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("batches.id"))


class Record(_RecordState, Base):
    """The current version of a record. Natural key: subject, item, source, source's record id."""

    __tablename__ = "records"
    __table_args__ = (
        # The source's record id leads: it is the selective column when a batch looks up its
        # rows, even before the planner has statistics for a freshly filled table.
        UniqueConstraint(
            "source_record_id", "source_id", "item_code", "subject_id", name="uq_records_natural"
        ),
        Index("ix_records_subject_item", "subject_id", "item_code"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"))
    item_code: Mapped[str] = mapped_column(String(64))
    source_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sources.id"))
    source_record_id: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(16))
    disclosure: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # None for this node's own records. A copy of another node's record (issue H) keeps that
    # record's id and names the node that holds the original here: only that node changes it.
    origin: Mapped[str | None] = mapped_column(String(32))


# The expiry job's daily question: which shown records of this node ended their display
# period? Only those are in the index, so a growing history of ended records does not slow it.
Index(
    "ix_records_expiry_due",
    Record.display_latest_end,
    Record.id,
    postgresql_where=and_(
        Record.status == "active", Record.publicised.is_(True), Record.origin.is_(None)
    ),
    sqlite_where=and_(
        Record.status == "active", Record.publicised.is_(True), Record.origin.is_(None)
    ),
)


class RecordVersion(_RecordState, Base):
    """One version of a record, with why, who and when. Never updated or deleted."""

    __tablename__ = "record_versions"
    __table_args__ = (UniqueConstraint("record_id", "version", name="uq_record_versions_version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records.id"))
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"), index=True)
    change: Mapped[Change] = mapped_column(str_enum(Change, "record_change"))
    reason: Mapped[str] = mapped_column(String(500))
    actor: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class RecordShare(Base):
    """A platform or recipient a record was shared with (filled by the exchange, issue H)."""

    __tablename__ = "record_shares"
    __table_args__ = (UniqueConstraint("record_id", "recipient", name="uq_record_shares"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(64))  # a node or agency code
    shared_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ChangeEvent(Base):
    """A correction, revocation, expiry or repair owed to one recipient of the record (R-4.4),
    due within a number of working days; the exchange delivers it and records the answer."""

    __tablename__ = "change_events"
    __table_args__ = (
        Index("ix_change_events_open_due", "delivered_at", "due_on"),  # not yet sent
        Index("ix_change_events_unacked_due", "acknowledged_at", "due_on"),  # overdue
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    change: Mapped[Change] = mapped_column(str_enum(Change, "change_event_change"))
    recipient: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    due_on: Mapped[dt.date] = mapped_column(Date)
    due_provisional: Mapped[bool] = mapped_column(Boolean)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
