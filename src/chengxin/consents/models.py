"""Consents and their signed versions. A consent row holds the current state; every state it has
had is a `ConsentVersion`, signed by the node and never changed."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.consents.rules import ConsentStatus, Purpose
from chengxin.db import Base, UTCDateTime, new_id, str_enum


class Consent(Base):
    """A person's consent (授权) for one requester, one purpose, a scope and a period."""

    __tablename__ = "consents"
    __table_args__ = (Index("ix_consents_subject_requester", "subject_id", "requester_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"))
    requester_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("requesters.id"), index=True)
    purpose: Mapped[Purpose] = mapped_column(str_enum(Purpose, "consent_purpose"))
    scope_levels: Mapped[str] = mapped_column(String(100))  # comma-separated, sorted
    scope_categories: Mapped[str] = mapped_column(String(100))  # empty: every category
    valid_from: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    valid_until: Mapped[dt.datetime] = mapped_column(UTCDateTime())  # exclusive
    status: Mapped[ConsentStatus] = mapped_column(str_enum(ConsentStatus, "consent_status"))
    version: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(100))
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    withdrawn_by: Mapped[str | None] = mapped_column(String(100))
    withdraw_reason: Mapped[str | None] = mapped_column(String(500))


class ConsentVersion(Base):
    """One state of a consent: its canonical JSON body and the node's Ed25519 signature over the
    body's UTF-8 bytes (base64). Written once, never updated."""

    __tablename__ = "consent_versions"
    __table_args__ = (UniqueConstraint("consent_id", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    consent_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("consents.id"))
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"), index=True)
    version: Mapped[int]
    body: Mapped[str] = mapped_column(Text)
    signature: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(100))
