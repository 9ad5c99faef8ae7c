"""Credentials: API keys of machine callers, accounts and browser sessions of people, and the
login attempts that throttling counts."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.access.permissions import Role
from chengxin.db import Base, UTCDateTime, new_id, str_enum


class KeyOwner(StrEnum):
    SOURCE = "source"  # a data-providing unit (数据提供单位)
    REQUESTER = "requester"  # a requester or implementing department (查询机构、实施部门)
    NODE = "node"  # another chengxin node (issue H)


class ApiKey(Base):
    __tablename__ = "api_keys"
    __table_args__ = (Index("ix_api_keys_owner", "owner_kind", "owner_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    prefix: Mapped[str] = mapped_column(String(12), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    owner_kind: Mapped[KeyOwner] = mapped_column(str_enum(KeyOwner, "key_owner"))
    owner_id: Mapped[uuid.UUID]
    label: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(100))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_by: Mapped[str | None] = mapped_column(String(100))


class Account(Base):
    """A person who logs in: citizen (bound to their subject), requester or department staff
    (bound to their requester), reviewer, operator or auditor."""

    __tablename__ = "accounts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id, with its parameters
    role: Mapped[Role] = mapped_column(str_enum(Role, "account_role"))
    subject_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("subjects.id"), unique=True)
    requester_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("requesters.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(100))
    disabled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    disabled_by: Mapped[str | None] = mapped_column(String(100))


class WebSession(Base):
    """A logged-in browser session. Only hashes of the cookie and CSRF secrets are stored."""

    __tablename__ = "web_sessions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_hash: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class LoginAttempt(Base):
    """One login attempt, kept for throttling. `username_key` is a keyed hash, not the name."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_user_time", "username_key", "at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    username_key: Mapped[str] = mapped_column(String(64))
    client: Mapped[str] = mapped_column(String(64))  # the client address
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    succeeded: Mapped[bool]
