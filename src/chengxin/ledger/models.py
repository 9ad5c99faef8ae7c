"""The ledger's tables: entries (append-only), the Merkle tree's perfect-subtree nodes, signed
checkpoints, and a one-row head that serialises appends."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import BigInteger, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, UTCDateTime


class LedgerEntry(Base):
    """Leaf `idx` of the log: the canonical JSON that was hashed, and its leaf hash. Never changed.
    `subject_id` lets a citizen find the entries about them; it is not part of what is hashed."""

    __tablename__ = "ledger_entries"

    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    body: Mapped[str] = mapped_column(Text)
    leaf_hash: Mapped[str] = mapped_column(String(64))  # lower-case hex
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class LedgerNode(Base):
    """The hash of the perfect subtree over leaves [idx·2^level, (idx+1)·2^level), level ≥ 1.
    Stored once complete, so a proof needs O(log n) lookups at any size."""

    __tablename__ = "ledger_nodes"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64))


class LedgerHead(Base):
    """One row (id 1): the tree size. Appenders lock it: concurrent writers never fork the log."""

    __tablename__ = "ledger_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger)


class LedgerCheckpoint(Base):
    """A signed checkpoint: the C2SP checkpoint body (`note`) and the Ed25519 signature over it."""

    __tablename__ = "ledger_checkpoints"

    tree_size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root_hash: Mapped[str] = mapped_column(String(64))
    timestamp: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(Text)
    signature: Mapped[str] = mapped_column(String(100))  # base64
