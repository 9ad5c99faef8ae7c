"""The requester registry and its violation records."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, UTCDateTime, new_id, str_enum


class RequesterKind(StrEnum):
    CREDIT_AGENCY = "credit_agency"  # 征信机构
    BANK = "bank"  # 银行
    FINANCIAL_INSTITUTION = "financial_institution"  # 其他金融机构
    EMPLOYER = "employer"  # 用人单位
    LANDLORD = "landlord"  # 房屋出租人
    GOVERNMENT_DEPARTMENT = "government_department"  # 政府部门（实施部门）: legal basis, no consent
    OTHER = "other"  # 其他


class Requester(Base):
    """A body that queries people. Blacklisting is immediate: its keys and staff are refused."""

    __tablename__ = "requesters"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[RequesterKind] = mapped_column(str_enum(RequesterKind, "requester_kind"))
    region_code: Mapped[str] = mapped_column(String(6))
    uscc: Mapped[str | None] = mapped_column(String(18))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(100))
    blacklisted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    blacklisted_by: Mapped[str | None] = mapped_column(String(100))
    blacklist_reason: Mapped[str | None] = mapped_column(String(500))


class RequesterViolation(Base):
    """A rule broken by a requester (or its staff), on file with its decision."""

    __tablename__ = "requester_violations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    requester_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("requesters.id"), index=True)
    occurred_on: Mapped[dt.date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(1000))
    document_number: Mapped[str | None] = mapped_column(String(100))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str] = mapped_column(String(100))


class BlacklistEvent(StrEnum):
    BLACKLISTED = "blacklisted"  # 列入违规经营黑名单
    LIFTED = "lifted"  # 移出


class RequesterBlacklistEvent(Base):
    """The blacklist history of a requester. The requester row holds only the current state;
    this table keeps every decision, so lifting a blacklisting overwrites nothing."""

    __tablename__ = "requester_blacklist_events"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    requester_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("requesters.id"), index=True)
    event: Mapped[BlacklistEvent] = mapped_column(str_enum(BlacklistEvent, "blacklist_event"))
    reason: Mapped[str] = mapped_column(String(500))
    document_number: Mapped[str | None] = mapped_column(String(100))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(100))
