"""Tables of notifications: a citizen's e-mail contact (sealed), the inbox (站内信) and the e-mail
outbox. The outbox holds no address: delivery reads the contact when it sends."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, UTCDateTime, new_id, str_enum
from chengxin.sealed import sealed_columns


class OutboxStatus(StrEnum):
    PENDING = "pending"  # waiting for its next attempt (next_attempt_at)
    SENDING = "sending"  # claimed by a worker until next_attempt_at (a lease)
    SENT = "sent"
    FAILED = "failed"  # given up: too many attempts, or no address any more


class Contact(Base):
    """A citizen's e-mail address, sealed (AES-GCM bound to notification_contacts.email_enc:<id>).
    Not verified: there is no confirmation mail yet, so `verified_at` stays empty."""

    __tablename__ = "notification_contacts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"), unique=True)
    email_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Notification(Base):
    """One notice in an inbox (站内信): a citizen's (subject_id) or a staff account's
    (account_id), exactly one of the two. Texts carry no ID numbers or full names."""

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(
            "(subject_id IS NULL AND account_id IS NOT NULL)"
            " OR (subject_id IS NOT NULL AND account_id IS NULL)",
            name="one_recipient",
        ),
        Index("ix_notifications_subject_created", "subject_id", "created_at"),
        Index("ix_notifications_account_created", "account_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    subject_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("subjects.id"))
    account_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("accounts.id"))
    topic: Mapped[str] = mapped_column(String(64))
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    body_zh: Mapped[str] = mapped_column(String(2000))
    body_en: Mapped[str] = mapped_column(String(2000))
    ref: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class OutboxEmail(Base):
    """An e-mail owed for one notice. `attempts` counts claims; `last_error` is an exception
    class name only, never an address or a server's reply."""

    __tablename__ = "outbox_emails"
    __table_args__ = (Index("ix_outbox_emails_due", "status", "next_attempt_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    notification_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("notifications.id"), unique=True)
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"), index=True)
    status: Mapped[OutboxStatus] = mapped_column(str_enum(OutboxStatus, "outbox_status"))
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


sealed_columns(Contact, "email_enc")
